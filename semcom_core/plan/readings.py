"""Accuracy readings off a measured table (the split sweep table, or the TOC results table in its shape) as the
planner's candidates carry them: the kind of reading and its 95 % interval."""
from __future__ import annotations

import numpy as np
import pandas as pd

from semcom_core.eval.readings import AccuracyReading, rows_for
from semcom_core.eval.stats import accuracy_interval


def reading_interval(table: pd.DataFrame, split: str, k: int, snr_db: float, channel: str, reading):
    """95 % interval of a reading: the measured row's Wilson interval; for an interpolated reading the two
    neighbours' intervals interpolated with the same weights; outside the grid the nearest row's."""
    if reading.exact:
        return reading.interval
    sub = rows_for(table, split, k, channel)
    s = sub.snr_db.to_numpy(float)
    ivs = [accuracy_interval(float(a), int(n)) for a, n in zip(sub.accuracy, sub.n)]
    if snr_db <= s[0]:
        return ivs[0]
    if snr_db >= s[-1]:
        return ivs[-1]
    lo = float(np.interp(snr_db, s, [i[0] for i in ivs]))
    hi = float(np.interp(snr_db, s, [i[1] for i in ivs]))
    return lo, hi


def reading_kind(r) -> str:
    """An `eval.readings.AccuracyReading` as a `Candidate.accuracy_reading`: measured, interpolated or nearest."""
    if r.exact:
        return "measured"
    return "nearest" if r.how.startswith("nearest") else "interpolated"


def read_rows(rows: pd.DataFrame, snr_db: float) -> tuple[AccuracyReading, tuple[float, float] | None]:
    """(`eval.readings.accuracy_at`, `reading_interval`) of the rows of ONE (split, k, channel) (or one TOC model and
    budget in that shape), the same numbers and words, with the rows sorted once and no table filtered: a plan reads
    ~90 such groups per SNR, and the two functions filtered and sorted the table three times per group."""
    sub = rows.sort_values("snr_db")  # as `rows_for` sorts (same call on the same rows: the same order)
    s, a, ns = sub.snr_db.to_numpy(float), sub.accuracy.to_numpy(float), sub.n.to_numpy(int)
    hit = np.isclose(s, snr_db)
    if hit.any():
        r = AccuracyReading(float(a[hit][0]), int(ns[hit][0]), f"measured at {s[hit][0]:g} dB", True)
        return r, r.interval
    if snr_db < s[0] or snr_db > s[-1]:
        i = 0 if snr_db < s[0] else len(s) - 1
        return (AccuracyReading(float(a[i]), int(ns[i]), f"nearest measured SNR, {s[i]:g} dB", False),
                accuracy_interval(float(a[i]), int(ns[i])))
    j = int(np.searchsorted(s, snr_db))
    val = float(np.interp(snr_db, s[j - 1:j + 1], a[j - 1:j + 1]))
    r = AccuracyReading(val, int(ns[j - 1:j + 1].min()), f"interpolated between {s[j - 1]:g} and {s[j]:g} dB", False)
    ivs = [accuracy_interval(float(x), int(m)) for x, m in zip(a, ns)]
    return r, (float(np.interp(snr_db, s, [i[0] for i in ivs])), float(np.interp(snr_db, s, [i[1] for i in ivs])))
