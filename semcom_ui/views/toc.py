"""The Budgeted TOC page's view model (paper 001, issue 28): everything the page shows for one state of its
controls, computed without Streamlit.

Conventions, as the page states them: the budget B is in multiply-accumulates (MACs) per image on the
transmitter (paper 001's "FLOPs" are MACs, see `semcom_core.toc.costs`; 1 MAC = `FLOPS_PER_MAC` = 2
FLOPs); what it pays for is the transmitter side of each model (`semcom_core.toc.costs`).

Inputs: the cost tables (`exit_costs`: model -> cumulative transmitter MACs per exit, a static model has
one exit), the TOC models shipped in pretrained/toc/ (their model cards, `toc.tables.shipped_cards`) and,
once they are measured, the results table (`semcom_core.toc.tables`, `toc table`), checked against the
shipped files' sha256 (`toc.tables.stale_rows`)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from semcom_core.costs.compute import FLOPS_PER_MAC
from semcom_core.toc.costs import PAPER_TABLE_IV, PAPER_TABLE_IV_BUDGETS
from semcom_core.toc.budget import BudgetError, parse_budget, plan_budget
from semcom_core.toc.tables import canonical_name
from semcom_core.toc.targets import cost_standard_error
from semcom_ui.views.costs import Metric

DYNAMIC = "dynamic"
CHANNELS = ("awgn", "rayleigh")
SNRS = (0.0, 6.0, 12.0, 18.0)  # Table III's PSNRs; a measured table may add others
FAMILIES = ("both", "dynamic", "static")
FAMILY_LABELS = {"both": "dynamic and static", "dynamic": "dynamic (multi-exit)", "static": "static (ResNet)"}
DATASET = "cifar10"
TRAIN_COMMANDS = ("python -m semcom_core toc train configs/toc_static_resnet20_cifar10.toml",
                  "python -m semcom_core toc train configs/toc_dynamic_cifar10.toml")
EXPORT_COMMAND = "python -m semcom_core toc export runs/<name>"
TABLE_COMMAND = "python -m semcom_core toc table"
CONVENTION_NOTE = (f"Budget B: MACs per image on the transmitter (multiply-accumulates; 1 MAC = {FLOPS_PER_MAC} "
                   "FLOPs; paper 001's \"FLOPs\" are MACs). Static model: encoder + channel encoder. Dynamic model, "
                   "an image leaving at exit k: blocks 1..k, the confidence heads of exits 1..k and exit k's channel "
                   "encoder. The receiver's decoder and classifier are not charged to B.")

# Paper 001, Table IV (CIFAR-100, AWGN, PSNR 0 dB; accuracy %, budget in the paper's "FLOPs" = MACs): one copy,
# in semcom_core.toc.costs (None: "-", the model cannot run under that budget, or nothing printed).
PAPER_001_TABLE_IV_BUDGETS = PAPER_TABLE_IV_BUDGETS
PAPER_001_TABLE_IV = PAPER_TABLE_IV
NOT_MEASURED = "—"  # a metric without a measurement (its help says why)
PAPER_LABEL = "paper 001, CIFAR-100, AWGN 0 dB (reference, not measured here)"




@dataclass
class Message:
    level: str  # "error", "warning", "info"
    text: str


@dataclass
class TOCView:
    budget: float | None  # None: the budget could not be read
    status: str  # "ok", "invalid", "below" (below the cheapest exit), "above" (above the most expensive model)
    messages: list[Message]
    metrics: list[Metric]
    models: pd.DataFrame  # one row per model: cost, parameters, fits B, measured accuracy
    exits: pd.DataFrame  # one row per dynamic exit: C_k, planned Pr_k at B, measured fraction, accuracies
    series: pd.DataFrame  # accuracy vs B: series, kind, budget, accuracy, ... (ours and the paper's)
    paper: pd.DataFrame  # paper 001's Table IV (CIFAR-100), as printed
    measured: pd.DataFrame | None  # the rows of the results table at this channel and PSNR
    trained: bool  # a results table is shipped (trained models measured)
    measured_budget: float | None = None  # the dynamic row the headline reads (largest measured budget <= B)
    thresholds: tuple[float, ...] | None = None  # that row's confidence thresholds per exit (None: not stored)
    figures: dict[str, go.Figure] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table the page offers for download: name -> table."""
        out = {"models": self.models, "exits": self.exits, "accuracy_vs_budget": self.series,
               "paper001_table_iv_cifar100": self.paper}
        if self.measured is not None:
            out["measured"] = self.measured
        return out


