"""The split planner (issue 29): its maths on toy tables whose answers are worked out by hand, the Pareto
front as a property over random tables, and the CLI on the shipped ResNet-18 table."""
import json
import math

import numpy as np
import pandas as pd
import pytest

from semcom_core import paths
from semcom_core.cli import main as cli_main
from semcom_core.plan import (
    Candidate,
    Constraints,
    PlanInputs,
    fronts,
    pareto_front,
    plan,
)

# ----------------------------------------------------------------------------- a toy world, by hand
# Device 2e9 FLOP/s: 1 MAC = 1 ns. Edge 2e12 FLOP/s: 1 MAC = 1 ps. Link 1e6 bit/s at 10 bits per number:
# 1 number = 10 µs (SP-0's 8-bit pixels: 8 µs). Energy: 1 nJ per device MAC, 0.1 µJ per bit (1 µJ per number).
TOY_COSTS = {  # (split, k): (device MACs, edge MACs, numbers sent)
    ("SP-0", 3072): (0, 1_000_000, 3072),
    ("SP-1", 4): (1_000_000, 900_000, 4),
    ("SP-1", 16): (1_000_000, 900_000, 16),
    ("SP-2", 4): (5_000_000, 100_000, 4),
    ("SP-2", 16): (5_000_000, 100_000, 16),
    ("SP-3", 10): (6_000_000, 0, 10),  # the last split: the logits
}
TOY_ACC_5DB = {("SP-0", 3072): 0.40, ("SP-1", 4): 0.70, ("SP-1", 16): 0.86, ("SP-2", 4): 0.88,
               ("SP-2", 16): 0.90, ("SP-3", 10): 0.91}
# by hand: latency = device + air + edge, in ms
TOY_LATENCY_MS = {("SP-0", 3072): 0 + 24.576 + 0.001, ("SP-1", 4): 1 + 0.04 + 0.0009,
                  ("SP-1", 16): 1 + 0.16 + 0.0009, ("SP-2", 4): 5 + 0.04 + 0.0001,
                  ("SP-2", 16): 5 + 0.16 + 0.0001, ("SP-3", 10): 6 + 0.10}
# by hand: energy = MACs x 1 nJ + numbers x 10 bits x 0.1 µJ (SP-0: 8 bits), in mJ
TOY_ENERGY_MJ = {("SP-0", 3072): 2.4576, ("SP-1", 4): 1.004, ("SP-1", 16): 1.016, ("SP-2", 4): 5.004,
                 ("SP-2", 16): 5.016, ("SP-3", 10): 6.010}
TOY_UNSPLIT = (6_000_000, 0.92, 10_000)  # MACs, accuracy, test images


def toy_table(n: int = 10_000) -> pd.DataFrame:
    """Measured at 0, 5 and 10 dB: 0.2 below the 5 dB value at 0 dB (not under 0.1), 0.01 above at 10 dB."""
    rows = []
    for (sp, k), a in TOY_ACC_5DB.items():
        for snr, acc in ((0.0, max(0.1, a - 0.2)), (5.0, a), (10.0, a + 0.01)):
            rows.append({"split": sp, "k": k, "channel": "awgn", "snr_db": snr, "accuracy": round(acc, 4), "n": n})
    return pd.DataFrame(rows)


def toy_plan(snr=5.0, objective="latency", energy=True, table=None, **cons):
    inp = PlanInputs(2e9, 2e12, 1e6, snr, bits_per_number=10, constraints=Constraints(**cons), objective=objective,
                     energy_per_mac_j=1e-9 if energy else None, energy_per_bit_j=1e-7 if energy else None)
    return plan(inp, table=toy_table() if table is None else table, costs=lambda sp, k: TOY_COSTS[(sp, k)],
                unsplit=TOY_UNSPLIT, num_classes=10)


def key(c):
    return c.split, c.k


def test_toy_candidates_have_the_hand_computed_latency_and_energy():
    p = toy_plan()
    assert {key(c) for c in p.candidates} == set(TOY_COSTS)
    for c in p.candidates:
        assert c.latency_s * 1e3 == pytest.approx(TOY_LATENCY_MS[key(c)], rel=1e-9)
        assert c.energy_j * 1e3 == pytest.approx(TOY_ENERGY_MJ[key(c)], rel=1e-9)
        assert c.accuracy == TOY_ACC_5DB[key(c)] and c.accuracy_measured


