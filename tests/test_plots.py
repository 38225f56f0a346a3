import numpy as np
import pandas as pd

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
