"""Plot builders: pure functions from tables to plotly figures (testable without a browser)."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from semcom_core.costs.compute import normalized_computation

SPLIT_COLORS = {f"SP-{i}": c for i, c in enumerate(
    ["#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"])}


def fixed_axes(left_px: float) -> dict:
    """Layout for a chart redrawn on many control changes: both axes without automargin and a fixed left
    margin of `left_px` (tick labels and the y title), titles close to their ticks. plotly's automargin lays
    a chart out, measures its tick labels and lays it out again; Streamlit's theme turns it on for every axis."""
    return dict(xaxis=dict(automargin=False, title=dict(standoff=6)),
                yaxis=dict(automargin=False, title=dict(standoff=6)), margin=dict(l=left_px))


def gamma_grid(lo_exp: float = -5.0, hi_exp: float = 0.0, n: int = 101) -> np.ndarray:
    return np.logspace(lo_exp, hi_exp, n)


def vertical_marker(x: float, y0: float, y1: float, label: str) -> go.Scatter:
    """A dashed vertical line at data coordinate x, drawn as a trace. On a log axis a layout shape
    (`add_vline`) is placed in log10 units by some plotly.js versions and in data units by others
    (Streamlit's bundled one: data), so a marker on a log axis is a trace, placed in data units by all."""
    return go.Scatter(x=[x, x], y=[y0, y1], mode="lines+text", text=["", label], textposition="top right",
                      line=dict(color="black", dash="dash", width=1.5), showlegend=False, hoverinfo="skip",
                      name=label)


def normalized_computation_figure(costs: pd.DataFrame, gamma: float, current_split: str | None = None,
                                  gammas: np.ndarray | None = None) -> go.Figure:
    """Paper 000 Fig. 5: (F_t + gamma F_r) / F against gamma (log axis), one line per split point.
    `costs`: rows of one convention with split, tx_macs, rx_macs, unsplit_macs. The region above 1
    (splitting costs more compute time than running the whole model on the transmitter) is shaded."""
    gammas = gamma_grid() if gammas is None else gammas
    fig = go.Figure()
    ymax = 1.0
    for _, r in costs.iterrows():
        y = normalized_computation(r.tx_macs, r.rx_macs, r.unsplit_macs, gammas)
        ymax = max(ymax, float(np.max(y)))
        cur = r.split == current_split
        fig.add_trace(go.Scatter(x=gammas, y=y, mode="lines", name=r.split,
                                 line=dict(color=SPLIT_COLORS.get(r.split), width=4 if cur else 1.8),
                                 hovertemplate=f"{r.split}<br>γ=%{{x:.2g}}<br>normalized computation=%{{y:.3f}}"
                                               "<extra></extra>"))
    fig.add_hrect(y0=1.0, y1=ymax * 1.05, fillcolor="red", opacity=0.07, line_width=0,
                  annotation_text="splitting costs more than not splitting", annotation_position="top left")
    fig.add_hline(y=1.0, line_dash="dot", line_color="gray")
    fig.add_trace(vertical_marker(gamma, 0.0, ymax * 1.05, f"γ = {gamma:.2g}"))
    fig.update_layout(xaxis=dict(type="log", title="γ = receiver / transmitter time per FLOP"),
                      yaxis=dict(title="normalized computation (F_t + γ·F_r) / F"),
                      legend_title="split point", margin=dict(t=30, b=40), height=420)
    return fig


def macs_split_figure(costs: pd.DataFrame, current_split: str | None = None) -> go.Figure:
    """Stacked bars: transmitter and receiver MACs per split point, with the unsplit model as a line."""
    fig = go.Figure()
    width = [0.9 if s == current_split else 0.6 for s in costs.split]
    fig.add_bar(x=costs.split, y=costs.tx_macs / 1e6, name="transmitter", marker_color="#1f77b4", width=width)
    fig.add_bar(x=costs.split, y=costs.rx_macs / 1e6, name="receiver", marker_color="#ff7f0e", width=width)
    fig.add_hline(y=float(costs.unsplit_macs.iloc[0]) / 1e6, line_dash="dot",
                  annotation_text="unsplit model", line_color="gray")
    fig.update_layout(barmode="stack", yaxis_title="MMACs per image", xaxis_title="split point",
                      margin=dict(t=30, b=40), height=380)
    return fig


