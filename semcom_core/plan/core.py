"""The planner's maths as pure functions over candidates: feasibility, Pareto fronts, the choice under an
objective with its reason, and which constraint binds when nothing is feasible. No I/O, no model, no
table: the candidates are built by `plan.planner`; tests build them by hand.

Paper 002, section 3.1.1, eq. 1: minimize T_c^m(L_i) + T_c^e(L_i) + T_n(L_i) over the split L_i subject
to the device's and the edge's compute limits. Here the search runs over every measured (split, k), the
objective may also be device energy or accuracy, and the constraints are a minimum accuracy and maximum
latency, device MACs and device energy.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

OBJECTIVES = ("latency", "energy", "accuracy")
CONSTRAINTS = ("min_accuracy", "max_latency_s", "max_device_macs", "max_energy_j")
ACCURACY_READINGS = ("measured", "interpolated", "nearest")
LINK_FIGURES = ("in_accuracy", "measured", "interpolated", "modelled", "assumed")
FAMILIES = ("split", "toc-static", "toc-dynamic", "unsplit")
FAMILY_LABELS = {"split": "split backbone", "toc-static": "TOC static (paper 001)",
                 "toc-dynamic": "TOC dynamic (paper 001)", "unsplit": "unsplit, on the device"}


@dataclass(frozen=True)
class Candidate:
    """One configuration: cut at `split`, send k real numbers. Latency = device + air + edge seconds."""
    split: str
    k: int
    accuracy: float
    device_s: float
    air_s: float
    edge_s: float
    device_macs: int
    edge_macs: int = 0
    bits: int = 0  # bits sent per image (k * bits per number)
    energy_j: float | None = None  # device energy per image (compute + radio); None: no energy figures given
    accuracy_how: str = "measured"  # "measured at 5 dB", "interpolated between 3 and 5 dB", ...
    accuracy_measured: bool = True  # True only when the whole figure is a measurement at this setting (False:
    # interpolated, read at the nearest measured SNR, or through a modelled or interpolated link)
    accuracy_interval: tuple[float, float] | None = None  # 95 %
    n: int = 0  # test images behind the accuracy
    extra: dict = field(default_factory=dict, compare=False)
    mode: str = "analog"  # "analog": the k numbers as analog symbols; "digital": quantized, entropy-coded bits;
    # "label": the all-on-the-device baseline, which sends only the label's bits
    bits_per_number: int | None = None  # digital: b, the quantizer's bits per number
    # how the accuracy was read off its measured table across SNR (ACCURACY_READINGS): "measured" (a row at this
    # SNR, or a measurement that does not depend on it: the quantized accuracy with error-free bits, the unsplit
    # model's card), "interpolated" (linearly between two measured SNRs), "nearest" (outside the measured SNRs)
    accuracy_reading: str = "measured"
    # where the link's effect on the accuracy comes from (LINK_FIGURES): "in_accuracy" (analog: the channel was in
    # the measured accuracy), "measured" (LDPC + QPSK frame loss at a decoded grid point), "interpolated" (LDPC
    # frame loss interpolated between, or filled beside, measured points), "modelled" (Shannon: an ideal code),
    # "assumed" (the label's bits, assumed delivered where no LDPC block error rates were measured for the channel)
    link_figure: str = "in_accuracy"
    family: str = "split"  # FAMILIES: a cut of the backbone, paper 001's static or dynamic TOC model, the unsplit model
    budget_macs: float | None = None  # the dynamic TOC model's budget B (MACs per image), None otherwise
    # the dynamic TOC model: device MACs, end-to-end latency and device energy of the worst image (one leaving at the
    # deepest exit used); device_macs, device_s, latency_s and energy_j are then the measured mean per image. A
    # deadline, a device-MAC limit and an energy limit hold per image (a battery or thermal budget per inference is
    # broken by the image that overdraws it, not by the average): they are checked against the worst case; the
    # objective and the Pareto fronts use the mean. None: every image costs the same (the mean is the worst case)
    worst_device_macs: int | None = None
    worst_latency_s: float | None = None
    worst_energy_j: float | None = None

    def __post_init__(self):
        if self.accuracy_reading not in ACCURACY_READINGS:
            raise ValueError(f"accuracy_reading must be one of {ACCURACY_READINGS}, got {self.accuracy_reading!r}")
        if self.link_figure not in LINK_FIGURES:
            raise ValueError(f"link_figure must be one of {LINK_FIGURES}, got {self.link_figure!r}")
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {FAMILIES}, got {self.family!r}")
        if self.accuracy_measured and (self.accuracy_reading != "measured"
                                       or self.link_figure in ("interpolated", "modelled")):
            raise ValueError(f"{self.split}: an accuracy read as {self.accuracy_reading!r} through a link figure "
                             f"{self.link_figure!r} is not measured")

    @property
    def digital(self) -> bool:
        return self.mode == "digital"

    @property
    def latency_s(self) -> float:
        return self.device_s + self.air_s + self.edge_s

    @property
    def peak_latency_s(self) -> float:
        """The latency of the slowest image: what a per-image deadline is checked against."""
        return self.latency_s if self.worst_latency_s is None else max(self.latency_s, self.worst_latency_s)

    @property
    def peak_device_macs(self) -> int:
        """The device MACs of the costliest image: what a device-MAC limit is checked against."""
        return self.device_macs if self.worst_device_macs is None else max(self.device_macs, self.worst_device_macs)

    @property
    def peak_energy_j(self) -> float | None:
        """The device energy of the costliest image: what an energy limit is checked against (None: no energy)."""
        if self.energy_j is None or self.worst_energy_j is None:
            return self.energy_j
        return max(self.energy_j, self.worst_energy_j)

    @property
    def varies(self) -> bool:
        """The cost differs per image (the dynamic TOC model): the worst case is reported beside the mean."""
        return (self.worst_latency_s is not None or self.worst_device_macs is not None
                or self.worst_energy_j is not None)

    @property
    def key(self) -> tuple:
        """What identifies a candidate: (family, split, k, mode, bits per number, budget)."""
        return (self.family, self.split, self.k, self.mode, self.bits_per_number, self.budget_macs)

    @property
    def toc(self) -> bool:
        return self.family.startswith("toc")

    @property
    def label(self) -> str:
        name = self.split
        if self.budget_macs is not None:
            name = f"{self.split} (B = {self.budget_macs / 1e6:,.3g} M MACs)"
        base = f"{name}, k = {self.k}" if self.k else name
        return f"{base}, {self.bits_per_number}-bit digital" if self.digital else base

    def to_dict(self) -> dict:
        d = asdict(self)
        extra = d.pop("extra")
        d["latency_s"] = self.latency_s
        d["accuracy_interval"] = list(self.accuracy_interval) if self.accuracy_interval else None
        # each flag says one thing: the table reading across SNR, and separately the link's figure
        d["accuracy_interpolated"] = self.accuracy_reading == "interpolated"
        d["link_measured"] = self.link_figure in ("in_accuracy", "measured")
        d["link_modelled"] = self.link_figure in ("modelled", "assumed")
        d["label"] = self.label
        d["peak_latency_s"] = self.peak_latency_s
        d["peak_device_macs"] = self.peak_device_macs
        d["peak_energy_j"] = self.peak_energy_j
        return {**d, **extra}


@dataclass(frozen=True)
class Constraints:
    min_accuracy: float | None = None
    max_latency_s: float | None = None
    max_device_macs: float | None = None
    max_energy_j: float | None = None

    def active(self) -> list[str]:
        return [c for c in CONSTRAINTS if getattr(self, c) is not None]


# ----------------------------------------------------------------------------- feasibility
def _value(c: Candidate, constraint: str) -> float:
    if constraint == "min_accuracy":
        return c.accuracy
    if constraint == "max_latency_s":  # per image: the slowest image's (the dynamic TOC model's worst case)
        return c.peak_latency_s
    if constraint == "max_device_macs":
        return float(c.peak_device_macs)
    if c.energy_j is None:
        raise ValueError("a maximum energy needs device energy figures (energy per MAC and per bit)")
    return c.peak_energy_j  # per image, as the deadline: the costliest image's (the dynamic TOC model's worst case)


def violations(c: Candidate, cons: Constraints) -> dict[str, float]:
    """The constraints `c` breaks, each with its relative shortfall (0.1 = 10 % beyond the limit)."""
    out = {}
    for name in cons.active():
        limit, v = getattr(cons, name), _value(c, name)
        miss = (limit - v) if name == "min_accuracy" else (v - limit)
        if miss > 0:
            out[name] = miss / abs(limit) if limit else miss
    return out


def is_feasible(c: Candidate, cons: Constraints) -> bool:
    return not violations(c, cons)


def feasible_set(cands: list[Candidate], cons: Constraints) -> list[Candidate]:
    return [c for c in cands if is_feasible(c, cons)]


# ----------------------------------------------------------------------------- Pareto
def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points (accuracy, cost) no other point dominates: higher-or-equal accuracy at
    lower-or-equal cost, better in at least one. Identical points are all kept; a point with a NaN accuracy or cost
    is left out (and hides none). Sorted by cost."""
    # one sweep in order of cost (then accuracy, best first), O(n log n) rather than every pair: a point is kept when
    # it is the most accurate at its cost and more accurate than every point of lower cost; equal points are kept
    # NaN has no order: a point with a NaN accuracy or cost is neither kept nor allowed to hide another point
    order = sorted((i for i, (a, c) in enumerate(points) if not (math.isnan(a) or math.isnan(c))),
                   key=lambda i: (points[i][1], -points[i][0]))
    keep, best_below = [], -math.inf  # the highest accuracy at a strictly lower cost
    i = 0
    while i < len(order):
        cost = points[order[i]][1]
        j = i
        while j < len(order) and points[order[j]][1] == cost:
            j += 1
        top = points[order[i]][0]  # the group of equal cost, most accurate first
        if top > best_below:
            keep += [n for n in order[i:j] if points[n][0] == top]
        best_below = max(best_below, top)
        i = j
    return keep


