"""Accuracy readings off a measured table (the split sweep table, or the TOC results table in its shape) as the
planner's candidates carry them: the kind of reading and its 95 % interval."""
from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from semcom_core.eval.readings import AccuracyReading, rows_for
from semcom_core.eval.stats import accuracy_interval

T = TypeVar("T")


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


@dataclass(frozen=True)
class ReadingRows:
    """The rows of ONE (split, k, channel) (or one TOC model and budget in that shape) as arrays sorted by SNR, as
    `eval.readings.rows_for` sorts them: what a reading at any SNR needs, prepared once per table (a plan reads
    ~120 such groups per SNR)."""
    snr_db: np.ndarray
    accuracy: np.ndarray
    n: np.ndarray
    ci_low: np.ndarray  # each row's 95 % Wilson interval
    ci_high: np.ndarray

    @classmethod
    def from_arrays(cls, snr_db, accuracy, n) -> ReadingRows:
        """From rows already sorted by SNR."""
        a, m = np.asarray(accuracy, float), np.asarray(n, int)
        ivs = [accuracy_interval(float(x), int(k)) for x, k in zip(a, m)]
        return cls(np.asarray(snr_db, float), a, m, np.array([i[0] for i in ivs], float),
                   np.array([i[1] for i in ivs], float))

    @classmethod
    def of(cls, rows: pd.DataFrame) -> ReadingRows:
        sub = rows.sort_values("snr_db")  # as `rows_for` sorts (same call on the same rows: the same order)
        return cls.from_arrays(sub.snr_db.to_numpy(float), sub.accuracy.to_numpy(float), sub.n.to_numpy(int))

    def read(self, snr_db: float) -> tuple[AccuracyReading, tuple[float, float] | None]:
        """(`eval.readings.accuracy_at`, `reading_interval`) at `snr_db`: the same numbers and words."""
        s, a, ns = self.snr_db, self.accuracy, self.n
        hit = np.isclose(s, snr_db)
        if hit.any():
            r = AccuracyReading(float(a[hit][0]), int(ns[hit][0]), f"measured at {s[hit][0]:g} dB", True)
            return r, r.interval
        if snr_db < s[0] or snr_db > s[-1]:
            i = 0 if snr_db < s[0] else len(s) - 1
            return (AccuracyReading(float(a[i]), int(ns[i]), f"nearest measured SNR, {s[i]:g} dB", False),
                    (float(self.ci_low[i]), float(self.ci_high[i])))
        j = int(np.searchsorted(s, snr_db))
        val = float(np.interp(snr_db, s[j - 1:j + 1], a[j - 1:j + 1]))
        r = AccuracyReading(val, int(ns[j - 1:j + 1].min()), f"interpolated between {s[j - 1]:g} and {s[j]:g} dB",
                            False)
        return r, (float(np.interp(snr_db, s, self.ci_low)), float(np.interp(snr_db, s, self.ci_high)))


def read_rows(rows: pd.DataFrame, snr_db: float) -> tuple[AccuracyReading, tuple[float, float] | None]:
    """(`eval.readings.accuracy_at`, `reading_interval`) of the rows of ONE (split, k, channel) (or one TOC model and
    budget in that shape), the same numbers and words, with the rows sorted once and no table filtered."""
    return ReadingRows.of(rows).read(snr_db)


_PREPARED: dict[int, dict] = {}


def prepared(frame: pd.DataFrame, key: tuple, build: Callable[[pd.DataFrame], T]) -> T:
    """`build(frame)`, computed once per table object and `key` and kept while the object lives: what a plan derives
    from a table that does not depend on the SNR or the presets (its groups, sorted arrays), so that a plan at a new
    SNR only reads. The table must be treated as read-only once passed here (the app's shared, cached tables are:
    nobody writes them); a new or copied table is prepared afresh."""
    slot = _PREPARED.get(id(frame))
    if slot is None:
        slot = _PREPARED[id(frame)] = {}
        weakref.finalize(frame, _PREPARED.pop, id(frame), None)  # before the id can be reused
    if key not in slot:
        slot[key] = build(frame)
    return slot[key]
