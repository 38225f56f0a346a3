"""Paper 001's TOC models as planner candidates (issue 29): a hand-made TOC results table whose optimum is worked
out by hand, the readings' flags, where TOC is not offered, and the shipped files."""
import math

import pandas as pd
import pytest

from semcom_core.plan import Constraints, PlanInputs, plan
from semcom_core.plan import toc as T

from .test_plan import TOY_COSTS, TOY_UNSPLIT, toy_table
from .test_plan_digital import TOY_BLER, TOY_QUANT

# Two TOC models measured at PSNR 0 and 6 dB (n = 10,000): the static ResNet-20 (40 M MACs on the device, 5,000 on
# the edge) and the dynamic model (exits at 10 M and 30 M MACs; receivers 4,000 and 6,000 MACs) at B = 10 M (every
# image at exit 1) and B = 20 M (half at each exit: measured mean 20.5 M MACs, edge 5,000 MACs on average).
TOY_TOC_COSTS = {"static-resnet20": ((40_000_000,), (5_000,), 16),
                 "dynamic": ((10_000_000, 30_000_000), (4_000, 6_000), 16)}


def toy_toc() -> pd.DataFrame:
    rows = []
    for snr, static, b10, b20 in ((0.0, 0.82, 0.80, 0.85), (6.0, 0.93, 0.90, 0.95)):
        rows.append({"model": "static-resnet20", "dataset": "cifar10", "channel": "awgn", "snr_db": snr,
                     "budget": math.nan, "accuracy": static, "n": 10_000, "mean_macs": 40_000_000.0})
        rows.append({"model": "dynamic", "dataset": "cifar10", "channel": "awgn", "snr_db": snr, "budget": 10e6,
                     "accuracy": b10, "n": 10_000, "mean_macs": 10e6, "exit_fraction_1": 1.0, "exit_fraction_2": 0.0})
        rows.append({"model": "dynamic", "dataset": "cifar10", "channel": "awgn", "snr_db": snr, "budget": 20e6,
                     "accuracy": b20, "n": 10_000, "mean_macs": 20.5e6, "exit_fraction_1": 0.5, "exit_fraction_2": 0.5})
    return pd.DataFrame(rows)


def toc_plan(snr=3.0, objective="latency", modes=("analog",), dataset="cifar10", toc=True, results=None, **cons):
    # as tests/test_plan.py's toy world: device 1 ns per MAC, edge 1 ps per MAC, 1 Mbit/s at 10 bits per number
    # (16 numbers = 160 µs), 1 nJ per MAC and 0.1 µJ per bit
    inp = PlanInputs(2e9, 2e12, 1e6, snr, dataset=dataset, bits_per_number=10, constraints=Constraints(**cons),
                     objective=objective, energy_per_mac_j=1e-9, energy_per_bit_j=1e-7, modes=modes, toc=toc)
    return plan(inp, table=toy_table(), costs=lambda sp, k: TOY_COSTS[(sp, k)], unsplit=TOY_UNSPLIT, num_classes=10,
                quant=TOY_QUANT, bler=TOY_BLER, toc_results=toy_toc() if results is None else results,
                toc_costs=lambda m: TOY_TOC_COSTS[m])


def toc_by_label(p):
    return {c.label: c for c in p.candidates if c.toc}


def test_toc_candidates_by_hand():
    p = toc_plan(3.0)
    c = toc_by_label(p)
    assert set(c) == {"TOC dynamic (B = 10 M MACs), k = 16", "TOC dynamic (B = 20 M MACs), k = 16",
                      "TOC ResNet-20, k = 16"}
    b10, b20 = c["TOC dynamic (B = 10 M MACs), k = 16"], c["TOC dynamic (B = 20 M MACs), k = 16"]
    st = c["TOC ResNet-20, k = 16"]
    # halfway between 0 and 6 dB: interpolated, and said so
    assert (b10.accuracy, b20.accuracy, st.accuracy) == pytest.approx((0.85, 0.90, 0.875))
    assert all(x.accuracy_reading == "interpolated" and not x.accuracy_measured for x in (b10, b20, st))
    assert "interpolated between 0 and 6 dB" in b20.accuracy_how
    # device: the measured mean MACs at B (dynamic) or the encoder's count (static), 1 ns each; air 160 µs; edge
    # the exit fractions' mean receiver MACs, 1 ps each
    assert (b20.device_macs, b20.edge_macs) == (20_500_000, 5_000)
    assert b20.latency_s == pytest.approx(20.5e-3 + 160e-6 + 5e-9)
    assert b20.energy_j == pytest.approx(20.5e6 * 1e-9 + 160 * 1e-7)
    assert b20.extra["max_device_macs_per_image"] == 30_000_000 and b10.extra["max_device_macs_per_image"] == 10_000_000
    assert (st.device_macs, st.edge_macs) == (40_000_000, 5_000) and st.latency_s == pytest.approx(40.16e-3 + 5e-9)
    assert (b20.family, b20.budget_macs, st.family, st.budget_macs) == ("toc-dynamic", 20e6, "toc-static", None)
    assert b20.extra["complex_channel_uses"] == 8 and b20.bits == 160
    d = b20.to_dict()
    assert d["family"] == "toc-dynamic" and d["accuracy_interpolated"] is True and d["link_figure"] == "in_accuracy"


