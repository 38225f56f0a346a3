"""The Planner page's view model (issue 29, page part): what the page shows for one plan of
`semcom_core.plan`, computed without Streamlit.

The page turns its controls into `PlanInputs` with `plan_inputs` (never raises: a bad input is a message),
gets the plan (cached by the page; `cost_lookup` holds the expensive MAC counts per backbone) and lays out
`planner_view(plan)`: the recommendation in one sentence, short headline metrics, the feasible candidates,
the two Pareto series with the chosen point and both baselines, the binding constraint when nothing is
feasible and the link that opens the split explorer at the chosen configuration.

Units on the page: accuracy in %, latency in ms, device energy in mJ, device MACs in millions; the plan
itself is in SI units (seconds, joules, MACs, fractions)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pandas as pd
import plotly.graph_objects as go

from semcom_core.costs.compute import DEVICE_PRESETS, LINK_PRESETS, stage_costs
from semcom_core.data.registry import get_spec
from semcom_core.nets.split import K_CHOICES
from semcom_core.plan import (
    Candidate,
    Constraints,
    Plan,
    PlanInputs,
    inputs_from,
)
from semcom_core.plan import plan as make_plan
from semcom_core.plan import presets as P
from semcom_core.plan.core import FAMILY_LABELS, is_feasible, objective_key, violations
from semcom_core.plan.planner import (
    ANALOG_AIR,
    DIGITAL_LINKS,
    MODE_CHOICES,
    QUANT_TABLE,
    ReadingGroup,
    interpolated_readings,
    readings_by_table,
)
from semcom_ui.views import explorer as X
from semcom_ui.views.costs import Metric

DATASET = "cifar10"
CHANNELS = X.EXPLORER_CHANNELS
SNR_RANGE = X.SNR_RANGE  # the explorer's slider: a chosen SNR always opens there as it is
BITS = (8, 16, 32)  # as the explorer's and the costs page's "Bits per number"
DEVICES, LINKS = tuple(DEVICE_PRESETS), tuple(LINK_PRESETS)
DEFAULT_DEVICE = "single-board computer (Raspberry Pi 4)"
DEFAULT_EDGE = "server GPU (A100)"
DEFAULT_LINK = "LTE Cat-4 uplink"
DEFAULT_EMAC, DEFAULT_EBIT = "the device's default", "the link's default"
EMAC_OPTIONS = (DEFAULT_EMAC, *P.ENERGY_PER_MAC_PRESETS)
EBIT_OPTIONS = (DEFAULT_EBIT, *P.ENERGY_PER_BIT_PRESETS)
OBJECTIVE_LABELS = {"latency": "lowest latency", "energy": "lowest device energy", "accuracy": "highest accuracy"}
# typed numbers, in the units the page shows: (lowest, highest). Highest 1e5: 100 TFLOP/s (an A100 does 19.5
# FP32), 100 Gbit/s, 100 nJ per MAC (a DRAM read per MAC is 0.64), 0.1 J per bit (LoRa SF7 is 72 µJ)
TYPED_RANGES = {"devg": (1e-4, 1e5), "edgeg": (1e-4, 1e5),  # GFLOP/s
                "mbps": (1e-4, 1e5),  # Mbit/s
                "epj": (0.0, 1e5), "ebuj": (0.0, 1e5)}  # pJ per MAC, µJ per bit
# constraint limits as the page takes them (0: no limit): ms (up to 100 s), M MACs, mJ (up to 100 J)
LIMIT_RANGES = {"lat": (0.0, 1e5), "macs": (0.0, 1e5), "mj": (0.0, 1e5)}
MIN_ACCURACY_RANGE = (0.0, 0.99)  # a fraction; 0: no minimum

CONSTRAINT_WORDS = {"min_accuracy": "minimum accuracy", "max_latency_s": "maximum latency",
                    "max_device_macs": "maximum device MACs", "max_energy_j": "maximum device energy"}
CONSTRAINT_SHORT = {"min_accuracy": "accuracy", "max_latency_s": "latency", "max_device_macs": "MACs",
                    "max_energy_j": "energy"}
BASELINE_WORDS = {"all_on_device": "all on the device (the unsplit model, sending the label)",
                  "all_on_edge": "all on the edge (SP-0, sending the image)"}
BASELINE_SHORT = {"all_on_device": "all on the device", "all_on_edge": "all on the edge (SP-0)"}
NOT_GIVEN = "—"
LINK_MODES = tuple(MODE_CHOICES)  # analog, digital, both
LINK_MODE_LABELS = {"analog": "analog symbols", "digital": "quantized bits (digital)",
                    "both": "both: choose per candidate"}
DIGITAL_LINK_LABELS = {"ldpc": "LDPC + QPSK (measured)", "shannon": "Shannon capacity (ideal)"}
ANALOG_AIR_LABELS = {"bits": "k × bits per number / rate", "channel_uses": "⌈k/2⌉ channel uses / rate"}
assert set(DIGITAL_LINK_LABELS) == set(DIGITAL_LINKS) and set(ANALOG_AIR_LABELS) == set(ANALOG_AIR)
CHART_WORST_CAPTION = ("Each point is a candidate's mean cost per image. Paper 001's dynamic TOC model varies per "
                       "image: its whisker reaches its worst image (the deepest exit used), which the maximum latency, "
                       "device MACs and device energy are checked against; the hover gives both.")




@dataclass
class Message:
    level: str  # "error", "warning", "info"
    text: str


@dataclass
class PlannerView:
    feasible: bool
    recommendation: str  # one sentence (markdown: the configuration in bold)
    detail: str  # the planner's reason: the runner-up, the interval, a baseline that does better
    metrics: list[Metric]
    messages: list[Message]
    table: pd.DataFrame  # the feasible candidates, page units, sorted by the objective
    candidates: pd.DataFrame  # every candidate with what it fails
    baselines: pd.DataFrame
    points: pd.DataFrame  # every candidate for the Pareto charts: accuracy, latency_ms, energy_mj, feasible, fronts
    marks: pd.DataFrame  # the chosen point and the baselines: role, label, accuracy, latency_ms, energy_mj
    limits: dict  # the active constraints in chart units: min_accuracy (%), max_latency_ms, max_energy_mj
    binding: pd.DataFrame | None  # when nothing is feasible: each active constraint, its limit, what relaxing it admits
    explorer_params: dict[str, str] | None
    explorer_url: str | None
    counts: str
    choice_label: str | None = None  # "SP-4, k = 32"; None when nothing is feasible
    notes: list[str] = field(default_factory=list)
    toc_params: dict[str, str] | None = None  # the Budgeted TOC page's URL parameters when the choice is a TOC model
    toc_url: str | None = None
    figures: dict[str, go.Figure] = field(default_factory=dict)
    choice: Candidate | None = None
    table_csv: str = ""  # the two downloads, built once per plan (not on every rerun of the page)
    candidates_csv: str = ""
    explorer_label: str | None = None  # the link's words: a digital choice opens the explorer's analog view


# ----------------------------------------------------------------------------- short numbers
def _g3(v: float) -> str:
    """3 significant figures without an exponent (1234 -> '1,230', 0.0157 -> '0.0157')."""
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    r = float(f"{v:.3g}")  # rounded first: 0.9999 -> 1.0 reads '1.00', not '1.000'
    digits = max(0, 2 - math.floor(math.log10(abs(r))))
    return f"{r:,.{digits}f}"


def short_s(s: float | None) -> str:
    """A duration that fits a metric box: '35.1 ms', '12.3 µs', '900 ns', '1.16 s', '4.2 min', '3.1 h', '12 d'."""
    if s is None or not math.isfinite(s):
        return NOT_GIVEN
    if s == 0:
        return "0 s"
    for unit, f, top in (("ns", 1e-9, 1e-6), ("µs", 1e-6, 1e-3), ("ms", 1e-3, 1.0), ("s", 1.0, 60.0), ("min", 60.0, 3600.0),
                         ("h", 3600.0, 86400.0)):
        if s < top * (1 - 5e-4):
            return f"{_g3(s / f)} {unit}"
    d = s / 86400
    return f"{_g3(d)} d" if d < 1000 else "> 999 d"


def short_j(j: float | None) -> str:
    """An energy that fits a metric box: '2.39 mJ', '721 µJ', '18.2 J', '1.2 kJ'; '—' when not given."""
    if j is None or not math.isfinite(j):
        return NOT_GIVEN
    if j == 0:
        return "0 J"
    for unit, f in (("kJ", 1e3), ("J", 1.0), ("mJ", 1e-3), ("µJ", 1e-6), ("nJ", 1e-9)):
        if j >= f * (1 - 5e-4):
            v = j / f
            return f"{_g3(v)} {unit}" if v < 1000 else "> 999 kJ"
    return f"{_g3(j / 1e-12)} pJ"


def short_pct(a: float | None) -> str:
    return NOT_GIVEN if a is None or not math.isfinite(a) else f"{100 * a:.1f} %"


def short_macs(m: float | None) -> str:
    return NOT_GIVEN if m is None or not math.isfinite(m) else f"{_g3(m / 1e6)} M"


def limit_text(name: str, v: float) -> str:
    return {"min_accuracy": short_pct, "max_latency_s": short_s, "max_device_macs": short_macs,
            "max_energy_j": short_j}[name](v)


# ----------------------------------------------------------------------------- inputs
def planner_backbones(dataset: str = DATASET) -> tuple[str, ...]:
    """The backbones with a shipped sweep table (the planner reads measured accuracy only)."""
    from semcom_core.zoo.tables import sweep_path
    return tuple(b for b in X.PAPER_BACKBONES + X.DEMO_BACKBONES if sweep_path(b, dataset).is_file())


def constraints(min_accuracy: float, max_latency_ms: float, max_device_mmacs: float, max_energy_mj: float) -> Constraints:
    """The page's constraint controls (fraction, ms, M MACs, mJ; 0 means no limit) as a `Constraints`."""
    def opt(v, scale):
        return None if v is None or v <= 0 else float(v) * scale
    return Constraints(min_accuracy=opt(min_accuracy, 1.0), max_latency_s=opt(max_latency_ms, 1e-3),
                       max_device_macs=opt(max_device_mmacs, 1e6), max_energy_j=opt(max_energy_mj, 1e-3))