# ----------------------------------------------------------------------------- formatting
def fmt_m(macs: float, digits: int = 4) -> str:
    """MACs in millions, up to `digits` significant figures: 40822784 -> '40.82 M'."""
    return f"{macs / 1e6:.{digits}g} M"


def fmt_pair(a: float, b: float) -> tuple[str, str]:
    """a and b in millions with one decimal (`fmt_m` for small values), more digits when needed for the two to read
    differently (40,822,784 vs 40,820,000: '40.8228' and '40.82', not '40.8' and '40.8')."""
    for d in range(1, 7):
        sa, sb = f"{a / 1e6:.{d}f}".rstrip("0").rstrip("."), f"{b / 1e6:.{d}f}".rstrip("0").rstrip(".")
        if a == b or sa != sb:
            return sa, sb
    return f"{a:,.0f}", f"{b:,.0f}"


def over_budget(macs: float, budget: float) -> str:
    """'transmitter 142.3 M MACs > B = 50 M', with enough digits that the two numbers read differently."""
    m, b = fmt_pair(macs, budget)
    return f"transmitter {m} M MACs > B = {b} M"


def model_label(model: str) -> str:
    return "dynamic TOC" if model == DYNAMIC else "static " + model.split("-", 1)[-1].replace("resnet", "ResNet-")


# ----------------------------------------------------------------------------- budgets
def budget_range(exit_costs: dict[str, tuple]) -> tuple[float, float]:
    """The slider's range: the cheapest exit of any model to the most expensive model's cost."""
    lo = min(float(c[0]) for c in exit_costs.values())
    hi = max(float(c[-1]) for c in exit_costs.values())
    return lo, hi


def budget_grid(exit_costs: dict[str, tuple], n: int = 60) -> list[float]:
    """Slider positions: `n` log-spaced budgets (3 significant figures) from the cheapest exit to the most
    expensive model, plus every exit's and every model's exact cost (so B can sit exactly on one) and paper
    001's Table IV budgets in that range."""
    lo, hi = budget_range(exit_costs)
    exact = {float(c) for cs in exit_costs.values() for c in cs} | set(PAPER_001_TABLE_IV_BUDGETS)
    inner = {float(f"{v:.3g}") for v in np.geomspace(lo, hi, n)}
    return sorted(v for v in exact | inner if lo <= v <= hi)


def nearest(grid: list[float], value: float) -> float:
    """The grid point nearest `value` on a log scale (the ends for values outside)."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        return grid[0]
    return min(grid, key=lambda g: abs(math.log(g) - math.log(value)))


def budget_text(budget: float) -> str:
    """A budget as the typed box shows it: 30000000 -> '30M' (parse_budget reads it back exactly)."""
    return f"{budget / 1e6:.10g}M"


BUDGET_LIMITS = (1.0, 1e13)  # MACs per image a typed or linked B may take (a link with more is refused)


def read_budget(raw) -> tuple[float | None, str | None]:
    """(budget, None) or (None, one-line reason) for a typed or URL budget within BUDGET_LIMITS; never raises."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "no budget given: type one such as 40M or 4.08e7 (MACs per image)"
    try:
        b = parse_budget(raw)
    except BudgetError as e:
        return None, str(e)
    lo, hi = BUDGET_LIMITS
    if not lo <= b <= hi:
        return None, f"B = {b:.4g} MACs per image is outside {lo:g}..{hi:g}"
    return b, None


