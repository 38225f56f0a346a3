"""The split explorer's choices and notes, free of Streamlit: which backbones it offers and opens
on, and what it says of the trained model behind a split."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from semcom_core.costs import compute as C
from semcom_core.digital.link import RAYLEIGH_CHANNELS, label_channel_uses
from semcom_core.eval.split import SWEEP_SNRS
from semcom_core.paths import pretrained_dir
from semcom_core.zoo.naming import shipped_names, sweep_path
from semcom_core.zoo.tables import has_split_model
from semcom_ui.views.costs import Metric
from semcom_ui.views.toc import transmitter_budget_filter

PAPER_BACKBONES = ("resnet18", "resnet34")  # paper 000's models (the zoo)
DEMO_BACKBONES = ("resnet20",)  # a small model trained quickly, for demos before the zoo lands
EXPLORER_CHANNELS = ("awgn", "rayleigh")  # table channels the explorer offers (names of channels.CHANNELS)

# The explorer's tabs (one figure or table each, drawn only when open) and their names in the URL (`tab`)
TABS = ("Accuracy vs k (Fig. 3)", "Accuracy vs SNR", "Split × k map", "Computation (Fig. 5)", "Communication (Fig. 6)",
        "Latency", "Costs (Table II)")
TAB_SLUGS = ("acc-k", "acc-snr", "map", "compute", "comm", "latency", "table2")
PAPER_EPOCHS = 100  # paper 000 trains each split point end to end this long
# The page opens on SP-4, k = 64, 5 dB: its model is trained end to end and shows paper 000's point, a
# mid-to-late split sending 64 numbers loses little against the unsplit model (docs/results.md).
DEFAULT_SPLIT = "SP-4"
# The SNR slider spans what the tables measure: no star drawn at a value clamped to the table's edge.
TABLE_SNRS = tuple(sorted(SWEEP_SNRS))
SNR_RANGE = (TABLE_SNRS[0], TABLE_SNRS[-1])


def offered_backbones(dataset: str) -> tuple[str, ...]:
    """The backbones the page offers: those with anything shipped for `dataset` (unsplit model, split
    model or accuracy table); paper 000's two when nothing is shipped yet (the cost views need no weights)."""
    def shipped(b: str) -> bool:
        unsplit, split = shipped_names(b, dataset)
        return sweep_path(b, dataset).is_file() or has_split_model(b, dataset) or any(
            (pretrained_dir() / "split" / f"{n}.json").is_file() for n in (unsplit, split))
    found = tuple(b for b in PAPER_BACKBONES + DEMO_BACKBONES if shipped(b))
    return found or PAPER_BACKBONES


def default_backbone(backbones: tuple[str, ...], dataset: str) -> str:
    """What the page opens on: the first backbone with a shipped accuracy table, else the first with a
    shipped split model (live inference works, the table is still being measured), else the first."""
    for has in (lambda b: sweep_path(b, dataset).is_file(), lambda b: has_split_model(b, dataset)):
        found = next((b for b in backbones if has(b)), None)
        if found:
            return found
    return backbones[0]


@dataclass(frozen=True)
class TrainingNote:
    text: str
    far_below: bool  # the split's best accuracy is far below the unsplit model's: say why, prominently


def _sha256(ref) -> str | None:
    """The sha256 of a card's weights reference ({"path" or "name", "sha256"}), None when there is none."""
    return ref.get("sha256") if isinstance(ref, dict) else None