@pytest.mark.parametrize("objective, cons, best, runner_up", [
    # fastest at >= 85 %: SP-1 k=16 (1.1609 ms); SP-1 k=4 is faster (1.0409 ms) but only 70 %
    ("latency", {"min_accuracy": 0.85}, ("SP-1", 16), ("SP-1", 4)),
    # most accurate within 5.1 ms: SP-2 k=4 (88 %, 5.0401 ms); SP-2 k=16 (90 %) misses by 0.06 ms, SP-3 by 1 ms
    ("accuracy", {"max_latency_s": 5.1e-3}, ("SP-2", 4), ("SP-2", 16)),
    # cheapest at >= 87 %: SP-2 k=4 (5.004 mJ); the cheaper SP-1 k=16 (86 %) is the closer miss than SP-1 k=4
    ("energy", {"min_accuracy": 0.87}, ("SP-2", 4), ("SP-1", 16)),
    # cheapest under 4 M device MACs and >= 80 %: SP-1 k=16 is the only feasible one; the cheaper SP-1 k=4
    # (70 %) is the runner-up
    ("energy", {"min_accuracy": 0.8, "max_device_macs": 4e6}, ("SP-1", 16), ("SP-1", 4)),
    # no constraint: the fastest overall is SP-1 k=4; the next feasible is SP-1 k=16
    ("latency", {}, ("SP-1", 4), ("SP-1", 16)),
])
def test_plan_returns_the_hand_computed_optimum(objective, cons, best, runner_up):
    p = toy_plan(objective=objective, **cons)
    assert key(p.choice) == best
    assert key(p.runner_up) == runner_up
    assert p.reason.startswith(f"{best[0]}, k = {best[1]}") and f"{runner_up[0]}, k = {runner_up[1]}" in p.reason
    assert p.to_dict()["feasible"] is True


def test_reason_names_the_failed_constraint_and_the_gap():
    p = toy_plan(min_accuracy=0.85)
    # 1.1609 - 1.0409 = 0.12 ms faster, 70.0 % < 85.0 %
    assert "0.12 ms faster" in p.reason and "accuracy 70.0 % < 85.0 %" in p.reason


def test_feasible_set_is_exactly_the_candidates_meeting_every_constraint():
    p = toy_plan(min_accuracy=0.8, max_latency_s=5.1e-3, max_energy_j=1.01e-3)
    # >= 80 %: SP-1 k16, SP-2 k4, SP-2 k16, SP-3; <= 5.1 ms removes SP-2 k16 and SP-3; <= 1.01 mJ removes
    # SP-2 k4 (5.004 mJ) and SP-1 k16 (1.016 mJ); at <= 1.02 mJ SP-1 k16 remains
    assert {key(c) for c in p.feasible} == set()
    p = toy_plan(min_accuracy=0.8, max_latency_s=5.1e-3, max_energy_j=1.02e-3)
    assert {key(c) for c in p.feasible} == {("SP-1", 16)}


def test_baselines_on_the_toy_table():
    p = toy_plan(min_accuracy=0.85)
    dev, edge = p.baselines["all_on_device"], p.baselines["all_on_edge"]
    # all on the device: 6 M MACs at 1 ns = 6 ms; the label, ceil(log2 10) = 4 bits, as one LDPC + QPSK codeword
    # of 16 information bits = 16 channel uses at 1e6 per second = 16 µs (no block error rates given: assumed
    # delivered, the card's 92 %)
    assert dev.device_s == pytest.approx(6e-3) and dev.air_s == pytest.approx(16e-6) and dev.edge_s == 0
    assert dev.bits == 16 and dev.accuracy == 0.92 and dev.device_macs == 6_000_000
    assert dev.energy_j == pytest.approx(6e-3 + 16e-7)  # 6 M x 1 nJ + 16 bits x 0.1 µJ
    assert dev.link_figure == "assumed" and "assumed delivered" in dev.accuracy_how
    lo, hi = dev.accuracy_interval
    assert lo < 0.92 < hi and hi - lo == pytest.approx(2 * 1.96 * math.sqrt(0.92 * 0.08 / 10_000), rel=0.02)
    # all on the edge: SP-0, the image (3072 pixels x 8 bits, not the 10 bits per number) over the link, 1 M MACs
    # on the edge
    assert key(edge) == ("SP-0", 3072) and edge.device_s == 0
    assert edge.air_s == pytest.approx(24.576e-3) and edge.edge_s == pytest.approx(1e-6)
    assert edge.energy_j == pytest.approx(2.4576e-3) and edge.accuracy == 0.40 and edge.bits == 3072 * 8
    d = p.to_dict()["baselines"]
    assert d["all_on_device"]["feasible"] is True and d["all_on_edge"]["feasible"] is False
    assert "min_accuracy" in d["all_on_edge"]["violations"]


