"""The IoT page's view model (paper 003): readings off the shipped table for one dataset, channel and SNR."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from semcom_core.data.registry import DatasetError
from semcom_core.zoo.naming import iot_sweep_path
from semcom_ui import plots
from semcom_ui.views.costs import Metric


def load_iot_table() -> pd.DataFrame:
    """The shipped paper-003 table; DatasetError naming the command that measures it if absent."""
    p = iot_sweep_path()
    if not p.is_file():
        raise DatasetError(f"no measured table yet: run `python -m semcom_core iot sweep` (writes {p.name})")
    return pd.read_csv(p)


@dataclass
class IotTableView:
    rows: pd.DataFrame  # the measured rows of this dataset and channel
    snr_db: float  # the nearest measured SNR, whose row the metrics read
    metrics: list[Metric]
    note: str
    figure: go.Figure


def iot_table_view(table: pd.DataFrame, dataset: str, channel: str, snr_db: float,
                   train_range: tuple[float, float] | None = None) -> IotTableView:
    if not math.isfinite(snr_db):
        raise ValueError("SNR must be a finite number of dB")
    sub = table[(table.dataset == dataset) & (table.channel == channel)]
    if sub.empty:
        raise DatasetError(f"the table has no rows for {dataset} / {channel}; run `python -m semcom_core iot sweep "
                           f"--datasets {dataset} --channels {channel} --resume`")
    near = sub.iloc[(sub.snr_db - snr_db).abs().argsort().iloc[0]]
    metrics = [
        Metric("DeepSC-IoT accuracy", f"{near.learned_accuracy:.3f}",
               f"measured at {near.snr_db:g} dB on the first {int(near.n)} test images, 95 % CI "
               f"{near.learned_ci_low:.3f}–{near.learned_ci_high:.3f}"),
        Metric("Separation accuracy", f"{near.separation_accuracy:.3f}",
               f"measured at {near.snr_db:g} dB on {int(near.n)} images; {int(near.separation_failed_images)} "
               "JPEGs failed to decode (counted as a random guess)"),
        Metric("DeepSC-IoT channel uses", f"{int(near.learned_channel_uses)}", "complex channel uses per image"),
        Metric("Separation channel uses", f"{int(near.separation_channel_uses)}",
               f"{int(near.separation_payload_bits)} payload bits (JPEG q{int(near.jpeg_quality)}, "
               f"{'with' if near.jpeg_headers_sent else 'without'} headers) → rate-1/2 LDPC → 2 bits per QPSK symbol"),
    ]
    note = (f"Table values at the nearest measured SNR, {near.snr_db:g} dB, on the first {int(near.n)} test images "
            f"(seed {int(near.seed)}). Equal budgets are impossible here: 16 complex channel uses carry 16 "
            "information bits at rate 1/2, less than any JPEG of a 28x28 image, so the separation chain gets the "
            "frame its JPEG needs and spends far more channel uses.")
    return IotTableView(sub, float(near.snr_db), metrics, note, plots.iot_accuracy_figure(sub, snr_db, train_range))