def fronts(cands: list[Candidate]) -> dict[str, list[Candidate]]:
    """Accuracy vs latency and accuracy vs device energy (the latter over candidates with an energy)."""
    with_energy = [c for c in cands if c.energy_j is not None]
    return {"latency": [cands[i] for i in pareto_front([(c.accuracy, c.latency_s) for c in cands])],
            "energy": [with_energy[i] for i in pareto_front([(c.accuracy, c.energy_j) for c in with_energy])]}


# ----------------------------------------------------------------------------- choice
def objective_key(c: Candidate, objective: str) -> tuple:
    """Sort key: smaller is better. Ties broken by accuracy, then latency, then energy."""
    e = math.inf if c.energy_j is None else c.energy_j
    if objective == "latency":
        return (c.latency_s, -c.accuracy, e)
    if objective == "energy":
        if c.energy_j is None:
            raise ValueError("the energy objective needs device energy figures (energy per MAC and per bit)")
        return (e, -c.accuracy, c.latency_s)
    if objective == "accuracy":
        return (-c.accuracy, c.latency_s, e)
    raise ValueError(f"unknown objective {objective!r}; use one of {OBJECTIVES}")


def choose(cands: list[Candidate], cons: Constraints, objective: str) -> tuple[Candidate | None, Candidate | None]:
    """(best feasible candidate under `objective`, the runner-up): the runner-up is the candidate that is
    better under the objective but infeasible and misses its constraints by the least (relative shortfall
    summed); without one, the next feasible candidate. (None, None) when nothing is feasible."""
    ok = sorted(feasible_set(cands, cons), key=lambda c: objective_key(c, objective))
    if not ok:
        return None, None
    best = ok[0]
    better = [c for c in cands if objective_key(c, objective)[0] < objective_key(best, objective)[0]
              and not is_feasible(c, cons)]
    if better:
        return best, min(better, key=lambda c: (sum(violations(c, cons).values()), objective_key(c, objective)))
    return best, ok[1] if len(ok) > 1 else None