def plan_inputs(backbone: str, device: str, edge: str, link: str, snr_db: float, channel: str, bits: int,
                cons: Constraints, objective: str, energy_per_mac: str = DEFAULT_EMAC,
                energy_per_bit: str = DEFAULT_EBIT, typed: dict | None = None, mode: str = "analog",
                digital_link: str = "ldpc", analog_air: str = "bits", toc: bool = True
                ) -> tuple[PlanInputs | None, str | None]:
    """(PlanInputs, None) or (None, one sentence for the page). Presets by name; `typed` (the page's typed
    numbers: devg/edgeg GFLOP/s, mbps Mbit/s, epj pJ per MAC, ebuj µJ per bit; a None energy: the preset)
    overrides them. `mode`: analog, digital or both (`LINK_MODES`); `digital_link`: ldpc or shannon;
    `analog_air`: bits or channel_uses; `toc`: paper 001's TOC models as candidates too (the page: always, when
    shipped). Never raises."""
    typed = typed or {}
    dev = typed["devg"] * 1e9 if typed.get("devg") is not None else device
    edg = typed["edgeg"] * 1e9 if typed.get("edgeg") is not None else edge
    lnk = typed["mbps"] * 1e6 if typed.get("mbps") is not None else link
    e_mac = typed["epj"] * 1e-12 if typed.get("epj") is not None else (
        None if energy_per_mac == DEFAULT_EMAC else energy_per_mac)
    e_bit = typed["ebuj"] * 1e-6 if typed.get("ebuj") is not None else (
        None if energy_per_bit == DEFAULT_EBIT else energy_per_bit)
    try:
        inp = inputs_from(dev, edg, lnk, snr_db, energy_per_mac=e_mac, energy_per_bit=e_bit, backbone=backbone,
                          dataset=DATASET, channel=channel, bits_per_number=int(bits), constraints=cons,
                          objective=objective, modes=MODE_CHOICES.get(mode, ("analog",)), digital_link=digital_link,
                          analog_air=analog_air, toc=toc)
    except ValueError as e:  # PresetError is a ValueError
        msg = str(e)
        if msg.startswith("device energy needs"):
            where = "the typed link" if typed.get("mbps") is not None else f"the link {link}"
            return None, (f"The {'energy objective' if objective == 'energy' else 'maximum device energy'} needs "
                          f"the device's energy per transmitted bit, and {where} has no sourced figure: choose "
                          "an energy-per-bit preset in the sidebar (or type one), or set the maximum energy to 0 "
                          "and another objective.")
        return None, msg[:1].upper() + msg[1:] + "."
    return inp, None


def cost_lookup(backbone: str, table: pd.DataFrame, dataset: str = DATASET,
                convention: str = "true") -> dict[tuple[str, int], tuple[int, int, int]]:
    """(split, k) -> (device MACs, edge MACs, numbers sent) for every pair in the table, from the cost model:
    the expensive part of a plan (the first call per backbone counts the MACs of every split model)."""
    from semcom_core.plan.planner import model_costs
    fn = model_costs(backbone, dataset, convention)
    pairs = sorted({(str(s), int(k)) for s, k in zip(table.split, table.k)})
    return {p: tuple(int(v) for v in fn(*p)) for p in pairs}