def latency_figure(parts: pd.DataFrame, current_split: str | None = None) -> go.Figure:
    """Stacked bars of end-to-end latency per split: transmitter compute, air time, receiver compute.
    `parts`: columns split, tx_compute_s, air_s, rx_compute_s."""
    fig = go.Figure()
    for col, name, color in (("tx_compute_s", "transmitter compute", "#1f77b4"), ("air_s", "air time", "#2ca02c"),
                             ("rx_compute_s", "receiver compute", "#ff7f0e")):
        fig.add_bar(x=parts.split, y=parts[col] * 1e3, name=name, marker_color=color)
    if current_split is not None:
        fig.add_vline(x=list(parts.split).index(current_split), line_dash="dash", line_color="black")
    fig.update_layout(barmode="stack", yaxis=dict(title="latency per image (ms)"),
                      xaxis_title="split point", margin=dict(t=30, b=40), height=380)
    return fig


def cliff_snr(snrs, accuracy, chance: float) -> float | None:
    """The SNR where an accuracy curve crosses halfway between chance and its best value
    (linear interpolation between grid points); None if it never crosses."""
    s = np.asarray(snrs, float)
    a = np.asarray(accuracy, float)
    order = np.argsort(s)
    s, a = s[order], a[order]
    level = chance + 0.5 * (a.max() - chance)
    for i in range(1, len(s)):
        if a[i - 1] < level <= a[i]:
            return float(s[i - 1] + (level - a[i - 1]) * (s[i] - s[i - 1]) / (a[i] - a[i - 1]))
    return None


def iot_accuracy_figure(df: pd.DataFrame, snr: float, train_range: tuple[float, float] | None = None,
                        chance: float = 0.1) -> go.Figure:
    """Paper 003 Fig. 2, measured: accuracy vs SNR of both systems with 95 % intervals, the separation
    cliff marked, the learned system's training SNR range shaded and the current SNR highlighted.
    `df`: one dataset/channel, columns snr_db, learned_accuracy, learned_ci_low/high,
    separation_accuracy, separation_ci_low/high, learned_channel_uses, separation_channel_uses."""
    d = df.sort_values("snr_db")
    fig = go.Figure()
    for key, name, color in (("learned", "DeepSC-IoT (learned)", "#d62728"),
                             ("separation", "JPEG + LDPC + QPSK", "#1f77b4")):
        uses = int(d[f"{key}_channel_uses"].iloc[0])
        fig.add_trace(go.Scatter(
            x=d.snr_db, y=d[f"{key}_accuracy"], mode="lines+markers", name=f"{name}, {uses} channel uses",
            line=dict(color=color), error_y=dict(type="data", symmetric=False,
                                                 array=d[f"{key}_ci_high"] - d[f"{key}_accuracy"],
                                                 arrayminus=d[f"{key}_accuracy"] - d[f"{key}_ci_low"])))
    if train_range is not None:
        fig.add_vrect(x0=train_range[0], x1=train_range[1], fillcolor="#d62728", opacity=0.06, line_width=0,
                      annotation_text="learned system's training SNRs", annotation_position="bottom right")
    cliff = cliff_snr(d.snr_db, d.separation_accuracy, chance)
    # two labels at two heights, so they never sit on each other whatever the SNRs: the current SNR above
    # the plot area (in the top margin), the cliff inside it, hanging from the top on the side of its line
    # away from the current SNR's line (so that line does not cross it either)
    if cliff is not None:
        away = "left" if snr <= cliff else "right"  # the label's anchor: it extends the other way
        fig.add_vline(x=cliff, line_dash="dot", line_color="#1f77b4")
        fig.add_annotation(x=cliff, xref="x", y=0.98, yref="paper", xanchor=away, yanchor="top", showarrow=False,
                           xshift=4 if away == "left" else -4, text=f"cliff ≈ {cliff:.1f} dB",
                           font=dict(color="#1f77b4"), name="cliff", bgcolor="rgba(255,255,255,0.85)")
    fig.add_vline(x=snr, line_dash="dash", line_color="black")
    fig.add_annotation(x=snr, xref="x", y=1.0, yref="paper", xanchor="center", yanchor="bottom", showarrow=False,
                       text=f"<b>{snr:g} dB</b>", name="current SNR")
    fig.add_hline(y=chance, line_dash="dot", line_color="gray", annotation_text="chance")
    fig.update_layout(xaxis_title="SNR (dB, per complex channel use)", yaxis=dict(title="test accuracy",
                      range=[0, 1.02]), margin=dict(t=40, b=40), height=420, legend=dict(x=0.45, y=0.1))
    return fig


