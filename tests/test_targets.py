"""Issue 4's accuracy targets: the report over a sweep table, agreement of a table row with a
re-measurement, and `zoo targets` on the shipped demo model."""
import json
from pathlib import Path

import pandas as pd
import pytest

from semcom_core.cli import main as cli_main
from semcom_core.eval.targets import (
    agreement,
    monotonicity_summary,
    target_report,
    targets_for,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets"


def table(sp3=0.92, sp4=0.935, sp2=0.87, n=10000):
    rows = [{"split": sp, "k": k, "channel": "awgn", "snr_db": s, "accuracy": acc, "n": n}
            for sp, k, acc in (("SP-3", 64, sp3), ("SP-4", 64, sp4), ("SP-2", 256, sp2)) for s in (0.0, 5.0)]
    return pd.DataFrame(rows)


def test_paper_backbones_are_judged_against_the_issue_thresholds():
    ceilings = {"SP-3": 0.93, "SP-4": 0.915, "SP-5": 0.94}
    rep = target_report(table(sp3=0.905), "resnet18", unsplit=0.94, unsplit_n=10000, ceilings=ceilings,
                        ceilings_n=10000).set_index("target")
    assert rep.loc["unsplit backbone", "verdict"] == "met" and rep.loc["unsplit backbone", "required"] == 0.92
    # SP-4 within 1.5 points of the unsplit model (0.925), SP-3 within 3 (0.91), SP-2 at least 0.85
    assert rep.loc["SP-4", "required"] == pytest.approx(0.925) and rep.loc["SP-4", "verdict"] == "met"
    assert rep.loc["SP-3", "required"] == pytest.approx(0.91) and rep.loc["SP-3", "verdict"] == "missed"
    assert rep.loc["SP-3", "gap"] == pytest.approx(-0.005)
    assert rep.loc["SP-2", "required"] == 0.85 and rep.loc["SP-2", "verdict"] == "met"
    # noiseless ceilings within 2 points of the unsplit model (0.92)
    assert rep.loc["SP-3 ceiling", "verdict"] == "met" and rep.loc["SP-4 ceiling", "verdict"] == "missed"
    assert rep.loc["SP-4 ceiling", "gap"] == pytest.approx(-0.005) and rep.loc["SP-5 ceiling", "n"] == 10000
    # a weaker backbone lowers the bar of the "within" targets only
    weak = target_report(table(sp3=0.905), "resnet18", unsplit=0.93).set_index("target")
    assert weak.loc["SP-3", "verdict"] == "met" and weak.loc["unsplit backbone", "verdict"] == "met"
    assert weak.loc["SP-4 ceiling", "verdict"] == "not measured"


def test_missing_rows_tables_and_demo_models_are_reported_not_judged():
    rep = target_report(table().query("split != 'SP-2'"), "resnet34", unsplit=None).set_index("target")
    assert rep.loc["SP-2", "verdict"] == "not measured"
    assert rep.loc["unsplit backbone", "verdict"] == "not measured"
    assert rep.loc["SP-3", "required"] is None or pd.isna(rep.loc["SP-3", "required"])  # no unsplit, no bar
    assert (target_report(None, "resnet18", None).verdict == "not measured").all()
    demo = target_report(table(), "resnet20", unsplit=0.82, ceilings={"SP-3": 0.7, "SP-4": 0.8, "SP-5": 0.81})
    assert (demo.verdict == "no target").all() and demo.required.isna().all()
    assert [t.setting for t in targets_for("resnet20")] == [t.setting for t in targets_for("resnet18")]


def test_agreement_is_exact_on_the_same_images_and_statistical_otherwise():
    assert agreement(0.8123, 10000, 0.8127, 10000)
    assert not agreement(0.8123, 10000, 0.8153, 10000)  # same images and seed: 30 images differ
    assert agreement(0.81, 10000, 0.83, 500)  # 500 images: 2 standard errors is about 5 points
    assert not agreement(0.81, 10000, 0.90, 500)


def test_monotonicity_summary_names_the_worst_drop():
    t = table()
    clean = monotonicity_summary(t)
    assert "6 rows" in clean and "->" not in clean  # how many rows were checked, and no drop named
    t.loc[(t.split == "SP-4") & (t.snr_db == 5.0), "accuracy"] = 0.80  # more SNR, 13.5 points less
    msg = monotonicity_summary(t)
    assert msg.split()[0] == "1" and "SP-4" in msg and "awgn" in msg and "93.50 -> 80.00" in msg
    assert monotonicity_summary(None) == "no table"


def test_targets_cli_without_a_zoo_names_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    assert cli_main(["zoo", "targets", "--backbone", "resnet18", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(r["verdict"] == "not measured" for r in out["targets"])
    assert "scripts/build_zoo.sh resnet18" in out["table"]
    with pytest.raises(SystemExit) as bad:  # argparse's choices=: usage error, one line
        cli_main(["zoo", "targets", "--backbone", "resnet99"])
    err = capsys.readouterr().err
    assert bad.value.code == 2 and "invalid choice: 'resnet99'" in err and len(err.strip().splitlines()) == 1
    assert cli_main(["zoo", "targets", "--backbone", "resnet18", "--measure", "--n", "0"]) == 2
    err = capsys.readouterr().err
    assert "--n" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "cifar10").is_dir(), reason="../shared/datasets not present")
def test_targets_cli_remeasures_the_shipped_zoo(real_cache, capsys):
    """On the shipped ResNet-18 zoo: every target row (the unsplit model, the split ceilings from the
    card, the table's points) re-measured with `evaluate` on the first 250 test images agrees with what is
    shipped within sampling noise, and is judged against the issue's thresholds. (250: the agreement allows
    for the sampling noise of n, and seven ResNet-18 measurements on 500 cost over a minute on 2 cores.)"""
    real_cache.prepare("cifar10")
    assert cli_main(["zoo", "targets", "--backbone", "resnet18", "--measure", "--n", "250", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["target"]: r for r in out["targets"]}
    assert set(rows) == {"unsplit backbone", "SP-2", "SP-3", "SP-4", "SP-3 ceiling", "SP-4 ceiling", "SP-5 ceiling"}
    card = json.loads((ROOT / "pretrained/split/resnet18_cifar10.json").read_text())
    split_card = json.loads((ROOT / "pretrained/split/split_resnet18_cifar10.json").read_text())
    assert rows["unsplit backbone"]["accuracy"] == card["test_accuracy"]
    assert rows["SP-4 ceiling"]["accuracy"] == split_card["split_test_accuracy"]["SP-4"]
    for r in rows.values():
        assert r["verdict"] in ("met", "missed") and r["measured_n"] == 250 and 0.1 < r["measured"] <= 1
        assert r["agrees_with_table"] is True, r
