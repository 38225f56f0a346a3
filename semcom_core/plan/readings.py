"""Accuracy readings off a measured table (the split sweep table, or the TOC results table in its shape) as the
planner's candidates carry them: the kind of reading and its 95 % interval."""
from __future__ import annotations

import numpy as np
import pandas as pd

from semcom_core.eval.readings import rows_for
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