def run_plan(inp: PlanInputs, table: pd.DataFrame, costs: dict, unsplit: tuple | None = None,
             num_classes: int | None = None, quant: pd.DataFrame | None = None,
             bler: pd.DataFrame | None = None, toc_results: pd.DataFrame | None = None,
             toc_costs: dict | None = None, toc_models: tuple[str, ...] | None = None,
             toc_left_out: dict | None = None) -> Plan:
    """`semcom_core.plan.plan` on a given table and cost lookup (what the page caches). `quant`, `bler`: the
    quantization table and LDPC block error rates for digital candidates (default: the shipped ones);
    `toc_results`, `toc_costs` (model -> (exit MACs, receiver MACs, numbers sent), `toc_cost_lookup`),
    `toc_models`: paper 001's TOC candidates (default, with `inp.toc`: the shipped ones)."""
    return make_plan(inp, table=table, costs=lambda s, k: costs[(s, int(k))], unsplit=unsplit,
                     num_classes=num_classes, quant=quant, bler=bler, toc_results=toc_results,
                     toc_costs=(lambda m: toc_costs[m]) if toc_costs is not None else None, toc_models=toc_models,
                     toc_left_out=toc_left_out)


def toc_cost_lookup(models, num_classes: int = 10, convention: str = "true") -> dict:
    """model -> (transmitter MACs per exit, receiver MACs per exit, numbers sent) of the TOC models: the expensive
    part of their candidates (counted once per server)."""
    from semcom_core.plan.toc import toc_model_costs
    fn = toc_model_costs(num_classes, convention)
    return {m: fn(m) for m in models}


TOC_LINK_HELP = ("only the model family, channel, PSNR (when the TOC table measured this one) and budget B are carried "
                 "(a static model's B is its device MACs); the Budgeted TOC page has no parameter for the model itself")


def toc_stamp(d) -> tuple:
    """(name, modification time, size) of the TOC results table, cards and weight files in directory `d` (the
    page's cache key for the shipped TOC files): a re-export, re-training or re-measurement is read again."""
    from pathlib import Path
    d = Path(d)
    if not d.is_dir():
        return ()
    return tuple(sorted((f.name, f.stat().st_mtime, f.stat().st_size) for f in d.glob("*")
                        if f.suffix in (".csv", ".json", ".safetensors")))


def toc_link(c: Candidate | None, inp: PlanInputs, snrs=None) -> tuple[dict | None, str | None]:
    """The Budgeted TOC page's URL parameters for a TOC candidate (family, channel, PSNR when it is one the TOC table
    measured: `snrs`, default the candidate's table's (`extra['measured_snrs']`), the budget B: the dynamic model's,
    or the static model's cost); (None, None) otherwise. The model itself is not carried (`TOC_LINK_HELP`)."""
    if c is None or not c.toc:
        return None, None
    if snrs is None:
        snrs = c.extra.get("measured_snrs") or ()
    params = {"family": "dynamic" if c.family == "toc-dynamic" else "static", "ch": inp.channel}
    if any(abs(inp.snr_db - s) < 1e-9 for s in snrs):
        params["snr"] = f"{inp.snr_db:g}"
    params["B"] = f"{c.budget_macs if c.budget_macs is not None else c.device_macs:.10g}"
    return params, "/toc?" + urlencode(params, quote_via=quote)


# ----------------------------------------------------------------------------- the explorer link
def explorer_link(c: Candidate | None, inp: PlanInputs, last_split: str | None = None) -> tuple[dict | None, str | None]:
    """The split explorer's URL parameters for candidate `c` (as pages/explorer.py reads them): bb, split, k
    (only where the explorer's k applies: not for SP-0 and the last split, which send a fixed size), ch,
    snr; and, when the device, edge and link are presets and the bits one the explorer offers, its
    "Think in seconds" view with them. (None, None) for no candidate or one outside the explorer's range."""
    if c is None or not c.split.startswith("SP-"):
        return None, None
    params = {"ds": inp.dataset, "bb": inp.backbone, "split": c.split}
    fixed = c.split == "SP-0" or c.split == last_split
    if not fixed and c.k in K_CHOICES:
        params["k"] = str(c.k)
    params["ch"] = inp.channel
    if SNR_RANGE[0] <= inp.snr_db <= SNR_RANGE[1]:
        params["snr"] = f"{inp.snr_db:g}"
    names = inp.names or {}
    if (names.get("device") in DEVICE_PRESETS and names.get("edge") in DEVICE_PRESETS
            and names.get("link") in LINK_PRESETS and inp.bits_per_number in BITS):
        params.update({"sec": "1", "txd": names["device"], "rxd": names["edge"], "link": names["link"],
                       "bits": str(inp.bits_per_number)})
    return params, "/explorer?" + urlencode(params, quote_via=quote)


# ----------------------------------------------------------------------------- words
def _shannon_label(channel: str) -> str:
    """The Shannon link's name on this channel ("Shannon (ergodic capacity)" on Rayleigh); imported lazily (the
    digital link imports torch)."""
    from semcom_core.digital import link as DL
    return DL.capacity_label(channel)


def _config(c: Candidate, modes: tuple = ("analog",)) -> str:
    analog = " as **analog** symbols" if "digital" in modes else ""
    if c.family == "toc-dynamic":
        return (f"use paper 001's **dynamic TOC model** at budget **B = {c.budget_macs / 1e6:,.3g} M MACs** per image "
                f"({c.device_macs / 1e6:,.3g} M on average on the device, up to {c.peak_device_macs / 1e6:,.3g} M "
                f"for an image at the deepest exit) and send its **k = {c.k}** numbers{analog}")
    if c.family == "toc-static":
        return (f"use paper 001's **{c.split.removeprefix('TOC ')} TOC encoder** and send its **k = {c.k}** "
                f"numbers{analog}")
    if c.split == "SP-0":
        return f"send the image (**SP-0**, {c.extra.get('numbers_sent', c.k):,} numbers) and run everything on the edge"
    if c.digital:
        link = ("the LDPC + QPSK link" if c.extra.get("digital_link") == "ldpc"
                else "a link at Shannon capacity (modelled)")
        b = c.bits_per_number
        return (f"cut at **{c.split}** and send **k = {c.k}** numbers **digitally**, quantized to **{b} "
                f"bit{'s' * (b != 1)}** and entropy-coded ({c.extra.get('bits_per_image', c.bits):,.0f} bits per "
                f"image) over {link}")
    return f"cut at **{c.split}** and send **k = {c.k}** numbers" + (" as **analog** symbols" if "digital" in modes else "")