def test_toc_wins_where_the_split_candidates_cannot_reach_the_target():
    # at 3 dB and >= 89 %: the toy split table reaches 83 % at most (SP-3); TOC B = 20 M (90 %, 20.66 ms) is the only
    # feasible candidate; the faster TOC B = 10 M (85 %) is the closest miss (4.5 % short, SP-3 6.7 %)
    p = toc_plan(3.0, min_accuracy=0.89)
    assert p.choice.label == "TOC dynamic (B = 20 M MACs), k = 16"
    assert p.runner_up.label == "TOC dynamic (B = 10 M MACs), k = 16"
    assert p.reason.startswith("TOC dynamic (B = 20 M MACs), k = 16: 90.0 %")
    assert {c.label for c in p.feasible} == {"TOC dynamic (B = 20 M MACs), k = 16"}
    # the same request without TOC: nothing is feasible
    assert toc_plan(3.0, toc=False, min_accuracy=0.89).choice is None
    # a device limit of 35 M MACs per image keeps B = 20 M (its worst image, at exit 2: 30 M) and rules out the
    # static ResNet-20 (40 M); 25 M (above its mean, 20.5 M) rules B = 20 M out too: the limit holds per image
    p = toc_plan(3.0, objective="accuracy", max_device_macs=35e6)
    assert p.choice.label == "TOC dynamic (B = 20 M MACs), k = 16"
    p = toc_plan(3.0, objective="accuracy", max_device_macs=25e6)
    assert p.choice.label == "TOC dynamic (B = 10 M MACs), k = 16"
    p = toc_plan(3.0, objective="accuracy")  # no limit: B = 20 M (90 %) is still above ResNet-20 (87.5 %)
    assert p.choice.label == "TOC dynamic (B = 20 M MACs), k = 16"
    assert p.to_dict()["choice"]["family"] == "toc-dynamic"


def test_outside_the_measured_psnrs_the_nearest_is_read_and_said_so():
    p = toc_plan(10.0)
    c = toc_by_label(p)["TOC ResNet-20, k = 16"]
    assert c.accuracy == pytest.approx(0.93) and c.accuracy_reading == "nearest" and "6 dB" in c.accuracy_how
    assert c.to_dict()["accuracy_interpolated"] is False
    c = toc_by_label(toc_plan(6.0))["TOC ResNet-20, k = 16"]
    assert c.accuracy_measured and c.accuracy_reading == "measured" and c.accuracy_interval[0] < 0.93


def test_where_toc_is_not_offered_the_plan_says_why():
    p = toc_plan(3.0, dataset="mnist")
    assert not toc_by_label(p) and any("CIFAR-10" in n or "cifar10" in n for n in p.notes)
    p = toc_plan(3.0, modes=("digital",))
    assert not toc_by_label(p) and any("analog" in n for n in p.notes)
    p = toc_plan(3.0, toc=False)
    assert not toc_by_label(p) and not any("TOC" in n for n in p.notes)
    # another channel than the table's: no TOC candidate, said so
    p = toc_plan(3.0, results=toy_toc().assign(channel="rayleigh"))
    assert not toc_by_label(p) and any("No TOC candidate" in n for n in p.notes)


def test_only_the_models_asked_for_are_offered():
    inp = PlanInputs(2e9, 2e12, 1e6, 3.0, bits_per_number=10, toc=True)
    cands = T.toc_candidates(inp, toy_toc(), lambda m: TOY_TOC_COSTS[m], models=("static-resnet20",))
    assert [c.label for c in cands] == ["TOC ResNet-20, k = 16"]


