"""Paper 001's task-oriented communication (TOC) models as planner candidates (issue 29: "plus the TOC models
when they exist"). Pure functions over the TOC results table (`toc.tables`, shipped as
`pretrained/toc/toc_results_<dataset>.csv`) and the TOC cost model (`toc.costs.toc_costs`); `shipped_toc`
reads the shipped files.

What a TOC candidate is (docs/toc.md):
- **on the device**: a static model's task-oriented encoder and channel encoder; the dynamic model, at budget
  B, its blocks, exit heads and channel encoder up to the exit each image leaves at. Device MACs: the static
  model's count; the dynamic model's *measured mean per image* at B (the budget is on the mean; an image that
  runs to the last exit it reaches costs more, `max_device_macs_per_image`).
- **sent**: k real numbers (the channel encoder's output, power-normalized; 16 for the shipped models, from the cost
  model) as analog symbols, ceil(k/2) complex channel uses; air time as the split candidates' analog air time (k x bits per number / R, or
  channel uses / R).
- **on the edge**: the channel decoder and classifier of the exit used (a few thousand MACs; the dynamic model's
  the mean over the measured exit fractions).
- **accuracy**: the results table's measured value at this channel and SNR (paper 001's PSNR is the same ratio
  as the planner's SNR, docs/conventions.md, and the channel names are the same registry's), interpolated
  linearly between the table's measured PSNRs (0, 6, 12, 18 dB when written) or read at the nearest one outside them, and said so
  (`eval.readings.accuracy_at`, as the split candidates); 95 % Wilson intervals.
- Measured on CIFAR-10 only: no TOC candidate for another dataset (`coverage_note` says so). They are paper
  001's own encoders, not cuts of the planner's backbone: offered beside any backbone on CIFAR-10.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from semcom_core.channels.core import complex_channel_uses
from semcom_core.costs.compute import latency
from semcom_core.plan.core import Candidate
from semcom_core.plan.readings import ReadingRows, prepared, reading_kind

# model -> (transmitter MACs per exit C_k, receiver MACs per exit, real numbers sent)
TocCostFn = Callable[[str], tuple[tuple[int, ...], tuple[int, ...], int]]
TOC_DATASETS = ("cifar10",)  # where the TOC models are trained and measured
DYNAMIC = "dynamic"


def display_name(model: str) -> str:
    """'static-resnet20' -> 'TOC ResNet-20', 'dynamic' -> 'TOC dynamic'."""
    if model == DYNAMIC:
        return "TOC dynamic"
    enc = model.removeprefix("static-")
    return "TOC " + (f"ResNet-{enc.removeprefix('resnet')}" if enc.startswith("resnet") else enc)


def toc_model_costs(num_classes: int = 10, convention: str = "true") -> TocCostFn:
    """The project's cost model for the TOC models (`toc.costs.toc_costs`, counted on the meta device)."""
    def fn(model: str):
        from semcom_core.toc.costs import toc_costs
        c = toc_costs(model, num_classes, convention)
        return tuple(int(m) for m in c.exit_macs), tuple(int(m) for m in c.rx_macs), int(c.k_transmitted)
    return fn


@dataclass(frozen=True)
class _TocGroup:
    """One TOC model (and budget) of the results table at one channel: what its candidate needs at any SNR."""
    model: str
    budget: float | None  # the dynamic model's budget B (MACs); None: a static model
    rows: ReadingRows  # one row per PSNR (a repeated PSNR: the mean accuracy on the fewest images)
    mean_macs: float  # the dynamic model's measured mean device MACs per image (NaN for a static one)
    exit_fractions: dict  # exit j (1-based) -> the mean measured fraction of images leaving there (dynamic)