def _figures(c: Candidate) -> str:
    e = "" if c.energy_j is None else f", {short_j(c.energy_j)} of device energy"
    how = "" if c.accuracy_measured else f", {c.accuracy_how}"
    return f"{short_pct(c.accuracy)} accurate{how}, {short_s(c.latency_s)} end to end{e}"


def _better_baseline(p: Plan) -> tuple[str, Candidate] | None:
    """A baseline (other than the choice) that meets every constraint and, when something is chosen, beats
    it under the objective."""
    cons, obj = p.inputs.constraints, p.inputs.objective
    for name, b in p.baselines.items():
        if b is None or math.isnan(b.accuracy) or (obj == "energy" and b.energy_j is None):
            continue
        if b is p.choice or (p.choice is not None and b.key == p.choice.key):
            continue
        if not is_feasible(b, cons):
            continue
        if p.choice is None or objective_key(b, obj) < objective_key(p.choice, obj):
            return name, b
    return None


def recommendation(p: Plan) -> str:
    """The plan in one sentence."""
    obj = p.inputs.objective
    better = _better_baseline(p)
    if p.choice is not None:
        c = p.choice
        what = {"latency": "Fastest", "energy": "Cheapest in device energy", "accuracy": "Most accurate"}[obj]
        s = f"{what} configuration that meets every constraint: {_config(c, p.inputs.modes)} ({_figures(c)})"
        if better is not None:
            s += (f", though {BASELINE_WORDS[better[0]]} does better still ({_figures(better[1])}), so splitting "
                  "does not pay here")
        return s + "."
    if not p.candidates:
        why = p.reason.removeprefix("no candidate: ") if p.reason.startswith("no candidate: ") else ""
        return (f"No candidate to plan: {why}" if why and not why.startswith("the table has no candidate")
                else f"The {p.inputs.backbone} table has no {p.inputs.channel} rows: nothing to plan.")
    b = p.binding or {}
    name = b.get("binding")
    if name is None:
        s = "Nothing meets every constraint"
    elif b["admitted_if_relaxed"].get(name):
        n = b["admitted_if_relaxed"][name]
        s = (f"Nothing meets every constraint: the {CONSTRAINT_WORDS[name]} binds; relaxing it to "
             f"{limit_text(name, b['relax_to'][name])} admits a first candidate, and without it "
             f"{n} candidate{'s' * (n != 1)} meet{'s' * (n == 1)} the others")
    else:
        m = b["closest_miss"]
        s = (f"Nothing meets every constraint, and relaxing any one alone is not enough: the closest miss, "
             f"{m.get('label') or m['split'] + ', k = ' + str(m['k'])}, falls short most on the {CONSTRAINT_WORDS[name]}")
    if better is not None:
        s += f", but {BASELINE_WORDS[better[0]]} meets them all ({_figures(better[1])})"
    return s + "."


_GROUP_WORDS = {"split sweep table": "split", "TOC results table": "TOC"}


def readings_message(groups: list[ReadingGroup], snr_db: float) -> str:
    """Which candidates' accuracies are not measured at this SNR (interpolated or read at the nearest measured SNR),
    named with their table, and which are measured here: "Not measured at 5 dB: the 29 TOC candidates (TOC dynamic
    x25, TOC ResNet-20, ...): interpolated between 0 and 6 dB (TOC results table). Measured at 5 dB: the 57 split
    candidates (split sweep table)."."""
    def who(g: ReadingGroup) -> str:
        kind = _GROUP_WORDS.get(g.table, g.table)
        return f"the {g.candidates} {kind} candidate{'s' * (g.candidates != 1)}"

    out = []
    for g in groups:
        if g.measured:
            continue
        hows = ", ".join(how if len(g.readings) == 1 else f"{how} for {n}" for how, n in g.readings.items())
        out.append(f"{who(g)} ({g.names_words()}): {hows} ({g.table})")
    s = f"Not measured at {snr_db:g} dB: " + "; ".join(out) + "."
    here = [f"{who(g)} ({g.table})" for g in groups if g.measured]
    if here:
        s += f" Measured at {snr_db:g} dB: " + " and ".join(here) + "."
    return s + " Each candidate's 'accuracy reading' in the table says how."


def _toc_psnrs(p: Plan) -> str:
    """The PSNRs the TOC candidates' table measured, from the data: '0, 6, 12 and 18'."""
    v = sorted({float(x) for c in p.candidates if c.toc for x in c.extra.get("measured_snrs", ())})
    return (", ".join(f"{x:g}" for x in v[:-1]) + (" and " if len(v) > 1 else "") + f"{v[-1]:g}") if v else "no"


# ----------------------------------------------------------------------------- tables
def candidate_row(c: Candidate) -> dict:
    iv = c.accuracy_interval
    return {"family": FAMILY_LABELS[c.family], "split": c.split,
            "budget M MACs": math.nan if c.budget_macs is None else c.budget_macs / 1e6, "k": c.k, "mode": c.mode,
            "bits per number": c.bits_per_number if c.digital else math.nan, "accuracy %": 100 * c.accuracy,
            "95 % low %": 100 * iv[0] if iv else math.nan, "95 % high %": 100 * iv[1] if iv else math.nan,
            "accuracy reading": c.accuracy_how, "link figure": c.link_figure, "test images": c.n,
            "latency ms": 1e3 * c.latency_s,
            # the dynamic TOC model: the worst image's (the deepest exit used), what the limits are checked against
            "worst-case latency ms": 1e3 * c.peak_latency_s if c.varies else math.nan,
            "device ms": 1e3 * c.device_s, "air ms": 1e3 * c.air_s,
            "edge ms": 1e3 * c.edge_s, "device M MACs": c.device_macs / 1e6,
            "worst-case device M MACs": c.peak_device_macs / 1e6 if c.varies else math.nan,
            "edge M MACs": c.edge_macs / 1e6,
            "numbers sent": c.extra.get("numbers_sent", c.k), "bits sent": c.bits,
            "device energy mJ": math.nan if c.energy_j is None else 1e3 * c.energy_j,
            "worst-case device energy mJ": (1e3 * c.peak_energy_j if c.varies and c.peak_energy_j is not None
                                            else math.nan)}


def _fails(c: Candidate, cons: Constraints) -> str:
    if math.isnan(c.accuracy):
        return "accuracy not measured"
    return ", ".join(CONSTRAINT_SHORT[n] for n in violations(c, cons))


def _sorted(cands: list[Candidate], objective: str) -> list[Candidate]:
    return sorted(cands, key=lambda c: objective_key(c, objective) if c.energy_j is not None or objective != "energy"
                  else (math.inf,))


def _worst_cols(c: Candidate) -> dict:
    """The chart's worst-image costs (ms, mJ) of a candidate whose cost varies per image; NaN otherwise."""
    if not c.varies:
        return {"worst_latency_ms": math.nan, "worst_energy_mj": math.nan}
    return {"worst_latency_ms": 1e3 * c.peak_latency_s,
            "worst_energy_mj": math.nan if c.peak_energy_j is None else 1e3 * c.peak_energy_j}