# ----------------------------------------------------------------------------- split explorer (paper 000)
def _k_axis(ks) -> dict:
    ks = sorted({int(k) for k in ks})
    return dict(type="log", title="k (real numbers sent)", tickvals=ks, ticktext=[str(k) for k in ks])


def accuracy_vs_k_figure(rows: pd.DataFrame, current_k: int, current_snr: float,
                         unsplit_accuracy: float | None = None) -> go.Figure:
    """Paper 000 Fig. 3: accuracy against k at every tabulated SNR, for one split and channel.
    `rows`: columns k, snr_db, accuracy. The SNR nearest to `current_snr` is drawn bold and the
    current k is marked."""
    fig = go.Figure()
    snrs = sorted(rows.snr_db.unique())
    near = min(snrs, key=lambda s: abs(s - current_snr)) if snrs else None
    for s in snrs:
        g = rows[rows.snr_db == s].sort_values("k")
        fig.add_trace(go.Scatter(x=g.k, y=g.accuracy, mode="lines+markers", name=f"{s:g} dB",
                                 line=dict(width=4 if s == near else 1.5),
                                 hovertemplate=f"{s:g} dB<br>k=%{{x}}<br>accuracy=%{{y:.4f}}<extra></extra>"))
    if unsplit_accuracy is not None:
        fig.add_hline(y=unsplit_accuracy, line_dash="dot", line_color="gray", annotation_text="unsplit model")
    fig.add_trace(vertical_marker(current_k, 0.0, 1.0, f"k = {current_k}"))
    fig.update_layout(fixed_axes(62))  # redrawn on every k, split and channel change
    fig.update_layout(xaxis=_k_axis(rows.k), yaxis=dict(title="test accuracy"), legend_title="SNR",
                      margin=dict(t=30, b=50), height=400)
    return fig


def accuracy_vs_snr_figure(rows: pd.DataFrame, current_k: int, current_snr: float,
                           reading: float | None = None) -> go.Figure:
    """Accuracy against SNR, one line per k (one split, one channel); the current k bold and the
    current (SNR, accuracy) reading marked. `rows`: columns k, snr_db, accuracy."""
    fig = go.Figure()
    ks = sorted(rows.k.unique())
    for k in ks:
        g = rows[rows.k == k].sort_values("snr_db")
        cur = int(k) == int(current_k)  # SP-0 and the last split are read at their fixed size, their one k
        fig.add_trace(go.Scatter(x=g.snr_db, y=g.accuracy, mode="lines+markers", name=f"k = {int(k)}",
                                 line=dict(width=4 if cur else 1.2), opacity=1.0 if cur else 0.55,
                                 hovertemplate=f"k={int(k)}<br>%{{x:g}} dB<br>accuracy=%{{y:.4f}}<extra></extra>"))
    fig.add_vline(x=current_snr, line_dash="dash", line_color="black", annotation_text=f"{current_snr:g} dB")
    if reading is not None:
        fig.add_trace(go.Scatter(x=[current_snr], y=[reading], mode="markers", name="current setting",
                                 marker=dict(size=14, symbol="star", color="black")))
    fig.update_layout(xaxis_title="SNR (dB)", yaxis=dict(title="test accuracy"), legend_title="k",
                      margin=dict(t=30, b=40), height=400)
    return fig


