"""The split zoo's accuracy targets (the end-to-end split issue, 26), declared once, and a report of where a shipped sweep
table meets them. Pure functions over tables; `python -m semcom_core zoo targets` prints the report
and, with --measure, re-measures each point with `evaluate` on the shipped files."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from semcom_core.eval.readings import monotonicity_report
from semcom_core.eval.stats import sampling_tolerance


@dataclass(frozen=True)
class SplitTarget:
    """Accuracy at one (split, k, channel, SNR) point: at least `at_least`, or within `within`
    (absolute) of the unsplit backbone's test accuracy."""
    split: str
    k: int
    snr_db: float
    channel: str = "awgn"
    at_least: float | None = None
    within: float | None = None

    @property
    def setting(self) -> str:
        return f"{self.split}, k = {self.k}, {self.channel} {self.snr_db:g} dB"

    def required(self, unsplit: float | None) -> float | None:
        if self.at_least is not None:
            return self.at_least
        if self.within is not None and unsplit is not None:
            return unsplit - self.within
        return None


# The points every backbone's table is checked at (issue 26, "Targets"); thresholds per backbone.
CHECK_POINTS = (("SP-3", 64, 5.0), ("SP-4", 64, 5.0), ("SP-2", 256, 5.0))
UNSPLIT_TARGETS = {"resnet18": 0.920, "resnet34": 0.920}
# Noiseless ceilings (k = k_max, from the model card): within this of the unsplit model.
CEILING_SPLITS, CEILING_WITHIN = ("SP-3", "SP-4", "SP-5"), 0.02


def targets_for(backbone: str) -> list[SplitTarget]:
    """The issue's thresholds for paper 000's backbones; the demo models get the same points with no
    threshold (reported, not judged)."""
    judged = backbone in UNSPLIT_TARGETS
    rule = {"SP-3": {"within": 0.03}, "SP-4": {"within": 0.015}, "SP-2": {"at_least": 0.85}}
    return [SplitTarget(sp, k, s, **(rule[sp] if judged else {})) for sp, k, s in CHECK_POINTS]


def table_value(table: pd.DataFrame, t: SplitTarget) -> tuple[float, int] | None:
    """(accuracy, n) of the table's row at exactly this point, or None if it has none."""
    row = table[(table.split == t.split) & (table.k == t.k) & (table.channel == t.channel)
                & np.isclose(table.snr_db.astype(float), t.snr_db)]
    return (float(row.accuracy.iloc[0]), int(row.n.iloc[0])) if len(row) else None


def _verdict(value: float | None, required: float | None) -> str:
    if value is None or pd.isna(value):
        return "not measured"
    if required is None or pd.isna(required):
        return "no target"
    return "met" if value >= required else "missed"


def target_report(table: pd.DataFrame | None, backbone: str, unsplit: float | None,
                  unsplit_n: int | None = None, ceilings: dict[str, float] | None = None,
                  ceilings_n: int | None = None) -> pd.DataFrame:
    """One row per target: setting, required accuracy, the table's accuracy (and n), verdict, and
    the gap (value - required). `unsplit` is the backbone's test accuracy (its model card); `ceilings`
    each split's noiseless accuracy at k = k_max (the split model's card)."""
    rows = [{"target": "unsplit backbone", "setting": "no split, no channel",
             "required": UNSPLIT_TARGETS.get(backbone), "accuracy": unsplit, "n": unsplit_n}]
    judged = backbone in UNSPLIT_TARGETS and unsplit is not None
    for sp in (s for s in CEILING_SPLITS if ceilings is None or s in ceilings):  # the splits this model has
        rows.append({"target": f"{sp} ceiling", "setting": f"{sp}, k = k_max, noiseless",
                     "required": unsplit - CEILING_WITHIN if judged else None,
                     "accuracy": (ceilings or {}).get(sp), "n": ceilings_n})
    for t in targets_for(backbone):
        got = table_value(table, t) if table is not None else None
        rows.append({"target": t.split, "setting": t.setting, "required": t.required(unsplit),
                     "accuracy": got[0] if got else None, "n": got[1] if got else None})
    out = pd.DataFrame(rows)
    out["verdict"] = [_verdict(a, r) for a, r in zip(out.accuracy, out.required)]
    out["gap"] = [None if pd.isna(a) or pd.isna(r) else a - r for a, r in zip(out.accuracy, out.required)]
    return out


def agreement(table_acc: float, table_n: int, measured: float, measured_n: int) -> bool:
    """A table row and a re-measurement agree: exactly when both used the same images and seed
    (rounding across thread counts aside), else within sampling noise."""
    if table_n == measured_n:
        return abs(table_acc - measured) <= 0.001
    return abs(table_acc - measured) <= float(sampling_tolerance(np.float64(table_acc), np.float64(min(table_n, measured_n))))


def monotonicity_summary(table: pd.DataFrame | None) -> str:
    if table is None:
        return "no table"
    bad = monotonicity_report(table)
    if bad.empty:
        return f"accuracy never falls beyond sampling noise (2 standard errors) as k or SNR grows ({len(table)} rows)"
    worst = bad.sort_values("drop", ascending=False).iloc[0]
    return (f"{len(bad)} neighbouring pairs fall beyond sampling noise; the largest: {worst.split} "
            f"{worst.channel}, {worst.along} {worst['from']:g} -> {worst['to']:g}, "
            f"{100 * worst.accuracy_from:.2f} -> {100 * worst.accuracy_to:.2f} %")
