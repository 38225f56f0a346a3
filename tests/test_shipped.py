"""The artifacts shipped in pretrained/: integrity, and their reported numbers re-measured."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semcom_core.zoo.store import load_shipped, sha256_file

ROOT = Path(__file__).resolve().parent.parent
PRE = ROOT / "pretrained"
SHARED = ROOT.parent / "shared" / "datasets"
CARDS = sorted(p for p in PRE.rglob("*.json") if p.with_suffix(".safetensors").is_file())


def test_pretrained_is_lean():
    total = sum(p.stat().st_size for p in PRE.rglob("*") if p.is_file())
    assert total < 200e6, total


@pytest.mark.parametrize("card_file", CARDS, ids=lambda p: p.stem)
def test_model_cards_match_their_files(card_file):
    card = json.loads(card_file.read_text())
    for key in ("name", "kind", "dataset", "config", "config_sha256", "command", "epochs", "wall_seconds",
                "machine", "parameters", "sha256", "test_accuracy"):
        assert key in card, key
    assert card["sha256"] == sha256_file(card_file.with_suffix(".safetensors"))
    cfg_file = ROOT / card["config_path"]
    if cfg_file.is_file():  # the config that made it is in the repo, unchanged
        import hashlib
        assert hashlib.sha256(cfg_file.read_bytes()).hexdigest() == card["config_sha256"]
    model, _ = load_shipped(card["name"])
    assert sum(p.numel() for p in model.parameters()) == card["parameters"]


@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason="../shared/datasets not present")
@pytest.mark.parametrize("name", [p.stem for p in CARDS if p.stem.startswith("iot_")])
def test_iot_test_accuracy_reproduces_on_the_shipped_file(name, cache_dir):
    from semcom_core.data.loader import ImageData
    from semcom_core.data.prepare import prepare
    from semcom_core.device import get_policy
    from semcom_core.eval.accuracy import evaluate_accuracy
    model, card = load_shipped(name)
    prepare(card["dataset"])
    data = ImageData(card["dataset"], n_val=card["config"]["n_val"], seed=card["config"]["seed"])
    acc = evaluate_accuracy(model, data, "test", get_policy(), 1000)
    assert abs(acc - card["test_accuracy"]) <= 0.001  # at most 10 images differ (thread-count rounding)


SWEEP = PRE / "iot" / "iot_sweep.csv"


@pytest.mark.skipif(not SWEEP.is_file(), reason="iot_sweep.csv not shipped")
def test_iot_sweep_table_covers_the_grid_and_shows_the_cliff():
    t = pd.read_csv(SWEEP)
    grid = np.arange(-10.0, 20.01, 2.5)
    for ds in ("mnist", "fashion-mnist"):
        for ch in ("awgn", "rayleigh"):
            sub = t[(t.dataset == ds) & (t.channel == ch)].sort_values("snr_db")
            assert np.allclose(sub.snr_db, grid) and (sub.n >= 2000).all()
            assert ((sub.learned_ci_low <= sub.learned_accuracy) & (sub.learned_accuracy <= sub.learned_ci_high)).all()
            # separation: near chance at -10 dB, near its clean ceiling at 20 dB
            assert sub.separation_accuracy.iloc[0] < 0.2 and sub.separation_accuracy.iloc[-1] > 0.8
            assert (sub.learned_channel_uses == 16).all() and (sub.separation_channel_uses > 16).all()
    m = t[(t.dataset == "mnist") & (t.channel == "awgn")].set_index("snr_db")
    assert m.loc[-5.0, "learned_accuracy"] > m.loc[-5.0, "separation_ci_high"]  # graceful vs cliff


@pytest.mark.skipif(not SWEEP.is_file() or not (SHARED / "mnist").is_dir(), reason="table or data missing")
def test_iot_sweep_row_reproduces(cache_dir):
    """Re-measure one row (MNIST, AWGN, 2.5 dB: in the LDPC waterfall) with `iot_evaluate`, same seed."""
    from semcom_core.data.prepare import prepare
    from semcom_core.digital.separation import SeparationConfig
    from semcom_core.eval.iot import iot_evaluate
    from semcom_core.zoo.iot import load_iot_models, test_images
    t = pd.read_csv(SWEEP)
    row = t[(t.dataset == "mnist") & (t.channel == "awgn") & (t.snr_db == 2.5)].iloc[0]
    prepare("mnist")
    learned, clf, _, _ = load_iot_models("mnist")
    x, y = test_images("mnist", int(row.n))
    r = iot_evaluate(learned, clf, x, y, "mnist", 2.5, "awgn",
                     SeparationConfig(int(row.jpeg_quality), bool(row.jpeg_headers_sent)), int(row.seed))
    assert r["separation_channel_uses"] == row.separation_channel_uses
    assert abs(r["separation_accuracy"] - row.separation_accuracy) <= 0.002
    assert abs(r["learned_accuracy"] - row.learned_accuracy) <= 0.002


SPLIT_CARDS = [p for p in CARDS if p.parent.name == "split"]


@pytest.mark.skipif(not (SHARED / "cifar10").is_dir(), reason="../shared/datasets not present")
@pytest.mark.parametrize("card_file", SPLIT_CARDS, ids=lambda p: p.stem)
def test_split_zoo_accuracy_reproduces_on_the_shipped_file(card_file, cache_dir):
    """Backbones: test accuracy on the full test set; split models: every split point at k = k_max over a
    noiseless channel, as the card reports."""
    from semcom_core.data.loader import ImageData
    from semcom_core.data.prepare import prepare
    from semcom_core.device import get_policy
    from semcom_core.eval.accuracy import evaluate_accuracy
    from semcom_core.eval.split import noiseless_split_accuracy
    card = json.loads(card_file.read_text())
    model, _ = load_shipped(card["name"])
    prepare(card["dataset"])
    data = ImageData(card["dataset"], n_val=0)
    if card["kind"] == "split":
        assert set(card["split_test_accuracy"]) == set(model.splits)
        for sp, acc in card["split_test_accuracy"].items():
            assert abs(noiseless_split_accuracy(model, sp, data) - acc) <= 0.001, sp
        assert card["test_accuracy"] == min(card["split_test_accuracy"].values())
    else:
        acc = evaluate_accuracy(model, data, "test", get_policy(), 1000)
        assert abs(acc - card["test_accuracy"]) <= 0.001


SPLIT_SWEEPS = sorted((PRE / "split").glob("sweep_*.csv"))


@pytest.mark.parametrize("sweep_file", SPLIT_SWEEPS, ids=lambda p: p.stem)
def test_split_sweep_covers_the_grid(sweep_file):
    from semcom_core.eval.split import SWEEP_SNRS
    from semcom_core.nets.split import K_CHOICES
    t = pd.read_csv(sweep_file)
    backbone, dataset = t.backbone.iloc[0], t.dataset.iloc[0]
    model, card = load_shipped(f"split_{backbone}_{dataset}")
    ks = [k for k in K_CHOICES if k <= model.k_max]
    # AWGN is always there; a table is shipped channel by channel, each channel whole (Rayleigh may come later)
    assert "awgn" in set(t.channel) and set(t.channel) <= {"awgn", "rayleigh"}
    for ch in sorted(set(t.channel)):
        for sp in model.all_splits:
            sub = t[(t.split == sp) & (t.channel == ch)]
            want = len(SWEEP_SNRS) * (len(ks) if sp in model.splits else 1)
            assert len(sub) == want and set(sub.snr_db) == set(SWEEP_SNRS), (ch, sp)
            if sp in model.splits:
                assert sorted(sub.k.unique()) == ks
    assert (t.n >= 2000).all() and t.seed.nunique() == 1 and (t.model == card["name"]).all()
    assert t.accuracy.between(0, 1).all()


@pytest.mark.skipif(not SPLIT_SWEEPS or not (SHARED / "cifar10").is_dir(), reason="table or data missing")
def test_split_sweep_row_reproduces_with_evaluate(cache_dir):
    """One AWGN and one Rayleigh row per shipped table re-measured with `evaluate` (same seed, same images): the same number."""
    from semcom_core.data.prepare import prepare
    from semcom_core.eval.split import evaluate
    prepare("cifar10")
    points = [("SP-2", 16, 0.0, "awgn"), ("SP-4", 64, 5.0, "rayleigh")]  # Rayleigh only where the table has it
    for f in SPLIT_SWEEPS:
        t = pd.read_csv(f)
        for sp, k, snr, ch in points:
            rows = t[(t.split == sp) & (t.k == k) & (t.snr_db == snr) & (t.channel == ch)]
            if ch == "rayleigh" and rows.empty:
                continue
            row = rows.iloc[0]
            r = evaluate(row.dataset, row.backbone, sp, k, snr, ch, int(row.n), seed=int(row.seed))
            assert r["n"] == row.n and abs(r["accuracy"] - row.accuracy) <= 0.001, (f.name, ch, r, row.accuracy)