def accuracy_heatmap_figure(rows: pd.DataFrame, current_split: str, current_k: int, snr_db: float) -> go.Figure:
    """Accuracy over split point x k at one SNR (one channel). SP-0 and the last split point send a
    fixed size; they are shown in every k column. `rows`: columns split, k, accuracy."""
    splits = sorted(rows.split.unique(), key=lambda s: int(s.split("-")[1]))
    var = rows[rows.groupby("split").k.transform("nunique") > 1]
    ks = sorted(var.k.unique()) if len(var) else sorted(rows.k.unique())
    z = np.full((len(splits), len(ks)), np.nan)
    for i, sp in enumerate(splits):
        g = rows[rows.split == sp]
        fixed = g.k.nunique() == 1 and g.k.iloc[0] not in ks  # not a split measured so far at one k only
        for j, k in enumerate(ks):
            hit = g if fixed else g[g.k == k]
            if len(hit):
                z[i, j] = float(hit.accuracy.iloc[0])
    fig = go.Figure(go.Heatmap(z=z, x=[str(int(k)) for k in ks], y=splits, colorscale="Viridis", zmin=0, zmax=1,
                               colorbar=dict(title="accuracy"), text=np.round(z, 3), texttemplate="%{text}",
                               hovertemplate="%{y}, k=%{x}<br>accuracy=%{z:.4f}<extra></extra>"))
    if current_split in splits and int(current_k) in [int(k) for k in ks]:
        fig.add_shape(type="rect", x0=[int(k) for k in ks].index(int(current_k)) - 0.5,
                      x1=[int(k) for k in ks].index(int(current_k)) + 0.5, y0=splits.index(current_split) - 0.5,
                      y1=splits.index(current_split) + 0.5, line=dict(color="red", width=3))
    fig.update_layout(xaxis=dict(title="k (real numbers sent)", type="category"),  # one even column per k
                      yaxis_title="split point", height=380,
                      title=dict(text=f"at {snr_db:g} dB", x=0.01, font=dict(size=13)), margin=dict(t=40, b=40))
    return fig


def min_communication_figure(min_k: pd.DataFrame, target: float, current_snr: float, current_split: str | None,
                             shannon: pd.DataFrame | None = None) -> go.Figure:
    """Paper 000 Fig. 6: normalized communication of the smallest k reaching `target` accuracy against
    SNR, one line per split point (gaps where no k reaches it), with the Shannon bound for sending the
    label as a reference. `min_k`: columns split, snr_db, normalized_communication; `shannon`:
    columns snr_db, normalized_communication."""
    fig = go.Figure()
    for sp, g in min_k.groupby("split"):
        g = g.sort_values("snr_db")
        fig.add_trace(go.Scatter(x=g.snr_db, y=g.normalized_communication, mode="lines+markers", name=sp,
                                 line=dict(color=SPLIT_COLORS.get(sp), width=4 if sp == current_split else 1.8),
                                 connectgaps=False,
                                 hovertemplate=f"{sp}<br>%{{x:g}} dB<br>k/image = %{{y:.3g}}<extra></extra>"))
    if shannon is not None and len(shannon):
        fig.add_trace(go.Scatter(x=shannon.snr_db, y=shannon.normalized_communication, mode="lines",
                                 name="Shannon bound (label)", line=dict(color="black", dash="dot")))
    fig.add_vline(x=current_snr, line_dash="dash", line_color="black", annotation_text=f"{current_snr:g} dB")
    fig.update_layout(xaxis_title="SNR (dB)", yaxis=dict(type="log", title="normalized communication (k / image size)"),
                      title=dict(text=f"smallest k reaching {100 * target:.1f} % accuracy", x=0.01, font=dict(size=13)),
                      legend_title="split point", margin=dict(t=40, b=40), height=420)
    return fig