def binding_constraint(cands: list[Candidate], cons: Constraints) -> dict:
    """When nothing is feasible: for each active constraint, how many candidates relaxing it alone would
    admit and the value it would have to be relaxed to; the binding one is the constraint whose relaxation
    admits the most. If relaxing any single constraint admits none, the binding one is the largest
    shortfall of the closest miss (the candidate with the smallest summed relative shortfall)."""
    active = cons.active()
    admitted, relax_to = {}, {}
    for name in active:
        others = Constraints(**{c: (getattr(cons, c) if c != name else None) for c in CONSTRAINTS})
        ok = feasible_set(cands, others)
        admitted[name] = len(ok)
        vals = [_value(c, name) for c in ok]
        relax_to[name] = (max(vals) if name == "min_accuracy" else min(vals)) if vals else None
    closest = min(cands, key=lambda c: sum(violations(c, cons).values()), default=None)
    miss = violations(closest, cons) if closest is not None else {}
    if admitted and max(admitted.values()) > 0:
        best_count = max(admitted.values())
        tied = [n for n in active if admitted[n] == best_count]
        binding = min(tied, key=lambda n: _relative_relax(cons, n, relax_to[n]))
        how = "relaxing it alone admits the most candidates"
    elif miss:
        binding = max(miss, key=miss.get)
        how = "no single relaxation admits a candidate; the closest miss falls short most on it"
    else:
        binding, how = None, "no candidates"
    return {"binding": binding, "how": how, "admitted_if_relaxed": admitted, "relax_to": relax_to,
            "closest_miss": ({"split": closest.split, "k": closest.k, "mode": closest.mode,
                              "bits_per_number": closest.bits_per_number, "label": closest.label, "violations": miss}
                             if closest is not None else None)}