def training_note(card: dict, split: str, k_max: int, unsplit_acc: float | None, far: float = 0.05
                  ) -> TrainingNote | None:
    """What the page says of the trained model behind a split's accuracies, from its model card: the
    training budget, and the split's accuracy over a noiseless channel with all k_max numbers (its ceiling)
    against the unsplit model's. More than `far` below it, the note flags the gap and, for a run shorter than
    paper 000's PAPER_EPOCHS, says it is the training budget's, so that a split near chance reads as an
    under-trained codec, not as a broken page. None when the card
    has no measurement for this split (SP-0 and the label have no codec)."""
    acc = (card.get("split_test_accuracy") or {}).get(split)
    if acc is None:
        return None
    own = (card.get("split_training") or {}).get(split)  # this split retrained in a run of its own
    src = own or card
    epochs = src.get("epochs_total", src.get("epochs"))
    secs = src.get("wall_seconds_total", src.get("wall_seconds"))
    budget = ", ".join(p for p in (f"{epochs} epoch{'s' if epochs != 1 else ''}" if epochs else "",
                                   f"{secs / 3600:.1f} h" if secs else "",
                                   ", ".join(str(src.get("device", "")).split(", ")[:2])) if p)
    before = list(src.get("history") or ())  # earlier runs it was continued from, oldest first
    # part of the network is the shared unsplit backbone, kept frozen (not so for a split trained end to end)
    frozen = not (own and own.get("end_to_end")) and (src.get("config") or {}).get("freeze_backbone", True)
    if own and own.get("end_to_end"):
        start = _sha256(next((h["init_from"] for h in before if h.get("init_from")), own.get("init_from")))
        shipped = _sha256(card.get("backbone_from") or card.get("backbone_embedded_from") or card.get("init_from"))
        source = ("the unsplit backbone" if not start or not shipped or start == shipped else
                  f"another checkpoint of the unsplit backbone (sha256 {start[:8]}…, not the shipped one)")
        how = (f"The {split} model (every stage fine-tuned end to end from {source}, with distillation "
               f"from it) was trained for {budget or 'an unrecorded budget'}")
    elif own:
        copies = ((own.get("config") or {}).get("adapt") or {}).get(split) or []
        on = " on the frozen backbone" if frozen else ""
        names = [("the head" if c == "head" else c) for c in copies]
        mine = (f" and its own cop{'ies' if len(names) > 1 else 'y'} of "
                + (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]) if names else "")
        how = f"The {split} codec{mine} {'were' if mine else 'was'} retrained{on} for {budget or 'an unrecorded budget'}"
    else:
        how = (f"The {split} codec of `{card.get('name', 'this model')}` (the backbone frozen) was trained for "
               f"{budget or 'an unrecorded budget'}")
    said = []  # what the schedule did: earlier runs continued from, warm restarts of this one
    first = sum(h.get("epochs") or 0 for h in before)  # epochs before this run (0 for a first run)
    if before:  # continued from a shipped earlier version of itself, on a schedule of its own
        runs = []  # each earlier run: the first, then each continuation before this one
        for j, h in enumerate(before):
            changes = h.get("schedule_changes") or ()
            longer = sum(c["epochs_after"] > c["epochs_before"] for c in changes)
            shorter = len(changes) - longer
            runs.append((f"{h.get('epochs') or 0} epochs" if j == 0 else
                         f"{h.get('epochs') or 0} more on a new cosine schedule")
                        + (f" with {longer} warm restart{'s' if longer != 1 else ''}" if longer else "")
                        + (f"{' and' if longer else ' with'} {shorter} shortening{'s' if shorter != 1 else ''}"
                           if shorter else ""))
        mine = (src.get("schedule_changes") or [{}])[0].get("epochs_before") or src.get("epochs")
        said.append(", then ".join(runs) + f", then continued from that model on a new cosine schedule of {mine} epochs")
    for ch in src.get("schedule_changes") or ():  # its cosine re-drawn: a warm restart if longer
        what = ("its cosine schedule was re-drawn over" if ch["epochs_after"] > ch["epochs_before"]
                else "it was shortened to")
        said.append(f"after epoch {first + ch['after_epoch']} {what} {ch['epochs_after']} epochs, continuing at "
                    f"{100 * ch['lr_fraction_of_peak']:.0f} % of the peak learning rate")
    runs_cut, done = [], 0  # (first epoch, last epoch, side) of each run trained with Cutout
    for h in [*before, {"epochs": src.get("epochs"), "cutout": (src.get("config") or {}).get("cutout")}]:
        if h.get("cutout"):
            runs_cut.append((done + 1, done + (h.get("epochs") or 0), h["cutout"]))
        done += h.get("epochs") or 0
    for a, b, side in runs_cut:
        said.append((f"epochs {a}-{b} " if before else "") + f"with Cutout, one {side} x {side}-pixel square of "
                    "each training image set to the mean colour")
    how += f" ({'; '.join(said)})" if said else ""
    draw = training_draw(src.get("config") or {}, k_max)
    text = f"{how}.{f' It was trained on {draw}.' if draw else ''} Over a noiseless channel with all {k_max} numbers it reaches {100 * acc:.2f} %"
    gap = unsplit_acc is not None and acc < unsplit_acc - far
    text += f", the unsplit model {100 * unsplit_acc:.2f} %." if unsplit_acc is not None else "."
    if gap:
        short = bool(epochs) and epochs < PAPER_EPOCHS
        why = (["part of its network is the unsplit backbone's, kept frozen"] if frozen else []) + ([f"it trained for {epochs} epoch{'s' if epochs != 1 else ''}"] if short else [])
        text += " That ceiling is far below the unsplit model's" + (
            f": {', and '.join(why)}, where paper 000 trains each split end to end for {PAPER_EPOCHS} epochs; this "
            "split shows the shape of the trade-off, not its level." if why else ".") + (
            " docs/compute.md has the numbers and the GPU recipe." if short else "")
    return TrainingNote(text, gap)