def _reading_rows(rows: pd.DataFrame) -> ReadingRows:
    """The rows of one TOC model (and budget) as `plan.readings.ReadingRows` (one row per PSNR; a repeated PSNR:
    the mean accuracy on the fewest images)."""
    snr = rows.snr_db.to_numpy(float)
    acc = rows.accuracy.to_numpy(float)
    n = rows.n.to_numpy(float)
    u = np.unique(snr)
    if len(u) == len(snr):  # the usual case: one row per PSNR, no grouping needed
        order = np.argsort(snr)
        a, m = acc[order], n[order]
    else:
        a = np.array([acc[snr == s].mean() for s in u])
        m = np.array([n[snr == s].min() for s in u])
    return ReadingRows.from_arrays(u, a, m.astype(int))


def _exit_fractions(rows: pd.DataFrame) -> dict:
    """Exit j (1-based) -> the mean of the rows' `exit_fraction_j` (NaN where not recorded)."""
    out = {}
    for col in rows.columns:
        if col.startswith("exit_fraction_") and col.removeprefix("exit_fraction_").isdigit():
            out[int(col.removeprefix("exit_fraction_"))] = float(pd.to_numeric(rows[col], errors="coerce").mean())
    return out


def _edge_macs(fractions: dict, rx: tuple[int, ...]) -> tuple[float, int]:
    """(mean receiver MACs over the measured exit fractions, the deepest exit any image used (1-based))."""
    fr = np.nan_to_num(np.array([fractions.get(j + 1, math.nan) for j in range(len(rx))], float), nan=0.0)
    if fr.sum() <= 0:  # no exit fractions recorded: charge the deepest exit
        return float(max(rx)), len(rx)
    fr = fr / fr.sum()
    deepest = int(np.nonzero(fr > 0)[0].max()) + 1
    return float(np.dot(fr, rx)), deepest


def _toc_groups(channel: str, dataset: str, models: tuple[str, ...] | None, results: pd.DataFrame
                ) -> tuple[_TocGroup, ...]:
    """Every TOC model (and every budget of the dynamic one) the results table has at `channel`, in the order
    offered (the dynamic model first): what every plan on this table reads (prepared once per table,
    `plan.readings.prepared`)."""
    t = results[(results.channel == channel)]
    if "dataset" in t.columns:
        t = t[t.dataset.isna() | (t.dataset == dataset)]
    out = []
    for model in sorted(t.model.unique(), key=lambda m: (m != DYNAMIC, m)):
        if models is not None and model not in models:
            continue
        rows = t[t.model == model]
        groups = ([(None, rows)] if model != DYNAMIC
                  else [(float(b), g) for b, g in rows[rows.budget.notna()].groupby("budget")])
        for budget, g in groups:
            if not len(g):
                continue
            mean_macs = float(pd.to_numeric(g.mean_macs, errors="coerce").mean()) if budget is not None else math.nan
            out.append(_TocGroup(str(model), budget, _reading_rows(g), mean_macs,
                                 _exit_fractions(g) if budget is not None else {}))
    return tuple(out)


