"""The artifacts shipped in pretrained/: integrity, and their reported numbers re-measured (in fp32, the
precision every shipped number is measured in, so any machine reproduces it image for image).

Exact (to 0.001, thread-count rounding) wherever the number rests on images this suite can afford: the IoT
model cards (all 10,000 test images), a row of the IoT table and a row of each split-zoo sweep table (rows
measured on the first 2,000 test images). The ResNet-18/34 model cards (10,000 images at every split point:
over an hour on two CPU cores) are checked at every split point on the first 250 test images, within
sampling noise: enough to catch a codec or backbone loaded wrong, while the exact rows catch a change of a
few images in the measurement path. `python benchmarks/reproduce_shipped.py --rows` re-measures every card
number and more rows of every table exactly (run it before shipping)."""
import functools
import hashlib
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
SPLIT_CARDS = [p for p in CARDS if p.parent.name == "split"]
SUBSET = 250  # first test images the split-zoo cards are checked on


def fp32():
    from semcom_core.device import get_policy
    return get_policy(precision="fp32")


@functools.cache
def shipped(name: str):
    """Each shipped model loaded once per session (the tests only run it in eval mode, never modify it)."""
    return load_shipped(name)


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
        assert hashlib.sha256(cfg_file.read_bytes()).hexdigest() == card["config_sha256"]
    model, _ = shipped(card["name"])
    assert sum(p.numel() for p in model.parameters()) == card["parameters"]
    assert card["test_images"] == 10000 and 0 < card["test_accuracy"] <= 1


# ----------------------------------------------------------------------------- IoT (paper 003)
@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason="../shared/datasets not present")
@pytest.mark.parametrize("name", [p.stem for p in CARDS if p.stem.startswith("iot_")])
def test_iot_test_accuracy_reproduces_on_the_shipped_file(name, real_data):
    from semcom_core.eval.accuracy import evaluate_accuracy
    model, card = shipped(name)
    data = real_data.data(card["dataset"])  # the test split does not depend on the card's n_val
    assert len(data.test) == card["test_images"]
    acc = evaluate_accuracy(model, data, "test", fp32(), 1000)
    assert abs(acc - card["test_accuracy"]) <= 0.001  # at most 10 images differ (thread-count rounding)


SWEEP = PRE / "iot" / "iot_sweep.csv"


@pytest.mark.skipif(not SWEEP.is_file(), reason="iot_sweep.csv not shipped")
def test_iot_sweep_table_covers_the_grid_and_shows_the_cliff():
    t = pd.read_csv(SWEEP)
    grid = np.arange(-10.0, 20.01, 2.5)
    assert set(t.channel) == {"complex_awgn", "rayleigh"}  # paper 003 sends complex symbols
    for ds in ("mnist", "fashion-mnist"):
        for ch in ("complex_awgn", "rayleigh"):
            sub = t[(t.dataset == ds) & (t.channel == ch)].sort_values("snr_db")
            assert np.allclose(sub.snr_db, grid) and (sub.n >= 2000).all()
            assert ((sub.learned_ci_low <= sub.learned_accuracy) & (sub.learned_accuracy <= sub.learned_ci_high)).all()
            # separation: near chance at -10 dB, near its clean ceiling at 20 dB
            assert sub.separation_accuracy.iloc[0] < 0.2 and sub.separation_accuracy.iloc[-1] > 0.8
            assert (sub.learned_channel_uses == 16).all() and (sub.separation_channel_uses > 16).all()
    m = t[(t.dataset == "mnist") & (t.channel == "complex_awgn")].set_index("snr_db")
    assert m.loc[-5.0, "learned_accuracy"] > m.loc[-5.0, "separation_ci_high"]  # graceful vs cliff


@pytest.mark.slow
@pytest.mark.skipif(not SWEEP.is_file() or not (SHARED / "mnist").is_dir(), reason="table or data missing")
def test_iot_sweep_row_reproduces(real_cache):
    """Re-measure one row (MNIST, complex AWGN, 2.5 dB: in the LDPC waterfall) with `iot_evaluate`, same seed,
    same images."""
    from semcom_core.digital.separation import SeparationConfig
    from semcom_core.eval.iot import iot_evaluate
    from semcom_core.zoo.iot import load_iot_models, test_images
    t = pd.read_csv(SWEEP)
    row = t[(t.dataset == "mnist") & (t.channel == "complex_awgn") & (t.snr_db == 2.5)].iloc[0]
    real_cache.prepare("mnist")
    learned, clf, _, _ = load_iot_models("mnist")
    x, y = test_images("mnist", int(row.n))
    r = iot_evaluate(learned, clf, x, y, "mnist", 2.5, "complex_awgn",
                     SeparationConfig(int(row.jpeg_quality), bool(row.jpeg_headers_sent), int(row.ldpc_iterations)),
                     int(row.seed))
    assert r["n"] == row.n and r["separation_channel_uses"] == row.separation_channel_uses
    assert r["separation_payload_bits"] == row.separation_payload_bits
    assert abs(r["separation_accuracy"] - row.separation_accuracy) <= 0.001
    assert abs(r["learned_accuracy"] - row.learned_accuracy) <= 0.001
    assert r["separation_failed_images"] == row.separation_failed_images