def transmitter_budget_filter(stage_macs_by_split: dict[str, float], budget: float | None) -> dict[str, str | None]:
    """Per split point of the split explorer: None when its transmitter MACs fit `budget` (MACs per image),
    else a short reason ("transmitter 142.3 M MACs > B = 50 M"). `budget` None: no budget, everything fits.
    BudgetError for a budget that is not a positive finite number."""
    if budget is None:
        return {s: None for s in stage_macs_by_split}
    b = parse_budget(budget)
    out = {}
    for split, macs in stage_macs_by_split.items():
        m = float(macs) if macs is not None else math.nan
        if not math.isfinite(m):
            out[split] = "transmitter MACs unknown"
        else:
            out[split] = None if m <= b else over_budget(m, b)
    return out


# ----------------------------------------------------------------------------- paper 001
def paper_table() -> pd.DataFrame:
    """Paper 001's Table IV as printed (CIFAR-100), one row per model, one column per budget (M MACs); "-"
    where the paper prints "-" (the model cannot run under that budget) or, for the dynamic model at 380M,
    prints nothing."""
    cols = [f"{b / 1e6:g}M" for b in PAPER_001_TABLE_IV_BUDGETS]
    rows = [{"model": m, **{c: "-" if a is None else f"{a:.2f}" for c, a in zip(cols, v)}}
            for m, v in PAPER_001_TABLE_IV.items()]
    return pd.DataFrame(rows)


def paper_series() -> pd.DataFrame:
    """Paper 001's Table IV as accuracy-vs-B points (fraction, not %), labelled as the paper's."""
    rows = []
    for m, values in PAPER_001_TABLE_IV.items():
        for b, v in zip(PAPER_001_TABLE_IV_BUDGETS, values):
            if v is not None:
                rows.append({"series": f"{model_label(m)} ({PAPER_LABEL})", "label": model_label(m), "model": m,
                             "kind": "paper",
                             "budget": b, "accuracy": v / 100, "mean_macs": None})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- measured results
def measured_at(results: pd.DataFrame | None, channel: str, snr_db: float) -> pd.DataFrame | None:
    """The results rows at (channel, PSNR); None without a results table."""
    if results is None:
        return None
    return results[(results.channel == channel) & np.isclose(results.snr_db, snr_db)].reset_index(drop=True)


def snr_options(results: pd.DataFrame | None) -> tuple[float, ...]:
    """Table III's PSNRs plus any other the results table measured."""
    extra = set() if results is None else {float(s) for s in results.snr_db.dropna().unique()}
    return tuple(sorted(set(SNRS) | extra))


def dynamic_row(rows: pd.DataFrame | None, budget: float | None) -> pd.Series | None:
    """The measured dynamic row the headline reads at B: the largest measured budget <= B (its measured
    cost then meets B too, up to sampling error). None when there is none."""
    if rows is None or budget is None:
        return None
    dyn = rows[(rows.model == DYNAMIC) & rows.budget.notna() & (rows.budget <= budget * (1 + 1e-9))]
    if dyn.empty:
        return None
    return dyn.sort_values("budget").iloc[-1]


