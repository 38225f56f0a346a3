"""Plot builders: pure functions from tables to plotly figures (testable without a browser)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .costs import normalized_computation

SPLIT_COLORS = {f"SP-{i}": c for i, c in enumerate(
    ["#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"])}


def gamma_grid(lo_exp: float = -5.0, hi_exp: float = 0.0, n: int = 101) -> np.ndarray:
    return np.logspace(lo_exp, hi_exp, n)


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
    fig.add_vline(x=gamma, line_dash="dash", line_color="black", annotation_text=f"γ = {gamma:.2g}")
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
    if cliff is not None:
        fig.add_vline(x=cliff, line_dash="dot", line_color="#1f77b4",
                      annotation_text=f"cliff ≈ {cliff:.1f} dB", annotation_position="top left")
    fig.add_vline(x=snr, line_dash="dash", line_color="black", annotation_text=f"{snr:g} dB")
    fig.add_hline(y=chance, line_dash="dot", line_color="gray", annotation_text="chance")
    fig.update_layout(xaxis_title="SNR (dB, per complex channel use)", yaxis=dict(title="test accuracy",
                      range=[0, 1.02]), margin=dict(t=30, b=40), height=420, legend=dict(x=0.45, y=0.1))
    return fig