# ----------------------------------------------------------------------------- the view
def planner_view(p: Plan, last_split: str | None = None, build_figures: bool = True) -> PlannerView:
    """Everything the page shows for plan `p`. `last_split`: the backbone's last split point (it sends the
    logits: the explorer's k does not apply)."""
    inp, cons, obj = p.inputs, p.inputs.constraints, p.inputs.objective
    if last_split is None:  # from the backbone, as the explorer numbers its split points (not from the candidates:
        # digital candidates exist only for some split points, and the last of those still takes a k)
        last_split = f"SP-{len(stage_costs(inp.backbone, get_spec(inp.dataset).num_classes))}"
    front_lat = {c.key for c in p.fronts["latency"]}
    front_e = {c.key for c in p.fronts["energy"]}
    chosen = p.choice.key if p.choice is not None else None

    def with_flags(c: Candidate) -> dict:
        key = c.key
        return {**candidate_row(c), "on latency front": key in front_lat, "on energy front": key in front_e,
                "chosen": key == chosen}

    cols = list(with_flags(Candidate("SP-0", 0, 0.0, 0.0, 0.0, 0.0, 0)).keys())
    table = pd.DataFrame([with_flags(c) for c in _sorted(p.feasible, obj)], columns=cols)
    every = pd.DataFrame([{**with_flags(c), "meets every constraint": is_feasible(c, cons), "fails": _fails(c, cons)}
                          for c in p.candidates], columns=cols + ["meets every constraint", "fails"])
    base_rows = []
    for name, b in p.baselines.items():
        if b is None:
            continue
        base_rows.append({"baseline": BASELINE_SHORT[name], **candidate_row(b),
                          "meets every constraint": (not math.isnan(b.accuracy)) and is_feasible(b, cons),
                          "fails": _fails(b, cons)})
    baselines = pd.DataFrame(base_rows)

    points = pd.DataFrame([{"label": c.label, "family": c.family, "split": c.split, "k": c.k,
                            "accuracy": 100 * c.accuracy,
                            "latency_ms": 1e3 * c.latency_s,
                            "energy_mj": math.nan if c.energy_j is None else 1e3 * c.energy_j,
                            "feasible": is_feasible(c, cons), "on latency front": c.key in front_lat,
                            "on energy front": c.key in front_e, "chosen": c.key == chosen,
                            "ci_low": 100 * c.accuracy_interval[0] if c.accuracy_interval else math.nan,
                            "ci_high": 100 * c.accuracy_interval[1] if c.accuracy_interval else math.nan,
                            **_worst_cols(c)}
                           for c in p.candidates],
                          columns=["label", "family", "split", "k", "accuracy", "latency_ms", "energy_mj", "feasible",
                                   "on latency front", "on energy front", "chosen", "ci_low", "ci_high",
                                   "worst_latency_ms", "worst_energy_mj"])
    mark_rows = []
    if p.choice is not None:
        mark_rows.append(("chosen", f"chosen: {p.choice.label}", p.choice))
    for name, b in p.baselines.items():
        if b is not None and not math.isnan(b.accuracy):
            mark_rows.append((name, BASELINE_SHORT[name], b))
    marks = pd.DataFrame([{"role": r, "label": lab, "accuracy": 100 * c.accuracy, "latency_ms": 1e3 * c.latency_s,
                           "energy_mj": math.nan if c.energy_j is None else 1e3 * c.energy_j,
                           "feasible": is_feasible(c, cons), **_worst_cols(c)} for r, lab, c in mark_rows],
                         columns=["role", "label", "accuracy", "latency_ms", "energy_mj", "feasible", "worst_latency_ms",
                                  "worst_energy_mj"])
    limits = {"min_accuracy": None if cons.min_accuracy is None else 100 * cons.min_accuracy,
              "max_latency_ms": None if cons.max_latency_s is None else 1e3 * cons.max_latency_s,
              "max_energy_mj": None if cons.max_energy_j is None else 1e3 * cons.max_energy_j}

    n, nf = len(p.candidates), len(p.feasible)
    counts = f"{nf} of {n} candidates meet every constraint"
    messages: list[Message] = []
    binding = None
    if p.choice is not None:
        c = p.choice
        iv = c.accuracy_interval
        if c.digital:
            bits_help = (f"{c.k:,} real numbers quantized to {c.bits_per_number} bits and entropy-coded: "
                         f"{c.extra.get('bits_per_image', c.bits):,.1f} bits per image (measured mean, side information "
                         f"included); {c.extra.get('complex_channel_uses', 0):,.0f} complex channel uses on the digital "
                         f"link (analog: {c.extra.get('analog_complex_channel_uses', 0):,})")
        else:
            bits_help = (f"{c.extra.get('numbers_sent', c.k):,} real numbers = "
                         f"{c.extra.get('complex_channel_uses', 0):,} complex channel uses; {c.bits:,} bits "
                         + (f"at {inp.bits_per_number} bits per number" if inp.analog_air == "bits"
                            else "(one per channel use)") + "; sent as analog symbols")
        metrics = [
            (Metric("Model", c.split.removeprefix("TOC "),
                    "paper 001's " + ("dynamic TOC model (multi-exit; images leave early under the budget B"
                                      + (f" = {c.budget_macs / 1e6:,.3g} M MACs" if c.budget_macs else "") + ")"
                                      if c.family == "toc-dynamic" else "static TOC encoder")
                    + ": its own network, not a cut of the backbone; " + str(c.extra.get("device_macs_how", "")))
             if c.toc else
             Metric("Cut at", c.split, "SP-0 sends the image; the last split point sends the logits; SP-i cuts after "
                                       "the i-th stage.")),
            *([Metric("Link", f"{c.bits_per_number}-bit" if c.digital else "analog",
                      "analog: the k numbers as analog symbols (accuracy from the sweep table at the SNR); b-bit: "
                      "digital, quantized to b bits per number and entropy-coded, over the "
                      + ("LDPC + QPSK link (measured frame loss)" if inp.digital_link == "ldpc"
                         else f"{_shannon_label(inp.channel)} link (ideal, modelled)"))]
              if "digital" in inp.modes else []),
            Metric("Numbers sent", f"{c.extra.get('numbers_sent', c.k):,}", bits_help),
            Metric("Accuracy", short_pct(c.accuracy),
                   f"{c.accuracy_how}, {c.n:,} test images"
                   + (f"; 95 % interval {100 * iv[0]:.1f}–{100 * iv[1]:.1f} %" if iv else "")),
            Metric("Latency", short_s(c.latency_s),
                   f"end to end: device {short_s(c.device_s)} + air {short_s(c.air_s)} + edge {short_s(c.edge_s)} "
                   "(modelled: peak FLOP/s and the nominal link rate)"
                   + (f"; the mean per image: the worst image (leaving at the deepest exit used) takes "
                      f"{short_s(c.peak_latency_s)} with {short_macs(c.peak_device_macs)} MACs on the device, and "
                      "the maximum latency, device MACs and device energy are checked against that worst case (a "
                      "limit holds per image); the objective uses the mean" if c.varies else "")),
            Metric("Device energy", short_j(c.energy_j),
                   ("energy per MAC x device MACs + energy per bit x bits sent (modelled, sourced per-operation "
                    "figures)" + (f"; the mean per image: the worst image (the deepest exit used) takes "
                                  f"{short_j(c.peak_energy_j)}, and the maximum device energy is checked against it"
                                  if c.varies else ""))
                   if c.energy_j is not None else
                   "not computed: no energy per bit for this link; choose a preset or type one"),
        ]
        if cons.min_accuracy is not None and iv is not None and iv[0] < cons.min_accuracy:
            messages.append(Message("warning", f"The minimum accuracy {short_pct(cons.min_accuracy)} lies inside the "
                                               f"choice's 95 % interval ({100 * iv[0]:.1f}–{100 * iv[1]:.1f} %): it "
                                               "meets the target on this estimate, not beyond sampling error."))
    elif p.candidates:
        b = p.binding or {}
        name = b.get("binding")
        admitted = (b.get("admitted_if_relaxed") or {}).get(name, 0) if name else 0
        to = (b.get("relax_to") or {}).get(name) if name else None
        metrics = [
            Metric("Feasible", f"0 of {n}", "candidates that meet every constraint"),
            Metric("Binding", CONSTRAINT_SHORT.get(name, NOT_GIVEN),
                   (CONSTRAINT_WORDS[name] + ": " + b.get("how", "")) if name else "no constraint binds"),
            Metric("Relax it to", limit_text(name, to) if name and to is not None else NOT_GIVEN,
                   "the value that admits a candidate when only this constraint is relaxed"
                   if to is not None else "relaxing it alone admits no candidate"),
            Metric("Without it", f"{admitted}", "candidates that meet every other constraint (this one dropped); "
                                                "relaxing it only to the value beside admits the first of them"),
        ]
        messages.append(Message("error", recommendation(p)))
        rows = []
        for c_name in cons.active():
            r_to = b["relax_to"].get(c_name)
            rows.append({"constraint": CONSTRAINT_WORDS[c_name], "limit": limit_text(c_name, getattr(cons, c_name)),
                         "candidates meeting the others": b["admitted_if_relaxed"].get(c_name, 0),
                         "relax it to": NOT_GIVEN if r_to is None else limit_text(c_name, r_to),
                         "binding": c_name == name})
        binding = pd.DataFrame(rows)
    else:
        metrics = [Metric("Feasible", "0 of 0", "the table has no rows for this channel")]
        messages.append(Message("error", recommendation(p)))

    for note in p.notes:  # what is offered and what is not: TOC models, digital coverage
        messages.append(Message("info", note))
    _, n_dig = interpolated_readings(p.candidates)
    groups = [g for g in readings_by_table(p.candidates) if g.table != QUANT_TABLE]
    if any(not g.measured for g in groups):
        messages.append(Message("info", readings_message(groups, inp.snr_db)))
    if n_dig:
        messages.append(Message("info", f"Digital candidates: the frame loss of {n_dig} is interpolated between the "
                                        "measured LDPC + QPSK block error rates (in dB and in codeword size; said "
                                        "so in the table's 'accuracy reading')."))
    if not inp.has_energy:
        messages.append(Message("info", f"Device energy is not computed: the link {inp.names.get('link', '')} has no "
                                        "sourced energy per bit. Choose an energy-per-bit preset in the sidebar, or "
                                        "type one, for the energy chart, objective and limit."))
    params, url = explorer_link(p.choice, inp, last_split)
    toc_params, toc_url = toc_link(p.choice, inp)
    notes = [
        ("Accuracy is measured: the shipped sweep table at the SNR (linear interpolation between measured SNRs, "
        "said so), with its 95 % Wilson interval. Latency is modelled: device = 2 FLOPs per MAC x device MACs / "
        "device FLOP/s, air = "
        + ("numbers sent x bits per number / link bit/s" if inp.analog_air == "bits" else
           "ceil(k/2) complex channel uses / the link rate read as channel uses per second")
        + ", edge likewise (paper 002 eq. 1; paper 000 eqs. 1-4). Device energy is modelled from sourced "
        "per-operation figures (orders of magnitude, docs/planner.md). "
        + ("The bits per number change the air time and energy, not the accuracy (the codecs were measured "
           "sending unquantized numbers)." if inp.analog_air == "bits" else
           "The analog candidates' air time and energy count channel uses (energy per bit x one per use), so the "
           "bits per number change neither, nor the accuracy (the codecs were measured sending unquantized "
           "numbers).")),
        *([("Digital candidates: the k numbers quantized to b = 1..8 bits and entropy-coded; accuracy = the "
            "quantization table's (measured with error-free bits) x the chance the frame arrives + 1/10 x the chance "
            "it is lost (a uniform guess); air time = the frame's complex channel uses / the link rate read as "
            "channel uses per second ("
            + ("LDPC + QPSK: 1 information bit per use, frame loss from the measured block error rates)"
               if inp.digital_link == "ldpc" else
               (f"{_shannon_label(inp.channel)}: "
                + ("E[log2(1 + |h|^2 SNR)] bits per use (ergodic, per-symbol Rayleigh fading with perfect CSI)"
                   if _shannon_label(inp.channel) != "Shannon capacity" else "log2(1 + SNR) bits per use")
                + ", no loss: an upper bound, modelled)"))
            + "; device energy per bit x the bits sent. Quantizing and coding cost no modelled time.")]
          if "digital" in inp.modes else []),
        *([("TOC candidates (paper 001): the static encoders and the dynamic multi-exit model at each measured budget "
            f"B send {' or '.join(str(k) for k in sorted({c.k for c in p.candidates if c.toc}))} numbers as analog "
            f"symbols; accuracy from the TOC results table (pretrained/toc/toc_results_{inp.dataset}.csv, measured "
            f"at PSNR {_toc_psnrs(p)} dB, the same ratio as this "
            "SNR: interpolated between them, the nearest outside, said so); device MACs from the cost model "
            "(static) or the measured mean per image at B (dynamic: an image leaving at the deepest exit used costs "
            "that exit's MACs; the worst-case columns show it, and the maximum latency, device MACs and device "
            "energy are checked against that worst case, a limit holding per image, while the objective and the "
            "Pareto fronts use the mean: the charts plot the mean, with a whisker out to the worst image); the edge "
            "runs the channel decoder and classifier.")]
          if any(c.toc for c in p.candidates) else []),
        (f"Presets used: device {inp.names.get('device')}, edge {inp.names.get('edge')}, link "
        f"{inp.names.get('link')}; energy per MAC {inp.names.get('energy_per_mac')}; energy per bit "
        f"{inp.names.get('energy_per_bit')}."),
    ]
    v = PlannerView(p.choice is not None, recommendation(p), p.reason, metrics, messages, table, every, baselines,
                    points, marks, limits, binding, params, url, counts,
                    p.choice.label if p.choice is not None else None, notes, toc_params, toc_url, choice=p.choice,
                    table_csv=table.to_csv(index=False), candidates_csv=every.to_csv(index=False))
    if params is not None and p.choice is not None:
        v.explorer_label = (f"Open the split explorer at {p.choice.split}, k = {p.choice.k}: its analog view (the "
                            "explorer sends the numbers unquantized, so its accuracy and air time are not this "
                            "digital choice's)" if p.choice.digital else f"Open the split explorer at {p.choice.label}")
    if build_figures:
        from semcom_ui import plots_planner
        v.figures = {"latency": plots_planner.pareto_figure(points, marks, "latency", limits),
                     "energy": plots_planner.pareto_figure(points, marks, "energy", limits)}
    return v