def toc_candidates(inp, results: pd.DataFrame | None, costs: TocCostFn, models: tuple[str, ...] | None = None
                   ) -> list[Candidate]:
    """Every TOC model (and every budget of the dynamic one) the results table has at `inp.channel`, as planner
    candidates. `models`: only these (the ones shipped now; None: every model in the table). Empty for a dataset
    the TOC models were not measured on, or without a table."""
    if results is None or not len(results) or inp.dataset not in TOC_DATASETS:
        return []
    out, model_costs = [], {}
    only = None if models is None else tuple(models)
    for grp in prepared(results, ("toc groups", inp.channel, inp.dataset, only),
                        partial(_toc_groups, inp.channel, inp.dataset, only)):
        model, budget = grp.model, grp.budget
        if model not in model_costs:  # once per model (the dynamic model has a group per budget)
            model_costs[model] = costs(model)
        exit_macs, rx, k = model_costs[model]
        name = display_name(model)
        r, iv = grp.rows.read(inp.snr_db)  # = accuracy_at and reading_interval on this model's rows
        if budget is None:
            tx, edge, deepest = float(exit_macs[0]), float(rx[0]), 1
            cost_how = f"{tx / 1e6:,.2f} M MACs on the device (encoder + channel encoder, the cost model)"
        else:
            tx = grp.mean_macs
            edge, deepest = _edge_macs(grp.exit_fractions, rx)
            cost_how = (f"{tx / 1e6:,.2f} M MACs on the device: the measured mean per image at B = "
                        f"{budget / 1e6:,.3g} M (images leave at exits 1..{deepest}; the deepest costs "
                        f"{exit_macs[deepest - 1] / 1e6:,.2f} M)")
        uses = complex_channel_uses(k)
        if inp.analog_air == "bits":
            lat = latency(tx, edge, k, inp.device_flops, inp.edge_flops, inp.link_bps, inp.bits_per_number)
            bits = k * inp.bits_per_number
        else:
            lat = latency(tx, edge, uses, inp.device_flops, inp.edge_flops, inp.link_bps, 1)
            bits = uses
        worst_macs = worst_lat = worst_e = None
        if budget is not None:  # the worst image: the exit (up to the deepest used) with the longest latency
            n_air, b_air = (k, inp.bits_per_number) if inp.analog_air == "bits" else (uses, 1)
            worst_lat = max(latency(float(exit_macs[j]), float(rx[j]), n_air, inp.device_flops, inp.edge_flops,
                                    inp.link_bps, b_air).total_s for j in range(deepest))
            worst_macs = int(max(exit_macs[:deepest]))
            worst_e = inp.energy(worst_macs, bits)  # the same bits for every image: the MACs decide
        how = f"{r.how} (TOC results table; paper 001's PSNR = this SNR)"
        out.append(Candidate(
            name, k, r.accuracy, lat.tx_compute_s, lat.air_s, lat.rx_compute_s, round(tx), round(edge),
            bits, inp.energy(tx, bits), how, r.exact, iv, r.n, accuracy_reading=reading_kind(r),
            family="toc-dynamic" if budget is not None else "toc-static", budget_macs=budget,
            worst_device_macs=worst_macs, worst_latency_s=worst_lat, worst_energy_j=worst_e,
            extra={"numbers_sent": k, "complex_channel_uses": uses, "toc_model": model, "device_macs_how": cost_how,
                   "snr_reading": r.how, "measured_snrs": tuple(float(x) for x in grp.rows.snr_db),
                   "max_device_macs_per_image": int(exit_macs[deepest - 1])}))
    return out


RESULTS_INVALID = "results table"  # the `stale` key under which `shipped_toc` says why the shipped table was not read


def _db_list(snrs) -> str:
    v = sorted({float(x) for x in snrs})
    return ", ".join(f"{x:g}" for x in v[:-1]) + (" and " if len(v) > 1 else "") + f"{v[-1]:g}" if v else "none"


