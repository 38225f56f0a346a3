import re

import numpy as np
import pandas as pd
import pytest

from semcom_core.costs import compute as C
from semcom_ui import plots


def table():
    return C.cost_table("resnet18", 10, 64, 2, ("true",))


def test_normalized_computation_figure_values():
    t = table()
    g = np.array([1e-5, 1e-2, 1.0])
    fig = plots.normalized_computation_figure(t, 0.01, "SP-3", gammas=g)
    lines = [tr for tr in fig.data if tr.type == "scatter" and tr.hoverinfo != "skip"]
    assert [tr.name for tr in lines] == list(t.split)
    for tr, r in zip(lines, t.itertuples()):
        expect = (r.tx_macs + g * r.rx_macs) / r.unsplit_macs
        np.testing.assert_allclose(tr.y, expect)
    widths = {tr.name: tr.line.width for tr in lines}
    assert widths["SP-3"] > widths["SP-2"]  # the current split is highlighted
    shapes = fig.layout.shapes
    assert any(s.type == "rect" and s.y0 == 1.0 for s in shapes)  # "splitting costs more" region
    # current gamma marked in data units by a trace (a shape on a log axis is placed differently by plotly.js versions)
    assert fig.layout.xaxis.type == "log" and not [s for s in shapes if s.type == "line" and s.x0 == s.x1]
    marker = [tr for tr in fig.data if tr.hoverinfo == "skip"]
    assert len(marker) == 1 and list(marker[0].x) == [0.01, 0.01] and "γ = 0.01" in marker[0].text


def test_macs_and_latency_figures():
    t = table()
    fig = plots.macs_split_figure(t, "SP-2")
    tx, rx = fig.data
    np.testing.assert_allclose(np.array(tx.y) + np.array(rx.y), (t.tx_macs + t.rx_macs) / 1e6)
    parts = pd.DataFrame({"split": t.split, "tx_compute_s": 0.001, "air_s": 0.002, "rx_compute_s": 0.003})
    lat = plots.latency_figure(parts, "SP-4")
    assert [tr.name for tr in lat.data] == ["transmitter compute", "air time", "receiver compute"]
    np.testing.assert_allclose(lat.data[1].y, 2.0)  # milliseconds


# ----------------------------------------------------------------------------- presentation (issue 27)
def test_top5_legend_sits_above_the_bars_not_on_them():
    """The legend is outside the plot area (above it, growing upwards as it wraps in a narrow column), so it
    never covers the top bar, which is the predicted class."""
    fig = plots.top5_figure({"unsplit model": [("cat", 0.9), ("dog", 0.05)],
                             "noiseless channel": [("cat", 0.6), ("dog", 0.3)],
                             "noisy channel": [("dog", 0.5), ("cat", 0.4)]})
    lg = fig.layout.legend
    assert lg.orientation == "h" and lg.yanchor == "bottom" and lg.y >= 1.0  # its lowest edge above the plot
    assert fig.layout.margin.autoexpand is not False  # plotly grows the top margin to fit it
    # the top row is the predicted class, whichever series lists which classes
    assert list(fig.layout.yaxis.categoryarray)[-1] == "cat" and fig.layout.yaxis.categoryorder == "array"
    fig = plots.top5_figure({"unsplit model": [("bird", 0.5), ("cat", 0.3)], "noisy channel": [("dog", 0.8), ("bird", 0.1)]})
    assert list(fig.layout.yaxis.categoryarray)[::-1] == ["dog", "bird", "cat"]


def iot_rows(cliff_at: float) -> pd.DataFrame:
    """A table with the separation system's cliff between two SNRs and a gently degrading learned one."""
    snr = np.arange(-10.0, 21.0, 5.0)
    sep = np.where(snr < cliff_at, 0.1, 0.98)
    learned = np.clip(0.6 + 0.02 * snr, 0, 1)
    return pd.DataFrame({"snr_db": snr, "learned_accuracy": learned, "learned_ci_low": learned - 0.01,
                         "learned_ci_high": learned + 0.01, "separation_accuracy": sep,
                         "separation_ci_low": sep - 0.01, "separation_ci_high": sep + 0.01,
                         "learned_channel_uses": 16, "separation_channel_uses": 300})