# ----------------------------------------------------------------------------- analog vs digital
# the splits, k and b the shipped ResNet-18 quantization table measures (every k of the sweep table): the page's
# choices for a backbone without a quantization table (a test checks them against the table)
DIGITAL_SPLITS, DIGITAL_KS, DIGITAL_BITS = ("SP-2", "SP-3", "SP-4"), K_CHOICES, tuple(range(1, 9))
DIGITAL_SNRS = tuple(x / 2 for x in range(int(2 * SNR_RANGE[0]), int(2 * SNR_RANGE[1]) + 1))  # the explorer's range, 0.5 dB
BLER_TARGET = 0.1  # "the cliff": the lowest SNR from which the frame loss stays at or below 10 %


@dataclass
class DigitalView:
    split: str
    k: int
    bits: int
    accuracy: pd.DataFrame  # series (analog, ldpc, shannon), snr_db, accuracy (%), ci_low, ci_high (%)
    uses: pd.DataFrame  # series (analog, ldpc, shannon, shannon_label), snr_db, channel_uses
    metrics: list[Metric]
    summary: str  # one or two sentences at the page's SNR
    table: pd.DataFrame  # the quantization table's rows of (split, k): b, accuracy, bits per image, ...
    cliff_db: float | None  # lowest SNR from which the LDPC frame loss stays <= BLER_TARGET
    figures: dict[str, go.Figure] = field(default_factory=dict)