def test_a_baseline_that_beats_the_choice_is_said_so():
    # most accurate at >= 85 %: SP-3 (91 %) among the split candidates; the unsplit model on the device
    # (92 %, 6.004 ms) meets the constraint too and is 1.0 point more accurate
    p = toy_plan(objective="accuracy", min_accuracy=0.85)
    assert key(p.choice) == ("SP-3", 10)
    assert "All on the device" in p.reason and "1.0 points more accurate than the choice" in p.reason
    # fastest at >= 85 %: SP-1 k=16 (1.16 ms) beats both baselines (6.004 ms; SP-0 fails): nothing said
    assert "All on" not in toy_plan(min_accuracy=0.85).reason
    # nothing in the table reaches 91.5 %, the unsplit model (92 %) does
    p = toy_plan(min_accuracy=0.915)
    assert p.choice is None and "All on the device (the unsplit model; only the label is sent) meets every" in p.reason


# ----------------------------------------------------------------------------- interpolation
def test_interpolated_accuracies_are_flagged_with_an_interval_between_the_neighbours():
    p = toy_plan(snr=2.5)
    c = next(c for c in p.candidates if key(c) == ("SP-1", 16))
    assert c.accuracy == pytest.approx((0.66 + 0.86) / 2)  # halfway between 0 dB and 5 dB
    assert not c.accuracy_measured and "interpolated between 0 and 5 dB" in c.accuracy_how
    lo, hi = c.accuracy_interval
    assert lo < c.accuracy < hi
    d = p.to_dict()
    assert "interpolated between 0 and 5 dB" in d["accuracy_readings"]
    assert d["choice"]["accuracy_interpolated"] is True
    assert "interpolated" in p.reason
    # outside the measured grid: the nearest SNR, said so
    c = next(c for c in toy_plan(snr=20).candidates if key(c) == ("SP-1", 16))
    assert c.accuracy == pytest.approx(0.87) and not c.accuracy_measured and "nearest" in c.accuracy_how
    # on the grid: measured
    c = next(c for c in toy_plan(snr=10).candidates if key(c) == ("SP-1", 16))
    assert c.accuracy_measured and "measured at 10 dB" in c.accuracy_how
    assert toy_plan(snr=10).to_dict()["accuracy_readings"] == "split sweep table: measured at 10 dB"


def test_interpolation_can_change_the_choice():
    # at 0 dB: SP-0 20 %, SP-1 k=4 50 %, SP-1 k=16 66 %, SP-2 k=4 68 %, SP-2 k=16 70 %, SP-3 71 %. At >= 70 %
    # only SP-2 k=16 (5.16 ms) and SP-3 (6.1 ms) qualify: SP-2 k=16 is faster
    p = toy_plan(snr=0.0, min_accuracy=0.7)
    assert key(p.choice) == ("SP-2", 16)
    # halfway to 5 dB SP-1 k=16 reaches (0.66 + 0.86) / 2 = 76 % and wins on latency
    assert key(toy_plan(snr=2.5, min_accuracy=0.7).choice) == ("SP-1", 16)