def training_draw(cfg: dict, k_max: int) -> str:
    """The k and SNR a split model was trained on, from the training config its card records
    (`nets.multisplit.MultiSplitModel.sample_k`: with `k_ref`, half the images at k_ref and half log-uniform
    over k_min..k_max, else the powers of two up to k_max; the SNR uniform over `snr_db_range`, AWGN), so that
    the page can say why accuracy falls off below the smallest k trained. '' when the config records none of
    k_max, k_ref and snr_db_range (nothing to say, rather than a default assumed)."""
    if not any(cfg.get(f) for f in ("k_max", "k_ref", "snr_db_range")):
        return ""
    km = int(cfg.get("k_max") or k_max)
    k_ref, k_min = int(cfg.get("k_ref") or 0), int(cfg.get("k_min") or 1)
    ks = (f"k drawn per image, half at {k_ref} and half log-uniform over {k_min}..{km}" if k_ref
          else f"k drawn per image from the powers of two up to {km}")
    snr = cfg.get("snr_db_range")
    words = ks + (f", and SNR uniform over {snr[0]:g}..{snr[1]:g} dB (AWGN)" if snr else "")
    return words + (f"; it never saw k below {k_min}" if k_ref and k_min > 1 else "")


# ----------------------------------------------------------------------------- readings for one setting
def k_for_model(k: int, fixed: int | None, k_max: int | None) -> tuple[int, str | None]:
    """The k the model and the tables are read at, and a warning when the chosen k exceeds what the
    model's bottleneck serves (then k_max is used). Split points that send a fixed size ignore k."""
    if fixed is not None:
        return fixed, None
    if k_max is not None and k > k_max:
        return k_max, f"this model's bottleneck serves k ≤ {k_max}; accuracy and live inference use k = {k_max}"
    return k, None


def shannon_curve(num_classes: int, image_elements: int, snrs, channel: str = "awgn") -> pd.DataFrame:
    """Normalized communication of the Shannon bound on sending the label over `channel`: the fewest complex
    channel uses that carry log2(classes) bits (`digital.link.label_channel_uses`: over the capacity, AWGN or
    Rayleigh ergodic), counted as 2 real numbers each."""
    return pd.DataFrame({"snr_db": list(snrs), "normalized_communication": [
        2 * label_channel_uses(num_classes, s, channel) / image_elements for s in snrs]})


def shannon_caption(channel: str) -> str:
    """What the Fig. 6 bound is, on this channel."""
    cap = ("the ergodic capacity E[log2(1 + |h|² SNR)] (Rayleigh fading, perfect channel knowledge)"
           if channel in RAYLEIGH_CHANNELS else "log2(1 + SNR)")
    return (f"Shannon bound: the fewest complex channel uses that could carry the label, log2(classes) / {cap}, "
            "counted as 2 real numbers each. Missing points: no k reaches the target there.")


@dataclass(frozen=True)
class Headline:
    metrics: list[Metric]
    accuracy_note: str | None
    latency_note: str | None


