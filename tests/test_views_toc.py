"""The Budgeted TOC page's view model (semcom_ui.views.toc), without Streamlit: budgets below the cheapest
exit, unreadable or above the most expensive model give a message and no crash; the headline reads the
right measured row; the results come from real budget computations (toc.evaluate.budget_result on a toy
set of confidences) through the CSV row format (toc.tables) into the view."""
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semcom_core.toc.budget import BudgetError
from semcom_core.toc.evaluate import Collected, budget_result, static_result
from semcom_core.toc.tables import load_results, result_row
from semcom_ui.views import toc as V

PAPER = sorted((Path(__file__).resolve().parents[2] / "shared" / "papers").glob("001_*.txt"))

# small, made-up cost tables (MACs per image): 3 exits, two static models between and beyond them
COSTS = {"dynamic": (10e6, 20e6, 40e6), "static-resnet20": (25e6,), "static-resnet32": (60e6,)}


def toy_collected(n: int, seed: int, k: int = 3) -> Collected:
    """Confidences and predictions of a toy 3-exit model: later exits are right more often, and an
    image's confidence is higher when its exit is right (so confident images leave early and are right)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    p_right = np.linspace(0.4, 0.8, k) if k > 1 else np.array([0.6])
    right = rng.random((n, k)) < p_right
    rx = np.where(right, labels[:, None], (labels[:, None] + 1) % 10)
    conf = np.clip(0.3 + 0.4 * right + 0.25 * rng.random((n, k)), 0, 1)
    return Collected(labels, rx, conf, rx.copy())


def toy_results(budgets, snr=0.0, channel="awgn", costs=None) -> pd.DataFrame:
    """A results table as toc.tables writes it, from real budget_result / static_result computations."""
    costs = costs or COSTS
    k = len(costs["dynamic"])
    val, test = toy_collected(400, 1, k), toy_collected(600, 2, k)
    rows = []
    for b in budgets:
        res = budget_result(val, test, b, costs["dynamic"])
        res.update(model="dynamic", dataset="toy", channel=channel, snr_db=snr)
        rows.append(result_row(res, k_max=k))
    for i, m in enumerate(m for m in costs if m != "dynamic"):
        st = toy_collected(500, 10 + i, k=1)
        res = static_result(st, int(costs[m][0]))
        res.update(model=m, dataset="toy", channel=channel, snr_db=snr)
        rows.append(result_row(res, k_max=k))
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- budgets
def test_budget_grid_spans_cheapest_exit_to_priciest_model_and_holds_every_cost():
    grid = V.budget_grid(COSTS, n=30)
    assert grid[0] == 10e6 and grid[-1] == 60e6 and grid == sorted(set(grid))
    for cs in COSTS.values():
        assert set(cs) <= set(grid)
    assert {30e6, 40e6, 50e6, 60e6} <= set(grid) and 70e6 not in grid  # paper 001's budgets within range
    ratios = np.diff(np.log(grid))
    assert ratios.max() < 2.5 * math.log(6) / 29  # roughly even on a log scale: no large gap
    assert V.nearest(grid, 24.9e6) == 25e6 and V.nearest(grid, 1.0) == grid[0] and V.nearest(grid, 1e12) == grid[-1]
    assert V.nearest(grid, math.nan) == grid[0]


@pytest.mark.parametrize("raw", ["abc", "", "  ", "nan", "-5", "0", "inf", None, True, "0.5", "2e13"])  # the last two: outside
# BUDGET_LIMITS, which a link to the page would refuse
def test_unreadable_budgets_are_a_message_not_an_exception(raw):
    v = V.toc_view(COSTS, raw, "awgn", 0.0, build_figures=False)
    assert v.status == "invalid" and v.budget is None
    assert [m.level for m in v.messages] == ["error"] and "Budget not understood" in v.messages[0].text
    assert not v.models["fits B"].any()


def test_budget_below_the_cheapest_exit():
    v = V.toc_view(COSTS, 5e6, "awgn", 0.0, build_figures=False)
    assert v.status == "below"
    text = v.messages[0].text
    assert v.messages[0].level == "error" and "below the cheapest exit" in text and "10 M" in text and "5 M" in text
    assert not v.models["fits B"].any() and all(p is None for p in v.exits["planned Pr_k at B"])
    assert v.metrics[0].label == "Budget B" and v.metrics[0].value == "5 M"  # the headline is still there
    assert any(m.label == "Static models that fit B" and m.value == "none" for m in v.metrics)


def test_budget_above_the_most_expensive_model_lets_everything_run():
    v = V.toc_view(COSTS, "1G", "awgn", 0.0, build_figures=False)
    assert v.status == "above" and v.budget == 1e9
    assert "above the most expensive model" in v.messages[0].text and "60 M" in v.messages[0].text
    assert v.models["fits B"].all()
    assert list(v.exits["planned Pr_k at B"]) == [0.0, 0.0, 1.0]  # everything to the last exit


def test_budget_between_the_dynamic_models_last_exit_and_the_priciest_static_one():
    v = V.toc_view(COSTS, 50e6, "awgn", 0.0, build_figures=False)
    assert v.status == "ok" and any("every image may run to the end" in m.text for m in v.messages)
    fits = dict(zip(v.models.model, v.models["fits B"]))
    assert fits == {"dynamic": True, "static-resnet20": True, "static-resnet32": False}
    why = dict(zip(v.models.model, v.models["why not"]))
    assert why["static-resnet32"] == "transmitter 60 M MACs > B = 50 M"


@pytest.mark.parametrize("b", [12e6, 25e6, 33.3e6])
def test_planned_exit_fractions_meet_the_budget_exactly(b):
    """Without a trained model the page still shows the plan: Pr_k ∝ r^k (eq. 17) with Σ Pr_k C_k = B."""
    v = V.toc_view(COSTS, b, "awgn", 0.0, build_figures=False)
    p = np.array(v.exits["planned Pr_k at B"], dtype=float)
    assert p.sum() == pytest.approx(1.0)
    assert p @ np.array(COSTS["dynamic"]) == pytest.approx(b, rel=1e-9)
    assert p[1] / p[0] == pytest.approx(p[2] / p[1])  # a geometric sequence: the same r between exits
    planned = next(m for m in v.metrics if m.label == "Planned mean MACs")
    assert planned.value == V.fmt_m(b)
    fits = {m for m, c in COSTS.items() if c[0] <= b}
    assert set(v.models.model[v.models["fits B"]]) == fits
    assert list(v.exits["within B"]) == [c <= b for c in COSTS["dynamic"]]


def test_without_results_the_page_says_how_to_train_and_shows_no_accuracy():
    v = V.toc_view(COSTS, 30e6, "awgn", 0.0, build_figures=False)
    assert not v.trained and v.measured is None
    assert any("toc train configs/toc_dynamic_cifar10.toml" in n for n in v.notes)
    assert next(m.value for m in v.metrics if m.label == "Dynamic accuracy at B") == V.NOT_MEASURED
    assert set(v.series.kind) == {"paper"}  # only the paper's reference, labelled as such
    assert all("paper 001" in s and "reference" in s for s in v.series.series)
    assert v.models["measured accuracy"].isna().all()
    assert {"models", "exits", "accuracy_vs_budget", "paper001_table_iv_cifar100"} == set(v.tables)


# ----------------------------------------------------------------------------- with measured results
def test_headline_reads_the_largest_measured_budget_at_or_below_b():
    budgets = [10e6, 15e6, 22e6, 30e6, 40e6]
    results = toy_results(budgets)
    v = V.toc_view(COSTS, 27e6, "awgn", 0.0, "both", results, build_figures=False)
    assert v.trained and v.measured_budget == 22e6
    row = results[(results.model == "dynamic") & (results.budget == 22e6)].iloc[0]
    acc = next(m for m in v.metrics if m.label == "Dynamic accuracy at B")
    assert acc.value == f"{100 * row.accuracy:.2f} %" and "22 M" in acc.help
    macs = next(m for m in v.metrics if m.label == "Measured mean MACs")
    assert macs.value.startswith(V.fmt_m(row.mean_macs))
    # judged against the budget its thresholds were fitted for (22 M), not the 27 M on screen
    assert "measured at B = 22 M" in macs.help and "27 M" in macs.help
    assert macs.delta.endswith("under its B" if row.mean_macs <= 22e6 else "over its B")
    assert macs.delta[1:].startswith(V.fmt_m(abs(row.mean_macs - 22e6)))
    if row.mean_macs > 22e6:  # over its B: says by how many standard errors, and whether sampling explains it
        z = (row.mean_macs - 22e6) / (row.mean_macs_se * math.sqrt(1 + 600 / 400))  # test and validation sampling
        assert f"{z:.1f} standard errors" in macs.help and ("sampling error" in macs.help) == (z <= 3)
    # the exits table holds that row's measured fractions and per-exit accuracies
    fr = np.array(v.exits["measured fraction"], dtype=float)
    assert fr.sum() == pytest.approx(1.0) and fr @ np.array(COSTS["dynamic"]) == pytest.approx(row.mean_macs)
    assert list(v.exits["measured fraction"]) == [row[f"exit_fraction_{k}"] for k in (1, 2, 3)]
    # static: ResNet-20 (25 M) fits 27 M, ResNet-32 (60 M) does not; the best within B is ResNet-20's
    st20 = results[results.model == "static-resnet20"].iloc[0]
    best = next(m for m in v.metrics if m.label == "Best static accuracy within B")
    assert best.value == f"{100 * st20.accuracy:.2f} %"
    assert next(m.value for m in v.metrics if m.label == "Static models that fit B") == "ResNet-20"


def test_measured_cost_meets_each_budget_within_sampling_error():
    """The real threshold fitting (validation split) applied to another split meets B up to sampling error."""
    results = toy_results([12e6, 18e6, 25e6, 33e6])
    dyn = results[results.model == "dynamic"]
    z = (dyn.mean_macs - dyn.budget) / np.sqrt(dyn.mean_macs_se ** 2 * (1 + 600 / 400))
    assert (z < 3).all()
    for b in dyn.budget:
        v = V.toc_view(COSTS, b, "awgn", 0.0, "dynamic", results, build_figures=False)
        assert v.measured_budget == b
        assert next(m for m in v.metrics if m.label == "Measured mean MACs")


def test_budget_below_every_measured_budget_is_not_measured():
    results = toy_results([20e6, 30e6])
    v = V.toc_view(COSTS, 15e6, "awgn", 0.0, "both", results, build_figures=False)
    assert v.measured_budget is None
    assert next(m.value for m in v.metrics if m.label == "Dynamic accuracy at B") == V.NOT_MEASURED


def test_series_dynamic_curve_and_static_steps():
    budgets = [12e6, 20e6, 35e6]
    results = toy_results(budgets)
    v = V.toc_view(COSTS, 30e6, "awgn", 0.0, "both", results, build_figures=False)
    dyn = v.series[v.series.kind == "dynamic"]
    assert list(dyn.budget) == budgets
    assert list(dyn.accuracy) == list(results[results.model == "dynamic"].accuracy)
    for m in ("static-resnet20", "static-resnet32"):
        steps = v.series[(v.series.kind == "static") & (v.series.model == m)]
        assert steps.budget.iloc[0] == COSTS[m][0] and steps.budget.iloc[-1] >= 60e6  # from its cost onwards
        assert steps.accuracy.nunique() == 1
    only_static = V.toc_view(COSTS, 30e6, "awgn", 0.0, "static", results, build_figures=False).series
    assert "dynamic" not in set(only_static.model)
    only_dyn = V.toc_view(COSTS, 30e6, "awgn", 0.0, "dynamic", results, build_figures=False)
    assert set(only_dyn.series.kind) == {"dynamic", "paper"} and set(only_dyn.series.model) == {"dynamic"}
    assert not any(m.label.startswith("Static") for m in only_dyn.metrics)


def test_another_channel_or_snr_not_measured_is_a_warning_and_keeps_the_cost_side():
    results = toy_results([20e6], snr=0.0, channel="awgn")
    v = V.toc_view(COSTS, 30e6, "rayleigh", 6.0, "both", results, build_figures=False)
    warn = [m.text for m in v.messages if m.level == "warning"]
    assert warn and "rayleigh 6 dB" in warn[0] and "awgn 0 dB" in warn[0]
    assert v.measured is not None and v.measured.empty and v.models["fits B"].any()
    assert V.snr_options(toy_results([20e6], snr=3.0)) == (0.0, 3.0, 6.0, 12.0, 18.0)
    assert V.snr_options(None) == V.SNRS


def test_results_round_trip_through_the_csv(tmp_path):
    results = toy_results([15e6, 30e6])
    p = tmp_path / "toc_results_toy.csv"
    results.to_csv(p, index=False)
    back = load_results("toy", p)
    v1 = V.toc_view(COSTS, 31e6, "awgn", 0.0, "both", results, build_figures=False)
    v2 = V.toc_view(COSTS, 31e6, "awgn", 0.0, "both", back, build_figures=False)
    assert [m.value for m in v1.metrics] == [m.value for m in v2.metrics]
    assert load_results("toy", tmp_path / "absent.csv") is None
    pd.DataFrame({"model": ["dynamic"]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match="lacks columns"):
        load_results("toy", tmp_path / "bad.csv")


def test_real_cost_tables_and_default_view():
    costs, params = V.exit_costs_table(10)
    assert set(costs) == {"dynamic", "static-resnet20", "static-resnet32", "static-resnet44", "static-resnet56",
                          "static-resnet110"}
    lo, hi = V.budget_range(costs)
    assert lo == costs["dynamic"][0] and hi == costs["static-resnet110"][0]
    v = V.toc_view(costs, costs["static-resnet20"][0], "awgn", 0.0, "both", None, params)
    assert v.status == "ok" and set(v.figures) == {"accuracy_vs_budget", "exit_histogram", "accuracy_per_exit"}
    assert "static-resnet20" in set(v.models.model[v.models["fits B"]])
    assert "static-resnet32" not in set(v.models.model[v.models["fits B"]])
    assert (v.models["transmitter params"] > 0).all()


# ----------------------------------------------------------------------------- split explorer filter
def test_transmitter_budget_filter_on_the_split_costs():
    from semcom_core.costs import compute as C
    t = C.cost_table("resnet18", 10, 64, 2, ("true",))
    macs = dict(zip(t.split, t.tx_macs.astype(float)))
    b = (macs["SP-2"] + macs["SP-3"]) / 2
    out = V.transmitter_budget_filter(macs, b)
    assert set(out) == set(macs)
    for s, m in macs.items():
        if m <= b:
            assert out[s] is None
        else:
            assert out[s].startswith("transmitter ") and "> B = " in out[s]
            nums = re.findall(r"([\d.]+) M", out[s])
            assert float(nums[0]) > float(nums[1])  # the two numbers shown read in the right order
    assert V.transmitter_budget_filter(macs, None) == {s: None for s in macs}
    assert V.transmitter_budget_filter({"SP-4": 142.3e6, "SP-1": 1e6}, 50e6) == {
        "SP-4": "transmitter 142.3 M MACs > B = 50 M", "SP-1": None}
    # a cost just above B never reads as equal to it
    assert V.transmitter_budget_filter({"x": 40_822_784}, 40.82e6)["x"] == "transmitter 40.823 M MACs > B = 40.82 M"
    assert V.transmitter_budget_filter({"x": math.nan}, 1e6)["x"] == "transmitter MACs unknown"
    for bad in (0, -1, math.nan, "abc"):
        with pytest.raises(BudgetError):
            V.transmitter_budget_filter(macs, bad)


# ----------------------------------------------------------------------------- paper 001's Table IV
@pytest.mark.skipif(not PAPER, reason="../shared/papers/001_*.txt not present")
def test_paper_table_iv_constant_matches_the_paper_text():
    text = PAPER[0].read_text()
    names = {"static-resnet20": "Static + ResNet20", "static-resnet32": "Static + ResNet32",
             "static-resnet44": "Static + ResNet44", "static-resnet56": "Static + ResNet56",
             "static-resnet110": "Static + ResNet110", "dynamic": "Dynamic Model Accuracy (%)\tDynamic"}
    header = re.search(r"budget B \(FLOPs\)\s*\n\s*((?:\d+M\s*)+)", text).group(1).split()
    assert [float(h[:-1]) * 1e6 for h in header] == list(V.PAPER_001_TABLE_IV_BUDGETS)
    for model, label in names.items():
        line = next(ln for ln in text.splitlines() if label in ln)
        cells = line.split(label, 1)[1].split()
        printed = [None if c == "-" else float(c) for c in cells]
        assert list(V.PAPER_001_TABLE_IV[model][:len(printed)]) == printed
        assert all(v is None for v in V.PAPER_001_TABLE_IV[model][len(printed):])  # nothing invented


def test_paper_reference_is_labelled_and_agrees_with_the_engine_constant():
    from semcom_core.toc.costs import PAPER_TABLE_IV, PAPER_TABLE_IV_BUDGETS
    # one copy of the paper's numbers: the page shows the engine's constant (checked against the paper's text above)
    assert V.PAPER_001_TABLE_IV is PAPER_TABLE_IV and V.PAPER_001_TABLE_IV_BUDGETS is PAPER_TABLE_IV_BUDGETS
    s = V.paper_series()
    assert (s.kind == "paper").all() and s.series.str.contains("CIFAR-100").all()
    assert s[s.model == "dynamic"].accuracy.max() == pytest.approx(0.6226)
    t = V.paper_table()
    assert list(t.columns)[1:] == [f"{b / 1e6:g}M" for b in V.PAPER_001_TABLE_IV_BUDGETS]
    dyn = t[t.model == "dynamic"].iloc[0]
    assert dyn["10M"] == "51.41" and dyn["380M"] == "-"  # as printed; nothing filled in


# ----------------------------------------------------------------------------- the results table from run folders
def _fake_run(folder: Path, model: str, dataset: str, n_val: int) -> Path:
    """A run folder as toc.train leaves it (config.json + best.safetensors), with untrained weights."""
    import json

    import torch
    from safetensors.torch import save_file

    from semcom_core.nets.toc import build_toc_model
    torch.manual_seed(0)
    net = build_toc_model(model, 100)
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"name": folder.name, "model": model, "dataset": dataset}))
    save_file({k: v.float().contiguous() for k, v in net.state_dict().items()}, str(folder / "best.safetensors"),
              metadata={"model": model, "dataset": dataset, "n_val": str(n_val), "split_seed": "0"})
    return folder


def test_results_table_written_from_run_folders_feeds_the_view(tmp_path, cache_dir):
    """toc.tables.write_results on a synthetic CIFAR-100-format set and untrained models: the CSV has one
    static row and one dynamic row per budget, whose measured cost is Σ fraction_k C_k; the view reads it."""
    import hashlib

    from semcom_core.data.prepare import prepare
    from semcom_core.device import get_policy
    from semcom_core.toc import tables as T
    from semcom_core.toc.costs import toc_costs

    from .fixtures import write_cifar_pickles
    write_cifar_pickles(tmp_path / "src" / "cifar-100-python", 100, n_train=60, n_test=40)
    prepare("cifar100", tmp_path / "src")
    dyn = _fake_run(tmp_path / "runs" / "dyn", "dynamic", "cifar100", 20)
    r20 = _fake_run(tmp_path / "runs" / "r20", "static-resnet20", "cifar100", 20)
    c = toc_costs("dynamic", 100, "paper").exit_macs
    budgets = [c[0], (c[1] + c[2]) / 2, 1e12]
    out = T.write_results([dyn, r20], tmp_path / "out.csv", channels=("awgn",), snrs=(0.0, 6.0), budgets=budgets,
                          n=30, n_val=20, policy=get_policy(precision="fp32"), progress=None)
    both = T.load_results("cifar100", out)
    assert len(both) == 2 * (len(budgets) + 1) and set(both.snr_db) == {0.0, 6.0}
    t = both[both.snr_db == 6.0]
    assert set(t.model) == {"dynamic", "static-resnet20"}
    d = t[t.model == "dynamic"].sort_values("budget")
    assert list(d.budget) == budgets and (t.n == 30).all() and (t.channel == "awgn").all() and (t.snr_db == 6).all()
    fr = d[[f"exit_fraction_{k}" for k in range(1, 6)]].to_numpy()
    np.testing.assert_allclose(fr.sum(1), 1.0)
    np.testing.assert_allclose(d.mean_macs, fr @ np.array(c, dtype=float))
    assert list(fr[0]) == [1, 0, 0, 0, 0] and list(fr[-1]) == [0, 0, 0, 0, 1]  # C_1: all at exit 1; huge B: all at 5
    s = t[t.model == "static-resnet20"].iloc[0]
    assert math.isnan(s.budget) and s.exit_fraction_1 == 1 and s.mean_macs == toc_costs("static-resnet20", 100).exit_macs[0]
    assert s.weights_sha256 == hashlib.sha256((r20 / "best.safetensors").read_bytes()).hexdigest()
    costs = {m: toc_costs(m, 100, "paper").exit_macs for m in ("dynamic", "static-resnet20")}
    v = V.toc_view(costs, budgets[1], "awgn", 6.0, "both", t, build_figures=False)
    assert v.measured_budget == budgets[1]
    assert next(m.value for m in v.metrics if m.label == "Dynamic accuracy at B") == f"{100 * d.accuracy.iloc[1]:.2f} %"
    # the same numbers as toc.evaluate.evaluate_budgets (which loads everything afresh per setting)
    from semcom_core.toc.evaluate import evaluate_budgets
    ref = evaluate_budgets("dynamic", "cifar100", dyn / "best.safetensors", budgets, 6.0, "awgn", 30, 0, n_val=20,
                           policy=get_policy(precision="fp32"))
    assert list(d.accuracy) == [r["accuracy"] for r in ref] and list(d.mean_macs) == [r["mean_macs"] for r in ref]
    np.testing.assert_array_equal(fr, [r["exit_fractions"] for r in ref])
    (sref,) = evaluate_budgets("static-resnet20", "cifar100", r20 / "best.safetensors", [None], 6.0, "awgn", 30, 0,
                               n_val=20, policy=get_policy(precision="fp32"))
    assert s.accuracy == sref["accuracy"] and s.n == sref["n"]
    ref0 = evaluate_budgets("dynamic", "cifar100", dyn / "best.safetensors", budgets, 0.0, "awgn", 30, 0, n_val=20,
                            policy=get_policy(precision="fp32"))  # the second setting reuses the validation pass
    d0 = both[(both.model == "dynamic") & (both.snr_db == 0.0)].sort_values("budget")
    assert list(d0.accuracy) == [r["accuracy"] for r in ref0] and list(d0.mean_macs) == [r["mean_macs"] for r in ref0]
    with pytest.raises(ValueError, match="two runs of dynamic"):
        T.measure_results([dyn, dyn], budgets=budgets)
    with pytest.raises(FileNotFoundError, match="toc train"):
        T.measure_results([tmp_path / "runs" / "nothing"])


def test_default_budgets_cover_every_exit_and_the_static_models_in_range():
    from semcom_core.toc.costs import toc_costs
    from semcom_core.toc.tables import default_budgets
    b = default_budgets(10)
    c = toc_costs("dynamic", 10, "paper").exit_macs
    assert b == sorted(set(b)) and b[0] == c[0] and b[-1] == c[-1] and set(c) <= set(b)
    assert toc_costs("static-resnet20", 10).exit_macs[0] in b  # the paper's comparison point
    assert 30e6 in b and 10e6 not in b  # paper 001's budgets, only where the dynamic model can run
    assert max(np.diff(np.log(b))) < math.log(c[-1] / c[0]) / 6  # no large gap on the log axis


def test_view_names_shipped_files_and_warns_of_stale_results():
    from semcom_core.toc.tables import stale_rows
    t = toy_results([10e6, 20e6])
    cards = {"toc_static_resnet20_cifar10": {"model": "static-resnet20", "weights_dtype": "float16", "sha256": "ab" * 32}}
    t["name"] = t.model.map(lambda m: f"toc_{m.replace('-', '_')}_cifar10")
    t["weights_sha256"] = t.model.map({"static-resnet20": "ab" * 32, "static-resnet32": "cd" * 32, "dynamic": "ef" * 32})
    stale = stale_rows(t, "cifar10", cards)
    assert set(stale) == {"dynamic", "static-resnet32"} and "not shipped" in stale["dynamic"]
    v = V.toc_view(COSTS, 30e6, "awgn", 0.0, results=t, build_figures=False, shipped=cards, stale=stale)
    warn = [m.text for m in v.messages if m.level == "warning"]
    assert len(warn) == 1 and "dynamic TOC" in warn[0] and "toc table" in warn[0]
    assert dict(zip(v.models.model, v.models["shipped file"]))["static-resnet20"] == f"toc_static_resnet20_cifar10 (float16, {'ab' * 6})"
    cards["toc_static_resnet20_cifar10"]["sha256"] = "00" * 32  # re-exported since the table was measured
    assert "static-resnet20" in stale_rows(t, "cifar10", cards)
    v = V.toc_view(COSTS, 30e6, "awgn", 0.0, build_figures=False, shipped=cards)  # shipped, no table yet
    assert "toc_static_resnet20_cifar10" in v.notes[1] and "python -m semcom_core toc table" in v.notes[1]
    assert "shipped file" not in V.toc_view(COSTS, 30e6, "awgn", 0.0, build_figures=False).models


# ----------------------------------------------------------------------------- exit gallery (Fig. 5)
def test_thresholds_survive_the_csv_and_reassign_the_test_images_as_measured(tmp_path):
    """The row's stored thresholds (validation split) put the test images at the exits the measured
    fractions say: the gallery reads exactly what the table measured."""
    results = toy_results([12e6, 25e6])
    p = tmp_path / "toc_results_toy.csv"
    results.to_csv(p, index=False)
    back = load_results("toy", p)
    test = toy_collected(600, 2)
    for b in (12e6, 25e6):
        v = V.toc_view(COSTS, b, "awgn", 0.0, "both", back, build_figures=False)
        assert v.thresholds is not None and len(v.thresholds) == 3 and v.thresholds[-1] == -math.inf
        shown = V.gallery_view(v.thresholds, test.confidences, test.labels, test.rx_pred, [str(c) for c in range(10)],
                               COSTS["dynamic"], per_exit=4)
        row = back[(back.model == "dynamic") & (back.budget == b)].iloc[0]
        assert [g.count / 600 for g in shown] == pytest.approx([row[f"exit_fraction_{k}"] for k in (1, 2, 3)])
        for g in shown:
            assert len(g.items) == min(4, g.count) and g.cost == COSTS["dynamic"][g.exit - 1]
            confs = [it["confidence"] for it in g.items]
            assert confs == sorted(confs, reverse=True)  # most confident first
            for it in g.items:
                i = it["index"]
                assert it["confidence"] == test.confidences[i, g.exit - 1]
                assert it["correct"] == (test.rx_pred[i, g.exit - 1] == test.labels[i])
                # it really leaves here: below every earlier threshold, at or above this one
                assert all(test.confidences[i, j] < v.thresholds[j] for j in range(g.exit - 1))
                assert g.exit == 3 or test.confidences[i, g.exit - 1] >= v.thresholds[g.exit - 1]


def test_a_table_without_thresholds_gives_no_gallery():
    results = toy_results([12e6]).drop(columns=[f"threshold_{k}" for k in (1, 2, 3)])
    assert V.toc_view(COSTS, 12e6, "awgn", 0.0, "both", results, build_figures=False).thresholds is None
    assert V.toc_view(COSTS, 5e6, "awgn", 0.0, "both", toy_results([12e6]), build_figures=False).thresholds is None


def test_exit_confidences_of_a_real_dynamic_model_on_images():
    """toc.gallery runs a (small, untrained) dynamic TOC network on uint8 images: one confidence in [0, 1]
    per exit, the same as collect() gives for the same normalized batch."""
    import torch
    from semcom_core.eval.live import image_to_input
    from semcom_core.nets.toc import build_toc_model
    from semcom_core.toc.evaluate import collect
    from semcom_core.toc.gallery import exit_confidences, gallery
    torch.manual_seed(0)
    model = build_toc_model("dynamic", 10).eval()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 32, 32, 3), dtype=np.uint8)
    got = exit_confidences(model, images, "cifar10", labels=np.arange(7), batch=3)
    k = got.confidences.shape[1]
    assert got.confidences.shape == (7, k) and k == 5 and ((got.confidences > 0) & (got.confidences <= 1)).all()
    x = torch.cat([image_to_input(im, "cifar10") for im in images])
    ref = collect(model, [(x, torch.arange(7))], None, "noiseless")
    np.testing.assert_allclose(got.confidences, ref.confidences, rtol=1e-5, atol=1e-6)
    assert (got.labels == np.arange(7)).all()
    with pytest.raises(ValueError):
        exit_confidences(model, [], "cifar10")
    g = gallery(got.confidences, [np.inf] * (k - 1) + [-np.inf], per_exit=2)  # nobody leaves early
    assert list(g.counts) == [0] * (k - 1) + [7] and len(g.indices[-1]) == 2


def test_a_budget_met_exactly_has_no_arrow():
    """B = the last exit's cost: every image runs to the end and costs exactly B (no '-0 under' delta)."""
    results = toy_results([40e6])
    v = V.toc_view(COSTS, 40e6, "awgn", 0.0, "dynamic", results, build_figures=False)
    macs = next(m for m in v.metrics if m.label == "Measured mean MACs")
    assert macs.delta is None and "exactly its B" in macs.help and macs.value == V.fmt_m(40e6)