def _accuracy_series(rows: pd.DataFrame | None, exit_costs: dict[str, tuple], x_max: float) -> pd.DataFrame:
    """Our measured accuracy vs B: the dynamic curve (one point per measured budget) and each static model
    as a step (nothing below its cost, its accuracy from its cost up to `x_max`)."""
    out = []
    if rows is None:
        return pd.DataFrame(columns=["series", "label", "model", "kind", "budget", "accuracy", "mean_macs"])
    for _, r in rows[rows.model == DYNAMIC].dropna(subset=["budget"]).sort_values("budget").iterrows():
        out.append({"series": model_label(DYNAMIC), "label": model_label(DYNAMIC), "model": DYNAMIC, "kind": "dynamic",
                    "budget": r.budget,
                    "accuracy": r.accuracy, "mean_macs": r.mean_macs,
                    "ci95_low": r.get("ci95_low"), "ci95_high": r.get("ci95_high")})
    for model in exit_costs:
        if model == DYNAMIC:
            continue
        st = rows[rows.model == model]
        if st.empty:
            continue
        r = st.iloc[0]
        cost = float(exit_costs[model][0])
        for b in (cost, max(cost, x_max)):
            out.append({"series": model_label(model), "label": model_label(model), "model": model, "kind": "static",
                        "budget": b,
                        "accuracy": r.accuracy, "mean_macs": r.mean_macs,
                        "ci95_low": r.get("ci95_low"), "ci95_high": r.get("ci95_high")})
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- the view
def toc_view(exit_costs: dict[str, tuple], budget_raw, channel: str, snr_db: float, family: str = "both",
             results: pd.DataFrame | None = None, exit_params: dict[str, int] | None = None,
             build_figures: bool = True, shipped: dict[str, dict] | None = None,
             stale: dict[str, str] | None = None) -> TOCView:
    """`exit_costs`: model -> cumulative transmitter MACs per exit (`toc.costs.toc_costs(...).exit_macs`),
    including "dynamic" and the static models. `budget_raw`: the budget as typed or read (number or text
    such as "40M"). `results`: the measured results table (`toc.tables.load_results`) or None when no
    trained model is shipped. `exit_params`: model -> transmitter parameters (optional column).
    `shipped`: the TOC model cards in pretrained/toc/ (artifact name -> card, `toc.tables.shipped_cards`):
    a "shipped file" column and, without a results table, the command that measures them. `stale`: model ->
    why its results rows were not measured on the file shipped now (`toc.tables.stale_rows`): a warning."""
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; use one of {FAMILIES}")
    if DYNAMIC not in exit_costs:
        raise ValueError("exit_costs must include the dynamic model")
    dyn_costs = tuple(float(c) for c in exit_costs[DYNAMIC])
    statics = {m: float(c[0]) for m, c in exit_costs.items() if m != DYNAMIC}
    lo, hi = budget_range(exit_costs)
    cheapest = min(exit_costs, key=lambda m: float(exit_costs[m][0]))
    priciest = max(exit_costs, key=lambda m: float(exit_costs[m][-1]))
    show_dyn, show_static = family in ("both", "dynamic"), family in ("both", "static")

    budget, why = read_budget(budget_raw)
    messages: list[Message] = []
    if budget is None:
        status = "invalid"
        messages.append(Message("error", f"Budget not understood: {why}."))
    elif budget < lo:
        status = "below"
        messages.append(Message("error", f"B = {fmt_m(budget)} MACs is below the cheapest exit, {model_label(cheapest)}"
                                         f"'s exit 1 at {fmt_m(lo)} MACs per image: no TOC model can run on this "
                                         "transmitter. Raise B to at least that."))
    elif budget > hi:
        status = "above"
        messages.append(Message("info", f"B = {fmt_m(budget)} MACs is above the most expensive model "
                                        f"({model_label(priciest)}, {fmt_m(hi)} MACs): every model fits and the "
                                        "dynamic model may run every image to its last exit; a larger B changes "
                                        "nothing."))
    else:
        status = "ok"

    plan = None
    if budget is not None and budget >= dyn_costs[0]:
        plan = plan_budget(budget, dyn_costs)
        if plan.status == "unconstrained" and status == "ok" and show_dyn:
            messages.append(Message("info", f"Dynamic model: B is at least its last exit's cost ({fmt_m(dyn_costs[-1])} "
                                            "MACs): every image may run to the end (r = ∞)."))

    trained = results is not None
    rows = measured_at(results, channel, snr_db)
    if trained and rows is not None and rows.empty:
        have = sorted({f"{c} {s:g} dB" for c, s in zip(results.channel, results.snr_db)})
        messages.append(Message("warning", f"The results table has no measurement at {channel} {snr_db:g} dB "
                                           f"(measured: {', '.join(have) or 'nothing'}); the cost side is shown."))

    # model -> the shipped artifact that stands for it (toc_<model>_<dataset>, the one `toc table` measures)
    shipped_by_model = {m: {**shipped[canonical_name(m, DATASET)], "name": canonical_name(m, DATASET)}
                        for m in exit_costs if canonical_name(m, DATASET) in (shipped or {})}
    if stale:
        messages.append(Message("warning", "The results table was not measured on the model files shipped now: "
                                           + "; ".join(f"{model_label(m)}: {why}" for m, why in stale.items())
                                           + f". Re-measure with `{TABLE_COMMAND}`."))

    # ---------------------------------------------------------------- per model
    model_rows = []
    for m, cs in exit_costs.items():
        cost = float(cs[0])  # the least it can cost (dynamic: exit 1, static: its only exit)
        full = float(cs[-1])
        fits = budget is not None and budget >= cost
        if budget is None:
            reason = "no budget"
        elif fits:
            reason = "" if m != DYNAMIC or budget >= full else "fits (images leave early to meet B)"
        else:
            reason = over_budget(cost, budget)
        acc = None
        if rows is not None and not rows.empty:
            if m == DYNAMIC:
                r = dynamic_row(rows, budget)
                acc = None if r is None else float(r.accuracy)
            else:
                st = rows[rows.model == m]
                acc = None if st.empty else float(st.accuracy.iloc[0])
        model_rows.append({"model": m, "fits B": bool(fits), "why not": reason if not fits else "",
                           "measured accuracy": acc, "family": "dynamic" if m == DYNAMIC else "static",
                           "exits": len(cs), "transmitter MACs (min)": cost, "transmitter MACs (max)": full,
                           "transmitter M FLOPs (max)": full * FLOPS_PER_MAC / 1e6,
                           **({"transmitter params": (exit_params or {}).get(m)} if exit_params else {}),
                           **({"shipped file": _shipped_text(shipped_by_model.get(m))} if shipped is not None else {})})
    models = pd.DataFrame(model_rows)
    fitting_static = [m for m, c in statics.items() if budget is not None and c <= budget]

    # ---------------------------------------------------------------- per exit (dynamic)
    drow = dynamic_row(rows, budget)
    k = len(dyn_costs)
    planned = list(plan.probabilities) if plan is not None else [None] * k
    exit_rows = []

    def col(prefix: str, j: int) -> float | None:
        """The measured row's `<prefix>_<j + 1>` (None when absent or empty)."""
        if drow is None or f"{prefix}_{j + 1}" not in drow.index:
            return None
        v = drow[f"{prefix}_{j + 1}"]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    for j in range(k):
        all_acc = None
        if rows is not None:
            dyn_all = rows[rows.model == DYNAMIC]
            c = f"all_exit_accuracy_{j + 1}"
            if not dyn_all.empty and c in dyn_all and dyn_all[c].notna().any():
                all_acc = float(dyn_all[c].dropna().iloc[0])
        exit_rows.append({"exit": j + 1, "C_k (MACs)": dyn_costs[j], "C_k (M MACs)": dyn_costs[j] / 1e6,
                          "C_k (M FLOPs)": dyn_costs[j] * FLOPS_PER_MAC / 1e6,
                          "within B": budget is not None and dyn_costs[j] <= budget,
                          "planned Pr_k at B": planned[j], "measured fraction": col("exit_fraction", j),
                          "accuracy of images leaving here": col("exit_accuracy", j),
                          "accuracy if all leave here": all_acc})
    exits = pd.DataFrame(exit_rows)

    # ---------------------------------------------------------------- headline
    metrics: list[Metric] = []
    b_text = fmt_m(budget) if budget is not None else "—"
    metrics.append(Metric("Budget B", b_text,  # the value fits the metric box; the unit is in the help and the caption
                          f"MACs per image on the transmitter; "
                          f"{fmt_m(budget * FLOPS_PER_MAC) + ' FLOPs' if budget else ''}"))
    if show_dyn:
        if drow is not None:
            ci = ""
            if "ci95_low" in drow.index and pd.notna(drow.get("ci95_low")):
                ci = f" (95 % interval {100 * drow.ci95_low:.1f}-{100 * drow.ci95_high:.1f} %)"
            metrics.append(Metric("Dynamic accuracy at B", f"{100 * drow.accuracy:.2f} %",
                                  f"measured at budget {fmt_m(drow.budget)} (the largest measured budget ≤ B), "
                                  f"{int(drow.n)} test images, {channel} {snr_db:g} dB{ci}"))
            # judged against the budget the thresholds were fitted for (the measured row's B), which may be
            # below the B on screen: a row measured at 30 M shown for B = 35 M must meet 30 M
            n_val = pd.to_numeric(drow.get("n_val"), errors="coerce") if "n_val" in drow.index else None
            se = cost_standard_error(float(drow.get("mean_macs_se", 0.0) or 0.0), float(drow.n),
                                     None if n_val is None or pd.isna(n_val) else float(n_val))
            b_row = float(drow.budget)
            over = float(drow.mean_macs - b_row)
            at = f"measured at B = {fmt_m(b_row)}" + ("" if math.isclose(b_row, budget) else f" (B on screen: {b_text})")
            if over <= 0:
                delta, verdict = ((f"-{fmt_m(abs(over))} under its B", "within its B") if over < 0
                                  else (None, "exactly its B"))  # no arrow: neither under nor over
            else:
                z = over / se if se > 0 else math.inf
                why = ("within 3 standard errors: sampling error (of the test images and of the validation images "
                       "the thresholds are fitted on)" if z <= 3 else "more than 3 standard errors: not sampling error alone")
                delta, verdict = (f"+{fmt_m(over)} over its B",
                                  f"over its B by {fmt_m(over)} ({z:.1f} standard errors), {why}")
            metrics.append(Metric("Measured mean MACs", fmt_m(drow.mean_macs),
                                  f"mean over the test images of the cost of the exit each left from; {at}: "
                                  f"{verdict}", delta))
        else:
            metrics.append(Metric("Dynamic accuracy at B", NOT_MEASURED,
                                  "not measured: no trained dynamic model is measured at this budget, channel and PSNR"
                                  if trained else "no trained TOC model is shipped yet"))
            metrics.append(Metric("Planned mean MACs", fmt_m(plan.expected_cost) if plan is not None else "—",
                                  "Σ Pr_k C_k at the r solved for B (eq. 17); measured once the model is trained"))
    fits_text = ", ".join(model_label(m).replace("static ", "") for m in fitting_static) or "none"
    best = None
    if rows is not None and not rows.empty:
        measured_fit = rows[rows.model.isin(fitting_static)]
        if not measured_fit.empty:
            best = measured_fit.sort_values("accuracy").iloc[-1]
    if show_static:
        metrics.append(Metric("Static models that fit B", fits_text,
                              "static TOC models whose transmitter cost is at most B: "
                              + "; ".join(f"{model_label(m)} {fmt_m(c)}" for m, c in statics.items())))
        if best is not None:
            metrics.append(Metric("Best static accuracy within B", f"{100 * best.accuracy:.2f} %",
                                  f"{model_label(best.model)} ({fmt_m(statics[best.model])} MACs), {channel} "
                                  f"{snr_db:g} dB, {int(best.n)} test images"))

    # ---------------------------------------------------------------- series
    ours = _accuracy_series(rows, exit_costs, max(hi, PAPER_001_TABLE_IV_BUDGETS[-1]))
    if not show_dyn:
        ours = ours[ours.kind != "dynamic"]
    if not show_static:
        ours = ours[ours.kind != "static"]
    paper = paper_series()
    if not show_dyn:
        paper = paper[paper.model != DYNAMIC]
    if not show_static:
        paper = paper[paper.model == DYNAMIC]
    series = pd.concat([ours, paper], ignore_index=True)

    notes = [CONVENTION_NOTE]
    if not trained and shipped:
        notes.append(f"Shipped in pretrained/toc/: {', '.join(sorted(shipped))}, but no results table yet: the cost "
                     "side is shown (per-exit MACs, which models fit B, the planned exit fractions). Measure the "
                     f"shipped models with `{TABLE_COMMAND}` (Table III and IV analogues; docs/toc.md).")
    elif not trained:
        notes.append("No trained TOC model is shipped yet (pretrained/toc/ has no results table): the cost side "
                     "is shown (per-exit MACs, which models fit B, the planned exit fractions). Train with `"
                     + "` and `".join(TRAIN_COMMANDS) + "` (docs/toc.md), ship each finished run with `"
                     + EXPORT_COMMAND + "`, then measure the shipped models with `" + TABLE_COMMAND + "`.")
    notes.append(f"Reference: {PAPER_LABEL}. Our models are measured on CIFAR-10, so the two are not comparable "
                 "number for number; the shape (accuracy vs B) is.")

    view = TOCView(budget, status, messages, metrics, models, exits, series, paper_table(), rows, trained,
                   None if drow is None else float(drow.budget), row_thresholds(drow, k), notes=notes)
    if build_figures:
        from semcom_ui import plots_toc
        view.figures = {"accuracy_vs_budget": plots_toc.accuracy_vs_budget_figure(series, budget, lo, statics),
                        "exit_histogram": plots_toc.exit_histogram_figure(exits, budget),
                        "accuracy_per_exit": plots_toc.accuracy_per_exit_figure(exits)}
    return view