def digital_options(quant: pd.DataFrame) -> dict[str, dict[int, tuple[int, ...]]]:
    """split -> k -> the bits per number measured, from the quantization table (quantized rows only)."""
    q = quant[(quant.bits >= 1) & (quant.bits <= 8)]
    out: dict[str, dict[int, tuple[int, ...]]] = {}
    for sp in sorted(q.split.unique(), key=lambda s: int(str(s).split("-")[1])):
        sub = q[q.split == sp]
        out[str(sp)] = {int(k): tuple(sorted(int(b) for b in sub[sub.k == k].bits.unique())) for k in sorted(sub.k.unique())}
    return out


def _analog_points(sweep: pd.DataFrame, split: str, k: int, channel: str) -> pd.DataFrame:
    from semcom_core.eval.readings import rows_for
    from semcom_core.eval.stats import accuracy_interval
    sub = rows_for(sweep, split, k, channel)
    if not len(sub):
        return pd.DataFrame(columns=["series", "snr_db", "accuracy", "ci_low", "ci_high"])
    sub = sub.sort_values("n").groupby("snr_db", as_index=False).last()  # the largest measurement per SNR
    ivs = [accuracy_interval(float(a), int(n)) for a, n in zip(sub.accuracy, sub.n)]
    return pd.DataFrame({"series": "analog", "snr_db": sub.snr_db.astype(float), "accuracy": 100 * sub.accuracy,
                         "ci_low": [100 * i[0] for i in ivs], "ci_high": [100 * i[1] for i in ivs]})


@dataclass(frozen=True)
class DigitalCurves:
    """What `digital_view` shows that does not depend on the page's SNR (one (split, k, b, channel)): built once and
    shared, so that a new SNR only reads the point there."""
    split: str
    k: int
    bits: int
    row: pd.Series  # the quantization table's row
    payload: float  # bits per image (measured mean)
    frame_uses: int
    analog_uses: int
    accuracy: pd.DataFrame
    uses: pd.DataFrame
    need_db: float  # the least SNR at which an ideal code carries the payload in frame_uses
    cliff_db: float | None
    codewords: tuple[int, int]  # (number of codewords, information bits each)
    table: pd.DataFrame


