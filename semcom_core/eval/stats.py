"""Sampling statistics of measured accuracies (a fraction of n test images classified correctly): one
place for the intervals the pages show and the noise the table checks allow for."""
from __future__ import annotations

import math

import numpy as np


def wilson_interval(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial proportion."""
    if n == 0:
        return 0.0, 1.0
    p = correct / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def accuracy_interval(accuracy: float, n: int) -> tuple[float, float]:
    """95 % interval of an accuracy measured on n images (the count correct is accuracy * n)."""
    return wilson_interval(round(accuracy * n), n)


def sampling_tolerance(p: np.ndarray, n: np.ndarray, z: float = 2.0) -> np.ndarray:
    """A drop smaller than z standard errors of the difference of two accuracies is sampling noise."""
    return z * np.sqrt(2.0 * np.clip(p * (1 - p), 1e-6, None) / n)
