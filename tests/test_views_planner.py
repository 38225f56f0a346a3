"""The Planner page's view model (semcom_ui.views.planner) on the toy world of tests/test_plan.py, where every
figure is known by hand: the recommendation, the headline metrics, the feasible table, the Pareto series with
the chosen point and the baselines, the binding constraint and the link to the split explorer."""
import math
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from semcom_core.costs.compute import DEVICE_PRESETS, LINK_PRESETS
from semcom_core.plan import Constraints, PlanInputs
from semcom_ui.views import planner as V

from .test_plan import TOY_COSTS, TOY_LATENCY_MS, TOY_UNSPLIT, toy_plan, toy_table

MAX_METRIC_CHARS = 8  # what a metric box shows whole at 1280 px with five boxes in a row


def view(**kw):
    return V.planner_view(toy_plan(**kw))


def test_feasible_view_recommends_the_hand_computed_optimum_in_one_sentence():
    v = view(min_accuracy=0.85)  # fastest at >= 85 %: SP-1 k=16, 86 %, 1.1609 ms, 1.016 mJ (tests/test_plan.py)
    assert v.feasible
    r = v.recommendation
    assert r.startswith("Fastest") and "**SP-1**" in r and "**k = 16**" in r
    assert "86.0 %" in r and "1.16 ms" in r and "1.02 mJ" in r
    assert r.count(". ") == 0 and r.endswith(".")  # one sentence
    assert "SP-1, k = 4" in v.detail and "70.0 % < 85.0 %" in v.detail  # the runner-up, from the planner
    assert [(m.label, m.value) for m in v.metrics] == [
        ("Cut at", "SP-1"), ("Numbers sent", "16"), ("Accuracy", "86.0 %"), ("Latency", "1.16 ms"),
        ("Device energy", "1.02 mJ")]
    assert "device 1.00 ms + air 160 µs + edge 900 ns" in v.metrics[3].help
    assert v.counts == "4 of 6 candidates meet every constraint" and v.choice_label == "SP-1, k = 16"


@pytest.mark.parametrize("kw", [dict(min_accuracy=0.85), dict(objective="energy", min_accuracy=0.87),
                                dict(min_accuracy=0.85, max_latency_s=1.1e-3), dict(snr=2.5, min_accuracy=0.7),
                                dict(objective="accuracy", min_accuracy=0.95, max_latency_s=0.5e-3,
                                     max_device_macs=100)])
def test_metric_values_are_short(kw):
    for m in view(**kw).metrics:
        assert len(m.value) <= MAX_METRIC_CHARS, m


def test_short_numbers_never_use_exponents():
    assert V.short_s(1234.0) == "20.6 min" and V.short_s(2e-5) == "20.0 µs" and V.short_s(0.9999) == "1.00 s"
    assert V.short_s(0.0351) == "35.1 ms" and V.short_s(5 * 86400) == "5.00 d" and V.short_s(1e9) == "> 999 d"
    assert V.short_j(2.39e-3) == "2.39 mJ" and V.short_j(1500.0) == "1.50 kJ" and V.short_j(4.6e-12) == "4.60 pJ"
    assert V.short_j(None) == "—" and V.short_s(math.nan) == "—" and V.short_macs(421_330_944) == "421 M"
    for f in (V.short_s, V.short_j):
        for x in (1e-13, 3.3e-7, 0.5, 7.0, 999.9, 12345.0, 1e7):
            assert "e" not in f(x).split()[0], (f, x, f(x))


def test_feasible_table_holds_exactly_the_feasible_candidates_in_page_units():
    v = view(min_accuracy=0.85)
    assert list(zip(v.table.split, v.table.k)) == [("SP-1", 16), ("SP-2", 4), ("SP-2", 16), ("SP-3", 10)]  # by latency
    for _, r in v.table.iterrows():
        assert r["latency ms"] == pytest.approx(TOY_LATENCY_MS[(r.split, r.k)])
        assert r["device M MACs"] == pytest.approx(TOY_COSTS[(r.split, r.k)][0] / 1e6)
        assert r["95 % low %"] < r["accuracy %"] < r["95 % high %"]
    assert v.table.chosen.tolist() == [True, False, False, False]
    assert v.table["on latency front"].all() and v.table["on energy front"].all()
    # every candidate, with what it fails
    fails = dict(zip(zip(v.candidates.split, v.candidates.k), v.candidates.fails))
    assert fails[("SP-1", 4)] == "accuracy" and fails[("SP-0", 3072)] == "accuracy" and fails[("SP-3", 10)] == ""
    csv = v.table.to_csv(index=False)
    assert pd.read_csv(pd.io.common.StringIO(csv)).shape == v.table.shape  # downloadable as it is shown
    # sorted by the objective: most accurate first
    acc = view(objective="accuracy", min_accuracy=0.85).table
    assert acc["accuracy %"].tolist() == sorted(acc["accuracy %"], reverse=True)


