"""Issue 28's targets (semcom_core.toc.targets) on results tables made by the real budget computations
(toc.evaluate.budget_result on toy confidences, as tests/test_views_toc.py does), on hand-made violations, and
on the shipped table when there is one."""
import math

import numpy as np
import pandas as pd
import pytest

from semcom_core.toc import targets as T

from .test_views_toc import COSTS, toy_results


def test_real_threshold_fitting_respects_the_budget_and_reports_met():
    table = toy_results([12e6, 18e6, 25e6, 33e6])
    b = T.budget_rows(table)
    assert len(b) == 4 and b.respected.all()
    rows = {r["target"].split(" (")[0]: r for r in T.target_report(table, COSTS["static-resnet20"][0])}
    assert rows["budget respected"]["verdict"] == "met" and "4 of 4 rows" in rows["budget respected"]["detail"]


def test_a_row_over_its_budget_beyond_three_standard_errors_is_a_miss():
    table = toy_results([12e6, 18e6])
    i = table.index[(table.model == "dynamic") & (table.budget == 18e6)][0]
    se = table.loc[i, "mean_macs_se"] * math.sqrt(1 + 600 / 400)  # test and validation sampling (600 and 400 images)
    table.loc[i, "mean_macs"] = 18e6 + 4 * se  # 4 se over
    b = T.budget_rows(table)
    assert not b.loc[i, "respected"] and b.loc[i, "z"] == pytest.approx(4.0)
    table.loc[i, "mean_macs"] = 18e6 + 2 * se  # 2 se over: sampling error
    assert T.budget_rows(table).loc[i, "respected"]
    table.loc[i, ["mean_macs", "mean_macs_se"]] = [18e6 + 1, 0.0]  # over with no spread at all: a miss
    assert not T.budget_rows(table).loc[i, "respected"] and math.isinf(T.budget_rows(table).loc[i, "z"])


def test_accuracy_falling_as_b_grows_beyond_noise_is_found_and_small_dips_are_not():
    t = pd.DataFrame({"model": "dynamic", "channel": "awgn", "snr_db": 0.0, "budget": [10e6, 20e6, 30e6, 40e6],
                      "accuracy": [0.60, 0.70, 0.695, 0.60], "n": 10000, "mean_macs": [10e6, 20e6, 30e6, 40e6]})
    drops = T.monotonicity_drops(t)
    assert list(drops.budget_from) == [30e6] and drops["drop"].iloc[0] == pytest.approx(0.095)
    assert T.monotonicity_drops(t.assign(n=10)).empty  # on 10 images the same drop is noise


def test_dynamic_vs_static_reads_the_row_at_the_static_cost():
    table = toy_results([12e6, 22e6, 25e6, 33e6])  # static ResNet-20 costs 25 M in the toy costs
    vs = T.dynamic_vs_static(table, COSTS["static-resnet20"][0])
    dyn = table[(table.model == "dynamic") & (table.budget == 25e6)].iloc[0]
    st = table[table.model == "static-resnet20"].iloc[0]
    assert len(vs) == 1 and vs.budget.iloc[0] == 25e6
    assert vs.gap.iloc[0] == pytest.approx(dyn.accuracy - st.accuracy)
    want = "beats" if vs.gap.iloc[0] > vs.tolerance.iloc[0] else "matches" if vs.gap.iloc[0] >= -vs.tolerance.iloc[0] \
        else "below"
    assert vs.verdict.iloc[0] == want
    assert T.dynamic_vs_static(table, 5e6).empty  # no measured budget that low


def test_static_channel_gap_from_a_card():
    card = {"table_iii": [{"channel": "awgn", "snr_db": 18.0, "accuracy": 0.850}]}
    assert T.static_channel_gap(card, 0.860)["verdict"] == "met"
    assert T.static_channel_gap(card, 0.870)["verdict"] == "missed"
    assert T.static_channel_gap({}, 0.86)["verdict"] == "not measured"


def test_the_shipped_table_respects_every_budget():
    """On the shipped results table (when it has the dynamic model): every budget met by measurement."""
    from semcom_core.toc.tables import load_results
    table = load_results("cifar10")
    if table is None or not (table.model == "dynamic").any():
        pytest.skip("no shipped dynamic TOC results")
    b = T.budget_rows(table)
    assert b.respected.all(), b[~b.respected][["channel", "snr_db", "budget", "mean_macs", "z"]]
    assert np.isfinite(b.z).all()


def test_cli_reports_on_the_table_and_says_when_there_is_none(tmp_path, monkeypatch, capsys):
    import json

    from semcom_core.cli import main
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    try:
        rc = main(["toc", "targets"])
    except SystemExit as e:
        rc = e.code
    assert rc == 2 and "toc table" in capsys.readouterr().err
    (tmp_path / "toc").mkdir()
    toy_results([12e6, 18e6, 25e6]).assign(dataset="cifar10").to_csv(tmp_path / "toc" / "toc_results_cifar10.csv",
                                                                      index=False)
    assert main(["toc", "targets", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["verdict"] for r in rows][0] == "met" and len(rows) == 3


def test_the_largest_excess_names_a_channel_only_when_the_cost_depends_on_it():
    def rows(macs_by_channel):  # budget 20 M at two channels; se 0.1 M (no validation term)
        return pd.DataFrame([{"model": "dynamic", "channel": ch, "snr_db": 0.0, "budget": b, "mean_macs": m,
                              "mean_macs_se": se, "accuracy": 0.8, "n": 10000}
                             for ch, (b, m, se) in macs_by_channel])
    alike = rows([("awgn", (20e6, 20.2e6, 0.1e6)), ("rayleigh", (20e6, 20.2e6, 0.1e6))])
    detail = T._largest_excess(T.budget_rows(alike))
    assert detail == "largest excess in standard errors +0.200 M MACs (2.0 se) at B = 20.00 M"
    differ = rows([("awgn", (20e6, 20.1e6, 0.1e6)), ("rayleigh", (20e6, 20.25e6, 0.1e6))])
    assert T._largest_excess(T.budget_rows(differ)).endswith("(2.5 se) at B = 20.00 M, rayleigh 0 dB")
    # furthest over in MACs is another row than the furthest in standard errors: both are said
    both = rows([("awgn", (20e6, 20.2e6, 0.1e6)), ("awgn", (60e6, 60.5e6, 0.5e6))])
    assert T._largest_excess(T.budget_rows(both)) == (
        "largest excess in standard errors +0.200 M MACs (2.0 se) at B = 20.00 M, awgn 0 dB; "
        "in MACs +0.500 M (1.0 se) at B = 60.00 M, awgn 0 dB")
    under = rows([("awgn", (20e6, 19.9e6, 0.1e6))])
    assert T._largest_excess(T.budget_rows(under)) == "no row's mean cost is above its budget"