DIAGRAM_WIDTH_PX = 800  # the explorer's main column at a 1280 px wide window with the sidebar open (820 px measured)
_EM_BOLD, _EM = 0.6, 0.56  # a generous average glyph width, in em, for bold and regular text


def _si(macs: float) -> str:
    """A count in three significant digits: 1.77M, 151M, 5.12k."""
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if macs >= div:
            return f"{macs / div:.3g}{unit}"
    return f"{macs:.0f}"


def text_width_px(line: str, size: float, bold: bool = False) -> float:
    """A generous estimate of the rendered width of one line of plain text (no markup)."""
    return len(line) * size * (_EM_BOLD if bold else _EM)


def _diagram_blocks(stages: list[dict], cut: int, k: int, codec: dict | None) -> list[dict]:
    """The diagram's blocks in order: the image, the stages (with the codec's compress/decompress blocks at
    the cut when it has one) and the label; each with label, macs, params, side ("tx"/"rx") and shape."""
    def shape(s):
        return "x".join(map(str, s["out_shape"]))
    blocks = [{"label": "image", "macs": 0, "params": 0, "side": "tx", "shape": "3x32x32"}]
    for i, s in enumerate(stages):
        if i == cut and codec and codec["compress_macs"] > 0:
            blocks.append({"label": "compress", "macs": codec["compress_macs"], "params": codec["compress_params"],
                           "side": "tx", "shape": f"z: {k}"})
            blocks.append({"label": "decompress", "macs": codec["decompress_macs"],
                           "params": codec["decompress_params"], "side": "rx", "shape": shape(stages[i - 1])})
        blocks.append({"label": s["stage"], "macs": s["macs"], "params": s["params"],
                       "side": "tx" if i < cut else "rx", "shape": shape(s)})
    blocks.append({"label": "label", "macs": 0, "params": 0, "side": "rx", "shape": "1"})
    return blocks


DIAGRAM_COLORS = {"tx": "#1f77b4", "rx": "#ff7f0e"}
DIAGRAM_HEIGHT = 190  # viewBox units (= px at DIAGRAM_WIDTH_PX wide)
DIAGRAM_MAX_WIDTH_PX = 1150  # wider than this the diagram stops growing (its text would pass 16 px)


@dataclass(frozen=True)
class DiagramBox:
    """One block of the SVG diagram, in viewBox units: its rectangle, its lines of text (text, bold) and the
    font size they are drawn at."""
    x: float
    width: float
    lines: list[tuple[str, bool]]
    font_size: float
    side: str
    hover: str


def network_diagram_layout(stages: list[dict], cut: int, k: int, codec: dict | None = None,
                           width: float = DIAGRAM_WIDTH_PX) -> tuple[list[DiagramBox], float, dict]:
    """Where the diagram's blocks go in a `width`-unit wide viewBox: the boxes, the x of the cut (between the
    last transmitter block and the first receiver block, in the channel's gap) and per-side totals
    (macs, params, share in % for "tx" and "rx"). Each box's text gets one font size, the largest (7..11)
    at which its widest line fits the box by a generous estimate (text_width_px)."""
    blocks = _diagram_blocks(stages, cut, k, codec)
    last_tx = max(i for i, b in enumerate(blocks) if b["side"] == "tx")
    tot = {side: (sum(b["macs"] for b in blocks if b["side"] == side), sum(b["params"] for b in blocks if b["side"] == side))
           for side in ("tx", "rx")}
    total = max(1, tot["tx"][0] + tot["rx"][0])
    pad, gap, fill = 6.0, 0.6, 0.9  # side margins; the channel's gap and each block's share of its slot
    slot = (width - 2 * pad) / (len(blocks) + gap)
    bw = fill * slot
    lines = [[(b["label"], True), (b["shape"], False)] + ([(f"{_si(b['macs'])} MACs", False),
                                                        (f"{100 * b['macs'] / total:.0f} %", False)] if b["macs"] else [])
             for b in blocks]
    widest = max(text_width_px(t, 1.0, bold) for ls in lines for t, bold in ls)  # units per unit of font size
    size = float(max(7, min(11, int((bw - 4) / widest))))
    boxes = []
    for i, (b, ls) in enumerate(zip(blocks, lines)):
        x = pad + (i + (gap if i > last_tx else 0)) * slot + (slot - bw) / 2
        hover = (f"{b['label']} ({'transmitter' if b['side'] == 'tx' else 'receiver'})\noutput {b['shape']}"
                 + (f"\n{b['macs']:,} MACs ({100 * b['macs'] / total:.1f} %)\n{b['params']:,} parameters"
                    if b["macs"] else ""))
        boxes.append(DiagramBox(x, bw, ls, size, b["side"], hover))
    cut_x = pad + (last_tx + 1 + gap / 2) * slot
    sides = {s: {"macs": m, "params": p, "share": 100 * m / total} for s, (m, p) in tot.items()}
    return boxes, cut_x, sides