def test_pareto_series_mark_the_front_the_choice_and_both_baselines():
    v = view(min_accuracy=0.85)
    assert len(v.points) == 6 and v.points.feasible.sum() == 4
    assert set(v.points[v.points["on latency front"]].label) == {"SP-1, k = 16", "SP-2, k = 4", "SP-2, k = 16",
                                                                 "SP-3, k = 10"}
    assert not v.points[~v.points.feasible]["on latency front"].any()  # the front is over the feasible set
    roles = dict(zip(v.marks.role, zip(v.marks.accuracy, v.marks.latency_ms, v.marks.energy_mj, v.marks.feasible)))
    assert roles["chosen"] == pytest.approx((86.0, 1.1609, 1.016, True))
    # all on the device: 92 %, 6 ms + the label's 16-use LDPC codeword at 1e6 uses/s; all on the edge: SP-0, 40 %,
    # fails the accuracy
    assert roles["all_on_device"] == pytest.approx((92.0, 6.016, 6.0016, True))
    assert roles["all_on_edge"][:3] == pytest.approx((40.0, TOY_LATENCY_MS[("SP-0", 3072)], 2.4576))
    assert not roles["all_on_edge"][3]
    assert v.limits == {"min_accuracy": 85.0, "max_latency_ms": None, "max_energy_mj": None}
    assert set(v.baselines.baseline) == {"all on the device", "all on the edge (SP-0)"}


def test_infeasible_view_names_the_binding_constraint():
    # >= 85 % and <= 1.1 ms: latency binds (relaxing it alone admits 4, to 1.1609 ms; tests/test_plan.py)
    v = view(min_accuracy=0.85, max_latency_s=1.1e-3)
    assert not v.feasible and v.table.empty and v.explorer_url is None and v.choice_label is None
    assert v.recommendation == ("Nothing meets every constraint: the maximum latency binds; relaxing it to 1.16 ms "
                                "admits a first candidate, and without it 4 candidates meet the others.")
    assert [(m.label, m.value) for m in v.metrics] == [("Feasible", "0 of 6"), ("Binding", "latency"),
                                                       ("Relax it to", "1.16 ms"), ("Without it", "4")]
    assert any(m.level == "error" and "maximum latency binds" in m.text for m in v.messages)
    b = v.binding.set_index("constraint")
    assert b.loc["maximum latency", "binding"] and not b.loc["minimum accuracy", "binding"]
    assert b.loc["minimum accuracy", "candidates meeting the others"] == 1
    assert b.loc["maximum latency", "relax it to"] == "1.16 ms" and b.loc["minimum accuracy", "relax it to"] == "70.0 %"
    assert v.limits["max_latency_ms"] == pytest.approx(1.1)


def test_infeasible_without_a_single_relaxation_names_the_closest_miss():
    v = view(min_accuracy=0.95, max_latency_s=0.5e-3, max_device_macs=100)
    assert "relaxing any one alone is not enough" in v.recommendation and "SP-0, k = 3072" in v.recommendation
    assert "maximum latency" in v.recommendation
    assert next(m.value for m in v.metrics if m.label == "Relax it to") == "—"


def test_a_baseline_that_does_better_is_in_the_recommendation():
    v = view(objective="accuracy", min_accuracy=0.85)  # SP-3 (91 %) chosen; the unsplit model on the device: 92 %
    assert "**SP-3**" in v.recommendation and "all on the device" in v.recommendation
    assert "splitting does not pay" in v.recommendation
    v = view(min_accuracy=0.915)  # nothing split reaches it; the unsplit model does
    assert not v.feasible and "all on the device (the unsplit model, sending the label) meets them all" in v.recommendation
    assert "All on" not in view(min_accuracy=0.85).recommendation


def test_interpolated_accuracy_and_the_interval_are_said():
    v = view(snr=2.5, min_accuracy=0.7)
    assert any(m.level == "info" and "interpolated between 0 and 5 dB" in m.text for m in v.messages)
    assert "interpolated between 0 and 5 dB" in v.recommendation
    # 86 % at n = 10,000: interval about 85.3-86.7; a target of 85.5 % lies inside it
    w = view(min_accuracy=0.855)
    assert any(m.level == "warning" and "inside the choice's 95 % interval" in m.text for m in w.messages)
    assert not any(m.level == "warning" for m in view(min_accuracy=0.80).messages)


