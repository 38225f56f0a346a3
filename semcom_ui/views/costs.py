"""The Split costs page's view model: everything the page shows for one state of its controls, computed
without Streamlit (paper 000, Table II, eqs. 1-6, Fig. 5)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from semcom_core.costs import compute as C
from semcom_ui import plots

BACKBONES = ("resnet18", "resnet34")
CLASS_CHOICES = (10, 100)
SPLITS = tuple(f"SP-{i}" for i in range(7))


@dataclass(frozen=True)
class Metric:
    """One headline number of a page (every page's views use this one)."""
    label: str
    value: str
    help: str = ""
    delta: str | None = None  # st.metric's delta, where a page shows one (e.g. over a budget)


@dataclass
class CostsView:
    metrics: list[Metric]
    share_note: str
    computation_figure: go.Figure
    macs_figure: go.Figure
    latency: pd.DataFrame
    latency_note: str
    latency_figure: go.Figure
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def costs_view(table: pd.DataFrame, split: str, log_gamma: float, convention: str, tx_flops_per_s: float,
               rx_flops_per_s: float, link_bits_per_s: float, bits: int,
               split_accuracy: dict[str, float] | None = None) -> CostsView:
    """`table`: `costs.compute.cost_table` for the chosen backbone, classes, k and decompression.
    `split_accuracy`: the measured accuracy of each split point (if known), so that the fastest split is
    never named without what it costs in accuracy."""
    if not math.isfinite(log_gamma):
        raise ValueError("log10 γ must be a finite number")
    gamma = 10 ** log_gamma
    sub = table[table.convention == convention]
    cur = sub[sub.split == split].iloc[0]
    metrics = [
        Metric("Transmitter MACs", f"{cur.tx_macs / 1e6:,.2f} M", "multiply-accumulates per image on the transmitter"),
        Metric("Receiver MACs", f"{cur.rx_macs / 1e6:,.2f} M", "multiply-accumulates per image on the receiver"),
        Metric("Normalized computation",
               f"{C.normalized_computation(cur.tx_macs, cur.rx_macs, cur.unsplit_macs, gamma):.3f}",
               "(F_t + γ·F_r) / F_unsplit (paper 000, eq. 6)"),
        Metric("Normalized communication", f"{cur.normalized_communication:.4g}",
               f"{cur.z_elements} real numbers = {math.ceil(cur.z_elements / 2)} complex channel uses, "
               "relative to the 3x32x32 image"),
    ]
    share = (f"{split} ({convention} convention, k = {int(cur.k)}): the transmitter does {cur['tx_share_%']:.1f} % of "
             f"the MACs and holds {cur['tx_params_%']:.1f} % of the parameters; the receiver "
             f"{cur['rx_share_%']:.1f} % and {cur['rx_params_%']:.1f} %.")
    lat = C.latency_table(sub, tx_flops_per_s, rx_flops_per_s, link_bits_per_s, bits)
    if split_accuracy:
        lat["accuracy"] = lat.split.map(split_accuracy)
    best = lat.loc[lat.total_s.idxmin()]
    note = f"Fastest split with these presets: **{best.split}** ({best.total_s * 1e3:,.2f} ms per image)"
    acc = split_accuracy.get(best.split) if split_accuracy else None
    note += (f", at {100 * acc:.1f} % accuracy (its best measured)" if acc is not None
             else ", accuracy not measured here: see the Split explorer before choosing it") + ". "
    note += "Latency model: T = α_t·F_t + α_r·F_r + S(z)/R (paper 000, eqs. 1-4), 2 FLOPs per MAC."
    return CostsView(metrics, share, plots.normalized_computation_figure(sub, gamma, split),
                     plots.macs_split_figure(sub, split), lat, note, plots.latency_figure(lat, split), table)


def shipped_split_accuracy(backbone: str, num_classes: int) -> dict[str, float]:
    """Each split point's measured ceiling on CIFAR-10 (k = k_max, noiseless; the model cards), with the
    unsplit model's for SP-0 and the last split point; {} for a class count no shipped model has."""
    from semcom_core.zoo.naming import shipped_names
    from semcom_core.zoo.store import shipped_card
    if num_classes != 10:
        return {}
    unsplit_name, split_name = shipped_names(backbone, "cifar10")
    out = dict(shipped_card(split_name).get("split_test_accuracy") or {})
    unsplit = shipped_card(unsplit_name).get("test_accuracy")
    if unsplit is not None:
        out.update({"SP-0": unsplit, SPLITS[-1]: unsplit})
    return out
