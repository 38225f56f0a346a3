"""Plot builders of the Budgeted TOC page (paper 001): pure functions from the view model's tables to plotly
figures. Accuracies arrive as fractions and are drawn in %; budgets and costs arrive in MACs per image."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from semcom_ui.plots import vertical_marker

DYNAMIC_COLOR = "#d62728"
STATIC_COLORS = {"static-resnet20": "#1f77b4", "static-resnet32": "#2ca02c", "static-resnet44": "#9467bd",
                 "static-resnet56": "#8c564b", "static-resnet110": "#17becf"}
PAPER_COLOR = "#7f7f7f"
PLANNED_COLOR, MEASURED_COLOR = "#aec7e8", "#1f77b4"
OURS_TITLE = "ours (CIFAR-10, measured)"
PAPER_TITLE = "paper 001: CIFAR-100, AWGN 0 dB (reference, not ours)"


def _empty_note(fig: go.Figure, text: str, y: float = 0.5) -> go.Figure:
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0.5, y=y, showarrow=False,
                       font=dict(size=14, color="#555"))
    return fig


def _pct(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else 100 * float(v)


def accuracy_vs_budget_figure(series: pd.DataFrame, budget: float | None, cheapest: float,
                              static_costs: dict[str, float] | None = None) -> go.Figure:
    """Accuracy (%) against B (log axis, MACs per image): our dynamic curve (markers, 95 % intervals as
    error bars), our static models as steps (nothing below their cost), paper 001's CIFAR-100 numbers in
    grey dotted lines (legend group "paper"), the region below the cheapest exit shaded (no model fits)
    and the chosen B as a dashed marker. `series` columns: series, model, kind (dynamic/static/paper),
    budget, accuracy and optionally ci95_low/ci95_high."""
    fig = go.Figure()
    xs = list(series.budget) if len(series) else []
    x_lo = min([cheapest * 0.7] + [x * 0.9 for x in xs] + ([budget * 0.9] if budget else []))
    x_hi = max([cheapest * 30] + [x * 1.05 for x in xs] + ([budget * 1.1] if budget else []))
    fig.add_trace(go.Scatter(x=[x_lo, cheapest, cheapest, x_lo, x_lo], y=[0, 0, 100, 100, 0], fill="toself",
                             mode="lines", line=dict(width=0), fillcolor="rgba(214,39,40,0.08)",
                             name="no model fits (B below the cheapest exit)", hoverinfo="skip", showlegend=True))
    ours = series[series.kind != "paper"] if len(series) else series
    for name, g in (ours.groupby("series", sort=False) if len(ours) else []):
        kind, model = g.kind.iloc[0], g.model.iloc[0]
        label = g.label.iloc[0] if "label" in g else name
        y = [_pct(v) for v in g.accuracy]
        if kind == "dynamic":
            err = None
            if "ci95_low" in g and g.ci95_low.notna().all():
                err = dict(type="data", symmetric=False, array=[100 * (h - a) for h, a in zip(g.ci95_high, g.accuracy)],
                           arrayminus=[100 * (a - lo) for lo, a in zip(g.ci95_low, g.accuracy)], width=3)
            fig.add_trace(go.Scatter(x=list(g.budget), y=y, mode="lines+markers", name=label,
                                     line=dict(color=DYNAMIC_COLOR, width=3), error_y=err, legendgroup="ours",
                                     legendgrouptitle_text=OURS_TITLE,
                                     customdata=list(g.mean_macs),
                                     hovertemplate="B = %{x:.4s} MACs<br>accuracy %{y:.2f} %<br>measured mean "
                                                   "%{customdata:.4s} MACs<extra>" + name + "</extra>"))
        else:
            fig.add_trace(go.Scatter(x=list(g.budget), y=y, mode="lines+markers", name=label,
                                     line=dict(color=STATIC_COLORS.get(model, "#333"), width=2, shape="hv"),
                                     marker=dict(size=[8] + [0] * (len(g) - 1)), legendgroup="ours",
                                     legendgrouptitle_text=OURS_TITLE,
                                     hovertemplate="fits from %{x:.4s} MACs<br>accuracy %{y:.2f} %<extra>" + name
                                                   + "</extra>"))
    paper = series[series.kind == "paper"] if len(series) else series
    for name, g in (paper.groupby("series", sort=False) if len(paper) else []):
        dyn = g.model.iloc[0] == "dynamic"
        label = g.label.iloc[0] if "label" in g else name
        fig.add_trace(go.Scatter(x=list(g.budget), y=[_pct(v) for v in g.accuracy], mode="lines+markers",
                                 name=label, legendgroup="paper", legendgrouptitle_text=PAPER_TITLE, opacity=0.8,
                                 line=dict(color=PAPER_COLOR, dash="dot", width=2 if dyn else 1, shape=None if dyn else "hv"),
                                 marker=dict(symbol="diamond-open" if dyn else "circle-open", size=7),
                                 hovertemplate="B = %{x:.4s}<br>%{y:.2f} %<extra>" + name + "</extra>"))
    if static_costs:
        first = True
        for m, c in static_costs.items():
            if x_lo <= c <= x_hi and not (len(ours) and (ours.model == m).any()):
                fig.add_trace(go.Scatter(x=[c], y=[2], mode="markers+text", text=[m.rsplit("resnet", 1)[-1]],
                                         textposition="top center", marker=dict(symbol="triangle-up", size=9,
                                                                                color=STATIC_COLORS.get(m, "#333")),
                                         name="static model costs (ResNet depth; not measured)", legendgroup="costs",
                                         showlegend=first,
                                         hovertemplate=f"{m}: {c / 1e6:.2f} M MACs<extra>not measured</extra>"))
                first = False
    if budget is not None:
        fig.add_trace(vertical_marker(budget, 0, 100, f"B = {budget / 1e6:.4g} M"))
    fig.update_layout(xaxis=dict(type="log", title="budget B (MACs per image on the transmitter)",
                                 exponentformat="SI", range=[math.log10(x_lo), math.log10(x_hi)]),
                      yaxis=dict(title="accuracy (%)", range=[0, 100]),
                      legend=dict(x=1.02, y=1, yanchor="top", font=dict(size=11), groupclick="toggleitem"),
                      margin=dict(t=30, b=40), height=480)
    if not len(ours):
        _empty_note(fig, "our models: not measured yet (grey: paper 001's numbers on CIFAR-100)", y=0.95)
    return fig


def _exit_labels(exits: pd.DataFrame) -> list[str]:
    return [f"exit {int(e)}<br>{c / 1e6:.1f} M" for e, c in zip(exits["exit"], exits["C_k (MACs)"])]


def exit_histogram_figure(exits: pd.DataFrame, budget: float | None) -> go.Figure:
    """Fraction of images leaving at each exit at B: planned Pr_k (eq. 17 at the r solved for B) and, when
    measured, the fraction that did (thresholds fitted on the validation split, applied to the test set)."""
    fig = go.Figure()
    x = _exit_labels(exits)
    planned = list(exits["planned Pr_k at B"])
    measured = list(exits["measured fraction"])
    if any(p is not None and not pd.isna(p) for p in planned):
        fig.add_bar(x=x, y=planned, name="planned Pr_k", marker_color=PLANNED_COLOR,
                    hovertemplate="%{x}<br>planned %{y:.3f}<extra></extra>")
    if any(m is not None and not pd.isna(m) for m in measured):
        fig.add_bar(x=x, y=measured, name="measured fraction (test set)", marker_color=MEASURED_COLOR,
                    hovertemplate="%{x}<br>measured %{y:.3f}<extra></extra>")
    title = f"Where images leave at B = {budget / 1e6:.4g} M MACs" if budget is not None else "Where images leave"
    fig.update_layout(barmode="group", title=dict(text=title, font=dict(size=14)),
                      xaxis=dict(title="exit (cumulative transmitter MACs)"),
                      yaxis=dict(title="fraction of images", range=[0, 1.05]), legend=dict(orientation="h", y=-0.25),
                      margin=dict(t=50, b=40), height=380)
    if not fig.data:
        _empty_note(fig, "no exit fits this budget" if budget is not None else "no budget")
        fig.update_xaxes(showticklabels=False)
    return fig


def accuracy_per_exit_figure(exits: pd.DataFrame) -> go.Figure:
    """Accuracy (%) per exit: of the images that left there at B (bars) and if every image left there
    (markers, independent of B)."""
    fig = go.Figure()
    x = _exit_labels(exits)
    leaving = [_pct(v) for v in exits["accuracy of images leaving here"]]
    everyone = [_pct(v) for v in exits["accuracy if all leave here"]]
    if any(v is not None for v in leaving):
        fig.add_bar(x=x, y=leaving, name="images that left here at B", marker_color=MEASURED_COLOR,
                    hovertemplate="%{x}<br>%{y:.2f} %<extra>left here</extra>")
    if any(v is not None for v in everyone):
        fig.add_trace(go.Scatter(x=x, y=everyone, mode="lines+markers", name="if every image left here",
                                 line=dict(color=DYNAMIC_COLOR, dash="dash"),
                                 hovertemplate="%{x}<br>%{y:.2f} %<extra>everyone here</extra>"))
    fig.update_layout(xaxis=dict(title="exit (cumulative transmitter MACs)"), yaxis=dict(title="accuracy (%)", range=[0, 100]),
                      legend=dict(orientation="h", y=-0.25), margin=dict(t=30, b=40), height=380)
    if not fig.data:
        _empty_note(fig, "not measured yet: needs a trained dynamic model")
        fig.update_xaxes(showticklabels=False)
    return fig