def row_thresholds(drow: pd.Series | None, k: int) -> tuple[float, ...] | None:
    """The `threshold_1..k` of a measured dynamic row (inf: nobody leaves there), or None when the row
    has none (a table measured before thresholds were stored)."""
    if drow is None:
        return None
    cols = [f"threshold_{j + 1}" for j in range(k)]
    if any(c not in drow.index or pd.isna(drow[c]) for c in cols):
        return None
    return tuple(float(drow[c]) for c in cols)


@dataclass
class GalleryExit:
    exit: int  # 1-based
    cost: float  # C_k, MACs per image
    count: int  # how many of the images leave here
    items: list[dict]  # the shown ones: index, label, cls, confidence, prediction, correct


def gallery_view(thresholds, confidences, labels, predictions, classes: list[str], dyn_costs,
                 per_exit: int = 6) -> list[GalleryExit]:
    """Paper 001's Fig. 5 on the shipped sample images: for each exit, the images that leave there under
    `thresholds` (the measured row's, fitted on the validation split for its B), most confident first.
    `confidences`, `predictions`: (N, K) transmitter confidences and the receiver's noiseless predictions
    at each exit (`toc.gallery.exit_confidences`); `labels` (N,)."""
    from semcom_core.toc.gallery import gallery
    conf = np.asarray(confidences, dtype=float)
    g = gallery(conf, thresholds, per_exit)
    out = []
    for j, idx in enumerate(g.indices):
        items = [{"index": i, "label": int(labels[i]),
                  "cls": classes[int(labels[i])] if 0 <= int(labels[i]) < len(classes) else "unknown",
                  "confidence": float(conf[i, j]), "prediction": classes[int(predictions[i][j])],
                  "correct": int(predictions[i][j]) == int(labels[i])} for i in idx]  # never for label -1
        out.append(GalleryExit(j + 1, float(dyn_costs[j]), int(g.counts[j]), items))
    return out


def _shipped_text(card: dict | None) -> str:
    """The models table's "shipped file" cell: 'toc_static_resnet20_cifar10 (float32, 3f2a9c1e0b7d)' or ''."""
    if not card:
        return ""
    return f"{card['name']} ({card.get('weights_dtype', '?')}, {str(card.get('sha256', ''))[:12]})"


def exit_costs_table(num_classes: int = 10) -> tuple[dict[str, tuple], dict[str, int]]:
    """(model -> per-exit transmitter MACs, model -> transmitter parameters) from `toc.costs` (paper
    convention: MACs are the same in both, parameters without normalisation layers as paper 001 counts)."""
    from semcom_core.nets.toc import TOC_MODELS
    from semcom_core.toc.costs import toc_costs
    costs = {m: toc_costs(m, num_classes, "paper") for m in TOC_MODELS}
    return {m: tuple(c.exit_macs) for m, c in costs.items()}, {m: c.tx_params for m, c in costs.items()}
