"""Plot builders of the Planner page (issue 29): the two Pareto charts, accuracy against end-to-end latency
and against device energy. Pure functions from the view model's tables (`views.planner`: accuracy in %,
latency in ms, energy in mJ) to plotly figures.

Every candidate is drawn faint (grey circles; paper 001's TOC models orange triangles; open when it fails a
constraint), the Pareto front of the feasible
candidates highlighted (a line through its points, 95 % intervals as error bars), the chosen point as a
star, the two baselines as their own symbols, and the active limits as dashed lines. The cost axis is
logarithmic: candidates span microseconds to seconds, nanojoules to joules.

A candidate whose cost varies per image (paper 001's dynamic TOC model) is drawn at its mean per image (what the
objective and the fronts use) with a whisker to the right out to its worst image (what the latency and energy
limits are checked against), and its hover says both."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from semcom_ui.plots import vertical_marker

FAINT = "rgba(120,120,120,0.35)"
TOC_FAINT = "rgba(255,127,14,0.55)"  # paper 001's TOC models: their own colour and a triangle
FRONT_COLOR = "#1f77b4"
CHOSEN_COLOR = "#d62728"
BASELINE_STYLE = {"all_on_device": ("diamond", "#2ca02c"), "all_on_edge": ("square", "#9467bd")}
AXES = {"latency": ("latency_ms", "end-to-end latency (ms, log scale)", "on latency front", "ms"),
        "energy": ("energy_mj", "device energy per image (mJ, log scale)", "on energy front", "mJ")}
WORST = {"latency": "worst_latency_ms", "energy": "worst_energy_mj"}  # the worst image's cost (NaN: same as the mean)



def _worst(g: pd.DataFrame, col: str, axis: str, unit: str) -> tuple[dict | None, list[str]]:
    """(a rightward error bar from the mean to the worst image, or None when no point in `g` varies; the hover's
    tail per point: '' or '<br>mean per image; worst image 30.2 ms')."""
    w = WORST[axis]
    if w not in g.columns:
        return None, [""] * len(g)
    worst = pd.to_numeric(g[w], errors="coerce")
    varies = worst.notna() & g[col].notna()
    if not varies.any():
        return None, [""] * len(g)
    plus = [float(b - a) if v else 0.0 for a, b, v in zip(g[col], worst, varies)]
    tails = [f"<br>mean per image; worst image {b:.4g} {unit}" if v else "" for b, v in zip(worst, varies)]
    return (dict(type="data", symmetric=False, array=plus, arrayminus=[0.0] * len(plus), width=0, thickness=1.5),
            tails)


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def pareto_figure(points: pd.DataFrame, marks: pd.DataFrame, axis: str, limits: dict | None = None) -> go.Figure:
    """Accuracy (%) against latency (ms) or device energy (mJ), axis "latency" or "energy". `points`: every
    candidate (label, accuracy, latency_ms, energy_mj, feasible, on latency front, on energy front, ci_low,
    ci_high); `marks`: the chosen point and the baselines (role chosen/all_on_device/all_on_edge, label,
    accuracy, latency_ms, energy_mj); `limits`: min_accuracy (%), max_latency_ms, max_energy_mj (None: off)."""
    if axis not in AXES:
        raise ValueError(f"unknown axis {axis!r}; use one of {tuple(AXES)}")
    col, title, front_col, unit = AXES[axis]
    limits = limits or {}
    fig = go.Figure()
    pts = points[points[col].notna()] if len(points) else points
    if not len(pts):
        fig.add_annotation(text="device energy not computed: no energy per bit for this link" if axis == "energy"
                           else "no candidates", xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                           font=dict(size=14, color="#555"))
        fig.update_layout(xaxis=dict(title=title, type="log"), yaxis=dict(title="accuracy (%)"), height=420,
                          margin=dict(t=30, b=40))
        return fig
    is_toc = (pts["family"].astype(str).str.startswith("toc") if "family" in pts.columns
              else pd.Series(False, index=pts.index))
    for toc, what, symbol, color in ((False, "candidates", "circle", FAINT),
                                     (True, "TOC models (paper 001)", "triangle-up", TOC_FAINT)):
        for ok, tail, sym in ((True, "meeting every constraint", symbol), (False, "failing a constraint", symbol + "-open")):
            g = pts[(pts.feasible == ok) & (is_toc == toc)]
            if len(g):
                err, tails = _worst(g, col, axis, unit)
                if err is not None:
                    err["color"] = color
                fig.add_trace(go.Scatter(x=list(g[col]), y=list(g.accuracy), mode="markers", name=f"{what} {tail}",
                                         marker=dict(color=color, size=8 if toc else 7, symbol=sym), text=list(g.label),
                                         customdata=tails, error_x=err,
                                         hovertemplate="%{text}<br>%{y:.1f} %, %{x:.4g} " + unit + "%{customdata}"
                                                       "<extra></extra>"))
    front = pts[pts[front_col]].sort_values([col, "accuracy"], ascending=[True, False])
    if len(front):
        err = None
        if front.ci_low.notna().all():
            err = dict(type="data", symmetric=False, array=list(front.ci_high - front.accuracy),
                       arrayminus=list(front.accuracy - front.ci_low), width=3, color=FRONT_COLOR, thickness=1)
        err_x, tails = _worst(front, col, axis, unit)
        if err_x is not None:
            err_x["color"] = FRONT_COLOR
        fig.add_trace(go.Scatter(x=list(front[col]), y=list(front.accuracy), mode="lines+markers",
                                 name="Pareto front (feasible)", line=dict(color=FRONT_COLOR, width=2, shape="hv"),
                                 marker=dict(size=9, color=FRONT_COLOR), error_y=err, error_x=err_x,
                                 text=list(front.label), customdata=tails,
                                 hovertemplate="%{text}<br>%{y:.1f} %, %{x:.4g} " + unit + "%{customdata}"
                                               "<extra>front</extra>"))
    for i, m in (marks.iterrows() if len(marks) else []):
        x = m[col]
        if not _finite(x) or not _finite(m.accuracy):
            continue
        if m.role == "chosen":
            marker = dict(symbol="star", size=20, color=CHOSEN_COLOR, line=dict(color="black", width=1))
        else:
            sym, color = BASELINE_STYLE.get(m.role, ("x", "#333"))
            marker = dict(symbol=sym if m.feasible else sym + "-open", size=13, color=color,
                          line=dict(color=color, width=2))
        err_x, tails = _worst(marks.loc[[i]], col, axis, unit)
        if err_x is not None:
            err_x["color"] = marker["color"]
        fig.add_trace(go.Scatter(x=[x], y=[m.accuracy], mode="markers", name=m.label, marker=marker,
                                 error_x=err_x, customdata=tails,
                                 hovertemplate=m.label + "<br>%{y:.1f} %, %{x:.4g} " + unit + "%{customdata}"
                                               "<extra></extra>"))
    worst_xs = list(pts[WORST[axis]]) if WORST[axis] in pts.columns else []
    xs = [v for v in list(pts[col]) + worst_xs + [m[col] for _, m in (marks.iterrows() if len(marks) else [])]
          if _finite(v) and v > 0]
    lim_x = limits.get("max_latency_ms" if axis == "latency" else "max_energy_mj")
    x_lo = min(xs + ([lim_x] if _finite(lim_x) and lim_x > 0 else [])) / 1.6 if xs else 1e-3
    x_hi = max(xs + ([lim_x] if _finite(lim_x) and lim_x > 0 else [])) * 1.6 if xs else 1.0
    min_acc = limits.get("min_accuracy")
    if _finite(min_acc):
        fig.add_trace(go.Scatter(x=[x_lo, x_hi], y=[min_acc, min_acc], mode="lines+text", text=["", f"min {min_acc:.1f} %"],
                                 textposition="top left", line=dict(color="black", dash="dash", width=1.5),
                                 showlegend=False, hoverinfo="skip", name="minimum accuracy"))
    if _finite(lim_x) and lim_x > 0:
        fig.add_trace(vertical_marker(lim_x, 0.0, 100.0, f"max {lim_x:.4g} {unit}"))
    fig.update_layout(xaxis=dict(type="log", title=title, range=[math.log10(x_lo), math.log10(x_hi)]),
                      yaxis=dict(title="accuracy (%)", range=[0, 100]), height=440, margin=dict(t=30, b=40),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return fig
