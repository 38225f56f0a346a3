"""Readings off a sweep table: the accuracy at any (split, k, SNR) with its interval, the smallest k
that reaches a target accuracy (paper 000 Fig. 6), and where accuracy falls as k or SNR grows beyond
sampling noise."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from semcom_core.eval.stats import accuracy_interval, sampling_tolerance


@dataclass(frozen=True)
class AccuracyReading:
    accuracy: float
    n: int
    how: str  # "measured at 5 dB", "interpolated between 3 and 5 dB", "nearest measured SNR, 20 dB"
    exact: bool

    @property
    def interval(self) -> tuple[float, float] | None:
        """95 % interval of a measured row (None for an interpolated reading: it is no measurement)."""
        return accuracy_interval(self.accuracy, self.n) if self.exact else None


def rows_for(table: pd.DataFrame, split: str, k: int, channel: str) -> pd.DataFrame:
    """The table's rows for one split and channel at k, by SNR. SP-0 and the last split point send a fixed
    size, which their rows carry as k (`fixed_size`): read them at that k. A split measured at other k only
    (a table being measured row by row) has no rows at this k, so no reading, never another k's."""
    sub = table[(table.split == split) & (table.channel == channel) & (table.k == k)]
    return sub.sort_values("snr_db")


def accuracy_at(table: pd.DataFrame, split: str, k: int, snr_db: float, channel: str) -> AccuracyReading | None:
    """Accuracy at any SNR from the table: the measured value on a grid SNR, linear interpolation
    between two grid SNRs, the nearest grid SNR outside the grid; None if the table has no row."""
    sub = rows_for(table, split, k, channel)
    if sub.empty:
        return None
    s, a, ns = sub.snr_db.to_numpy(float), sub.accuracy.to_numpy(float), sub.n.to_numpy(int)
    hit = np.isclose(s, snr_db)
    if hit.any():  # each row says how many images it rests on (a table may mix 2,000- and 10,000-image rows)
        return AccuracyReading(float(a[hit][0]), int(ns[hit][0]), f"measured at {s[hit][0]:g} dB", True)
    if snr_db < s[0] or snr_db > s[-1]:
        i = 0 if snr_db < s[0] else len(s) - 1
        return AccuracyReading(float(a[i]), int(ns[i]), f"nearest measured SNR, {s[i]:g} dB", False)
    j = int(np.searchsorted(s, snr_db))
    val = float(np.interp(snr_db, s[j - 1:j + 1], a[j - 1:j + 1]))
    n = int(ns[j - 1:j + 1].min())
    return AccuracyReading(val, n, f"interpolated between {s[j - 1]:g} and {s[j]:g} dB", False)


def fixed_size(split: str, n_splits: int, image_elements: int, num_classes: int) -> int | None:
    """Elements SP-0 (the image) and the last split point (the logits) always send; None otherwise."""
    i = int(split.split("-")[1])
    return image_elements if i == 0 else num_classes if i == n_splits - 1 else None


def min_k_for_target(table: pd.DataFrame, target: float, channel: str, image_elements: int = 3072) -> pd.DataFrame:
    """Paper 000 Fig. 6: for every split point and SNR, the smallest k whose accuracy reaches `target`
    and its normalized communication k / image_elements (NaN where no k reaches it)."""
    rows = []
    sub = table[table.channel == channel]
    for (sp, snr), g in sub.groupby(["split", "snr_db"]):
        ok = g[g.accuracy >= target].sort_values("k")
        k = int(ok.k.iloc[0]) if len(ok) else None
        rows.append({"split": sp, "snr_db": float(snr), "min_k": k,
                     "normalized_communication": k / image_elements if k else math.nan,
                     "best_accuracy": float(g.accuracy.max())})
    return pd.DataFrame(rows).sort_values(["split", "snr_db"]).reset_index(drop=True)


def monotonicity_report(table: pd.DataFrame, z: float = 2.0) -> pd.DataFrame:
    """Where accuracy falls, beyond sampling noise, as k grows (at fixed SNR) or as SNR grows (at
    fixed k): one row per offending neighbouring pair."""
    out = []
    for along, fixed in (("k", "snr_db"), ("snr_db", "k")):
        for key, g in table.groupby(["split", "channel", fixed]):
            g = g.sort_values(along)
            a, n, x = g.accuracy.to_numpy(float), g.n.to_numpy(float), g[along].to_numpy()
            for i in range(1, len(g)):
                drop = a[i - 1] - a[i]
                if drop > float(sampling_tolerance(np.float64(a[i - 1]), np.float64(min(n[i - 1], n[i])), z)):
                    out.append({"split": key[0], "channel": key[1], fixed: key[2], "along": along,
                                "from": x[i - 1], "to": x[i], "accuracy_from": a[i - 1], "accuracy_to": a[i],
                                "drop": drop})
    return pd.DataFrame(out)