def test_without_energy_figures_the_energy_is_a_dash_and_said_so():
    v = view(energy=False, min_accuracy=0.85)
    assert next(m.value for m in v.metrics if m.label == "Device energy") == "—"
    assert v.points.energy_mj.isna().all() and any("not computed" in m.text for m in v.messages)
    assert "device energy" not in v.recommendation


# ----------------------------------------------------------------------------- the explorer link
def test_explorer_link_opens_the_chosen_configuration():
    inp = V.plan_inputs("resnet18", "pi 4", "a100", "lte", 5.0, "awgn", 32, Constraints(min_accuracy=0.85), "latency")[0]
    p = V.run_plan(inp, toy_table(), {k: v for k, v in TOY_COSTS.items()}, unsplit=TOY_UNSPLIT, num_classes=10)
    v = V.planner_view(p, last_split="SP-3")
    assert v.explorer_url.startswith("/explorer?")
    q = {k: v[0] for k, v in parse_qs(urlsplit(v.explorer_url).query).items()}
    assert q == v.explorer_params
    assert (q["bb"], q["split"], q["k"], q["ch"], q["snr"]) == ("resnet18", p.choice.split, str(p.choice.k), "awgn", "5")
    # the presets open the explorer's "Think in seconds" with the same device, edge, link and bits
    assert q["sec"] == "1" and q["txd"] == "single-board computer (Raspberry Pi 4)" and q["rxd"] == "server GPU (A100)"
    assert q["link"] == "LTE Cat-4 uplink" and q["bits"] == "32"
    assert q["txd"] in DEVICE_PRESETS and q["link"] in LINK_PRESETS


def test_explorer_link_leaves_out_what_the_explorer_would_not_take():
    def link(split, k, snr=5.0, bits=32, device="pi 4"):
        inp = V.plan_inputs("resnet18", device, "a100", "lte", snr, "rayleigh", bits, Constraints(), "latency")[0]
        from semcom_core.plan import Candidate
        return V.explorer_link(Candidate(split, k, 0.5, 0.0, 0.0, 0.0, 0), inp, last_split="SP-6")[0]
    assert "k" not in link("SP-0", 3072) and "k" not in link("SP-6", 10)  # fixed sizes: no k slider there
    assert link("SP-3", 64)["k"] == "64" and link("SP-3", 64)["ch"] == "rayleigh"
    assert "sec" not in link("SP-3", 64, bits=16) or link("SP-3", 64, bits=16)["bits"] == "16"
    assert "sec" not in link("SP-3", 64, device=2.4e10)  # a typed device is no preset the explorer knows
    assert V.explorer_link(None, PlanInputs(1, 1, 1, 0.0))[0] is None


# ----------------------------------------------------------------------------- inputs
def test_plan_inputs_from_presets_typed_numbers_and_constraints():
    cons = V.constraints(0.85, 50.0, 300.0, 2.0)
    assert cons == Constraints(0.85, 0.05, 3e8, 2e-3)
    assert V.constraints(0.0, 0.0, 0.0, 0.0) == Constraints()  # 0: no limit
    inp, err = V.plan_inputs("resnet18", V.DEFAULT_DEVICE, V.DEFAULT_EDGE, V.DEFAULT_LINK, 5.0, "awgn", 32, cons,
                             "latency")
    assert err is None and inp.device_flops == DEVICE_PRESETS[V.DEFAULT_DEVICE]
    assert inp.energy_per_bit_j == pytest.approx(438.39e-9)  # LTE's sourced default
    typed = {"devg": 2.0, "edgeg": 1000.0, "mbps": 10.0, "epj": 5.0, "ebuj": 0.5}
    inp, err = V.plan_inputs("resnet18", V.DEFAULT_DEVICE, V.DEFAULT_EDGE, V.DEFAULT_LINK, 5.0, "awgn", 16, cons,
                             "energy", typed=typed)
    assert err is None and (inp.device_flops, inp.edge_flops, inp.link_bps) == (2e9, 1e12, 1e7)
    assert inp.energy_per_mac_j == pytest.approx(5e-12) and inp.energy_per_bit_j == pytest.approx(5e-7)
    inp, err = V.plan_inputs("resnet18", V.DEFAULT_DEVICE, V.DEFAULT_EDGE, V.DEFAULT_LINK, 5.0, "awgn", 32, cons,
                             "latency", typed={"devg": 1.0, "edgeg": 1.0, "mbps": 1.0})
    assert inp is None and "the typed link has no sourced figure" in err  # a maximum energy needs a figure per bit
    inp, _ = V.plan_inputs("resnet18", V.DEFAULT_DEVICE, V.DEFAULT_EDGE, V.DEFAULT_LINK, 5.0, "awgn", 32,
                           Constraints(0.85), "latency", energy_per_mac="INT8 MAC, arithmetic only (Horowitz, ISSCC 2014, 45 nm)",
                           typed={"devg": 1.0, "edgeg": 1.0, "mbps": 1.0, "epj": None, "ebuj": None})
    assert inp.energy_per_mac_j == pytest.approx(0.23e-12)  # an empty typed energy: the preset