def headline(cur, reading, snr_db: float, channel: str, k_sent: int, image_elements: int, gamma: float,
             dataset: str, table_error: str | None = None, latency_presets: tuple | None = None) -> Headline:
    """The explorer's headline numbers for one setting: accuracy (a table reading), normalized computation
    and communication, transmitter MACs, and (with presets (tx FLOP/s, rx FLOP/s, link bit/s, bits per
    number)) the end-to-end latency. `cur`: the cost table's row of this split (true convention)."""
    if not all(math.isfinite(v) for v in (snr_db, gamma)):
        raise ValueError("SNR and γ must be finite numbers")
    if reading is not None:
        acc = Metric("Accuracy", f"{100 * reading.accuracy:.2f} %",
                     f"{reading.how}, {channel}, on the first {reading.n} test images ({dataset}); from the shipped "
                     "sweep table. 'Measure now' evaluates exactly this setting.")
        lo_hi = reading.interval
        note = (f"Accuracy {reading.how} on {reading.n} test images" +
                (f" (95 % interval {100 * lo_hi[0]:.1f}-{100 * lo_hi[1]:.1f} %)" if lo_hi else
                 " — press 'Measure now' for this exact setting") + ".")
    else:
        acc, note = Metric("Accuracy", "—", table_error or "no row for this setting in the table"), None
    metrics = [
        acc,
        Metric("Normalized computation", f"{C.normalized_computation(cur.tx_macs, cur.rx_macs, cur.unsplit_macs, gamma):.3f}",
               f"(F_t + γ·F_r) / F_unsplit with γ = {gamma:.2g} (paper 000 eq. 6, true MAC convention); "
               "above 1, splitting costs more than running the whole model on the transmitter."),
        Metric("Normalized communication", f"{C.normalized_communication(k_sent, image_elements):.4g}",
               f"{k_sent} real numbers = {math.ceil(k_sent / 2)} complex channel uses, relative to the "
               f"{image_elements} numbers of the raw image."),
        Metric("Transmitter MACs", f"{cur.tx_macs / 1e6:,.2f} M",
               f"{cur['tx_share_%']:.1f} % of the split model's MACs; receiver {cur.rx_macs / 1e6:,.2f} M."),
    ]
    lat_note = None
    if latency_presets is not None:
        tx, rx, link, b = latency_presets
        bits = C.element_bits(cur.split, b)  # SP-0 sends the image's 8-bit pixels
        lat = C.latency(cur.tx_macs, cur.rx_macs, k_sent, tx, rx, link, bits)
        metrics.append(Metric("End-to-end latency", f"{lat.total_s * 1e3:,.2f} ms",
                              f"transmitter {lat.tx_compute_s * 1e3:,.3f} ms + air {lat.air_s * 1e3:,.3f} ms + receiver "
                              f"{lat.rx_compute_s * 1e3:,.3f} ms"))
        lat_note = (f"Latency: transmitter compute **{lat.tx_compute_s * 1e3:,.3f} ms** + air time "
                    f"**{lat.air_s * 1e3:,.3f} ms** ({k_sent} × {bits} bits over {link / 1e6:g} Mbit/s) + receiver "
                    f"compute **{lat.rx_compute_s * 1e3:,.3f} ms**.")
    return Headline(metrics, note, lat_note)


@dataclass
class BudgetView:
    """Paper 001's transmitter budget B in the split explorer: which split points are over it and what to say."""
    over: dict[str, str | None]  # split -> None (fits) or why it does not ("transmitter 142.3 M MACs > B = 50 M")
    warning: str | None  # the chosen split point is over B
    caption: str | None  # the chosen one fits: which are over B


def budget_label(split: str, view: BudgetView | None) -> str:
    """The split selector's label for `split`: marked when it is over B."""
    return split + (" (over B)" if view is not None and view.over.get(split) else "")


def budget_view(costs: pd.DataFrame, splits, split: str, budget_macs: float | None) -> BudgetView | None:
    """`costs`: a cost table (columns split, convention, tx_macs) at the k in use; the budget in MACs per image
    (None or 0: no budget). The transmitter's MACs in the "true" counting are compared with B."""
    if not budget_macs:
        return None
    true = costs[costs.convention == "true"]
    over = transmitter_budget_filter(dict(zip(true.split, true.tx_macs.astype(float))), budget_macs)
    fits = [s for s in splits if not over.get(s)]
    b = f"{budget_macs / 1e6:.4g} M MACs per image"
    if over.get(split):
        return BudgetView(over, f"{split} is over the transmitter budget: {over[split]}. Within B = {b}: "
                                f"{', '.join(fits) or 'none'}.", None)
    return BudgetView(over, None, f"Transmitter budget B = {b}: "
                                  f"{', '.join(s for s in splits if over.get(s)) or 'no split point'} over B.")