def network_diagram_svg(stages: list[dict], cut: int, k: int, split: str, codec: dict | None = None,
                        width: float = DIAGRAM_WIDTH_PX) -> str:
    """The network as a row of blocks in inline SVG (no plotly: nothing to lay out in the browser but the
    SVG itself), transmitter side blue and receiver side orange, the cut and the channel between them.
    `stages`: dicts stage, macs, params, out_shape (costs.stage_costs); `cut`: how many stages run on the
    transmitter (0: it sends the image; len(stages): the logits); `codec`: costs.codec_costs, drawn as a
    compress block before the cut and a decompress block after. Each block shows its name, output shape,
    MACs and share; parameters and exact counts are in its tooltip (an SVG <title>). The SVG scales with its
    column (viewBox `width` x DIAGRAM_HEIGHT, at most DIAGRAM_MAX_WIDTH_PX wide), so text that fits its box
    in the viewBox fits it at every width."""
    boxes, cut_x, sides = network_diagram_layout(stages, cut, k, codec, width)
    top, h = 34.0, 104.0  # the blocks' row
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {DIAGRAM_HEIGHT}" width="100%" '
           f'style="max-width:{DIAGRAM_MAX_WIDTH_PX}px;display:block;font-family:sans-serif" role="img" '
           f'aria-label="{escape(f"The network cut at {split}: the channel carries {k} numbers")}">']
    for b in boxes:
        opacity = 0.85 if len(b.lines) > 2 else 0.35  # blocks without MACs (image, label) drawn light
        n = len(b.lines)
        step = 1.25 * b.font_size
        y0 = top + h / 2 - step * (n - 1) / 2
        cx = b.x + b.width / 2
        out.append(f'<g class="block"><title>{escape(b.hover)}</title>'
                   f'<rect x="{b.x:.1f}" y="{top:g}" width="{b.width:.1f}" height="{h:g}" rx="3" '
                   f'fill="{DIAGRAM_COLORS[b.side]}" fill-opacity="{opacity}"/>')
        for j, (t, bold) in enumerate(b.lines):
            weight = ' font-weight="bold"' if bold else ""
            out.append(f'<text x="{cx:.1f}" y="{y0 + j * step:.1f}" text-anchor="middle" dominant-baseline="middle" '
                       f'font-size="{b.font_size:g}" fill="white"{weight}>{escape(t)}</text>')
        out.append("</g>")
    red = "#d62728"
    out.append(f'<line x1="{cut_x:.1f}" x2="{cut_x:.1f}" y1="{top - 12:g}" y2="{top + h + 12:g}" stroke="{red}" '
               f'stroke-width="3" stroke-dasharray="7 4"/>')
    label = f"{split}: channel carries {k} numbers"
    lw = text_width_px(label, 13)  # kept inside the viewBox, centred on the cut where there is room
    lx = min(max(cut_x, 4 + lw / 2), width - 4 - lw / 2)
    out.append(f'<text class="cut" x="{lx:.1f}" y="14" text-anchor="middle" dominant-baseline="middle" font-size="13" '
               f'fill="{red}"><tspan font-weight="bold">{escape(split)}</tspan>: channel carries {k} numbers</text>')
    for side, name, x, anchor in (("tx", "transmitter", 4, "start"), ("rx", "receiver", width - 4, "end")):
        v = sides[side]
        out.append(f'<text class="total" x="{x:g}" y="{top + h + 30:g}" text-anchor="{anchor}" dominant-baseline="middle" '
                   f'font-size="12" fill="{DIAGRAM_COLORS[side]}">{name}: {v["macs"] / 1e6:,.1f} M MACs '
                   f'({v["share"]:.0f} %), {v["params"] / 1e6:,.2f} M params</text>')
    out.append("</svg>")
    return "".join(out)