def digital_curves(sweep: pd.DataFrame, quant: pd.DataFrame, bler: pd.DataFrame, split: str, k: int, bits: int,
                   channel: str = "awgn", num_classes: int = 10, snrs=DIGITAL_SNRS) -> DigitalCurves:
    """The SNR-free part of `digital_view` (its curves, channel uses, cliff and table); ValueError as it raises."""
    from semcom_core.digital import link as DL
    row = quant[(quant.split == split) & (quant.k == int(k)) & (quant.bits == int(bits))]
    if not len(row):
        raise ValueError(f"{split}, k = {k} at {bits} bits is not in the quantization table")
    if not (bler.channel == channel).any():
        raise ValueError(f"no measured LDPC block error rates for the {channel} channel")
    r = row.iloc[0]
    chance = 100.0 / num_classes
    acc_q, payload = float(r.accuracy), float(r.bits_per_image)
    frame_uses = DL.ldpc_channel_uses(payload)
    analog_uses = DL.analog_channel_uses(int(k))
    snrs = [float(s) for s in snrs]
    loss = [float(v) for v in DL.frame_bler_curve(bler, payload, snrs, channel)]
    ldpc = pd.DataFrame({"series": "ldpc", "snr_db": snrs,
                         "accuracy": [100 * DL.digital_accuracy(acc_q, p, num_classes) for p in loss]})
    need_db = DL.capacity_snr_db(payload / frame_uses, channel)  # Shannon: the least SNR for these bits in these uses
    sh_snrs = sorted(set(snrs) | ({need_db - 1e-3, need_db} if snrs[0] < need_db < snrs[-1] else set()))
    shannon = pd.DataFrame({"series": "shannon", "snr_db": sh_snrs,
                            "accuracy": [100 * acc_q if s >= need_db else chance for s in sh_snrs]})
    analog = _analog_points(sweep, split, int(k), channel)
    acc = pd.concat([analog, ldpc, shannon], ignore_index=True)
    uses = pd.concat([
        pd.DataFrame({"series": "analog", "snr_db": snrs, "channel_uses": float(analog_uses)}),
        pd.DataFrame({"series": "ldpc", "snr_db": snrs, "channel_uses": float(frame_uses)}),
        pd.DataFrame({"series": "shannon", "snr_db": snrs,
                      "channel_uses": [DL.shannon_channel_uses(payload, s, channel) for s in snrs]}),
        pd.DataFrame({"series": "shannon_label", "snr_db": snrs,
                      "channel_uses": [DL.label_channel_uses(num_classes, s, channel) for s in snrs]}),
    ], ignore_index=True)
    cliff = None
    for s in snrs:  # the lowest grid SNR from which the frame loss stays at or below the target
        if all(p <= BLER_TARGET for t, p in zip(snrs, loss) if t >= s):
            cliff = s
            break
    tab = quant[(quant.split == split) & (quant.k == int(k))].sort_values("bits")
    cols = [c for c in ("bits", "scale", "accuracy", "ci_low", "ci_high", "bits_per_image", "bits_p95", "raw_bits",
                        "side_bits", "sqnr_db", "n") if c in tab.columns]
    tab = tab[cols].copy()
    for c in ("accuracy", "ci_low", "ci_high"):
        if c in tab.columns:
            tab[c] = 100 * tab[c]
    tab = tab.rename(columns={"bits": "bits per number", "accuracy": "accuracy %", "ci_low": "95 % low %",
                              "ci_high": "95 % high %", "bits_per_image": "bits per image (mean)",
                              "bits_p95": "bits per image (95th pct)", "raw_bits": "raw bits", "side_bits": "side bits",
                              "sqnr_db": "SQNR dB", "n": "test images"})
    return DigitalCurves(split, int(k), int(bits), r, payload, frame_uses, analog_uses, acc, uses, need_db, cliff,
                         DL.codewords(payload), tab)


def digital_view(sweep: pd.DataFrame, quant: pd.DataFrame, bler: pd.DataFrame, split: str, k: int, bits: int,
                 channel: str = "awgn", snr_db: float = 5.0, num_classes: int = 10, snrs=DIGITAL_SNRS,
                 build_figures: bool = True, curves: DigitalCurves | None = None) -> DigitalView:
    """Analog vs digital for one (split, k, b): accuracy against SNR of the analog link (the sweep table's
    measured points), of the digital link over LDPC + QPSK (quantized accuracy x (1 - frame loss) + chance x
    frame loss, frame loss from the measured BLER) and over an ideal code at Shannon capacity with the same
    channel uses as the LDPC frame (the bits arrive iff bits <= uses x capacity: AWGN log2(1 + SNR), Rayleigh the
    ergodic capacity, `link.capacity`); and complex channel uses
    per image of each. ValueError when (split, k, b) is not in the quantization table or the BLER table has no
    rows for the channel. `curves`: `digital_curves` of the same arguments, built once (else built here)."""
    from semcom_core.digital import link as DL
    cv = curves if curves is not None else digital_curves(sweep, quant, bler, split, k, bits, channel, num_classes,
                                                          snrs)
    r, payload, frame_uses, analog_uses, need_db, cliff = (cv.row, cv.payload, cv.frame_uses, cv.analog_uses,
                                                           cv.need_db, cv.cliff_db)
    acc_q = float(r.accuracy)
    chance = 100.0 / num_classes
    n_cw, cw = cv.codewords
    from semcom_core.eval.readings import accuracy_at
    a_now = accuracy_at(sweep, split, int(k), snr_db, channel)
    p_now = DL.frame_bler(bler, payload, snr_db, channel)
    d_now = DL.digital_accuracy(acc_q, p_now, num_classes)
    fa = float(r.get("float_accuracy", math.nan))
    metrics = [
        Metric("Quantized, error-free bits", short_pct(acc_q),
               f"{bits} bits per number, measured on {int(r.n):,} test images with error-free bits; 95 % interval "
               f"{100 * r.ci_low:.1f}–{100 * r.ci_high:.1f} %; unquantized on the same images {short_pct(fa)}",
               delta=None if math.isnan(fa) else f"{100 * (acc_q - fa):+.1f} points vs float"),
        Metric("Bits per image", f"{payload:,.1f}",
               f"measured mean over the test images: entropy-coded {k} numbers at {bits} bits "
               f"(raw {int(k) * int(bits)} bits) + {int(r.get('side_bits', 0))} bits of side information + 1 flag bit"),
        Metric("Analog uses", f"{analog_uses:,}", f"complex channel uses per image sending k = {k} real numbers "
                                                 f"as analog symbols: ceil(k/2) = {analog_uses:,}"),
        Metric("LDPC uses", f"{frame_uses:,}",
               f"complex channel uses of the LDPC + QPSK frame: {n_cw} codeword{'s' * (n_cw != 1)} of {cw} "
               f"information bits, 1 information bit per use (rate 1/2, QPSK); an ideal code at "
               f"{DL.capacity_label(channel)} needs {DL.shannon_channel_uses(payload, snr_db, channel):,.1f} at "
               f"{snr_db:g} dB"),
        Metric("LDPC cliff", NOT_GIVEN if cliff is None else f"{cliff:g} dB",
               f"the lowest SNR from which this frame is lost at most {100 * BLER_TARGET:.0f} % of the time "
               f"(measured BLER, {channel}); {DL.capacity_label(channel)} needs {need_db:.2f} dB for these bits "
               "in these channel uses"),
    ]
    a_txt = NOT_GIVEN if a_now is None else f"{short_pct(a_now.accuracy)} ({a_now.how})"
    summary = (f"At {snr_db:g} dB: analog {a_txt} in {analog_uses:,} channel uses; digital at {bits} bits "
               f"{short_pct(d_now)} in {frame_uses:,} channel uses over LDPC + QPSK (frame lost "
               f"{100 * p_now:.1f} % of the time, then a uniform guess: {chance:.0f} %), "
               f"{short_pct(acc_q) if snr_db >= need_db else short_pct(chance / 100)} with an ideal code in the same "
               "channel uses.")
    v = DigitalView(split, int(k), int(bits), cv.accuracy, cv.uses, metrics, summary, cv.table, cliff)
    if build_figures:
        from semcom_ui import plots_digital
        sh = DL.capacity_label(channel)
        v.figures = {"accuracy": plots_digital.accuracy_vs_snr_figure(cv.accuracy, chance=chance, snr_db=snr_db,
                                                                      shannon_name=sh),
                     "uses": plots_digital.channel_uses_figure(cv.uses, shannon_name=sh)}
    return v