@pytest.mark.parametrize("objective, max_mj", [("energy", 0.0), ("latency", 5.0)])
def test_energy_without_a_figure_is_a_clear_message_not_an_exception(objective, max_mj):
    inp, err = V.plan_inputs("resnet18", V.DEFAULT_DEVICE, V.DEFAULT_EDGE, "NB-IoT (Cat NB2 uplink)", 5.0, "awgn", 32,
                             V.constraints(0.85, 0.0, 0.0, max_mj), objective)
    assert inp is None and "NB-IoT" in err and "energy-per-bit preset" in err
    inp, err = V.plan_inputs("resnet18", V.DEFAULT_DEVICE, V.DEFAULT_EDGE, "NB-IoT (Cat NB2 uplink)", 5.0, "awgn", 32,
                             V.constraints(0.85, 0.0, 0.0, max_mj), objective,
                             energy_per_bit="LTE uplink, marginal (Huang et al., MobiSys 2012)")
    assert err is None and inp.has_energy


def test_plan_inputs_never_raise():
    inp, err = V.plan_inputs("resnet18", "toaster", V.DEFAULT_EDGE, V.DEFAULT_LINK, 5.0, "awgn", 32, Constraints(),
                             "latency")
    assert inp is None and err.startswith("No device preset")
    inp, err = V.plan_inputs("resnet18", V.DEFAULT_DEVICE, V.DEFAULT_EDGE, V.DEFAULT_LINK, 5.0, "awgn", 32,
                             Constraints(), "latency", typed={"devg": 0.0})
    assert inp is None and "positive" in err


def test_no_candidates_for_the_channel_is_a_message():
    t = toy_table()
    p = toy_plan(table=t.assign(channel="rayleigh"))
    v = V.planner_view(p)
    assert not v.feasible and v.points.empty and "no awgn rows" in v.recommendation
    assert any(m.level == "error" for m in v.messages)


def test_cost_lookup_covers_every_pair_of_the_table():
    t = pd.DataFrame({"split": ["SP-6", "SP-6"], "k": [10, 10], "channel": ["awgn", "rayleigh"]})
    got = V.cost_lookup("resnet18", t)
    assert list(got) == [("SP-6", 10)] and got[("SP-6", 10)][2] == 10 and got[("SP-6", 10)][1] == 0


def test_a_toc_choice_is_said_shown_apart_and_linked_to_the_toc_page():
    from .test_plan_toc import toc_plan
    v = V.planner_view(toc_plan(3.0, min_accuracy=0.89))  # by hand: TOC dynamic at B = 20 M (tests/test_plan_toc.py)
    assert "dynamic TOC model" in v.recommendation and "B = 20 M MACs" in v.recommendation
    assert "interpolated between 0 and 6 dB" in v.recommendation
    m = {x.label: x.value for x in v.metrics}
    assert m["Model"] == "dynamic" and "Cut at" not in m
    assert list(v.table["family"]) == ["TOC dynamic (paper 001)"] and v.table["budget M MACs"].iloc[0] == 20.0
    assert set(v.points.family) == {"split", "toc-static", "toc-dynamic"}
    assert v.explorer_params is None  # not a cut of the backbone
    assert v.toc_params == {"family": "dynamic", "ch": "awgn", "B": "20000000"}  # 3 dB: no measured PSNR to open at
    at6 = toc_plan(6.0, min_accuracy=0.92)  # a measured PSNR (B = 20 M, 95 %): the TOC page opens there
    assert V.toc_link(at6.choice, at6.inputs)[0]["snr"] == "6"
    assert any("TOC candidates" in m.text for m in v.messages if m.level == "info")
    assert any("TOC candidates (paper 001)" in n for n in v.notes)
    # no TOC in the plan: no TOC words
    v = V.planner_view(toc_plan(3.0, toc=False, min_accuracy=0.8))
    assert v.toc_params is None and not any("TOC" in n for n in v.notes)