def _relative_relax(cons: Constraints, name: str, to: float | None) -> float:
    limit = getattr(cons, name)
    if to is None:
        return math.inf
    return abs(to - limit) / abs(limit) if limit else math.inf


# ----------------------------------------------------------------------------- words
def fmt_s(s: float) -> str:
    return f"{s * 1e3:,.3g} ms" if s < 1 else f"{s:,.3g} s"


def fmt_j(j: float | None) -> str:
    if j is None:
        return "energy not given"
    for unit, f in (("J", 1.0), ("mJ", 1e-3), ("µJ", 1e-6), ("nJ", 1e-9)):
        if j >= f:
            return f"{j / f:,.3g} {unit}"
    return f"{j / 1e-12:,.3g} pJ"


def describe(c: Candidate) -> str:
    iv = c.accuracy_interval
    iv_s = f", 95 % interval {100 * iv[0]:.1f}–{100 * iv[1]:.1f}" if iv else ""
    lat, energy = fmt_s(c.latency_s), fmt_j(c.energy_j)
    if c.varies:
        worst_e = "" if c.energy_j is None else f", {fmt_j(c.peak_energy_j)}"
        lat = (f"{lat} mean per image ({fmt_s(c.peak_latency_s)} and {c.peak_device_macs / 1e6:,.3g} M device MACs "
               f"for the worst image{worst_e}, the deepest exit used: latency, device-MAC and energy limits are "
               "checked against it)")
        energy += " mean" if c.energy_j is not None else ""
    return f"{c.label}: {100 * c.accuracy:.1f} %{iv_s} ({c.accuracy_how}), {lat}, {energy}"


_LIMIT_WORDS = {"min_accuracy": ("accuracy", "<", lambda v: f"{100 * v:.1f} %"),
                "max_latency_s": ("latency", ">", fmt_s),
                "max_device_macs": ("device MACs", ">", lambda v: f"{v / 1e6:,.1f} M"),
                "max_energy_j": ("device energy", ">", fmt_j)}


def why_not(c: Candidate, cons: Constraints) -> str:
    parts = []
    for name in violations(c, cons):
        what, rel, f = _LIMIT_WORDS[name]
        if c.varies and name in ("max_latency_s", "max_device_macs", "max_energy_j"):
            what = f"worst-case {what}"
        parts.append(f"{what} {f(_value(c, name))} {rel} {f(getattr(cons, name))}")
    return " and ".join(parts)


def compare(best: Candidate, other: Candidate, objective: str) -> str:
    """'2.1 ms faster', '0.3 mJ more energy', '4.0 points more accurate', ... (other relative to best)."""
    if objective == "latency":
        d = best.latency_s - other.latency_s
        return f"{fmt_s(abs(d))} {'faster' if d > 0 else 'slower'}"
    if objective == "energy":
        d = best.energy_j - other.energy_j
        return f"{fmt_j(abs(d))} {'cheaper' if d > 0 else 'costlier'} in device energy"
    d = 100 * (other.accuracy - best.accuracy)
    return f"{abs(d):.1f} points {'more' if d > 0 else 'less'} accurate"


def reason(best: Candidate, runner_up: Candidate | None, cons: Constraints, objective: str) -> str:
    """One sentence: the choice with its figures, and the runner-up that beats it under the objective but
    fails a constraint (or the next feasible one)."""
    head = describe(best)
    if runner_up is None:
        return f"{head}; the only feasible candidate, and no candidate is better under the {objective} objective."
    if is_feasible(runner_up, cons):
        return (f"{head}; no candidate is better under the {objective} objective, the next feasible, "
                f"{runner_up.label}, is {compare(best, runner_up, objective)}.")
    return (f"{head}; {runner_up.label} is {compare(best, runner_up, objective)} but fails "
            f"{why_not(runner_up, cons)}.")