# ----------------------------------------------------------------------------- split zoo (paper 000)
def _split_accuracies(card: dict, n: int | None, data) -> dict:
    """The card's numbers re-measured on the first n test images (None: all): a split model at every split
    point (k = k_max over a noiseless channel), any other model with no channel."""
    from semcom_core.eval.accuracy import evaluate_accuracy
    from semcom_core.eval.split import noiseless_split_accuracy
    model, _ = shipped(card["name"])
    if card["kind"] == "split":
        assert set(card["split_test_accuracy"]) == set(model.splits)
        assert card["test_accuracy"] == min(card["split_test_accuracy"].values())
        return {sp: noiseless_split_accuracy(model, sp, data, n=n) for sp in card["split_test_accuracy"]}
    return {"test": evaluate_accuracy(model, data, "test", fp32(), 500, limit=n)}


def _card_numbers(card: dict) -> dict:
    return dict(card["split_test_accuracy"]) if card["kind"] == "split" else {"test": card["test_accuracy"]}


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "cifar10").is_dir(), reason="../shared/datasets not present")
@pytest.mark.parametrize("card_file", SPLIT_CARDS, ids=lambda p: p.stem)
def test_split_zoo_accuracy_agrees_on_the_first_test_images(card_file, real_data):
    """Every number of the card (each split point, or the backbone's accuracy), re-measured on the first
    250 test images, agrees with the card's 10,000-image number within sampling noise (`agreement`: two
    standard errors of a difference; the first 250 are part of the 10,000, so this is conservative)."""
    from semcom_core.eval.targets import agreement
    card = json.loads(card_file.read_text())
    measured = _split_accuracies(card, SUBSET, real_data.data(card["dataset"]))
    for key, acc in _card_numbers(card).items():
        assert agreement(acc, card["test_images"], measured[key], SUBSET), (key, measured[key], acc)


SPLIT_SWEEPS = sorted((PRE / "split").glob("sweep_*.csv"))
# (split, k, SNR in dB, channel) of the rows re-measured exactly here, per backbone: rows measured on the first
# 2,000 test images, at another split point each (ResNet-18's SP-4 is trained end to end, stored in int8)
ROW_POINTS = {"resnet18": [("SP-4", 64, 5.0, "rayleigh")], "resnet34": [("SP-2", 256, 10.0, "rayleigh")]}


@pytest.mark.parametrize("sweep_file", SPLIT_SWEEPS, ids=lambda p: p.stem)
def test_split_sweep_covers_the_grid(sweep_file):
    from semcom_core.eval.split import SWEEP_SNRS
    from semcom_core.nets.split import K_CHOICES
    t = pd.read_csv(sweep_file)
    backbone, dataset = t.backbone.iloc[0], t.dataset.iloc[0]
    model, card = shipped(f"split_{backbone}_{dataset}")
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
    assert (t.n >= 1000).all() and t.seed.nunique() == 1 and (t.model == card["name"]).all()
    assert t.accuracy.between(0, 1).all()


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "cifar10").is_dir(), reason="../shared/datasets not present")
@pytest.mark.parametrize("backbone", sorted(ROW_POINTS))
def test_split_sweep_row_reproduces_with_evaluate(backbone, real_data):
    """Rows of a shipped table re-measured with `evaluate` (same seed, same images, fp32): the same number."""
    from semcom_core.eval.split import evaluate
    sweep_file = PRE / "split" / f"sweep_{backbone}_cifar10.csv"
    if not sweep_file.is_file():
        pytest.skip(f"{sweep_file.name} not shipped")
    t = pd.read_csv(sweep_file)
    for sp, k, snr, ch in ROW_POINTS[backbone]:
        rows = t[(t.split == sp) & (t.k == k) & (t.snr_db == snr) & (t.channel == ch)]
        assert len(rows) == 1, (sp, k, snr, ch)
        row = rows.iloc[0]
        r = evaluate(row.dataset, row.backbone, sp, k, snr, ch, int(row.n), seed=int(row.seed),
                     data=real_data.data(row.dataset))
        assert r["precision"] == "fp32" and r["n"] == row.n
        assert abs(r["accuracy"] - row.accuracy) <= 0.001, (sweep_file.name, sp, ch, r["accuracy"], row.accuracy)