# ----------------------------------------------------------------------------- infeasible
def test_infeasible_names_the_constraint_whose_relaxation_admits_most():
    # >= 85 % and <= 1.1 ms: without the accuracy bound 1 candidate (SP-1 k=4) fits; without the latency
    # bound 4 (SP-1 k=16, SP-2 k=4, SP-2 k=16, SP-3): latency binds, relax it to 1.1609 ms
    p = toy_plan(min_accuracy=0.85, max_latency_s=1.1e-3)
    assert p.choice is None and p.to_dict()["feasible"] is False
    b = p.binding
    assert b["binding"] == "max_latency_s"
    assert b["admitted_if_relaxed"] == {"min_accuracy": 1, "max_latency_s": 4}
    assert b["relax_to"]["max_latency_s"] == pytest.approx(1.1609e-3)
    assert b["relax_to"]["min_accuracy"] == pytest.approx(0.70)
    assert "max_latency_s binds" in p.reason


def test_infeasible_tie_goes_to_the_smaller_relaxation():
    # >= 89 % and <= 2 ms: relaxing either alone admits 2; accuracy needs 89 -> 86 % (3 % relative),
    # latency 2 -> 5.16 ms (158 %): accuracy binds
    b = toy_plan(min_accuracy=0.89, max_latency_s=2e-3).binding
    assert b["admitted_if_relaxed"] == {"min_accuracy": 2, "max_latency_s": 2}
    assert b["binding"] == "min_accuracy" and b["relax_to"]["min_accuracy"] == pytest.approx(0.86)


def test_infeasible_with_one_constraint_and_with_no_single_relaxation():
    b = toy_plan(min_accuracy=0.95).binding  # best is 91 %
    assert b["binding"] == "min_accuracy" and b["relax_to"]["min_accuracy"] == pytest.approx(0.91)
    # >= 95 %, <= 0.5 ms, <= 100 device MACs: relaxing any one leaves the others unmet
    p = toy_plan(min_accuracy=0.95, max_latency_s=0.5e-3, max_device_macs=100)
    b = p.binding
    assert set(b["admitted_if_relaxed"].values()) == {0}
    # closest miss by summed relative shortfall: SP-0 (accuracy 0.55/0.95 = 0.58, latency 30.221/0.5 = 60.4,
    # MACs 0) beats SP-1 k=4 (0.26 + 1.08 + 9999) and the rest (more MACs still); its largest shortfall is latency
    assert (b["closest_miss"]["split"], b["closest_miss"]["k"]) == ("SP-0", 3072)
    assert b["binding"] == "max_latency_s" and "no single relaxation" in p.reason


def test_energy_objective_without_energy_figures_is_refused():
    with pytest.raises(ValueError, match="energy"):
        toy_plan(objective="energy", energy=False)
    with pytest.raises(ValueError, match="energy"):
        toy_plan(max_energy_j=1.0, energy=False)
    p = toy_plan(energy=False, min_accuracy=0.85)  # latency still plans; the energy front is empty
    assert key(p.choice) == ("SP-1", 16) and p.fronts["energy"] == [] and p.choice.energy_j is None


# ----------------------------------------------------------------------------- Pareto
def dominates(p, q):
    return p[0] >= q[0] and p[1] <= q[1] and (p[0] > q[0] or p[1] < q[1])


def test_pareto_front_by_hand():
    pts = [(0.90, 2.0), (0.80, 3.0), (0.95, 5.0), (0.90, 1.0), (0.95, 5.0), (0.50, 0.5)]
    # (0.9, 2) is dominated by (0.9, 1); (0.8, 3) by (0.9, 1); the two (0.95, 5) are identical: both kept
    assert pareto_front(pts) == [5, 3, 2, 4]


def test_pareto_front_leaves_out_unknown_points_without_losing_known_ones():
    """A NaN accuracy (an empty table cell) has no order: it is not on the front and hides no other point."""
    nan = float("nan")
    pts = [(nan, 2.0), (0.1, 2.0), (nan, math.inf), (nan, 2.0), (0.1, 2.0), (0.1, math.inf)]
    assert pareto_front(pts) == [1, 4]
    assert pareto_front([(0.9, nan), (0.8, 1.0)]) == [1]