def vector_figure(sent: np.ndarray, received: np.ndarray, max_points: int = 256) -> go.Figure:
    """The transmitted vector z and the received noisy vector, element by element (the first
    `max_points` elements when z is long, e.g. the image at SP-0)."""
    n = min(len(sent), max_points)
    idx = np.arange(n)
    title = f"first {n} of {len(sent)} elements" if n < len(sent) else f"{len(sent)} elements"
    # sent z as one stepped line, received as one thin line: two SVG paths (markers drew one path per element,
    # and the browser redraws this chart on every k, SNR, split and channel change: half its drawing time in
    # Chromium here); built in one call (incremental add_trace/update_layout cost 5-10x more in plotly)
    return go.Figure(dict(
        data=[dict(type="scatter", x=idx, y=sent[:n], mode="lines", line=dict(shape="hvh", color="#1f77b4", width=2),
                   fill="tozeroy", fillcolor="rgba(31,119,180,0.25)", name="sent z"),
              dict(type="scatter", x=idx, y=received[:n], mode="lines", name="received (noisy)",
                   line=dict(color="#d62728", width=1.2))],
        layout=dict(xaxis=dict(title=dict(text="element", standoff=6), automargin=False),
                    yaxis=dict(title=dict(text="value", standoff=6), automargin=False), height=300,
                    margin=dict(t=40, b=50, l=58, r=10), title=dict(text=title, x=0.01, font=dict(size=13)),
                    legend=dict(orientation="h", y=1.12))))


# The live panel's charts (redrawn on every change of k, SNR, split and channel) keep their hover but not
# plotly's mode bar (zoom/pan/download buttons): one less toolbar for the browser to build on each redraw
LIVE_CHART_CONFIG = {"displayModeBar": False}

TOP5_COLORS = {"unsplit model": "#1f77b4", "noiseless channel": "#7f7f7f", "noisy channel": "#d62728"}


def top5_figure(series: dict[str, list[tuple[str, float]]]) -> go.Figure:
    """Top-5 classes with probabilities, one bar group per named series (e.g. the unsplit model, the split
    model over a noiseless and over the noisy channel)."""
    fig = go.Figure()
    for name, top in series.items():
        fig.add_trace(go.Bar(y=[c for c, _ in top][::-1], x=[p for _, p in top][::-1], orientation="h",
                             name=name, marker_color=TOP5_COLORS.get(name)))
    # the legend sits above the plot area, growing upwards (yanchor bottom) as it wraps in a narrow column,
    # so it never covers the top bar (the predicted class); plotly widens the top margin to fit it
    best: dict[str, float] = {}
    for top in series.values():
        for c, p in top:
            best[c] = max(best.get(c, 0.0), p)
    order = sorted(best, key=lambda c: best[c])  # bottom to top: the most probable class is the top row
    fig.update_layout(fixed_axes(14 + max(text_width_px(c, 12) for c in order) if order else 40))
    fig.update_layout(barmode="group", xaxis=dict(title="probability", range=[0, 1]), height=320,
                      yaxis=dict(categoryorder="array", categoryarray=order),
                      margin=dict(t=30, b=50, r=10, autoexpand=True),
                      legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"))
    return fig