# ----------------------------------------------------------------------------- the shipped files
shipped = T.shipped_toc("cifar10")
needs_toc = pytest.mark.skipif(shipped[0] is None or not shipped[1], reason="no TOC model measured and shipped")


@needs_toc
def test_shipped_toc_candidates_read_the_measured_table_and_the_cost_model():
    from semcom_core.toc.costs import toc_costs
    table, models, _ = shipped
    inp = PlanInputs(13.5e9, 19.5e12, 20e6, 6.0, toc=True)  # 6 dB: a measured PSNR
    cands = T.toc_candidates(inp, table, T.toc_model_costs(10, "true"), models)
    t = table[table.channel == "awgn"]
    n_expected = sum(1 if m != "dynamic" else t[(t.model == m)].budget.nunique() for m in models)
    assert len(cands) == n_expected and n_expected > 0
    for c in cands:
        m = c.extra["toc_model"]
        rows = t[(t.model == m) & (t.snr_db == 6.0)]
        if c.budget_macs is not None:
            rows = rows[rows.budget == c.budget_macs]
            assert c.device_macs == pytest.approx(float(rows.mean_macs.iloc[0]), abs=1)
        else:
            assert c.device_macs == toc_costs(m, 10, "true").exit_macs[0]
        assert c.accuracy == pytest.approx(float(rows.accuracy.iloc[0])) and c.accuracy_measured
        assert c.extra["numbers_sent"] == toc_costs(m, 10, "true").k_transmitted
    # as candidates of a plan beside the split backbone, with the note
    from semcom_core.plan import inputs_from
    p = plan(inputs_from("pi 4", "a100", "lte", 6.0, toc=True))
    assert sum(c.toc for c in p.candidates) == n_expected
    assert any("TOC candidate" in n for n in p.notes)


def test_a_static_model_shipped_after_the_table_is_read_from_its_card():
    card = {"model": "static-resnet32", "dataset": "cifar10", "sha256": "abc", "transmitter_macs_per_exit": [69_000_000],
            "table_iii": [{"channel": "awgn", "snr_db": 0.0, "accuracy": 0.83, "n": 10_000},
                          {"channel": "awgn", "snr_db": 6.0, "accuracy": 0.86, "n": 10_000}]}
    dyn = {"model": "dynamic", "dataset": "cifar10", "table_iii": [{"channel": "awgn", "snr_db": 0.0, "accuracy": 0.8}]}
    old = {"model": "static-resnet20", "table_iii": [{"channel": "awgn", "snr_db": 0.0, "accuracy": 0.1, "n": 5}]}
    t = T.with_card_rows(toy_toc(), {"toc_static_resnet32_cifar10": card, "toc_dynamic_cifar10": dyn,
                                     "toc_static_resnet20_cifar10": old})
    # ResNet-32 added from its card; the dynamic card has no budgets (table only); ResNet-20 already has rows
    assert sorted(t.model.unique()) == ["dynamic", "static-resnet20", "static-resnet32"]
    assert len(t[t.model == "static-resnet20"]) == len(toy_toc()[toy_toc().model == "static-resnet20"])
    costs = {**TOY_TOC_COSTS, "static-resnet32": ((69_000_000,), (5_000,), 16)}
    inp = PlanInputs(2e9, 2e12, 1e6, 3.0, bits_per_number=10, toc=True)
    c = {x.label: x for x in T.toc_candidates(inp, t, lambda m: costs[m])}["TOC ResNet-32, k = 16"]
    assert c.accuracy == pytest.approx(0.845) and c.accuracy_reading == "interpolated"
    assert T.with_card_rows(None, {}) is None


def test_left_out_models_are_named_in_the_note():
    inp = PlanInputs(2e9, 2e12, 1e6, 3.0, toc=True)
    note = T.coverage_note(inp, toy_toc(), 3, {"dynamic": "toc_dynamic_cifar10 is shipped but not in the results table"})
    assert note.startswith("3 TOC candidates") and "left out: dynamic (toc_dynamic_cifar10 is shipped but not" in note


