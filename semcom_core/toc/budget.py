"""Budget maths of the dynamic task-oriented communication model (paper 001, section V, eqs. 6, 17, 18,
Algorithms 2-3, Appendices B-D). Pure functions on numbers and numpy arrays: no torch, no files.

Units: a cost is whatever the caller's exit costs C_k are in (the project uses multiply-accumulates per
image, which is what paper 001's tables call "FLOPs", see `semcom_core.toc.costs`); the budget B is in
the same unit, **per image** (paper 001 writes N * R <= B for a batch of N images; dividing by N gives
the per-image form used here).

- Exits k = 1..K with cumulative cost C_1 < C_2 < ... < C_K (the cost of running the encoder up to exit
  k, including every confidence check on the way).
- Exit probabilities (eq. 17): Pr_k = r^k / sum_{j=1..K} r^j, r > 0. r -> 0 sends everything out of exit 1,
  r = 1 is uniform, r -> inf sends everything to exit K.
- Expected cost for evenly spaced exits C_k = k * phi (eq. 18 with the normalisation of eq. 17; the paper
  prints sum_{j=1..k} in eq. 18's denominator, a typo: its own derivation in Appendix B, eq. 39, uses
  sum_{j=1..K}):
      R(r) = phi * (1 - (K+1) r^K + K r^(K+1)) / ((1 - r)(1 - r^K)),  r != 1;   R(1) = phi (K+1)/2,
  increasing in r from phi (r -> 0) to K phi (r -> inf) (Lemmas 1-2).
- Real, unevenly spaced exits: E[C](r) = sum_k Pr_k C_k, also increasing in r (the weights r^k shift
  mass to later exits as r grows).
- `solve_r`: the largest r with E[C](r) <= B, by bisection on log r (Proposition 2).
- `fit_thresholds`: Algorithm 2 on a validation split: going through exits 1..K-1, the n_k = Pr_k * N
  most confident samples *not yet exited* leave at exit k; theta_k is the confidence of the last one
  (-inf when that is everyone left). The last exit takes the rest (theta_K = -inf). `assign_exits` is Algorithm 3: a sample leaves at the
  first k with confidence >= theta_k.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np


class BudgetError(ValueError):
    """A budget that cannot be met or read: one clear line for the user, never a traceback."""


# ----------------------------------------------------------------------------- reading a budget
_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9}


def parse_budget(value) -> float:
    """A budget as a positive finite float. Accepts numbers and strings such as "3e7", "30M", "40.8 M",
    "1.2G" (k/M/G = 1e3/1e6/1e9). Raises BudgetError with a one-line message otherwise."""
    if isinstance(value, bool):
        raise BudgetError(f"budget must be a number of operations per image, not {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        b = float(value)
    elif isinstance(value, str):
        m = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([kKmMgG]?)\s*", value)
        if not m:
            raise BudgetError(f"budget must be a number of operations per image such as 3e7 or 30M, "
                              f"not {value!r}")
        b = float(m.group(1)) * _SUFFIX[m.group(2).lower()]
    else:
        raise BudgetError(f"budget must be a number of operations per image, not {type(value).__name__}")
    if not math.isfinite(b) or b <= 0:
        raise BudgetError(f"budget must be a positive finite number of operations per image, got {value!r}")
    return b


def _costs(costs) -> np.ndarray:
    c = np.asarray(costs, dtype=float)
    if c.ndim != 1 or len(c) < 1:
        raise ValueError("exit costs must be a non-empty 1-D sequence")
    if not np.all(np.isfinite(c)) or np.any(c <= 0):
        raise ValueError(f"exit costs must be positive and finite, got {c.tolist()}")
    if np.any(np.diff(c) <= 0):
        raise ValueError(f"exit costs must increase from exit to exit (cumulative), got {c.tolist()}")
    return c


# ----------------------------------------------------------------------------- eq. 17, eq. 18
def exit_probabilities(r: float, K: int) -> np.ndarray:
    """Pr_k = r^k / sum_j r^j for k = 1..K (eq. 17). r = 0 -> all at exit 1; r = inf -> all at exit K.
    Computed in log space, so any r in [0, inf] is exact to rounding."""
    if K < 1:
        raise ValueError(f"K must be at least 1, got {K}")
    r = float(r)
    if math.isnan(r) or r < 0:
        raise ValueError(f"r must be in [0, inf], got {r}")
    p = np.zeros(K)
    if r == 0.0:
        p[0] = 1.0
        return p
    if math.isinf(r):
        p[-1] = 1.0
        return p
    logw = np.arange(1, K + 1) * math.log(r)
    w = np.exp(logw - logw.max())
    return w / w.sum()


def expected_cost_even(r: float, phi: float, K: int) -> float:
    """R(r), the closed form of Appendix B (eq. 39) for exits evenly spaced by phi: C_k = k * phi.
    For r > 1 it uses R(r) = (K+1) phi - R(1/r) (Pr_k(r) = Pr_{K+1-k}(1/r)), which keeps r^K from
    overflowing; within 1e-4 of r = 1 the removable singularity is replaced by its second-order Taylor
    expansion around R(1) = phi (K+1)/2."""
    r = float(r)
    if r < 0 or math.isnan(r):
        raise ValueError(f"r must be in [0, inf], got {r}")
    if math.isinf(r):
        return K * phi
    if r > 1.0:
        return (K + 1) * phi - expected_cost_even(1.0 / r, phi, K)
    if abs(r - 1.0) < 1e-4:
        # d/dr at 1: phi (K^2 - 1) / 12; the second-order term is O(K^4 eps^2), negligible here
        return phi * ((K + 1) / 2 + (K * K - 1) / 12 * (r - 1.0))
    return phi * (1 - (K + 1) * r ** K + K * r ** (K + 1)) / ((1 - r) * (1 - r ** K))


def expected_cost(r: float, costs) -> float:
    """sum_k Pr_k(r) C_k for the real cumulative exit costs C_k (eq. 6 per image)."""
    c = _costs(costs)
    return float(exit_probabilities(r, len(c)) @ c)


# ----------------------------------------------------------------------------- Proposition 2
@dataclass(frozen=True)
class BudgetPlan:
    """What a budget means for a multi-exit model: r, the exit probabilities and the expected cost.
    status: "feasible" (C_1 <= B < C_K: r solved by bisection) or "unconstrained" (B >= C_K:
    everything may run to the end, r = inf, every sample leaves at the last exit)."""
    budget: float
    r: float
    probabilities: tuple[float, ...]
    expected_cost: float
    costs: tuple[float, ...]
    status: str
    message: str = field(default="")

    def to_dict(self) -> dict:
        return {"budget": self.budget, "r": None if math.isinf(self.r) else self.r,
                "r_is_infinite": math.isinf(self.r), "exit_probabilities": list(self.probabilities),
                "expected_cost": self.expected_cost, "exit_costs": list(self.costs), "status": self.status,
                "message": self.message}


def solve_r(budget, costs, rel_tol: float = 1e-12, max_iter: int = 200) -> float:
    """The largest r with sum_k Pr_k(r) C_k <= budget (bisection on log r; the returned r is on the
    feasible side of the bracket, so its expected cost never exceeds the budget).

    budget < C_1 -> BudgetError (no r meets it: even exit 1 for every sample costs more);
    budget == C_1 -> 0.0; budget >= C_K -> inf (everything may run to the end)."""
    b = parse_budget(budget)
    c = _costs(costs)
    if b < c[0]:
        raise BudgetError(f"budget {b:,.0f} is below the cost of the first exit ({c[0]:,.0f} per image): "
                          f"no setting of the exits can meet it")
    if b >= c[-1]:
        return math.inf
    if b == c[0]:
        return 0.0
    f = lambda t: expected_cost(math.exp(t), c) - b  # noqa: E731  (increasing in t = log r)
    lo, hi = -1.0, 1.0
    while f(lo) > 0:  # expected cost tends to C_1 < b as t -> -inf
        lo *= 2.0
    while f(hi) <= 0:  # ... and to C_K > b as t -> +inf
        hi *= 2.0
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        if f(mid) <= 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < rel_tol:
            break
    return math.exp(lo)


def plan_budget(budget, costs) -> BudgetPlan:
    """Solve r for `budget` and return the whole plan (see BudgetPlan); BudgetError when infeasible."""
    b = parse_budget(budget)
    c = _costs(costs)
    r = solve_r(b, c)
    p = exit_probabilities(r, len(c))
    if math.isinf(r):
        return BudgetPlan(b, r, tuple(p), float(c[-1]), tuple(c), "unconstrained",
                          f"budget {b:,.0f} is at least the cost of the last exit ({c[-1]:,.0f}): "
                          "everything may run to the end")
    return BudgetPlan(b, r, tuple(p), float(p @ c), tuple(c), "feasible")


# ----------------------------------------------------------------------------- Algorithms 2 and 3
def exit_counts(probabilities, n: int) -> np.ndarray:
    """Integer counts n_k summing to n, as close as possible to Pr_k * n (largest remainder)."""
    p = np.asarray(probabilities, dtype=float)
    raw = p * n
    cnt = np.floor(raw).astype(int)
    short = n - int(cnt.sum())
    if short > 0:
        cnt[np.argsort(-(raw - cnt), kind="stable")[:short]] += 1
    return cnt


def fit_thresholds(confidences, probabilities) -> np.ndarray:
    """Algorithm 2. confidences: (N, K) array, confidence of validation sample j at exit k (the top
    softmax probability, eq. 11). Returns theta (K,): at exits k < K, among the samples not yet exited,
    the n_k most confident leave (n_k from `exit_counts`), theta_k = the confidence of the n_k-th of them
    (+inf when n_k = 0); theta_K = -inf (the last exit takes the rest). Use a validation split, never the
    test set."""
    conf = np.asarray(confidences, dtype=float)
    if conf.ndim != 2:
        raise ValueError(f"confidences must be (N, K), got shape {conf.shape}")
    n, k_exits = conf.shape
    p = np.asarray(probabilities, dtype=float)
    if p.shape != (k_exits,):
        raise ValueError(f"{k_exits} exits but {len(p)} probabilities")
    counts = exit_counts(p, n)
    theta = np.full(k_exits, np.inf)
    theta[-1] = -np.inf
    remaining = np.ones(n, dtype=bool)
    for k in range(k_exits - 1):
        if counts[k] == 0:
            continue
        idx = np.flatnonzero(remaining)
        if counts[k] >= len(idx):  # everyone still in leaves here (at test time too, whatever its confidence)
            theta[k] = -np.inf
            remaining[:] = False
            continue
        order = idx[np.argsort(-conf[idx, k], kind="stable")]
        take = order[:counts[k]]
        theta[k] = conf[take[-1], k]
        # what leaves here at test time is everyone still in with confidence >= theta (ties included)
        remaining &= ~(conf[:, k] >= theta[k])
    return theta


def assign_exits(confidences, thresholds) -> np.ndarray:
    """Algorithm 3: the 0-based exit of each sample, the first k with confidence >= theta_k (the last
    exit when none is reached)."""
    conf = np.asarray(confidences, dtype=float)
    theta = np.asarray(thresholds, dtype=float)
    if conf.ndim != 2 or conf.shape[1] != len(theta):
        raise ValueError(f"confidences {conf.shape} do not match {len(theta)} thresholds")
    passed = conf >= theta[None, :]
    passed[:, -1] = True
    return passed.argmax(axis=1)


def exit_fractions(exits, K: int) -> np.ndarray:
    """The fraction of samples leaving at each exit (0-based exit indices)."""
    e = np.asarray(exits, dtype=int)
    return np.bincount(e, minlength=K)[:K] / max(1, len(e))


def measured_cost(exits, costs) -> float:
    """The mean cost per image of samples that left at `exits` (0-based): mean of C_exit."""
    c = np.asarray(costs, dtype=float)
    e = np.asarray(exits, dtype=int)
    return float(c[e].mean()) if len(e) else 0.0