def test_pareto_front_property_over_random_tables():
    rng = np.random.default_rng(0)
    for trial in range(300):
        n = int(rng.integers(1, 40))
        # coarse values so that ties in accuracy or cost occur
        acc = np.round(rng.uniform(0.1, 0.95, n), 2)
        lat = np.round(rng.uniform(0.5, 50.0, n), 0) * 1e-3
        energy = np.round(rng.uniform(0.1, 10.0, n), 1) * 1e-3
        cands = [Candidate(f"SP-{i % 6}", i, float(acc[i]), float(lat[i]), 0.0, 0.0, i, energy_j=float(energy[i]))
                 for i in range(n)]
        cons = Constraints(min_accuracy=float(rng.uniform(0.0, 0.6)),
                           max_latency_s=float(rng.uniform(10, 60)) * 1e-3 if trial % 2 else None)
        feas = [c for c in cands if c.accuracy >= cons.min_accuracy
                and (cons.max_latency_s is None or c.latency_s <= cons.max_latency_s)]
        fr = fronts(feas)
        for axis, cost in (("latency", lambda c: c.latency_s), ("energy", lambda c: c.energy_j)):
            front = {c.k for c in fr[axis]}
            pts = {c.k: (c.accuracy, cost(c)) for c in feas}
            for k, p in pts.items():
                dominated = any(dominates(q, p) for j, q in pts.items() if j != k)
                assert (k in front) == (not dominated), (trial, axis, k)


def test_plan_fronts_are_over_the_feasible_set_only():
    p = toy_plan(min_accuracy=0.85)
    front = {key(c) for c in p.fronts["latency"]}
    # feasible: SP-1 k16 (86 %, 1.16 ms), SP-2 k4 (88 %, 5.04), SP-2 k16 (90 %, 5.16), SP-3 (91 %, 6.1):
    # each more accurate and slower than the one before: all on the front
    assert front == {("SP-1", 16), ("SP-2", 4), ("SP-2", 16), ("SP-3", 10)}
    # energy (1.016, 5.004, 5.016, 6.010 mJ), same order: all on the front too
    assert {key(c) for c in p.fronts["energy"]} == front
    assert all(c in p.feasible for c in p.fronts["latency"])


# ----------------------------------------------------------------------------- CLI on the shipped table
def run_cli(args, capsys):
    try:
        rc = cli_main(["plan", *args])
    except SystemExit as e:
        rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_plan_on_the_shipped_resnet18_table(capsys):
    rc, out, err = run_cli(["--backbone", "resnet18", "--device", "pi 4", "--edge", "a100", "--link", "lte",
                            "--snr", "5", "--min-accuracy", "0.85", "--objective", "latency", "--json", "--no-toc"],
                           capsys)
    assert rc == 0, err
    d = json.loads(out)
    assert d["inputs"]["toc"] is False and d["choice"]["family"] == "split"
    assert d["feasible"] is True and d["choice"]["accuracy"] >= 0.85
    table = pd.read_csv(paths.pretrained_dir() / "split" / "sweep_resnet18_cifar10.csv")
    row = table[(table.split == d["choice"]["split"]) & (table.k == d["choice"]["k"]) & (table.channel == "awgn")
                & (table.snr_db == 5.0)]
    assert d["choice"]["accuracy"] == pytest.approx(float(row.accuracy.iloc[0]))  # the measured value
    assert d["choice"]["accuracy_interpolated"] is False
    front = d["pareto"]["accuracy_vs_latency"]
    assert front[0]["split"] == d["choice"]["split"] and front[0]["k"] == d["choice"]["k"]
    # no feasible candidate in the table is both faster than the choice and at least 85 %
    assert all(f["latency_s"] >= d["choice"]["latency_s"] for f in front)
    assert d["inputs"]["presets"]["device"] == "single-board computer (Raspberry Pi 4)"
    assert d["baselines"]["all_on_edge"]["split"] == "SP-0"

    # infeasible: an answer, not an error
    rc, out, err = run_cli(["--device", "pi 4", "--edge", "a100", "--link", "lte", "--snr", "5",
                            "--min-accuracy", "0.85", "--max-latency-ms", "1", "--json"], capsys)
    assert rc == 0, err
    d = json.loads(out)
    assert d["feasible"] is False and d["choice"] is None and d["binding"]["binding"] in (
        "min_accuracy", "max_latency_s")