def test_readings_are_reported_per_table_a_measured_table_is_not_called_interpolated():
    # at 5 dB the toy sweep table has rows (0, 5, 10 dB), the TOC results table does not (0, 6 dB): the split
    # candidates are measured, the TOC ones interpolated, and the plan and the page say which is which
    p = toc_plan(5.0)
    d = p.to_dict()
    assert d["accuracy_readings"] == "split sweep table: measured at 5 dB; TOC results table: interpolated between 0 and 6 dB"
    by = {g["table"]: g for g in d["accuracy_readings_by_table"]}
    assert by["split sweep table"]["measured"] is True and by["TOC results table"]["measured"] is False
    assert by["TOC results table"]["readings"] == {"interpolated between 0 and 6 dB": 3}
    from semcom_ui.views import planner as V
    msg = next(m.text for m in V.planner_view(p, build_figures=False).messages if m.text.startswith("Not measured"))
    assert msg.startswith("Not measured at 5 dB: the 3 TOC candidates (TOC dynamic x2, TOC ResNet-20): "
                          "interpolated between 0 and 6 dB (TOC results table).")
    assert "Measured at 5 dB: the 6 split candidates (split sweep table)." in msg
    # every table measured here: no such message
    assert not any(m.text.startswith("Not measured") for m in V.planner_view(toc_plan(5.0, toc=False),
                                                                            build_figures=False).messages)


def test_dynamic_candidates_meet_latency_and_mac_limits_at_their_worst_image_the_objective_uses_the_mean():
    # B = 20 M: half the images leave at exit 2 (30 M MACs, 6,000 edge MACs): the worst image takes 30 ms + 0.16 ms
    # air + 6 ns edge = 30.160006 ms with 30 M device MACs, while the mean is 20.5 M MACs, 20.660005 ms
    b20 = toc_by_label(toc_plan(3.0))["TOC dynamic (B = 20 M MACs), k = 16"]
    assert b20.latency_s * 1e3 == pytest.approx(20.5 + 0.16 + 0.000005)
    assert b20.peak_latency_s * 1e3 == pytest.approx(30 + 0.16 + 0.000006)
    assert (b20.device_macs, b20.peak_device_macs) == (20_500_000, 30_000_000)
    b10 = toc_by_label(toc_plan(3.0))["TOC dynamic (B = 10 M MACs), k = 16"]  # every image at exit 1: worst = mean
    assert b10.peak_latency_s == pytest.approx(b10.latency_s) and b10.peak_device_macs == 10_000_000
    # a 25 ms deadline and a 25 M MAC limit: the mean (20.66 ms, 20.5 M) would pass, the worst image does not
    for cons in ({"max_latency_s": 25e-3}, {"max_device_macs": 25e6}):
        p = toc_plan(3.0, **cons)
        assert b20.key not in {c.key for c in p.feasible}
    p = toc_plan(3.0, objective="accuracy", min_accuracy=0.8, max_latency_s=25e-3)
    assert p.choice.key != b20.key
    # the objective ranks by the mean: without a limit B = 20 M keeps its mean latency in the reason
    p = toc_plan(3.0, objective="accuracy", min_accuracy=0.89)
    assert p.choice.key == b20.key and "20.7 ms mean per image (30.2 ms and 30 M device MACs for the worst image" in p.reason
    from semcom_ui.views import planner as V
    row = V.candidate_row(b20)
    assert row["worst-case latency ms"] == pytest.approx(30.160006) and row["worst-case device M MACs"] == 30
    assert math.isnan(V.candidate_row(toc_by_label(toc_plan(3.0))["TOC ResNet-20, k = 16"])["worst-case latency ms"])


def test_a_results_table_that_fails_validation_is_said_so_not_called_not_shipped():
    inp = PlanInputs(2e9, 2e12, 1e6, 5.0, toc=True)
    note = T.coverage_note(inp, None, 0, {T.RESULTS_INVALID: "toc_results_cifar10.csv: column 'n' missing"})
    assert "fails validation" in note and "column 'n' missing" in note and "No TOC results table is shipped" not in note
    assert "No TOC results table is shipped" in T.coverage_note(inp, None, 0, {})
    # with the cards' points read instead, the note says the table was not
    note = T.coverage_note(inp, toy_toc(), 3, {T.RESULTS_INVALID: "bad"}, (16,))
    assert "fails validation (bad)" in note and "left out" not in note and "PSNR 0 and 6 dB" in note


def test_shipped_toc_reports_an_invalid_results_table(monkeypatch):
    import semcom_core.toc.tables as TT

    def bad(dataset="cifar10", path=None):
        raise ValueError("toc_results_cifar10.csv cannot be read as CSV")
    monkeypatch.setattr(TT, "load_results", bad)
    monkeypatch.setattr(TT, "shipped_cards", lambda dataset: {})
    table, _models, stale = T.shipped_toc("cifar10")
    assert table is None and stale == {T.RESULTS_INVALID: "toc_results_cifar10.csv cannot be read as CSV"}