def test_toc_link_psnrs_and_numbers_come_from_the_data_and_the_link_says_what_it_carries():
    from .test_plan_toc import TOY_TOC_COSTS, toc_plan, toy_toc
    # a TOC table measured at 0 and 7 dB (not 0/6/12/18) whose models send 12 numbers: the link opens at 7 dB,
    # the notes name 0 and 7 dB and 12 numbers
    t = toy_toc()
    t.loc[t.snr_db == 6.0, "snr_db"] = 7.0
    costs = {m: (e, r, 12) for m, (e, r, _) in TOY_TOC_COSTS.items()}
    import semcom_core.plan as PL
    from semcom_core.plan import Constraints, PlanInputs

    from .test_plan import TOY_COSTS, TOY_UNSPLIT, toy_table
    inp = PlanInputs(2e9, 2e12, 1e6, 7.0, bits_per_number=10, constraints=Constraints(min_accuracy=0.93),
                     objective="accuracy", toc=True)
    p = PL.plan(inp, table=toy_table(), costs=lambda sp, k: TOY_COSTS[(sp, k)], unsplit=TOY_UNSPLIT, num_classes=10,
                toc_results=t, toc_costs=lambda m: costs[m])
    assert p.choice.toc and V.toc_link(p.choice, inp)[0]["snr"] == "7"
    v = V.planner_view(p, build_figures=False)
    note = next(n for n in p.notes if "TOC candidate" in n)
    assert "12 numbers sent" in note and "PSNR 0 and 7 dB" in note and "16 numbers" not in note
    assert any("send 12 numbers" in n and "PSNR 0 and 7 dB" in n for n in v.notes)
    # the link's help says what is carried: not the static model itself
    assert "only the model family, channel, PSNR" in V.TOC_LINK_HELP and "no parameter for the model" in V.TOC_LINK_HELP
    assert toc_plan(3.0).candidates  # the toy world is unchanged


def test_toc_stamp_changes_with_the_weight_files(tmp_path):
    import os
    for name in ("toc_results_cifar10.csv", "toc_static_resnet20_cifar10.json", "toc_static_resnet20_cifar10.safetensors"):
        (tmp_path / name).write_bytes(b"x")
    before = V.toc_stamp(tmp_path)
    assert "toc_static_resnet20_cifar10.safetensors" in {s[0] for s in before}
    w = tmp_path / "toc_static_resnet20_cifar10.safetensors"
    w.write_bytes(b"retrained weights")
    os.utime(w, (1e9, 1e9))
    assert V.toc_stamp(tmp_path) != before
    assert V.toc_stamp(tmp_path / "missing") == ()


@pytest.mark.parametrize("air", ["bits", "channel_uses"])
def test_the_latency_note_states_the_air_time_model_in_use(air):
    from semcom_core.plan import plan

    def plan_at(bits):
        inp = PlanInputs(2e9, 2e12, 1e6, 5.0, bits_per_number=bits, constraints=Constraints(min_accuracy=0.85),
                         energy_per_mac_j=1e-9, energy_per_bit_j=1e-7, analog_air=air)
        return plan(inp, table=toy_table(), costs=lambda sp, k: TOY_COSTS[(sp, k)], unsplit=TOY_UNSPLIT,
                    num_classes=10)
    lo, hi = plan_at(8), plan_at(32)
    note = V.planner_view(lo).notes[0]
    air_lo = {(c.split, c.k): (c.air_s, c.energy_j) for c in lo.candidates}
    air_hi = {(c.split, c.k): (c.air_s, c.energy_j) for c in hi.candidates}
    if air == "bits":  # the bits per number scale the air time and the energy: the note says so
        assert "numbers sent x bits per number / link bit/s" in note and "change the air time and energy" in note
        assert all(air_hi[p][0] == pytest.approx(4 * air_lo[p][0]) for p in air_lo if p[0] != "SP-0")
        assert air_hi[("SP-0", 3072)] == air_lo[("SP-0", 3072)]  # the image's 8-bit pixels either way
    else:  # they change neither: the note must not claim they do
        assert "complex channel uses" in note and "change neither" in note
        assert "bits per number / link bit/s" not in note and "change the air time" not in note
        assert air_hi == air_lo
