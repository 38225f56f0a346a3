"""The digital link for quantized split features (issue 29, "Digital link"; paper 002, section 3.3): the
bits of one image sent two ways, and what that does to accuracy.

Units (as the channel conventions, docs/conventions.md):
- SNR in dB is Es/N0 per complex channel use (unit-energy symbols), the project's convention.
- bits: information bits per image (the entropy-coded features plus their side information).
- channel uses: complex channel uses per image. The analog link sends k real numbers in
  `channels.core.complex_channel_uses(k)` = ceil(k / 2) complex channel uses (the one source of truth).

Two digital links:
- **Shannon** (`shannon_channel_uses`): bits / C complex channel uses, error-free, C = `capacity(snr_db,
  channel)` bits per complex channel use: on AWGN log2(1 + SNR); on per-symbol Rayleigh fading with perfect
  CSI at the receiver the ergodic capacity E[log2(1 + |h|^2 SNR)] = e^(1/SNR) E1(1/SNR) / ln 2 (|h|^2 ~ Exp(1);
  "Shannon (ergodic capacity)"). An ideal upper bound on what any code could do (infinite block length, and
  on Rayleigh a code long enough to average over the fading); modelled, not a measurement.
- **LDPC + QPSK** (`ldpc_channel_uses`, `frame_bler`): the bit-true rate-1/2 5G LDPC + Gray QPSK chain of
  `digital.separation.qpsk_ldpc_chain` (Sionna, 20 belief-propagation iterations), one information bit
  per complex channel use. A frame of P bits is cut into ceil(P / MAX_CODEWORD_BITS) codewords of equal
  size (the last padded); at least MIN_CODEWORD_BITS. Its block error rate is measured per codeword size
  and SNR (`plan.measure.measure_bler`, shipped as `pretrained/split/ldpc_bler.csv`); between measured codeword sizes
  it is interpolated linearly in log2(size) and between measured SNRs linearly in dB (a model of the
  measured curve, said so); a frame fails when any of its codewords fails (independent codewords:
  1 - prod(1 - BLER)).

A failed frame leaves the receiver without features: it guesses a class uniformly at random, right with
probability 1 / classes. So digital accuracy = acc_quant * (1 - BLER) + (1 / classes) * BLER
(`digital_accuracy`): acc_quant measured after quantization with error-free bits.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from semcom_core.channels.core import complex_channel_uses

MAX_CODEWORD_BITS = 2048  # information bits per LDPC codeword (5G base graph 1 allows 8,448; see below)
MIN_CODEWORD_BITS = 16  # shorter frames are zero-padded to this
# Codeword sizes measured: every frame of the planner splits into codewords within this range. 2,048 and
# not 8,448 as the largest: the quantized features of one image need at most ~2,100 bits, and decoding an
# 8,448-bit codeword costs ~10x more CPU per bit to measure here.
BLER_SIZES = (16, 32, 64, 128, 256, 512, 1024, 2048)
BLER_SNRS = tuple(float(s) for s in np.r_[np.arange(-5.0, -2.0, 1.0), np.arange(-2.0, 6.01, 0.5),
                                             np.arange(7.0, 20.01, 1.0)])
BLER_CHANNELS = ("awgn", "rayleigh")
# the LDPC chain's channels: the split tables' `awgn` (real) equals complex AWGN at the same SNR
# (docs/conventions.md); `rayleigh` is per-symbol fading (kind `rayleigh_fast`) with perfect CSI; the chain
# equalizes by zero-forcing with matched LLRs, the analog link by MMSE.
CHAIN_CHANNEL = {"awgn": "complex_awgn", "rayleigh": "rayleigh_fast"}
BLER_FILE = "ldpc_bler.csv"


# ----------------------------------------------------------------------------- channel uses
def analog_channel_uses(k: int) -> int:
    """Complex channel uses of the analog link sending k real numbers (docs/conventions.md: ceil(k / 2))."""
    return complex_channel_uses(int(k))


AWGN_CHANNELS = ("awgn", "complex_awgn")
RAYLEIGH_CHANNELS = ("rayleigh", "rayleigh_fast")
_EULER_GAMMA = 0.5772156649015329


def _exp_e1(x: float) -> float:
    """e^x E1(x) for x > 0 (E1 the exponential integral): the power series for x <= 1, the continued fraction
    (modified Lentz, as Numerical Recipes' expint) above; relative error ~1e-15."""
    if x <= 0:
        raise ValueError("e^x E1(x) needs x > 0")
    if x <= 1.0:
        term, total = 1.0, 0.0
        for k in range(1, 60):
            term *= -x / k
            total += term / k
            if abs(term / k) < 1e-17:
                break
        return math.exp(x) * (-_EULER_GAMMA - math.log(x) - total)
    b, c, d = x + 1.0, 1e300, 1.0 / (x + 1.0)
    h = d
    for i in range(1, 500):
        an = -float(i * i)
        b += 2.0
        d = 1.0 / (an * d + b)
        c = b + an / c
        de = c * d
        h *= de
        if abs(de - 1.0) < 1e-16:
            break
    return h


def capacity(snr_db: float, channel: str = "awgn") -> float:
    """Shannon capacity in bits per complex channel use at this SNR (dB, Es/N0): AWGN (`awgn`, `complex_awgn`)
    log2(1 + SNR); per-symbol Rayleigh fading with perfect CSI (`rayleigh`, `rayleigh_fast`) the ergodic
    capacity E[log2(1 + |h|^2 SNR)] = e^(1/SNR) E1(1/SNR) / ln 2."""
    rho = 10.0 ** (float(snr_db) / 10.0)
    if channel in AWGN_CHANNELS:
        return math.log2(1.0 + rho)
    if channel in RAYLEIGH_CHANNELS:
        return _exp_e1(1.0 / rho) / math.log(2.0)
    raise ValueError(f"no Shannon capacity for channel {channel!r} (known: {AWGN_CHANNELS + RAYLEIGH_CHANNELS})")


def label_channel_uses(num_classes: int, snr_db: float, channel: str = "awgn") -> float:
    """Fewest complex channel uses that could carry the label, log2(classes) bits (`shannon_channel_uses`):
    paper 000 Fig. 6's bound."""
    return shannon_channel_uses(math.log2(num_classes), snr_db, channel)


def capacity_label(channel: str = "awgn") -> str:
    """How the Shannon link is named on this channel: "Shannon (ergodic capacity)" on Rayleigh fading."""
    return "Shannon (ergodic capacity)" if channel in RAYLEIGH_CHANNELS else "Shannon capacity"


def capacity_snr_db(rate: float, channel: str = "awgn") -> float:
    """The least SNR (dB) at which `capacity(snr_db, channel)` reaches `rate` bits per complex channel use: closed
    form on AWGN, bisection (capacity grows with SNR) on Rayleigh, to ~1e-9 dB."""
    rate = float(rate)
    if rate <= 0:
        return -math.inf
    if channel in AWGN_CHANNELS:
        return 10.0 * math.log10(2.0 ** rate - 1.0)
    capacity(0.0, channel)  # refuses an unknown channel
    lo, hi = 10.0 * math.log10(2.0 ** rate - 1.0), 10.0 * math.log10(2.0 ** rate - 1.0) + 5.0
    while capacity(hi, channel) < rate:  # fading costs at most a few dB at the rates here; widen if not
        hi += 5.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if capacity(mid, channel) < rate:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-9:
            break
    return hi


def shannon_channel_uses(bits: float, snr_db: float, channel: str = "awgn") -> float:
    """Fewest complex channel uses that could carry `bits` error-free at this SNR: bits / `capacity(snr_db,
    channel)` (AWGN: log2(1 + SNR); Rayleigh: the ergodic capacity)."""
    return float(bits) / capacity(snr_db, channel)


def codewords(payload_bits: float) -> tuple[int, int]:
    """(number of codewords, information bits per codeword) for a frame of `payload_bits`."""
    p = max(MIN_CODEWORD_BITS, int(math.ceil(payload_bits)))
    n = math.ceil(p / MAX_CODEWORD_BITS)
    return n, max(MIN_CODEWORD_BITS, math.ceil(p / n))


def ldpc_channel_uses(payload_bits: float) -> int:
    """Complex channel uses of the rate-1/2 LDPC + QPSK frame: 1 information bit per use, padding included."""
    n, k = codewords(payload_bits)
    return n * k


def digital_accuracy(acc_quant: float, bler: float, num_classes: int = 10) -> float:
    """Accuracy over a link that delivers the bits with probability 1 - BLER; a lost frame is a uniform guess."""
    return acc_quant * (1.0 - bler) + bler / num_classes


# ----------------------------------------------------------------------------- the measured curve
def _channel_rows(table: pd.DataFrame, channel: str) -> pd.DataFrame:
    t = table[table.channel == channel]
    if not len(t):
        raise ValueError(f"no measured LDPC block error rates for channel {channel!r}")
    return t


def _bler_by_size(t: pd.DataFrame, snrs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the measured codeword sizes, their BLER at every SNR of `snrs`: sizes x snrs) from one channel's rows,
    linear in dB per size (the end values outside)."""
    sizes = np.array(sorted(t.info_bits.unique()), float)
    at = np.array([np.interp(snrs, g.snr_db.to_numpy(float), g.bler.to_numpy(float))
                   for g in (t[t.info_bits == size].sort_values("snr_db") for size in sizes)])
    return sizes, at


def _at_size(sizes: np.ndarray, bler: np.ndarray, info_bits: float) -> float:
    """The BLER of `info_bits` from one SNR's BLER per measured size: linear in log2(size), clamped at the ends."""
    return float(np.interp(math.log2(min(max(info_bits, sizes[0]), sizes[-1])), np.log2(sizes), bler))


def _measured_sizes(t: pd.DataFrame, snr_db: float) -> dict[int, bool]:
    """Codeword size -> whether its rows at exactly `snr_db` were decoded (the table's `measured` column; a table
    without it counts every row as measured); sizes without a row at this SNR are absent."""
    hits = t[np.isclose(t.snr_db.to_numpy(float), float(snr_db), rtol=0, atol=1e-9)]
    return {int(size): bool(g["measured"].astype(bool).all()) if "measured" in g.columns else True
            for size, g in hits.groupby("info_bits")}


def _codeword_bler_curve(t: pd.DataFrame, info_bits: float, snrs: np.ndarray) -> np.ndarray:
    """Codeword BLER of `info_bits` at every SNR of `snrs` from one channel's rows: linear in dB per measured size
    (the end values outside), then linear in log2(size) between sizes (clamped at the ends)."""
    sizes, at = _bler_by_size(t, snrs)
    return np.array([_at_size(sizes, at[:, i], info_bits) for i in range(len(snrs))])


def codeword_bler_lookup(table: pd.DataFrame, info_bits: int, snr_db: float,
                         channel: str = "awgn") -> tuple[float, bool]:
    """(BLER of one codeword of `info_bits` from the measured table, measured): linear in dB between measured
    SNRs (the end values outside), linear in log2(size) between measured sizes (clamped at the ends).
    `measured` is True only when the lookup hit one grid point (this codeword size and this SNR exactly) whose
    row was decoded (the table's `measured` column; a table without it counts every row as measured); False when
    interpolated, clamped or read from a filled row."""
    t = _channel_rows(table, channel)
    p = float(_codeword_bler_curve(t, info_bits, np.array([float(snr_db)]))[0])
    if float(info_bits) != int(info_bits):
        return p, False
    return p, _measured_sizes(t, snr_db).get(int(info_bits), False)


def codeword_bler(table: pd.DataFrame, info_bits: int, snr_db: float, channel: str = "awgn") -> float:
    """BLER of one codeword of `info_bits` from the measured table (`codeword_bler_lookup` without the flag)."""
    return codeword_bler_lookup(table, info_bits, snr_db, channel)[0]


def frame_bler_lookup(table: pd.DataFrame, payload_bits: float, snr_db: float,
                      channel: str = "awgn") -> tuple[float, bool]:
    """(probability that a frame of `payload_bits` is lost (any of its codewords fails), whether its codewords'
    BLER was read at a measured grid point rather than interpolated or filled)."""
    n, k = codewords(payload_bits)
    p, measured = codeword_bler_lookup(table, k, snr_db, channel)
    return 1.0 - (1.0 - p) ** n, measured


def frame_bler_lookup_at(table: pd.DataFrame, snr_db: float,
                         channel: str = "awgn") -> Callable[[float], tuple[float, bool]]:
    """payload bits -> `frame_bler_lookup(table, payload, snr_db, channel)`, the same numbers, with the table read
    once for this SNR (every measured size interpolated in dB once; per payload only the log2(size) step and the
    grid-point check): for many payloads at one SNR, e.g. a plan's digital candidates."""
    t = _channel_rows(table, channel)
    sizes, at = _bler_by_size(t, np.array([float(snr_db)]))
    measured = _measured_sizes(t, snr_db)

    def lookup(payload_bits: float) -> tuple[float, bool]:
        n, k = codewords(payload_bits)
        return 1.0 - (1.0 - _at_size(sizes, at[:, 0], k)) ** n, measured.get(int(k), False)
    return lookup


def frame_bler_curve(table: pd.DataFrame, payload_bits: float, snrs, channel: str = "awgn") -> np.ndarray:
    """`frame_bler` at every SNR of `snrs` at once (the same interpolation: linear in dB per measured codeword size,
    the end values outside; linear in log2(size) between sizes, clamped), for charts over an SNR grid."""
    t = _channel_rows(table, channel)
    n, k = codewords(payload_bits)
    return 1.0 - (1.0 - _codeword_bler_curve(t, k, np.asarray(snrs, float))) ** n


def frame_bler(table: pd.DataFrame, payload_bits: float, snr_db: float, channel: str = "awgn") -> float:
    """Probability that a frame of `payload_bits` is lost (any of its codewords fails)."""
    return frame_bler_lookup(table, payload_bits, snr_db, channel)[0]


def cliff_snr(table: pd.DataFrame, info_bits: int, channel: str = "awgn", target: float = 0.1) -> float | None:
    """The lowest measured SNR from which the codeword BLER stays at or below `target` (None: never)."""
    t = table[(table.channel == channel) & (table.info_bits == info_bits)].sort_values("snr_db")
    ok = t.bler.to_numpy() <= target
    for i in range(len(ok)):
        if ok[i:].all():
            return float(t.snr_db.iloc[i])
    return None


def load_bler(path: Path | None = None) -> pd.DataFrame:
    from semcom_core.paths import pretrained_dir
    return pd.read_csv(path or pretrained_dir() / "split" / BLER_FILE)