def coverage_note(inp, results: pd.DataFrame | None, offered: int, stale: dict | None = None,
                  sent: tuple[int, ...] = ()) -> str | None:
    """One sentence on the TOC candidates: how many, the numbers they send and the PSNRs their results table was
    measured at (both from the data), why none, which shipped models were left out and why (rows measured on another
    file, or no row at all), and a shipped results table that fails validation (`RESULTS_INVALID` in `stale`)."""
    stale = dict(stale or {})
    invalid = stale.pop(RESULTS_INVALID, None)
    if inp.dataset not in TOC_DATASETS:
        return (f"Paper 001's TOC models are measured on {', '.join(TOC_DATASETS)} only: no TOC candidate for "
                f"{inp.dataset}.")
    if "analog" not in inp.modes:
        return "Paper 001's TOC models send analog symbols: they are candidates when analog is among the modes."
    path = f"pretrained/toc/toc_results_{inp.dataset}.csv"
    if results is None:
        if invalid:
            return (f"The TOC results table ({path}) is shipped but fails validation ({invalid}): no TOC candidate; "
                    "`python -m semcom_core toc table` re-measures it.")
        return (f"No TOC results table is shipped ({path}): no TOC candidate; "
                "`python -m semcom_core toc table` measures the shipped TOC models.")
    rows = results[results.channel == inp.channel] if "channel" in results else results
    ks = sorted({int(k) for k in sent})
    numbers = (f"{' or '.join(str(k) for k in ks)} numbers sent" if ks else "their numbers sent")
    s = (f"{offered} TOC candidate{'s' * (offered != 1)} (paper 001's own encoders on {inp.dataset}, not cuts of "
         f"{inp.backbone}; {numbers} as analog symbols; accuracy from the measured TOC results table at PSNR "
         f"{_db_list(rows.snr_db) if 'snr_db' in rows else 'none'} dB ({inp.channel}), interpolated between them "
         "or read at the nearest, and said so)")
    if not offered:
        s = f"No TOC candidate: the TOC results table has no {inp.channel} rows for a shipped TOC model"
    if invalid:
        s += f"; the shipped results table fails validation ({invalid}): only the model cards' points are read"
    if stale:
        s += "; left out: " + "; ".join(f"{m} ({why})" for m, why in stale.items())
    return s + "."


def with_card_rows(table: pd.DataFrame | None, cards: dict[str, dict]) -> pd.DataFrame | None:
    """`table` plus the measured points (`table_iii`: channel, PSNR, accuracy, n) of every shipped static model's
    card whose model has no row in it: the results table copies exactly these (`toc.tables`), so a static model
    shipped after the table was measured is still a candidate, from its card. The dynamic model's budgeted
    numbers are in the table only (its card has no budgets)."""
    have = set(table.model.unique()) if table is not None and len(table) else set()
    rows = []
    for name, card in cards.items():
        model = card.get("model") or (card.get("config") or {}).get("model")
        if not model or model == DYNAMIC or model in have:
            continue
        macs = (card.get("transmitter_macs_per_exit") or [math.nan])[0]
        for pt in card.get("table_iii") or []:
            if pt.get("accuracy") is None or pt.get("snr_db") is None:
                continue
            rows.append({"name": name, "model": model, "dataset": card.get("dataset"), "channel": pt["channel"],
                         "snr_db": float(pt["snr_db"]), "budget": math.nan, "accuracy": float(pt["accuracy"]),
                         "n": int(pt.get("n") or 0), "mean_macs": float(macs), "weights_sha256": card.get("sha256")})
    if not rows:
        return table
    extra = pd.DataFrame(rows)
    return extra if table is None else pd.concat([table, extra], ignore_index=True)


def shipped_toc(dataset: str = "cifar10") -> tuple[pd.DataFrame | None, tuple[str, ...], dict]:
    """(the shipped TOC results table, with the card points of static models it lacks (`with_card_rows`), or
    None; the models shipped now whose rows were measured on their file; the stale models with why). Cheap:
    reads the CSV and the cards, no weights."""
    from semcom_core.toc.tables import load_results, shipped_cards, stale_rows
    if dataset not in TOC_DATASETS:
        return None, (), {}
    invalid = None
    try:
        table = load_results(dataset)
    except ValueError as e:  # shipped but unusable: said so (`coverage_note`), not taken for "not shipped"
        table, invalid = None, str(e)
    cards = shipped_cards(dataset)
    table = with_card_rows(table, cards)
    if table is None:
        return None, (), ({RESULTS_INVALID: invalid} if invalid else {})
    stale = stale_rows(table, dataset, cards)
    if invalid:
        stale[RESULTS_INVALID] = invalid
    ok = tuple(m for m in table.model.unique() if m not in stale)
    for name, card in cards.items():  # shipped, but with no measured row (the dynamic model's budgets): said so
        model = card.get("model") or (card.get("config") or {}).get("model")
        if model and model not in set(table.model.unique()):
            stale[model] = f"{name} is shipped but not in the results table (`python -m semcom_core toc table`)"
    return table, ok, stale
