"""Quantization and entropy coding of the split model's transmitted vector (issue 29, "Digital link";
paper 002, section 3.3: "semantic compression": quantization / bit-rate reduction, then entropy coding).
Pure functions on numpy arrays; the measurement that uses them is `digital.measure`.

Input
    z: (N, k) float, the vector the split transmitter sends for k (`SplitModel.to_channel`, first k
       entries): power-normalized, ||z||^2 = k (unit average power per real number). Its entries are
       **non-negative**: the compressor ends in BN + ReLU + global average pooling
       (`nets.split.Compressor`), so every quantizer here works on [0, c], not [-c, c]: a symmetric range
       would waste half the levels (one bit per number) on values that never occur.

Output
    q: (N, k) uint8 integers in 0..2^b - 1 (`quantize`); z_hat: (N, k) float32, what the receiver feeds its
       decoder (`dequantize`); per image, the bits sent (`code_all`: an int per image, side information included).

Quantizer: uniform, mid-tread, L = 2^b levels on [0, c]:
    q = clip(round(z / c * (L - 1)), 0, L - 1) (integers 0..L-1),  z_hat = q * c / (L - 1)
    b in 1..8 bits per number. Mid-tread keeps exact zeros (5-13 % of the entries at SP-2..SP-4, k = 64)
    and, at b = 1, sends "above c / 2 or not".
Scale c, two choices (`SCALES`):
- "vector": c = max(z) of each vector, sent as float16 side information (SIDE_BITS = 16 bits per image,
  counted in the bits per image); the decoder uses the float16 value. Never clips.
- "fixed": one c per (split, k, b), fitted on the validation split (the grid value of c minimizing the
  mean squared error there) and known to the receiver like the entropy model: no side information, but
  values above c are clipped.
Which one the measurement uses is chosen per (split, k, b) by `digital.measure` on the validation split:
the one with the smaller mean squared error at that b (the CSV keeps both validation MSEs and says which was
used; the choice does not weigh the per-vector scale's 16 bits of side information, which the bits per
image do count).

Entropy coding: the integers q are coded with `constriction` (ANS, `constriction.stream.stack.AnsCoder`)
under a categorical model of the L symbols, one shared by the k positions, fitted on the validation
split's symbol counts (+ 0.5 per symbol, so that no symbol has zero probability); never on the test set.
One ANS message per image: what is sent is the coder's whole 32-bit words (`num_bits`), which constriction
decodes as they are, preceded by their count (`length_bits(k, b)` bits: enough for ceil(k * b / 32) words)
because the length varies from image to image. When that is longer than the raw k * b bits, the raw bits
are sent instead (their length is known); one flag bit says which. So
bits per image = 1 + min(length header + ANS words x 32, k * b) + side information bits.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SCALES = ("vector", "fixed")
SIDE_BITS = {"vector": 16, "fixed": 0}  # float16 scale per image
FLAG_BITS = 1  # entropy-coded or raw
BITS_RANGE = (1, 8)


def _levels(b: int) -> int:
    if not BITS_RANGE[0] <= int(b) <= BITS_RANGE[1]:
        raise ValueError(f"bits per number must be in {BITS_RANGE[0]}..{BITS_RANGE[1]}, got {b}")
    return 2 ** int(b)


def vector_scale(z: np.ndarray) -> np.ndarray:
    """(N, k) -> (N,) per-vector scale max(z) as the receiver gets it (rounded to float16; > 0)."""
    s = np.maximum(np.asarray(z, np.float32).max(axis=1), 1e-3)
    s16 = s.astype(np.float16)
    return np.where(s16.astype(np.float32) < s, np.nextafter(s16, np.float16(np.inf)), s16).astype(np.float32)


def quantize(z: np.ndarray, b: int, scale: np.ndarray | float) -> np.ndarray:
    """(N, k) non-negative floats -> (N, k) integers in 0..2^b - 1 (uint8). `scale`: c per vector (N,) or one c."""
    levels = _levels(b)
    z = np.asarray(z, np.float32)
    c = np.asarray(scale, np.float32).reshape(-1, 1) if np.ndim(scale) else np.float32(scale)
    q = np.rint(np.clip(z / c, 0.0, 1.0) * (levels - 1))
    return q.astype(np.uint8)


def dequantize(q: np.ndarray, b: int, scale: np.ndarray | float) -> np.ndarray:
    """Integers -> the receiver's reconstruction q * c / (2^b - 1), float32."""
    levels = _levels(b)
    c = np.asarray(scale, np.float32).reshape(-1, 1) if np.ndim(scale) else np.float32(scale)
    return (np.asarray(q, np.float32) * (c / (levels - 1))).astype(np.float32)