def test_the_energy_limit_holds_at_the_worst_image_of_a_dynamic_model_and_is_named_when_it_binds():
    # B = 20 M: the mean image costs 20.5 M MACs x 1 nJ + 160 bits x 0.1 µJ = 20.516 mJ, the worst (exit 2, 30 M
    # MACs) 30.016 mJ. A 25 mJ limit: the mean is within it, the worst image is not, so B = 20 M is infeasible
    b20 = toc_by_label(toc_plan(3.0))["TOC dynamic (B = 20 M MACs), k = 16"]
    assert b20.energy_j * 1e3 == pytest.approx(20.516)
    assert b20.worst_energy_j * 1e3 == pytest.approx(30.016) and b20.peak_energy_j == b20.worst_energy_j
    b10 = toc_by_label(toc_plan(3.0))["TOC dynamic (B = 10 M MACs), k = 16"]  # every image at exit 1: worst = mean
    assert b10.peak_energy_j == pytest.approx(b10.energy_j)
    p = toc_plan(3.0, max_energy_j=25e-3)
    assert b20.key not in {c.key for c in p.feasible}
    # >= 89 % at 3 dB is B = 20 M only, so with the 25 mJ limit nothing is feasible; relaxing the energy limit admits
    # exactly B = 20 M, at its worst image's 30.0 mJ (not its mean's 20.5 mJ), and the reason says so
    p = toc_plan(3.0, min_accuracy=0.89, max_energy_j=25e-3)
    assert p.choice is None
    assert p.binding["admitted_if_relaxed"]["max_energy_j"] == 1
    assert p.binding["relax_to"]["max_energy_j"] == pytest.approx(30.016e-3)
    assert "without max_energy_j (25 mJ) 1 candidate meet the others (the cheapest needs 30 mJ)" in p.reason
    # with only the energy limit and a latency limit every split candidate fails, the binding constraint is named
    p = toc_plan(3.0, objective="accuracy", min_accuracy=0.89, max_energy_j=25e-3, max_latency_s=40e-3)
    assert p.choice is None and p.binding["relax_to"]["max_energy_j"] == pytest.approx(30.016e-3)
    # the words of a failing runner-up say it is the worst image's energy
    from semcom_core.plan.core import why_not
    assert why_not(b20, Constraints(max_energy_j=25e-3)) == "worst-case device energy 30 mJ > 25 mJ"
    # the objective still ranks by the mean: with a 31 mJ limit, B = 20 M is chosen, its mean energy in the reason
    p = toc_plan(3.0, objective="energy", min_accuracy=0.89, max_energy_j=31e-3)
    assert p.choice.key == b20.key and p.choice.energy_j * 1e3 == pytest.approx(20.516)
    d = p.to_dict()["choice"]
    assert d["worst_energy_j"] == pytest.approx(30.016e-3) and d["peak_energy_j"] == pytest.approx(30.016e-3)
    from semcom_ui.views import planner as V
    row = V.candidate_row(b20)
    assert row["worst-case device energy mJ"] == pytest.approx(30.016)
    assert math.isnan(V.candidate_row(toc_by_label(toc_plan(3.0))["TOC ResNet-20, k = 16"])["worst-case device energy mJ"])


def test_a_hand_made_candidate_whose_mean_is_within_the_energy_limit_but_worst_image_is_not_is_infeasible():
    from semcom_core.plan.core import Candidate, binding_constraint, feasible_set, violations
    dyn = Candidate("dyn", 16, 0.9, 1e-3, 1e-4, 0.0, 1_000_000, energy_j=1e-3, worst_energy_j=3e-3,
                    worst_device_macs=3_000_000, worst_latency_s=3.1e-3, family="toc-dynamic", budget_macs=1e6)
    cons = Constraints(max_energy_j=2e-3)
    assert violations(dyn, cons) == {"max_energy_j": pytest.approx(0.5)}  # 3 mJ against 2 mJ: 50 % beyond
    assert feasible_set([dyn], cons) == []
    b = binding_constraint([dyn], cons)
    assert b["binding"] == "max_energy_j" and b["closest_miss"]["violations"] == {"max_energy_j": pytest.approx(0.5)}
    # a candidate without a worst case: its energy is its figure
    flat = Candidate("flat", 16, 0.9, 1e-3, 1e-4, 0.0, 1_000_000, energy_j=1e-3)
    assert flat.peak_energy_j == 1e-3 and feasible_set([flat], cons) == [flat]