def test_iot_cliff_label_and_current_snr_label_never_overlap():
    rows = iot_rows(2.0)
    cliff = plots.cliff_snr(rows.snr_db, rows.separation_accuracy, 0.1)
    assert cliff is not None and 0.0 < cliff < 5.0
    for snr in (cliff, round(cliff * 2) / 2, -10.0, 20.0):  # on the cliff, next to it, far from it
        fig = plots.iot_accuracy_figure(rows, snr, (-5.0, 10.0))
        ann = {a.name: a for a in fig.layout.annotations if a.name}
        c, s = ann["cliff"], ann["current SNR"]
        assert c.x == pytest.approx(cliff) and s.x == snr and "cliff" in c.text and f"{snr:g} dB" in s.text
        # the current SNR's label lies wholly above the plot area, the cliff's wholly inside it
        assert s.yref == "paper" and s.yanchor == "bottom" and s.y >= 1.0
        assert c.yref == "paper" and c.yanchor == "top" and c.y <= 1.0
        # and on the side of its own line away from the current SNR's line, which therefore does not cross it
        assert c.xanchor == ("left" if snr <= cliff else "right")


def svg_blocks(svg: str) -> list[dict]:
    """The diagram's blocks as drawn: each <g class="block"> with its rect, its texts (text, font size, bold)
    and its tooltip."""
    out = []
    for g in re.findall(r'<g class="block">(.*?)</g>', svg, re.S):
        rect = re.search(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', g)
        texts = [(t, float(size), bool(bold)) for size, bold, t in
                 re.findall(r'<text [^>]*font-size="([\d.]+)" fill="white"( font-weight="bold")?>([^<]*)</text>', g)]
        out.append({"x": float(rect[1]), "width": float(rect[2]), "texts": texts,
                    "title": re.search(r"<title>(.*?)</title>", g, re.S)[1]})
    return out


@pytest.mark.parametrize("backbone", ["resnet18", "resnet34"])
def test_network_diagram_text_fits_its_boxes(backbone):
    """Every line of every block's text fits its block in the SVG's viewBox by a generous width estimate
    (0.62 em bold, 0.58 em regular, per character), so at every width the SVG is drawn (it scales as a
    whole); the boxes lie inside the viewBox and do not overlap; the details that do not fit (parameters,
    exact counts) are in each block's tooltip."""
    st = list(C.stage_costs(backbone, 10))
    for cut in range(len(st) + 1):
        codec = C.codec_costs(C.split_costs(backbone, 10, f"SP-{cut}", 64), st, cut)
        svg = plots.network_diagram_svg(st, cut, 64, f"SP-{cut}", codec)
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg)[1])
        blocks = svg_blocks(svg)
        assert len(blocks) == len(st) + 2 + 2 * (0 < cut < len(st))
        for b in blocks:
            assert b["texts"]
            for text, size, bold in b["texts"]:
                assert len(text) * size * (0.62 if bold else 0.58) <= b["width"], (backbone, cut, text, size, b)
                assert size >= 8  # still readable at 1280 px (the viewBox is the explorer's column there)
        assert blocks[0]["x"] >= 0 and blocks[-1]["x"] + blocks[-1]["width"] <= width
        assert all(a["x"] + a["width"] < b["x"] for a, b in zip(blocks, blocks[1:]))
        assert sum("parameters" in b["title"] for b in blocks) >= len(st)
        # the labels outside the boxes stay inside the viewBox too (the cut's label is kept off the edges)
        cut_text = re.search(r'<text class="cut" x="([\d.]+)"', svg)
        half = plots.text_width_px(f"SP-{cut}: channel carries 64 numbers", 13) / 2
        assert half <= float(cut_text[1]) <= width - half
        totals = re.findall(r'<text class="total"[^>]*font-size="([\d.]+)"[^>]*>([^<]*)</text>', svg)
        assert len(totals) == 2 and sum(plots.text_width_px(t, float(sz)) for sz, t in totals) <= width


def test_network_diagram_svg_escapes_its_text():
    st = [{"stage": "a<b&c", "macs": 10, "params": 1, "out_shape": (1,)}]
    svg = plots.network_diagram_svg(st, 0, 4, "SP-0")
    assert "a&lt;b&amp;c" in svg and "a<b" not in svg