@pytest.mark.parametrize("args, msg", [
    (["--device", "toaster"], "no device preset"),
    (["--link", "u"], "ambiguous"),
    (["--min-accuracy", "85"], "fraction"),
    (["--max-latency-ms", "-1"], "non-negative"),
    (["--channel", "complex_awgn"], "no complex_awgn rows"),
    (["--link", "nb-iot", "--objective", "energy"], "energy per bit"),
    (["--objective", "speed"], "invalid choice"),
    (["--bits", "0"], "bits per number"),
])
def test_cli_bad_arguments_one_line_exit_2(args, msg, capsys):
    rc, out, err = run_cli(args, capsys)
    assert rc == 2 and msg in err and len(err.strip().splitlines()) == 1 and out == ""


def test_cli_plan_offers_the_toc_models_by_default(capsys):
    from semcom_core.plan.toc import shipped_toc
    _, models, _ = shipped_toc("cifar10")
    rc, out, err = run_cli(["--device", "pi 4", "--edge", "a100", "--link", "lte", "--snr", "6", "--json", "--all"],
                           capsys)
    assert rc == 0, err
    d = json.loads(out)
    assert d["inputs"]["toc"] is True
    toc = [c for c in d["candidates"] if c["family"].startswith("toc")]
    assert bool(toc) == bool(models)
    if models:  # at a measured PSNR: the table's value, measured, not interpolated
        assert all(c["accuracy_reading"] == "measured" and c["accuracy_interpolated"] is False for c in toc)
        assert any("TOC candidate" in n for n in d["notes"])


def test_read_rows_equals_accuracy_at_and_reading_interval():
    # the planner reads each (split, k) group once (`plan.readings.read_rows`); it must give the shared reading
    # functions' numbers and words exactly: on a grid SNR, between two, outside the grid
    from semcom_core.eval.readings import accuracy_at
    from semcom_core.plan.readings import read_rows, reading_interval
    from semcom_core.zoo.tables import sweep_path
    tables = [toy_table()]
    if sweep_path("resnet18", "cifar10").is_file():
        from semcom_core.zoo.tables import load_sweep
        tables.append(load_sweep("resnet18", "cifar10"))
    for table in tables:
        for (split, k, ch), rows in table.groupby(["split", "k", "channel"]):
            grid = sorted(set(float(x) for x in rows.snr_db))
            for snr in grid + [grid[0] - 3.0, grid[-1] + 2.5] + [(a + b) / 2 for a, b in zip(grid, grid[1:])]:
                ref = accuracy_at(rows, split, int(k), snr, ch)
                r, iv = read_rows(rows, snr)
                assert r == ref, (split, k, ch, snr)
                assert iv == reading_interval(rows, split, int(k), snr, ch, ref), (split, k, ch, snr)


def test_a_plan_prepares_a_table_once_and_reads_the_same_numbers():
    # what a plan derives from a table that the SNR does not change (groups, sorted rows) is prepared once per
    # table object (`plan.readings.prepared`): plans on one shared table at many SNRs must equal plans on fresh
    # copies, and a copied or changed table must be prepared afresh, never read off another table's groups
    from semcom_core.plan import readings as PR
    shared = toy_table()
    for snr in (5.0, 2.5, 7.5, -3.0, 12.0, 5.0):
        a, b = toy_plan(snr=snr, table=shared), toy_plan(snr=snr, table=toy_table())
        assert [(key(c), c.accuracy, c.accuracy_interval, c.accuracy_how) for c in a.candidates] == \
               [(key(c), c.accuracy, c.accuracy_interval, c.accuracy_how) for c in b.candidates]
        assert a.reason == b.reason and (a.choice is None) == (b.choice is None)
        assert a.choice is None or key(a.choice) == key(b.choice)
    assert len(PR._PREPARED[id(shared)]) == 1  # one channel, one preparation
    changed = shared.copy()
    changed.loc[changed.split == "SP-2", "accuracy"] = 0.2
    p = toy_plan(table=changed)
    assert {c.accuracy for c in p.candidates if c.split == "SP-2"} == {0.2}
    calls = []
    frame = toy_table()
    for _ in range(3):
        PR.prepared(frame, ("x",), lambda t: calls.append(1) or len(t))
    assert calls == [1]
    fid = id(frame)
    del frame
    import gc
    gc.collect()
    assert fid not in PR._PREPARED  # dropped with its table
