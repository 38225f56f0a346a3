"""Plot builders of the Planner page's "Analog vs digital" section (issue 29, digital link): pure functions
from the view model's tables (`views.planner.digital_view`) to plotly figures.

- `accuracy_vs_snr_figure`: accuracy (%) against SNR (dB) of one (split, k) sent analog (measured sweep-table
  points) and of the same k quantized to b bits sent digitally: over the measured LDPC + QPSK chain (the cliff)
  and over an ideal code at Shannon capacity with the same channel uses.
- `channel_uses_figure`: complex channel uses per image against SNR (log scale): analog ceil(k/2), the LDPC +
  QPSK frame, the Shannon bound for these bits, and the Shannon bound for the label as the split explorer
  draws it ("Shannon bound (label)")."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

ANALOG_COLOR = "#1f77b4"
LDPC_COLOR = "#d62728"
SHANNON_COLOR = "#2ca02c"
SERIES = {"analog": ("analog (measured, sweep table)", ANALOG_COLOR, "solid"),
          "ldpc": ("digital, LDPC + QPSK (measured BLER)", LDPC_COLOR, "solid"),
          "shannon": ("digital, Shannon-ideal code (same channel uses as LDPC)", SHANNON_COLOR, "dash")}
USES = {"analog": ("analog: ⌈k/2⌉", ANALOG_COLOR, "solid"),
        "ldpc": ("digital, LDPC + QPSK frame", LDPC_COLOR, "solid"),
        "shannon": ("Shannon bound (these bits)", SHANNON_COLOR, "dash"),
        "shannon_label": ("Shannon bound (label)", "black", "dot")}


def _named(series: dict, shannon_name: str | None) -> dict:
    """The series with the Shannon link's name for the channel (e.g. "Shannon (ergodic capacity)" on Rayleigh)."""
    if not shannon_name or shannon_name == "Shannon capacity":
        return series
    out = dict(series)
    if "shannon" in out:
        name, color, dash = out["shannon"]
        out["shannon"] = (name.replace("Shannon-ideal code", f"ideal code at {shannon_name}")
                          .replace("Shannon bound", f"{shannon_name} bound"), color, dash)
    return out


def accuracy_vs_snr_figure(acc: pd.DataFrame, title: str = "", chance: float | None = None,
                           snr_db: float | None = None, shannon_name: str | None = None) -> go.Figure:
    """`acc`: columns series (analog, ldpc, shannon), snr_db, accuracy (%), optional ci_low/ci_high (%) and
    measured (bool: a measured point rather than a curve from measured parts). `chance`: the uniform-guess
    accuracy (%), drawn dotted; `snr_db`: the page's SNR, a vertical line; `shannon_name`: the Shannon link's
    name on the channel (`digital.link.capacity_label`)."""
    fig = go.Figure()
    for key, (name, color, dash) in _named(SERIES, shannon_name).items():
        g = acc[acc.series == key].sort_values("snr_db")
        if not len(g):
            continue
        err = None
        if key == "analog" and {"ci_low", "ci_high"} <= set(g.columns) and g.ci_low.notna().all():
            err = dict(type="data", symmetric=False, array=list(g.ci_high - g.accuracy),
                       arrayminus=list(g.accuracy - g.ci_low), width=3, color=color, thickness=1)
        fig.add_trace(go.Scatter(x=list(g.snr_db), y=list(g.accuracy), name=name,
                                 mode="lines+markers" if key == "analog" else "lines",
                                 line=dict(color=color, dash=dash, width=2, shape="linear"), error_y=err,
                                 hovertemplate=name + "<br>%{x:g} dB: %{y:.1f} %<extra></extra>"))
    if chance is not None:
        fig.add_hline(y=chance, line=dict(color="#777", dash="dot", width=1),
                      annotation_text=f"chance {chance:.0f} %", annotation_position="bottom right")
    if snr_db is not None:
        fig.add_vline(x=snr_db, line=dict(color="#444", dash="dash", width=1),
                      annotation_text=f"{snr_db:g} dB", annotation_position="top")
    fig.update_layout(title=title or None, xaxis=dict(title="SNR (dB, Es/N0 per complex channel use)"),
                      yaxis=dict(title="accuracy (%)", range=[0, 100]), height=420, margin=dict(t=40 if title else 30, b=40),
                      legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    return fig


def channel_uses_figure(uses: pd.DataFrame, title: str = "", shannon_name: str | None = None) -> go.Figure:
    """`uses`: columns series (analog, ldpc, shannon, shannon_label), snr_db, channel_uses (complex channel
    uses per image). `shannon_name`: the Shannon link's name on the channel (the bound for these bits is
    bits / `digital.link.capacity`, the label's bound log2(classes) bits over the same capacity, as the split explorer draws it)."""
    fig = go.Figure()
    for key, (name, color, dash) in _named(USES, shannon_name).items():
        g = uses[uses.series == key].sort_values("snr_db")
        if not len(g):
            continue
        fig.add_trace(go.Scatter(x=list(g.snr_db), y=list(g.channel_uses), name=name, mode="lines",
                                 line=dict(color=color, dash=dash, width=2),
                                 hovertemplate=name + "<br>%{x:g} dB: %{y:,.4g} uses<extra></extra>"))
    fig.update_layout(title=title or None, xaxis=dict(title="SNR (dB)"),
                      yaxis=dict(title="complex channel uses per image (log scale)", type="log"), height=420,
                      margin=dict(t=40 if title else 30, b=40), legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    return fig