def fit_fixed_scale(z_fit: np.ndarray, b: int, grid: int = 64) -> float:
    """The clip c minimizing the mean squared quantization error on the fitting set (validation split):
    a grid search between the median and the maximum of the per-vector maxima."""
    z_fit = np.asarray(z_fit, np.float32)
    m = z_fit.max(axis=1)
    best, best_c = np.inf, float(m.max())
    for c in np.linspace(float(np.median(m)) * 0.5, float(m.max()), grid):
        mse = float(np.mean((dequantize(quantize(z_fit, b, c), b, c) - z_fit) ** 2))
        if mse < best:
            best, best_c = mse, float(c)
    return best_c


def sqnr_db(z: np.ndarray, z_hat: np.ndarray) -> float:
    """Signal to quantization noise ratio, dB: mean z^2 over mean (z - z_hat)^2."""
    err = float(np.mean((np.asarray(z, np.float64) - z_hat) ** 2))
    return float("inf") if err == 0 else 10.0 * np.log10(float(np.mean(np.asarray(z, np.float64) ** 2)) / err)


# ----------------------------------------------------------------------------- entropy coding
def fit_model(q_fit: np.ndarray, b: int, prior: float = 0.5) -> np.ndarray:
    """Categorical probabilities of the 2^b symbols from the fitting set's counts (+ `prior` each), float64."""
    counts = np.bincount(np.asarray(q_fit, np.int64).ravel(), minlength=_levels(b)).astype(np.float64) + prior
    return counts / counts.sum()


def _model(probs: np.ndarray):
    import constriction
    return constriction.stream.model.Categorical(np.asarray(probs, np.float64), perfect=False)


def encode(q: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """One vector of symbols (k,) -> the ANS message (uint32 words)."""
    import constriction
    coder = constriction.stream.stack.AnsCoder()
    coder.encode_reverse(np.asarray(q, np.int32), _model(probs))
    return coder.get_compressed()


def decode(words: np.ndarray, k: int, probs: np.ndarray) -> np.ndarray:
    """The ANS message of one vector -> its k symbols (uint8)."""
    import constriction
    coder = constriction.stream.stack.AnsCoder(np.asarray(words, np.uint32))
    return np.asarray(coder.decode(_model(probs), int(k)), np.uint8)


def ideal_bits(q: np.ndarray, probs: np.ndarray) -> float:
    """Information content of the symbols under the model, bits (what an ideal coder would need)."""
    return float(-np.log2(np.asarray(probs)[np.asarray(q, np.int64)]).sum())


@dataclass(frozen=True)
class Coded:
    """Bits of N images: `bits` per image as sent (flag + min(ANS, raw) + side information)."""
    bits: np.ndarray  # (N,) int
    ans_bits: np.ndarray  # (N,) whole 32-bit words of the ANS message (without the length header)
    ideal_bits: np.ndarray  # (N,) information content under the model
    raw_bits: int  # k * b
    side_bits: int
    exact: bool  # every message decoded back to its symbols


def length_bits(k: int, b: int) -> int:
    """Bits of the header that gives the number of 32-bit ANS words (at most ceil(k * b / 32) are ever sent)."""
    return max(1, math.ceil(math.log2(math.ceil(int(k) * int(b) / 32) + 1)))


def code_all(q: np.ndarray, b: int, probs: np.ndarray, side_bits: int, check: bool = True) -> Coded:
    """Entropy-code every row of q (N, k) separately; with `check`, decode each and compare."""
    n, k = q.shape
    ans = np.zeros(n, np.int64)
    ideal = np.zeros(n)
    exact = True
    for i in range(n):
        words = encode(q[i], probs)
        ans[i] = 32 * len(words)
        ideal[i] = ideal_bits(q[i], probs)
        if check and not np.array_equal(decode(words, k, probs), q[i]):
            exact = False
    raw = k * int(b)
    bits = FLAG_BITS + np.minimum(length_bits(k, b) + ans, raw) + side_bits
    return Coded(bits, ans, ideal, raw, side_bits, exact)
