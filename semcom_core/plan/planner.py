"""The split planner (paper 002, section 3.1.1, eq. 1; issue 29): which split point and which k to use
for a given device, edge, link, SNR and constraints, built on the shipped sweep tables (measured
accuracy) and the cost model (MACs, latency).

What is measured and what is modelled:
- Accuracy is measured: the shipped sweep table's value at the SNR, interpolated linearly between the
  two neighbouring measured SNRs (or taken at the nearest measured SNR outside the grid) and said so
  (`eval.readings.accuracy_at`). Its 95 % interval is the Wilson interval of the measured row; for an
  interpolated reading, the neighbours' intervals interpolated with the same weights (the interpolation
  itself is a model, not a measurement).
- Latency is modelled (`costs.compute.latency`, eqs. 1-4 of paper 000): device = 2 FLOPs per MAC *
  transmitter MACs / device FLOP/s; air = k * b / R (k real numbers at b bits per number, default b = 32,
  the cost model's fp32 convention; SP-0's 8-bit pixels at most 8, `costs.compute.element_bits`), or
  ceil(k/2) complex channel uses / R with `analog_air="channel_uses"`; edge = 2 * receiver MACs / edge
  FLOP/s. MACs in the `true` convention unless asked otherwise.
- Device energy is modelled: E_MAC * transmitter MACs + E_bit * the bits sent, with the per-operation
  energies of `plan.presets` (sources cited there) or typed values; None when either is unknown.
- Baselines: all on the device (the unsplit model runs on the device and sends only the label,
  ceil(log2(classes)) bits, as a digital frame on the selected digital link: `device_only`; its accuracy is
  the model card's, measured without a channel, times the chance the label arrives) and all on the edge
  (SP-0: the image goes over the channel and the edge runs everything; its accuracy is the table's SP-0 row
  at the SNR).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial

import pandas as pd

from semcom_core.channels.core import complex_channel_uses
from semcom_core.costs.compute import (
    DEVICE_PRESETS,
    FLOPS_PER_MAC,
    LINK_PRESETS,
    element_bits,
    latency,
    split_costs,
)
from semcom_core.eval.stats import accuracy_interval
from semcom_core.plan import presets as P
from semcom_core.plan.core import (
    OBJECTIVES,
    Candidate,
    Constraints,
    binding_constraint,
    choose,
    compare,
    describe,
    feasible_set,
    fronts,
    is_feasible,
    objective_key,
    reason,
    violations,
)
from semcom_core.plan.readings import ReadingRows, prepared, reading_kind
from semcom_core.plan.toc import TocCostFn

# (split, k) -> (device MACs, edge MACs, real numbers sent)
CostFn = Callable[[str, int], tuple[int, int, int]]
MODES = ("analog", "digital")
MODE_CHOICES = {"analog": ("analog",), "digital": ("digital",), "both": ("analog", "digital")}
DIGITAL_LINKS = ("ldpc", "shannon")  # measured rate-1/2 LDPC + QPSK, or the Shannon-capacity ideal
ANALOG_AIR = ("bits", "channel_uses")
DIGITAL_CONVENTION = (
    "digital: the k numbers quantized to b bits (uniform, mid-tread on [0, c]) and entropy-coded (ANS, model fitted "
    "on the validation split); accuracy = measured quantized accuracy x (1 - frame loss) + frame loss / classes "
    "(a lost frame: a uniform guess); LDPC + QPSK: 1 information bit per complex channel use, the link rate read "
    "as channel uses per second, frame loss from the measured block error rate; Shannon: bits / capacity "
    "channel uses (AWGN log2(1 + SNR); Rayleigh the ergodic capacity E[log2(1 + |h|^2 SNR)]), error-free, "
    "modelled")  # k * b / R (the cost model's), or ceil(k/2) channel uses at R per second


@dataclass(frozen=True)
class PlanInputs:
    """Everything a plan depends on, in SI units: FLOP/s (the cost model's convention, 2 FLOPs per MAC),
    bit/s, dB, joules, seconds. `names` records the presets the numbers came from (for the report)."""
    device_flops: float
    edge_flops: float
    link_bps: float
    snr_db: float
    backbone: str = "resnet18"
    dataset: str = "cifar10"
    channel: str = "awgn"
    bits_per_number: int = 32
    energy_per_mac_j: float | None = None
    energy_per_bit_j: float | None = None
    constraints: Constraints = field(default_factory=Constraints)
    objective: str = "latency"
    convention: str = "true"
    names: dict = field(default_factory=dict)
    # the digital link (docs/planner.md, "Digital link"): which modes are candidates, the digital link model,
    # the quantizer bits considered (None: every b of the quantization table), how analog air time is counted
    modes: tuple[str, ...] = ("analog",)
    digital_link: str = "ldpc"
    digital_bits: tuple[int, ...] | None = None
    analog_air: str = "bits"
    # paper 001's TOC models as candidates too (`plan.toc`; CIFAR-10 only, analog symbols); off by default in the
    # library (a plan on a given table stays on that table), on in the CLI and the page
    toc: bool = False

    def __post_init__(self):
        modes = tuple(self.modes)
        if not modes or any(m not in MODES for m in modes) or len(set(modes)) != len(modes):
            raise ValueError(f"modes must be one or both of {', '.join(MODES)}, got {self.modes!r}")
        if self.digital_link not in DIGITAL_LINKS:
            raise ValueError(f"unknown digital link {self.digital_link!r}; use one of {', '.join(DIGITAL_LINKS)}")
        if self.analog_air not in ANALOG_AIR:
            raise ValueError(f"unknown analog air-time model {self.analog_air!r}; use one of {', '.join(ANALOG_AIR)}")
        if self.digital_bits is not None and not all(1 <= int(b) <= 8 for b in self.digital_bits):
            raise ValueError(f"digital bits per number must be in 1..8, got {self.digital_bits!r}")
        for name in ("device_flops", "edge_flops", "link_bps"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number, got {v!r}")
        if not math.isfinite(self.snr_db):
            raise ValueError(f"snr_db must be finite, got {self.snr_db!r}")
        if not 1 <= int(self.bits_per_number) <= 64:
            raise ValueError(f"bits per number must be in 1..64, got {self.bits_per_number}")
        for name in ("energy_per_mac_j", "energy_per_bit_j"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a non-negative number, got {v!r}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {self.objective!r}; use one of {', '.join(OBJECTIVES)}")
        c = self.constraints
        if c.min_accuracy is not None and not 0 <= c.min_accuracy <= 1:
            raise ValueError(f"the minimum accuracy is a fraction in [0, 1], got {c.min_accuracy}")
        for name in ("max_latency_s", "max_device_macs", "max_energy_j"):
            v = getattr(c, name)
            if v is not None and not v >= 0:
                raise ValueError(f"{name} must be non-negative, got {v}")
        if not self.has_energy and (self.objective == "energy" or c.max_energy_j is not None):
            raise ValueError("device energy needs both an energy per MAC and an energy per bit "
                             f"(the link {self.names.get('link', '')!r} has no sourced default; type one)")

    @property
    def has_energy(self) -> bool:
        return self.energy_per_mac_j is not None and self.energy_per_bit_j is not None

    def energy(self, device_macs: float, bits: float) -> float | None:
        if not self.has_energy:
            return None
        return self.energy_per_mac_j * device_macs + self.energy_per_bit_j * bits


def _pick(value, table: dict[str, float], what: str) -> tuple[float, str]:
    """(number, name): a preset name (or unique part of one) or a typed number."""
    if isinstance(value, (int, float)):
        return float(value), f"typed: {value:g}"
    try:
        return float(value), f"typed: {value}"
    except ValueError:
        name = P.resolve(value, table, what)
        return table[name], name


def inputs_from(device, edge, link, snr_db: float, *, energy_per_mac=None, energy_per_bit=None,
                **kw) -> PlanInputs:
    """PlanInputs from presets or numbers: device/edge FLOP/s (`costs.compute.DEVICE_PRESETS`), link bit/s
    (`LINK_PRESETS`), energy per MAC / per bit (`plan.presets`; by default the device's and the link's
    sourced figures: FP32 arithmetic (Horowitz 2014) unless the device has its own, the link's radio
    figure or none). PresetError for a name that matches no preset."""
    dev, dev_name = _pick(device, DEVICE_PRESETS, "device")
    edg, edg_name = _pick(edge, DEVICE_PRESETS, "edge")
    lnk, lnk_name = _pick(link, LINK_PRESETS, "link")
    if energy_per_mac is None:
        energy_per_mac = P.DEVICE_ENERGY_DEFAULT.get(dev_name, P.DEFAULT_ENERGY_PER_MAC)
    if energy_per_bit is None:
        energy_per_bit = P.LINK_ENERGY_DEFAULT.get(lnk_name)
    e_mac, e_mac_name = _pick(energy_per_mac, P.ENERGY_PER_MAC_PRESETS, "energy per MAC")
    if energy_per_bit is None:
        e_bit, e_bit_name = None, "none (no sourced figure for this link; type one)"
    else:
        e_bit, e_bit_name = _pick(energy_per_bit, P.ENERGY_PER_BIT_PRESETS, "energy per bit")
    names = {"device": dev_name, "edge": edg_name, "link": lnk_name, "energy_per_mac": e_mac_name,
             "energy_per_bit": e_bit_name}
    return PlanInputs(dev, edg, lnk, float(snr_db), energy_per_mac_j=e_mac, energy_per_bit_j=e_bit,
                      names=names, **kw)


# ----------------------------------------------------------------------------- candidates
def model_costs(backbone: str, dataset: str, convention: str = "true", decompress: int | None = None) -> CostFn:
    """The cost model's (device MACs, edge MACs, numbers sent) of each (split, k) of `backbone` on `dataset`."""
    from semcom_core.data.registry import get_spec
    spec = get_spec(dataset)
    h, _, ch = spec.image_shape
    if decompress is None:
        decompress = split_model_decompress(backbone, dataset)

    def fn(split: str, k: int) -> tuple[int, int, int]:
        c = split_costs(backbone, spec.num_classes, split, int(k), decompress, convention, h, ch)
        return c.tx_macs, c.rx_macs, c.z_elements
    return fn


def split_model_decompress(backbone: str, dataset: str) -> int:
    """ConvTranspose2d stages of the shipped split model's receiver (its card; 2 if it says nothing)."""
    from semcom_core.zoo.naming import shipped_names
    from semcom_core.zoo.store import shipped_card
    cfg = shipped_card(shipped_names(backbone, dataset)[1]).get("config") or {}
    return int(cfg.get("decompress_stages", 2)) if isinstance(cfg, dict) else 2


def _split_groups(channel: str, table: pd.DataFrame) -> tuple[tuple[tuple[str, int], ReadingRows], ...]:
    """((split, k), its rows at `channel` sorted by SNR) for every pair of the table, in split then k order: what
    every plan on this table and channel reads (prepared once per table, `plan.readings.prepared`)."""
    sub = table[table.channel == channel]
    groups = {(str(s), int(k)): g for (s, k), g in sub.groupby(["split", "k"])}  # one pass, not one filter per pair
    pairs = sorted(groups, key=lambda p: (int(p[0].split("-")[1]), p[1]))
    return tuple((p, ReadingRows.of(groups[p])) for p in pairs if len(groups[p]))


def build_candidates(inp: PlanInputs, table: pd.DataFrame, costs: CostFn) -> list[Candidate]:
    """Every (split, k) the table has for the channel, with its accuracy at the SNR, latency and energy."""
    out = []
    for (split, k), rows in prepared(table, ("split groups", inp.channel), partial(_split_groups, inp.channel)):
        r, iv = rows.read(inp.snr_db)  # = accuracy_at and reading_interval on these rows
        tx, rx, z = costs(split, k)
        uses = complex_channel_uses(int(z))
        if inp.analog_air == "bits":
            b = element_bits(split, inp.bits_per_number)  # SP-0: the image's 8-bit pixels
            lat = latency(tx, rx, z, inp.device_flops, inp.edge_flops, inp.link_bps, b)
            bits = z * b
        else:  # ceil(k/2) complex channel uses at link_bps uses per second (1 bit per use on the digital link)
            lat = latency(tx, rx, uses, inp.device_flops, inp.edge_flops, inp.link_bps, 1)
            bits = uses
        out.append(Candidate(split, k, r.accuracy, lat.tx_compute_s, lat.air_s, lat.rx_compute_s, int(tx), int(rx),
                             bits, inp.energy(tx, bits), r.how, r.exact,
                             iv, r.n,
                             extra={"numbers_sent": int(z), "complex_channel_uses": uses},
                             accuracy_reading=reading_kind(r)))
    return out


def interpolated_readings(cands: list[Candidate]) -> tuple[list[str], int]:
    """(how each analog reading that is not a measurement was made, the number of LDPC digital candidates whose
    frame loss is interpolated between (or filled beside) measured block error rates). Shannon candidates are
    modelled (an ideal code), never measured, and not counted here. Pooled over every table: `readings_by_table`
    says which table (and so which candidates) each reading comes from."""
    analog = sorted({snr_how(c) for c in cands if not c.accuracy_measured and not c.digital})
    return analog, sum(1 for c in cands if c.digital and c.extra.get("digital_link") == "ldpc"
                       and not c.accuracy_measured)


# where a candidate's accuracy is read from: the table of its family (analog) or the quantization table (digital)
READING_TABLES = {"split": "split sweep table", "toc-static": "TOC results table", "toc-dynamic": "TOC results table"}
QUANT_TABLE = "quantization table"


def reading_table(c: Candidate) -> str | None:
    """The measured table `c`'s accuracy is read off ("split sweep table", "TOC results table", "quantization
    table"); None for the unsplit baseline (its model card)."""
    if c.digital:
        return QUANT_TABLE
    return READING_TABLES.get(c.family)


def snr_how(c: Candidate) -> str:
    """How `c`'s accuracy was read across SNR off its table ("measured at 5 dB", "interpolated between 0 and 6 dB",
    "nearest measured SNR, 18 dB"), without the table's name."""
    return str(c.extra.get("snr_reading", c.accuracy_how))


@dataclass(frozen=True)
class ReadingGroup:
    """The candidates whose accuracy comes from one table, and how it was read at the plan's SNR."""
    table: str  # READING_TABLES' values or QUANT_TABLE
    candidates: int
    readings: dict  # how -> number of candidates ("measured at 5 dB": 57); digital: the quantization reading
    names: dict  # candidate name (split or TOC model) -> number of candidates, in order
    measured: bool  # every reading is a measurement at this SNR (digital: the quantized accuracy, SNR-free)

    def words(self) -> str:
        if self.table == QUANT_TABLE:
            return f"{self.table} (digital): measured with error-free bits (no SNR; the link's frame loss on top)"
        if len(self.readings) == 1:
            return f"{self.table}: {next(iter(self.readings))}"
        return f"{self.table}: " + ", ".join(f"{how} ({n} candidate{'s' * (n != 1)})"
                                             for how, n in self.readings.items())

    def names_words(self) -> str:
        return ", ".join(name if n == 1 else f"{name} x{n}" for name, n in self.names.items())


def readings_by_table(cands: list[Candidate]) -> list[ReadingGroup]:
    """The candidates grouped by the table their accuracy is read off (split sweep table, TOC results table,
    quantization table, in that order), each with how its readings were made at the plan's SNR: a table measured at
    this SNR is said so even when another table is only interpolated here."""
    groups: dict[str, list[Candidate]] = {}
    for c in cands:
        t = reading_table(c)
        if t is not None:
            groups.setdefault(t, []).append(c)
    order = [*dict.fromkeys(READING_TABLES.values()), QUANT_TABLE]
    out = []
    for t in sorted(groups, key=order.index):
        cs = groups[t]
        readings: dict[str, int] = {}
        names: dict[str, int] = {}
        for c in cs:
            how = "measured" if t == QUANT_TABLE else snr_how(c)
            readings[how] = readings.get(how, 0) + 1
            names[c.split] = names.get(c.split, 0) + 1
        measured = t == QUANT_TABLE or all(c.accuracy_reading == "measured" for c in cs)
        out.append(ReadingGroup(t, len(cs), dict(sorted(readings.items(), key=lambda kv: -kv[1])), names, measured))
    return out


def build_digital_candidates(inp: PlanInputs, quant: pd.DataFrame, bler: pd.DataFrame | None, costs: CostFn,
                             num_classes: int) -> list[Candidate]:
    """Every (split, k, b) of the quantization table sent as entropy-coded bits (docs/planner.md, "Digital
    link"): accuracy = measured quantized accuracy x (1 - frame loss) + frame loss / classes; air time = the
    frame's channel uses / R (LDPC + QPSK: one information bit per use, padding included; Shannon: the mean
    bits per image / `link.capacity` (AWGN log2(1 + SNR), Rayleigh the ergodic capacity)); device energy =
    E_MAC x device MACs + E_bit x bits sent (LDPC: the padded frame; Shannon: the bits). Accuracy is marked
    measured only for an LDPC candidate whose block error rate was read at a measured grid point; Shannon
    candidates are modelled."""
    from semcom_core.digital import link as DL
    q = quant[(quant.bits >= 1) & (quant.bits <= 8) & (quant.backbone == inp.backbone)
              & (quant.dataset == inp.dataset)]
    if inp.digital_bits is not None:
        q = q[q.bits.isin([int(b) for b in inp.digital_bits])]
    frame_loss = frame_loss_at(bler, inp.snr_db, inp.channel) if inp.digital_link == "ldpc" else None
    if inp.digital_link == "ldpc" and frame_loss is None:
        return []  # no measured block error rates for this channel: no LDPC candidate (the plan's notes say so)
    out = []
    q = q.sort_values(["split", "k", "bits"], key=lambda c: c.map(lambda v: int(v.split("-")[1])) if c.name == "split" else c)
    for r in q.itertuples(index=False):
        split, k, b = str(r.split), int(r.k), int(r.bits)
        tx, rx, _ = costs(split, k)
        payload = float(r.bits_per_image)
        f = frame_on_link(inp, payload, frame_loss)
        uses, sent_bits, loss, measured = f.uses, f.sent_bits, f.loss, f.figure == "measured"
        acc = DL.digital_accuracy(float(r.accuracy), loss, num_classes)
        lo, hi = (DL.digital_accuracy(float(v), loss, num_classes) for v in (r.ci_low, r.ci_high))
        lat = latency(tx, rx, uses, inp.device_flops, inp.edge_flops, inp.link_bps, 1)
        how = (f"quantized to {b} bit{'s' * (b != 1)}, measured with error-free bits on {int(r.n)} images "
               f"({100 * float(r.accuracy):.1f} %); {f.words}")
        out.append(Candidate(split, k, acc, lat.tx_compute_s, lat.air_s, lat.rx_compute_s, int(tx), int(rx),
                             int(math.ceil(sent_bits)), inp.energy(tx, sent_bits), how, measured,
                             (lo, hi), int(r.n), mode="digital", bits_per_number=b,
                             accuracy_reading="measured",  # the quantized accuracy: error-free bits, no SNR
                             link_figure=f.figure,
                             extra={"numbers_sent": k, "complex_channel_uses": uses,
                                    "bits_per_image": payload, "quantized_accuracy": float(r.accuracy),
                                    "frame_loss": loss, "digital_link": inp.digital_link,
                                    "analog_complex_channel_uses": complex_channel_uses(k)}))
    return out


@dataclass(frozen=True)
class LinkFrame:
    """A payload sent as one digital frame on the plan's link (`PlanInputs.digital_link`)."""
    uses: float  # complex channel uses (LDPC + QPSK: whole codewords, one information bit per use)
    sent_bits: float  # bits the device's radio sends, charged E_bit each: LDPC the padded frame, Shannon the payload
    loss: float | None  # probability the frame is lost; None: no block error rates, assumed delivered
    figure: str  # the link figure: "measured", "interpolated", "modelled" (Shannon) or "assumed" (no BLER table)
    words: str  # how the frame is sent, for a candidate's accuracy_how


def frame_on_link(inp: PlanInputs, payload_bits: float,
                  frame_loss: Callable[[float], tuple[float, bool]] | None) -> LinkFrame:
    """`payload_bits` as one frame on the plan's digital link (docs/planner.md, "Digital link"). LDPC + QPSK: the
    payload padded to whole codewords (`digital.link.ldpc_channel_uses`), lost with the probability
    `frame_loss(payload)` reads off the measured block error rates (`frame_loss_at`; None: assumed delivered).
    Shannon: payload / capacity complex channel uses, error-free (an ideal code: modelled, never measured)."""
    from semcom_core.digital import link as DL
    if inp.digital_link == "shannon":
        uses = DL.shannon_channel_uses(payload_bits, inp.snr_db, inp.channel)
        return LinkFrame(uses, payload_bits, 0.0, "modelled",
                         f"{uses:.3g} complex channel uses at {DL.capacity_label(inp.channel)}, "
                         f"{DL.capacity(inp.snr_db, inp.channel):.3g} bits per channel use, error-free "
                         "(ideal; modelled, not measured)")
    uses = DL.ldpc_channel_uses(payload_bits)
    words = f"one LDPC + QPSK frame of {uses} bits ({uses} channel uses)"
    if frame_loss is None:
        return LinkFrame(uses, uses, None, "assumed",
                         words + f", assumed delivered (no measured LDPC block error rates for the {inp.channel} "
                         "channel)")
    loss, measured = frame_loss(payload_bits)
    words += (f", lost with probability {loss:.3g} at {inp.snr_db:g} dB {inp.channel} ("
              + ("measured block error rate)" if measured else
                 "measured block error rates, interpolated or filled: not measured at this codeword size and SNR)"))
    return LinkFrame(uses, uses, loss, "measured" if measured else "interpolated", words)


def frame_loss_at(bler: pd.DataFrame | None, snr_db: float,
                  channel: str) -> Callable[[float], tuple[float, bool]] | None:
    """payload bits -> (frame loss, measured) at this SNR, the BLER table read once per plan (a plan has ~120
    digital candidates): `digital.link.frame_bler_lookup_at`. None when the table is missing or has no rows
    for this channel (the one place that decides whether an LDPC frame's loss is known)."""
    from semcom_core.digital import link as DL
    if bler is None or not (bler.channel == channel).any():
        return None
    return DL.frame_bler_lookup_at(bler, snr_db, channel)


def device_only(inp: PlanInputs, unsplit_macs: int, accuracy: float | None, n: int, num_classes: int,
                bler: pd.DataFrame | None = None) -> Candidate:
    """All on the device: the unsplit model on the device; only the label is sent, ceil(log2(classes)) bits, as a
    digital candidate's frame on the selected digital link: LDPC + QPSK (one codeword; its complex channel uses
    at the link rate read as uses per second; lost as often as the measured block error rates `bler` say, a
    lost label being a uniform guess, `digital.link.digital_accuracy`), or the Shannon link (error-free,
    modelled). Without block error rates for the channel, the LDPC frame is assumed delivered (and said so)."""
    from semcom_core.digital import link as DL
    bits = max(1, math.ceil(math.log2(num_classes)))
    iv = accuracy_interval(accuracy, n) if accuracy is not None and n else None
    f = frame_on_link(inp, bits, frame_loss_at(bler, inp.snr_db, inp.channel))
    uses, sent_bits, loss, figure = f.uses, f.sent_bits, f.loss, f.figure
    how = f"unsplit model, measured without a channel (model card); the label, {bits} bits, sent in {f.words}"
    if loss and accuracy is not None:
        accuracy = DL.digital_accuracy(accuracy, loss, num_classes)
        iv = tuple(DL.digital_accuracy(v, loss, num_classes) for v in iv) if iv else None
        how += " (a lost label is a uniform guess)"
    acc = math.nan if accuracy is None else accuracy
    lat = latency(unsplit_macs, 0, uses, inp.device_flops, inp.edge_flops, inp.link_bps, 1)
    return Candidate("device only", 0, acc, lat.tx_compute_s, lat.air_s, 0.0, int(unsplit_macs), 0,
                     int(math.ceil(sent_bits)), inp.energy(unsplit_macs, sent_bits), how,
                     figure in ("measured", "assumed"), iv, n,
                     extra={"numbers_sent": 0, "label_bits": bits, "complex_channel_uses": uses, "frame_loss": loss,
                            "digital_link": inp.digital_link},
                     mode="label", link_figure=figure, family="unsplit")


# ----------------------------------------------------------------------------- the plan
@dataclass
class Plan:
    inputs: PlanInputs
    candidates: list[Candidate]
    feasible: list[Candidate]
    choice: Candidate | None
    runner_up: Candidate | None
    reason: str
    fronts: dict[str, list[Candidate]]
    baselines: dict[str, Candidate | None]
    binding: dict | None
    notes: list[str] = field(default_factory=list)  # what is offered and what is not (TOC, digital coverage)

    def to_dict(self, all_candidates: bool = False) -> dict:
        inp = self.inputs
        c = inp.constraints

        def row(x: Candidate | None):
            if x is None:
                return None
            d = x.to_dict()
            d["feasible"] = is_feasible(x, c) if not math.isnan(x.accuracy) else None
            d["violations"] = violations(x, c) if not math.isnan(x.accuracy) else None
            return d

        _, n_dig = interpolated_readings(self.candidates)
        groups = readings_by_table(self.candidates)
        readings = "; ".join(g.words() for g in groups) or "no candidate"
        if n_dig:
            readings += (f"; digital: the frame loss of {n_dig} candidate{'s' * (n_dig != 1)} interpolated from "
                         "the measured LDPC + QPSK block error rates")
        out = {
            "feasible": self.choice is not None,
            "choice": row(self.choice),
            "reason": self.reason,
            "runner_up": row(self.runner_up),
            "pareto": {"accuracy_vs_latency": [row(x) for x in self.fronts["latency"]],
                       "accuracy_vs_energy": [row(x) for x in self.fronts["energy"]]},
            "baselines": {k: row(v) for k, v in self.baselines.items()},
            "binding": self.binding,
            "counts": {"candidates": len(self.candidates), "feasible": len(self.feasible)},
            "accuracy_readings": readings,  # per table: "split sweep table: measured at 5 dB; TOC results ..."
            "accuracy_readings_by_table": [{"table": g.table, "candidates": g.candidates, "readings": g.readings,
                                            "measured": g.measured, "names": g.names} for g in groups],
            "notes": list(self.notes),
            "inputs": {"backbone": inp.backbone, "dataset": inp.dataset, "channel": inp.channel,
                       "snr_db": inp.snr_db, "device_flops": inp.device_flops, "edge_flops": inp.edge_flops,
                       "link_bps": inp.link_bps, "bits_per_number": inp.bits_per_number,
                       "energy_per_mac_j": inp.energy_per_mac_j, "energy_per_bit_j": inp.energy_per_bit_j,
                       "objective": inp.objective, "constraints": asdict(c), "mac_convention": inp.convention,
                       "presets": inp.names, "modes": list(inp.modes), "digital_link": inp.digital_link,
                       "digital_bits": list(inp.digital_bits) if inp.digital_bits else None,
                       "analog_air": inp.analog_air, "toc": inp.toc},
            "conventions": {
                "latency": f"device = {FLOPS_PER_MAC} FLOPs/MAC x device MACs / device FLOP/s; air = numbers "
                           f"sent x {inp.bits_per_number} bits / link bit/s; edge = {FLOPS_PER_MAC} x edge "
                           "MACs / edge FLOP/s (paper 002 eq. 1a; paper 000 eqs. 1-4)",
                "energy": "device energy = energy per MAC x device MACs + energy per bit x bits sent",
                "accuracy": "measured (shipped sweep table), linear interpolation between measured SNRs said "
                            "so; 95 % Wilson intervals (interpolated readings: the neighbours' intervals "
                            "interpolated)",
                "numbers": "k counts real numbers; ceil(k/2) complex channel uses",
                "modes": DIGITAL_CONVENTION if "digital" in inp.modes else "analog: the k numbers as analog symbols",
                "analog_air": ("numbers sent x bits per number / link bit/s (the cost model's)" if inp.analog_air == "bits"
                               else "ceil(k/2) complex channel uses / link rate read as channel uses per second")},
        }
        if all_candidates:
            out["candidates"] = [row(x) for x in self.candidates]
        return out


def plan(inp: PlanInputs, table: pd.DataFrame | None = None, costs: CostFn | None = None,
         unsplit: tuple[int, float | None, int] | None = None, num_classes: int | None = None,
         quant: pd.DataFrame | None = None, bler: pd.DataFrame | None = None,
         toc_results: pd.DataFrame | None = None, toc_costs: TocCostFn | None = None,
         toc_models: tuple[str, ...] | None = None, toc_left_out: dict | None = None) -> Plan:
    """The plan for `inp`. table: the sweep table (default: the shipped one of backbone/dataset); costs:
    (split, k) -> (device MACs, edge MACs, numbers sent) (default: the cost model); unsplit: (MACs,
    accuracy, test images) of the unsplit model (default: cost model and model card); quant, bler: the
    quantization table and the LDPC block error rates for digital candidates (default: the shipped ones,
    read when `inp.modes` has "digital"; no quantization table shipped: no digital candidate, said so in
    `notes`); the block error rates also carry the all-on-device label (`device_only`; by default the shipped
    ones when `unsplit` is the shipped model's too, else only a `bler` given here); toc_results, toc_costs, toc_models: paper 001's TOC results table, cost model and the models to
    offer (default, with `inp.toc`: the shipped table, the models shipped now whose rows match their file, and
    `toc.costs`); toc_left_out: shipped TOC models left out (model -> why), for the note."""
    notes: list[str] = []
    if table is None:
        from semcom_core.zoo.tables import channel_table, load_sweep
        table = load_sweep(inp.backbone, inp.dataset)
        channel_table(table, inp.channel, inp.backbone)
    if costs is None:
        costs = model_costs(inp.backbone, inp.dataset, inp.convention)
    if num_classes is None:
        from semcom_core.data.registry import get_spec
        num_classes = get_spec(inp.dataset).num_classes
    shipped_unsplit = unsplit is None
    if unsplit is None:
        unsplit = _shipped_unsplit(inp)
    cands = build_candidates(inp, table, costs) if "analog" in inp.modes else []
    if "digital" in inp.modes:
        if quant is None and quant_path(inp.backbone, inp.dataset).is_file():
            quant = load_quant(inp.backbone, inp.dataset)
        if bler is None and inp.digital_link == "ldpc":
            from semcom_core.digital.link import load_bler
            try:
                bler = load_bler()
            except FileNotFoundError:
                bler = None  # no measured LDPC link: no LDPC candidate (digital_coverage says so)
        digital = build_digital_candidates(inp, quant, bler, costs, num_classes) if quant is not None else []
        notes.append(digital_coverage(inp, quant, table, len(digital)))
        cands += digital
    if inp.toc:
        from semcom_core.plan import toc as T
        stale = dict(toc_left_out or {})
        if toc_results is None and "analog" in inp.modes:
            toc_results, shipped_models, stale = T.shipped_toc(inp.dataset)
            toc_models = shipped_models if toc_models is None else toc_models
        offered = (T.toc_candidates(inp, toc_results, toc_costs or T.toc_model_costs(num_classes, inp.convention),
                                    toc_models) if "analog" in inp.modes else [])
        notes.append(T.coverage_note(inp, toc_results, len(offered), stale, tuple(c.k for c in offered)))
        cands += offered
    cons = inp.constraints
    ok = feasible_set(cands, cons)
    best, runner = choose(cands, cons, inp.objective)
    edge = next((c for c in cands if c.split == "SP-0" and c.mode == "analog"), None)
    if edge is None and "analog" not in inp.modes:  # all on the edge sends the image as analog symbols
        edge = next((c for c in build_candidates(inp, table, costs) if c.split == "SP-0"), None)
    if bler is None and shipped_unsplit and inp.digital_link == "ldpc":  # the label's link (all on the device): the shipped measured one, as
        from semcom_core.digital.link import load_bler  # the shipped model card gives its accuracy
        try:
            bler = load_bler()
        except FileNotFoundError:
            bler = None
    baselines = {"all_on_device": device_only(inp, unsplit[0], unsplit[1], unsplit[2], num_classes, bler),
                 "all_on_edge": edge}
    if best is not None:
        why = reason(best, runner, cons, inp.objective)
        iv = best.accuracy_interval
        if cons.min_accuracy is not None and iv is not None and iv[0] < cons.min_accuracy:
            why += (f" The target {100 * cons.min_accuracy:.1f} % lies inside its 95 % interval: it meets the "
                    "target on this estimate, not beyond sampling error.")
        binding = None
    else:
        binding = binding_constraint(cands, cons)
        why = (_infeasible_sentence(binding, cons) if cands else
               "no candidate: " + (" ".join(n for n in notes if n) or "the table has no candidate for this channel"))
    why += _baseline_sentence(baselines, best, cons, inp.objective)
    return Plan(inp, cands, ok, best, runner, why, fronts(ok), baselines, binding, [n for n in notes if n])


_BASELINE_WORDS = {"all_on_device": "All on the device (the unsplit model; only the label is sent)",
                   "all_on_edge": "All on the edge (SP-0, the image is sent)"}


def _baseline_sentence(baselines: dict, best: Candidate | None, cons: Constraints, objective: str) -> str:
    """A baseline that meets every constraint and beats the choice under the objective (or, when no
    candidate is feasible, meets every constraint at all) is said so: the split is then not worth it."""
    out = ""
    for name, b in baselines.items():
        if b is None or math.isnan(b.accuracy) or (objective == "energy" and b.energy_j is None):
            continue
        if not is_feasible(b, cons) or (best is not None and b is best):
            continue
        if best is None:
            out += f" {_BASELINE_WORDS[name]} meets every constraint: {describe(b)}."
        elif objective_key(b, objective) < objective_key(best, objective):
            out += (f" {_BASELINE_WORDS[name]} does better: {describe(b)}, "
                    f"{compare(best, b, objective)} than the choice.")
    return out


def _shipped_unsplit(inp: PlanInputs) -> tuple[int, float | None, int]:
    from semcom_core.data.registry import get_spec
    from semcom_core.zoo.naming import shipped_names
    from semcom_core.zoo.store import shipped_card
    spec = get_spec(inp.dataset)
    h, _, ch = spec.image_shape
    macs = split_costs(inp.backbone, spec.num_classes, "SP-0", 1, 2, inp.convention, h, ch).unsplit_macs
    card = shipped_card(shipped_names(inp.backbone, inp.dataset)[0])
    acc = card.get("test_accuracy")
    return macs, (float(acc) if acc is not None else None), int(card.get("test_images") or 0)


def _infeasible_sentence(b: dict, cons: Constraints) -> str:
    name = b["binding"]
    if name is None:
        return "nothing is feasible"
    fmt = {"min_accuracy": lambda v: f"{100 * v:.1f} %", "max_latency_s": lambda v: f"{v * 1e3:,.3g} ms",
           "max_device_macs": lambda v: f"{v / 1e6:,.1f} M MACs", "max_energy_j": lambda v: f"{v * 1e3:,.3g} mJ"}
    best = {"min_accuracy": "the most accurate reaches", "max_latency_s": "the fastest takes",
            "max_device_macs": "the lightest needs", "max_energy_j": "the cheapest needs"}
    parts = []
    for c in sorted(b["admitted_if_relaxed"], key=lambda c: (c != name, -b["admitted_if_relaxed"][c])):
        n, to = b["admitted_if_relaxed"][c], b["relax_to"][c]
        parts.append(f"without {c} ({fmt[c](getattr(cons, c))}) {n} candidate{'s' * (n != 1)} meet the others"
                     + (f" ({best[c]} {fmt[c](to)})" if to is not None else ""))
    if b["admitted_if_relaxed"].get(name):
        return f"nothing is feasible; {name} binds: " + "; ".join(parts) + "."
    miss = b["closest_miss"]
    return (f"nothing is feasible, and no single relaxation admits a candidate; {name} binds: the closest "
            f"miss, {miss['label']}, falls short most on it.")


def digital_coverage(inp: PlanInputs, quant: pd.DataFrame | None, table: pd.DataFrame, offered: int) -> str:
    """One sentence: where digital candidates are measured and where they are not (every (split, k) of the sweep
    table without a quantization row is analog only; nothing is extrapolated)."""
    if quant is None:
        return (f"Digital not measured for {inp.backbone} on {inp.dataset}: no quantization table "
                f"(pretrained/split/quant_{inp.backbone}_{inp.dataset}.csv), so no digital candidate"
                + ("; every candidate is analog." if "analog" in inp.modes else "."))
    q = quant[(quant.bits >= 1) & (quant.bits <= 8) & (quant.backbone == inp.backbone) & (quant.dataset == inp.dataset)]
    if inp.digital_bits is not None:  # what build_digital_candidates offers: only the asked b
        measured_b = sorted(int(b) for b in q.bits.unique())
        q = q[q.bits.isin([int(b) for b in inp.digital_bits])]
        if not len(q):
            asked = ", ".join(str(int(b)) for b in inp.digital_bits)
            return (f"No digital candidate: no measured b among --digital-bits ({asked}); the quantization table "
                    f"measures b = {', '.join(str(b) for b in measured_b) or 'none'} for {inp.backbone}"
                    + ("; every candidate is analog." if "analog" in inp.modes else "."))
    have = sorted({(str(s), int(k)) for s, k in zip(q.split, q.k)}, key=lambda p: (int(p[0].split("-")[1]), p[1]))
    by_split: dict[str, list[int]] = {}
    for s, k in have:
        by_split.setdefault(s, []).append(k)
    where = "; ".join(f"{s} at k = {', '.join(str(k) for k in ks)}" for s, ks in by_split.items()) or "nowhere"
    sub = table[table.channel == inp.channel]
    pairs = {(str(s), int(k)) for s, k in zip(sub.split, sub.k)}
    missing = len(pairs - set(have))
    if inp.digital_link == "ldpc" and offered == 0 and have:
        return f"No digital candidate: no measured LDPC + QPSK block error rates for the {inp.channel} channel."
    return (f"Digital measured for {inp.backbone} only at {where} (b = "
            f"{', '.join(str(int(b)) for b in sorted(q.bits.unique()))}): {offered} digital candidates; the other "
            f"{missing} (split, k) of the sweep table are not measured digitally"
            + (" and are offered as analog only." if "analog" in inp.modes else ", so they are no candidates."))


def quant_path(backbone: str, dataset: str):
    from semcom_core.paths import pretrained_dir
    return pretrained_dir() / "split" / f"quant_{backbone}_{dataset}.csv"


def load_quant(backbone: str, dataset: str) -> pd.DataFrame:
    """The shipped quantization table (`python -m semcom_core digital quantize-sweep`)."""
    path = quant_path(backbone, dataset)
    if not path.is_file():
        from semcom_core.data.registry import DatasetError
        raise DatasetError(f"no quantization table for {backbone} on {dataset} ({path}); measure it with "
                           f"`python -m semcom_core digital quantize-sweep --backbone {backbone}`")
    return pd.read_csv(path)
