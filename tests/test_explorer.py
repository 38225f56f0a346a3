"""The explorer's logic (table readings, Fig. 6, monotonicity checks, live inference) and its plot
builders, on small tables and models the tests make."""
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import torch

from semcom_core.costs import compute as C
from semcom_core.data.registry import DatasetError
from semcom_core.digital.link import label_channel_uses
from semcom_core.eval import live as L
from semcom_core.eval import readings as R
from semcom_core.nets import build_backbone
from semcom_core.nets.multisplit import MultiSplitModel
from semcom_core.zoo import naming as N
from semcom_core.zoo import tables as T
from semcom_ui import plots
from semcom_ui.views import explorer as X

SNRS = (-5.0, 0.0, 3.0, 5.0, 10.0, 20.0)
KS = (1, 2, 4, 8, 16)


def synthetic_table(n=2000) -> pd.DataFrame:
    """Accuracy rising with k and SNR, saturating at a split-dependent ceiling (SP-0/SP-5: fixed k)."""
    rows = []
    for sp, ceil in (("SP-1", 0.9), ("SP-2", 0.85), ("SP-3", 0.8)):
        for k in KS:
            for s in SNRS:
                acc = 0.1 + (ceil - 0.1) * (1 - math.exp(-k / 4)) / (1 + math.exp(-(s - 2) / 2))
                rows.append({"split": sp, "k": k, "channel": "awgn", "snr_db": s, "accuracy": acc, "n": n})
    for sp, k, acc in (("SP-0", 3072, 0.3), ("SP-5", 10, 0.92)):
        for s in SNRS:
            rows.append({"split": sp, "k": k, "channel": "awgn", "snr_db": s, "accuracy": acc * min(1, (s + 10) / 15),
                         "n": n})
    return pd.DataFrame(rows)


def test_accuracy_at_exact_interpolated_and_outside():
    t = synthetic_table()
    exact = R.accuracy_at(t, "SP-2", 8, 3.0, "awgn")
    row = t[(t.split == "SP-2") & (t.k == 8) & (t.snr_db == 3.0)].accuracy.item()
    assert exact.exact and exact.accuracy == row and exact.n == 2000 and "3 dB" in exact.how
    mid = R.accuracy_at(t, "SP-2", 8, 4.0, "awgn")
    a3, a5 = row, t[(t.split == "SP-2") & (t.k == 8) & (t.snr_db == 5.0)].accuracy.item()
    assert not mid.exact and mid.accuracy == pytest.approx((a3 + a5) / 2) and "between 3 and 5" in mid.how
    hi = R.accuracy_at(t, "SP-2", 8, 30.0, "awgn")
    assert hi.accuracy == t[(t.split == "SP-2") & (t.k == 8) & (t.snr_db == 20.0)].accuracy.item()
    assert "nearest" in hi.how
    # fixed-size split points are read at their fixed size (the explorer's k for them); unknown rows give None
    assert R.accuracy_at(t, "SP-5", 10, 20.0, "awgn").accuracy == pytest.approx(0.92)
    assert R.accuracy_at(t, "SP-2", 64, 5.0, "awgn") is None
    assert R.accuracy_at(t, "SP-2", 8, 5.0, "rayleigh") is None


def test_a_measured_reading_carries_its_95_percent_interval():
    """The interval contains the value, is about ±2.2 points at 50 % on 2,000 images, narrows with n,
    and an interpolated reading has none (it is no measurement)."""
    reading = R.accuracy_at(synthetic_table(2000), "SP-2", 8, 3.0, "awgn")
    (lo, hi), acc = reading.interval, reading.accuracy
    lo10, hi10 = R.accuracy_at(synthetic_table(10000), "SP-2", 8, 3.0, "awgn").interval
    assert lo < acc < hi and lo < lo10 < acc < hi10 < hi
    half = R.AccuracyReading(0.5, 2000, "measured at 5 dB", True).interval
    assert half[1] - half[0] == pytest.approx(2 * 1.96 * math.sqrt(0.25 / 2000), rel=0.01)
    assert R.accuracy_at(synthetic_table(), "SP-2", 8, 4.0, "awgn").interval is None


def says(text: str, *parts: str) -> bool:
    return all(p in text for p in parts)


def test_training_note_names_the_budget_and_explains_a_far_ceiling():
    card = {"name": "split_resnet34_cifar10", "epochs": 3, "wall_seconds": 6481.2,
            "device": "CPU (cpu), fp32, 2 threads, channels_last",
            "split_test_accuracy": {"SP-1": 0.1467, "SP-4": 0.8595, "SP-5": 0.8856}}
    low = X.training_note(card, "SP-1", 1024, 0.8895)
    assert low.far_below
    # which model and split, its budget (epochs, hours, device and precision), its ceiling at k_max and the unsplit's
    assert says(low.text, "SP-1", "split_resnet34_cifar10", "3 epochs", "1.8 h", "CPU (cpu), fp32", "1024",
                "14.67 %", "88.95 %") and "threads" not in low.text
    # far below after a short run: the paper's budget and where the numbers are
    assert says(low.text, f"{X.PAPER_EPOCHS}", "paper 000", "docs/compute.md")
    near = X.training_note(card, "SP-5", 1024, 0.8895)  # 0.4 points below: a plain fact line, no excuse
    assert not near.far_below and says(near.text, "SP-5", "88.56 %", "88.95 %") and "docs/compute.md" not in near.text
    assert X.training_note(card, "SP-4", 1024, 0.8895).far_below is False  # 3.0 points: within the 5-point margin
    assert X.training_note(card, "SP-4", 1024, 0.8895, far=0.02).far_below
    # a continued model counts all its training; no unsplit reference, no comparison
    cont = X.training_note(card | {"epochs_total": 8, "wall_seconds_total": 18000}, "SP-1", 1024, None)
    assert says(cont.text, "8 epochs", "5.0 h", "14.67 %") and not cont.far_below and "unsplit" not in cont.text
    assert "3 epochs" not in cont.text
    assert says(low.text, "kept frozen, and it trained for 3 epochs, where paper 000")
    # a split retrained on the frozen backbone with copies of some stages: says which, and that the rest is frozen
    part = card | {"split_training": {"SP-1": {"epochs": 1, "wall_seconds": 469.0, "device": "CPU (cpu), bf16 autocast",
                                               "end_to_end": False,
                                               "config": {"adapt": {"SP-1": ["conv1", "conv2_x", "conv3_x", "head"]}}}}}
    assert says(X.training_note(part, "SP-1", 1024, 0.8895).text,
                "SP-1 codec and its own copies of conv1, conv2_x, conv3_x and the head were retrained on the frozen "
                "backbone for 1 epoch, 0.1 h", "kept frozen, and it trained for 1 epoch, where")
    head_only = card | {"split_training": {"SP-1": {"epochs": 1, "end_to_end": False,
                                                    "config": {"adapt": {"SP-1": ["head"]}}}}}
    assert says(X.training_note(head_only, "SP-1", 1024, 0.8895).text, "SP-1 codec and its own copy of the head were")
    # a paper-length training run with the same gap: flagged, but no budget blamed
    full = X.training_note(card | {"epochs": 100}, "SP-1", 1024, 0.8895)
    assert full.far_below and says(full.text, "100 epochs", "88.95 %") and "docs/compute.md" not in full.text
    # a split retrained in a run of its own: that run's budget, not the card's
    own = card | {"split_training": {"SP-1": {"epochs": 5, "wall_seconds": 3600.0, "device": "GPU (cuda), bf16 autocast",
                                              "end_to_end": True}}}
    retrained = X.training_note(own, "SP-1", 1024, 0.8895)
    assert says(retrained.text, "SP-1", "5 epochs", "1.0 h", "GPU (cuda), bf16 autocast", "14.67 %")
    assert "3 epochs" not in retrained.text and "1.8 h" not in retrained.text
    assert says(retrained.text, "from the unsplit backbone") and "checkpoint" not in retrained.text
    assert says(retrained.text, "it trained for 5 epochs") and "frozen" not in retrained.text  # end to end: no frozen part
    # started from another checkpoint of the backbone than the shipped one (the card records both): said
    ref = {"backbone_from": {"name": "resnet34_cifar10", "sha256": "e1ec473c" + "0" * 56}}
    same = own | ref | {"split_training": {"SP-1": own["split_training"]["SP-1"]
                                           | {"init_from": {"path": "x", "sha256": "e1ec473c" + "0" * 56}}}}
    assert "checkpoint" not in X.training_note(same, "SP-1", 1024, 0.8895).text
    other = same | {"split_training": {"SP-1": own["split_training"]["SP-1"]
                                       | {"init_from": {"path": "x", "sha256": "b805dbe9" + "1" * 56}}}}
    assert says(X.training_note(other, "SP-1", 1024, 0.8895).text,
                "another checkpoint of the unsplit backbone", "b805dbe9", "not the shipped one")
    # the backbone embedded in the file, or only the card's own init_from: the same comparison
    embedded = {k: v for k, v in other.items() if k != "backbone_from"} | {"backbone_embedded_from": ref["backbone_from"]}
    assert "b805dbe9" in X.training_note(embedded, "SP-1", 1024, 0.8895).text
    bare = {k: v for k, v in other.items() if k != "backbone_from"}
    assert "checkpoint" not in X.training_note(bare, "SP-1", 1024, 0.8895).text  # nothing to compare with
    assert "b805dbe9" in X.training_note(bare | {"init_from": ref["backbone_from"]}, "SP-1", 1024, 0.8895).text
    # continued with a re-drawn schedule (a warm restart): said, with where and how high the learning rate went
    changes = [{"after_epoch": 5, "epochs_before": 5, "epochs_after": 12, "lr_fraction_of_peak": 0.633},
               {"after_epoch": 6, "epochs_before": 12, "epochs_after": 10, "lr_fraction_of_peak": 0.3484}]
    restarted = X.training_note(card | {"split_training": {"SP-1": {"epochs": 10, "end_to_end": True,
                                                                     "schedule_changes": changes}}}, "SP-1", 1024, 0.8895)
    assert says(restarted.text, "10 epochs", "after epoch 5", "over 12 epochs", "63 %", "after epoch 6",
                "shortened to 10 epochs", "35 %") and "re-drawn over 10" not in restarted.text
    assert "re-drawn" not in retrained.text
    # continued from its shipped earlier version (`--continue-shipped`): all the epochs, both stages, and the
    # backbone checkpoint the first run started from
    first_run = {"epochs": 29, "wall_seconds": 20783.0, "schedule_changes": changes,
                 "init_from": {"path": "x", "sha256": "b805dbe9" + "1" * 56}}
    shortened = [{"after_epoch": 1, "epochs_before": 10, "epochs_after": 8, "lr_fraction_of_peak": 0.9651}]
    cont_own = same | {"split_training": {"SP-1": {"epochs": 8, "end_to_end": True, "epochs_total": 37,
                                                   "schedule_changes": shortened,
                                                   "wall_seconds": 3600.0, "wall_seconds_total": 24383.0,
                                                   "init_from": {"path": "y", "sha256": "e1ec473c" + "0" * 56},
                                                   "history": [first_run]}}}
    twice = X.training_note(cont_own, "SP-1", 1024, 0.8895).text
    assert says(twice, "37 epochs", "6.8 h", "29 epochs with 1 warm restart and 1 shortening",
                "new cosine schedule of 10 epochs", "after epoch 30 it was shortened to 8 epochs", "97 %",
                "another checkpoint of the unsplit backbone", "b805dbe9")
    # continued a second time: each earlier run said in turn, the epochs numbered after all of them
    second = {"epochs": 8, "wall_seconds": 3600.0, "schedule_changes": shortened}
    cont_again = same | {"split_training": {"SP-1": {"epochs": 8, "end_to_end": True, "epochs_total": 45,
                                                     "schedule_changes": shortened, "wall_seconds": 3600.0,
                                                     "history": [first_run, second]}}}
    thrice = X.training_note(cont_again, "SP-1", 1024, 0.8895).text
    assert says(thrice, "45 epochs", "29 epochs with 1 warm restart and 1 shortening, then 8 more on a new cosine "
                "schedule with 1 shortening, then continued from that model on a new cosine schedule of 10 epochs",
                "after epoch 38 it was shortened to 8 epochs")
    # runs trained with Cutout: said with their epochs; a first run with Cutout says it of all of them
    cut = cont_again | {"split_training": {"SP-1": cont_again["split_training"]["SP-1"] | {"config": {"cutout": 12}}}}
    assert says(X.training_note(cut, "SP-1", 1024, 0.8895).text, "epochs 38-45 with Cutout",
                "one 12 x 12-pixel square of each training image set to the mean colour", "after epoch 38")
    earlier = cont_again["split_training"]["SP-1"] | {"history": [first_run, second | {"cutout": 16}]}
    both = X.training_note(cont_again | {"split_training": {"SP-1": earlier}}, "SP-1", 1024, 0.8895).text
    assert says(both, "epochs 30-37 with Cutout, one 16 x 16") and "epochs 38-45 with Cutout" not in both
    first_cut = X.training_note(own | {"split_training": {"SP-1": own["split_training"]["SP-1"]
                                                          | {"config": {"cutout": 8}}}}, "SP-1", 1024, 0.8895).text
    assert says(first_cut, "5 epochs", "(with Cutout, one 8 x 8-pixel square") and "epochs 1-5" not in first_cut
    assert "Cutout" not in thrice and "Cutout" not in retrained.text
    # a card continued as a whole (no per-split record): its own history and Cutout
    whole = X.training_note(card | {"config": {"cutout": 8}, "epochs_total": 11, "history": [{"epochs": 3}]},
                            "SP-4", 1024, 0.8895).text
    assert says(whole, "11 epochs", "then continued from that model on a new cosine schedule of 3 epochs",
                "epochs 4-6 with Cutout, one 8 x 8")
    # no codec at the image or the label, no measurement in the card: nothing to say
    assert X.training_note(card, "SP-0", 1024, 0.8895) is None
    assert X.training_note({"name": "x"}, "SP-1", 16, 0.5) is None


def test_training_note_says_which_k_and_snr_the_model_was_trained_on():
    # the draw follows MultiSplitModel.sample_k: with k_ref, half at k_ref and half log-uniform over k_min..k_max
    cfg = {"k_ref": 64, "k_min": 16, "k_max": 1024, "snr_db_range": [-5.0, 20.0]}
    m = MultiSplitModel(build_backbone("resnet20"), ["SP-2"], k_max=1024, k_ref=64, k_min=16)
    ks = m.sample_k(4000, torch.Generator().manual_seed(0))
    assert int(ks.min()) >= 16 and int(ks.max()) <= 1024 and 0.45 < float((ks == 64).float().mean()) < 0.6
    assert X.training_draw(cfg, 1024) == ("k drawn per image, half at 64 and half log-uniform over 16..1024, and "
                                          "SNR uniform over -5..20 dB (AWGN); it never saw k below 16")
    assert X.training_draw({"k_max": 256, "snr_db_range": [0, 10]}, 1024) == (
        "k drawn per image from the powers of two up to 256, and SNR uniform over 0..10 dB (AWGN)")
    assert X.training_draw({}, 1024) == "" and X.training_draw({"epochs": 3, "lr": 0.1}, 1024) == ""
    card = {"name": "m", "epochs": 5, "split_test_accuracy": {"SP-4": 0.90},
            "split_training": {"SP-4": {"epochs": 5, "end_to_end": True, "config": cfg}}}
    assert says(X.training_note(card, "SP-4", 1024, 0.91).text, "It was trained on k drawn per image, half at 64",
                "it never saw k below 16. Over a noiseless channel")
    assert "trained on k" not in X.training_note({**card, "split_training": {}}, "SP-4", 1024, 0.91).text


def test_shipped_split_cards_say_what_each_split_was_trained_on():
    import json
    from semcom_core.paths import pretrained_dir
    card = json.loads((pretrained_dir() / "split" / "split_resnet18_cifar10.json").read_text())
    drawn = {s: (t or {}).get("config") or {} for s, t in (card.get("split_training") or {}).items()}
    drawn = {s: c for s, c in drawn.items() if c.get("k_ref")}
    assert {"SP-2", "SP-3", "SP-4"} <= set(drawn)  # the end-to-end splits draw k around their reference k
    for split, cfg in drawn.items():
        assert says(X.training_note(card, split, 1024, None).text,
                    f"half at {cfg['k_ref']} and half log-uniform over {cfg['k_min']}..{cfg['k_max']}")


def test_min_k_for_target_is_the_smallest_k_reaching_it():
    t = synthetic_table()
    mk = R.min_k_for_target(t, 0.7, "awgn")
    for r in mk.itertuples():
        g = t[(t.split == r.split) & (t.snr_db == r.snr_db)]
        reaching = sorted(g[g.accuracy >= 0.7].k)
        if reaching:
            assert r.min_k == reaching[0] and r.normalized_communication == pytest.approx(reaching[0] / 3072)
        else:
            assert math.isnan(r.normalized_communication)
    # more SNR never needs more numbers on this monotone table; an unreachable target gives NaN everywhere
    for sp, g in mk[mk.split.isin(["SP-1", "SP-2", "SP-3"])].groupby("split"):
        ks = g.sort_values("snr_db").min_k.dropna().to_numpy()
        assert np.all(np.diff(ks) <= 0), sp
    assert R.min_k_for_target(t, 0.99, "awgn").normalized_communication.isna().all()


def test_monotonicity_report_flags_real_drops_only():
    t = synthetic_table(n=10000)
    assert R.monotonicity_report(t).empty
    i = t[(t.split == "SP-1") & (t.k == 8) & (t.snr_db == 10.0)].index[0]
    lower_k = t[(t.split == "SP-1") & (t.k == 4) & (t.snr_db == 10.0)].accuracy.item()
    lower_snr = t[(t.split == "SP-1") & (t.k == 8) & (t.snr_db == 5.0)].accuracy.item()
    bad = t.copy()
    bad.loc[i, "accuracy"] = min(lower_k, lower_snr) - 0.05  # a real dip, below both neighbours
    rep = R.monotonicity_report(bad)
    assert set(rep.along) == {"k", "snr_db"} and (rep.split == "SP-1").all()
    assert rep["drop"].min() >= 0.05 - 1e-9
    noisy = t.copy()
    noisy.loc[i, "accuracy"] = max(lower_k, lower_snr) - 0.002  # a dip within sampling noise at n = 10,000
    assert R.monotonicity_report(noisy).empty


def test_load_sweep_names_the_command_when_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    with pytest.raises(DatasetError, match="build_zoo.sh resnet18"):
        T.load_sweep("resnet18", "cifar10")
    (tmp_path / "split").mkdir()
    pd.DataFrame({"split": ["SP-1"], "k": [1]}).to_csv(N.sweep_path("resnet18", "cifar10"), index=False)
    with pytest.raises(DatasetError, match="lacks columns"):
        T.load_sweep("resnet18", "cifar10")
    assert not T.has_split_model("resnet18", "cifar10") and T.unsplit_accuracy("resnet18", "cifar10") is None


def test_channel_table_keeps_one_channel_and_names_the_command_when_it_has_none():
    t = synthetic_table()
    t = pd.concat([t, t.assign(channel="rayleigh", accuracy=t.accuracy - 0.05)], ignore_index=True)
    ray = T.channel_table(t, "rayleigh", "resnet18")
    assert set(ray.channel) == {"rayleigh"} and len(ray) == len(t) // 2
    with pytest.raises(DatasetError, match=r"no rayleigh rows yet \(measured: awgn\).*build_zoo.sh resnet18"):
        T.channel_table(t[t.channel == "awgn"], "rayleigh", "resnet18")


def test_default_backbone_prefers_a_table_then_a_split_model(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    bbs = ("resnet18", "resnet34", "resnet20")
    assert X.default_backbone(bbs, "cifar10") == "resnet18"  # nothing shipped
    (tmp_path / "split").mkdir()
    for ext in ("json", "safetensors"):  # a split model but no table yet for resnet34
        (tmp_path / "split" / f"split_resnet34_cifar10.{ext}").write_text("{}")
    assert X.default_backbone(bbs, "cifar10") == "resnet34"
    N.sweep_path("resnet20", "cifar10").write_text("split,k\n")  # a table wins over a model alone
    assert X.default_backbone(bbs, "cifar10") == "resnet20"


@pytest.fixture(scope="module")
def tiny_multi():
    torch.manual_seed(0)
    return MultiSplitModel(build_backbone("resnet20", 10), ["SP-1", "SP-2", "SP-3", "SP-4"], k_max=16).eval()


def test_live_split_noise_is_seeded_and_vanishes_at_high_snr(tiny_multi):
    img = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    a = L.live_split(tiny_multi, "SP-2", img, "cifar10", 8, 0.0, "awgn", seed=3)
    b = L.live_split(tiny_multi, "SP-2", img, "cifar10", 8, 0.0, "awgn", seed=3)
    c = L.live_split(tiny_multi, "SP-2", img, "cifar10", 8, 0.0, "awgn", seed=4)
    assert a.k == 8 and a.sent.shape == a.received.shape == (8,)
    assert np.allclose(a.received, b.received) and not np.allclose(a.received, c.received)
    assert np.sum(a.sent ** 2) == pytest.approx(8, rel=1e-4)  # power-normalized: ||z_k||^2 = k
    noise = a.received - a.sent
    assert 0.5 < np.mean(noise ** 2) < 2.0  # 0 dB: noise power ~ signal power per element
    quiet = L.live_split(tiny_multi, "SP-2", img, "cifar10", 8, 60.0, "awgn", seed=3)
    assert np.allclose(quiet.probs_clean, quiet.probs_noisy, atol=1e-3) and not quiet.changed
    assert abs(a.probs_noisy.sum() - 1) < 1e-5 and len(a.top("noisy")) == 5
    assert [p for _, p in a.top("clean")] == sorted([p for _, p in a.top("clean")], reverse=True)
    # the image and the logits are sent whole, whatever k says
    assert L.live_split(tiny_multi, "SP-0", img, "cifar10", 8, 10.0, "awgn").k == 3072
    assert L.live_split(tiny_multi, "SP-5", img, "cifar10", 8, 10.0, "awgn").k == 10
    with pytest.raises(ValueError):
        L.live_split(tiny_multi, "SP-2", img, "cifar10", 32, 10.0, "awgn")  # beyond k_max = 16


def test_live_split_from_cached_transmitter_output_is_the_same_run(tiny_multi):
    """The app keeps the transmitter's output per image and split and the noiseless answer per k, and runs only
    the noisy receiver pass on an SNR or noise change: the numbers must be exactly those of a full run."""
    img = np.random.default_rng(2).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    for sp, k in (("SP-0", 8), ("SP-2", 4), ("SP-4", 16), ("SP-5", 8)):
        full = L.live_split(tiny_multi, sp, img, "cifar10", k, 3.0, "awgn", seed=5)
        f = L.transmit(tiny_multi, sp, img, "cifar10")
        clean = L.noiseless_probs(tiny_multi, sp, f, k)
        part = L.live_split(tiny_multi, sp, img, "cifar10", k, 3.0, "awgn", seed=5, features=f, clean=clean)
        for a, b in ((full.sent, part.sent), (full.received, part.received), (full.probs_clean, part.probs_clean),
                     (full.probs_noisy, part.probs_noisy)):
            assert np.array_equal(a, b), sp
        assert not np.array_equal(full.sent, full.received)  # the noise is there


def test_unsplit_reference_is_the_backbones_softmax_and_top_classes_are_ordered(tiny_multi):
    img = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    net = tiny_multi.backbone
    p = L.unsplit_probs(net, img, "cifar10")
    with torch.no_grad():
        want = torch.softmax(net.eval()(L.image_to_input(img, "cifar10")), 1)[0].numpy()
    assert p.shape == (10,) and np.allclose(p, want, atol=1e-6) and p.sum() == pytest.approx(1, abs=1e-5)
    top = L.top_classes(p, 3)
    assert [i for i, _ in top] == list(np.argsort(-p)[:3]) and top[0][1] >= top[1][1] >= top[2][1]
    assert L.top_classes(np.array([0.2, 0.5, 0.3]), 5) == [(1, 0.5), (2, 0.3), (0, 0.2)]


def test_image_to_input_uses_the_dataset_statistics():
    img = np.full((32, 32, 3), 255, np.uint8)
    x = L.image_to_input(img, "cifar10")
    assert x.shape == (1, 3, 32, 32)
    assert x[0, 0, 0, 0].item() == pytest.approx((1 - 0.4914) / 0.2470, rel=1e-4)


# ----------------------------------------------------------------------------- plot builders
def widths(fig):
    return {t.name: t.line.width for t in fig.data if isinstance(t, go.Scatter) and t.line.width}


def marker_xs(fig) -> list[list[float]]:
    """x of the vertical markers, and no layout line shape on a log x axis (placed differently by plotly.js versions)."""
    if fig.layout.xaxis.type == "log":
        assert not [sh for sh in fig.layout.shapes if sh.type == "line" and sh.xref in (None, "x")]
    return [list(d.x) for d in fig.data if d.hoverinfo == "skip" and d.line.dash == "dash"]


def test_accuracy_vs_k_and_snr_highlight_the_current_choice():
    t = synthetic_table()
    rows = t[t.split == "SP-2"]
    fig = plots.accuracy_vs_k_figure(rows, 8, 4.2, unsplit_accuracy=0.93)
    assert len(fig.data) == len(SNRS) + 1 and widths(fig)["5 dB"] == 4 and widths(fig)["3 dB"] == 1.5
    assert list(fig.data[0].x) == list(KS) and fig.layout.xaxis.type == "log"
    assert marker_xs(fig) == [[8, 8]]  # the current k, in data units on the log axis
    fig = plots.accuracy_vs_snr_figure(rows, 8, 4.2, reading=0.5)
    assert widths(fig)["k = 8"] == 4 and widths(fig)["k = 1"] == 1.2
    star = [d for d in fig.data if d.name == "current setting"][0]
    assert list(star.x) == [4.2] and list(star.y) == [0.5]


def test_heatmap_has_one_cell_per_split_and_k_with_the_choice_boxed():
    t = synthetic_table()
    fig = plots.accuracy_heatmap_figure(t[t.snr_db == 5.0], "SP-2", 4, 5.0)
    z = np.array(fig.data[0].z)
    assert z.shape == (5, len(KS)) and list(fig.data[0].y) == ["SP-0", "SP-1", "SP-2", "SP-3", "SP-5"]
    assert z[0, 0] == z[0, -1]  # SP-0 sends a fixed size: the same in every column
    assert z[2, 2] == pytest.approx(t[(t.split == "SP-2") & (t.k == 4) & (t.snr_db == 5.0)].accuracy.item())
    box = fig.layout.shapes[0]
    assert (box.x0 + box.x1) / 2 == 2 and (box.y0 + box.y1) / 2 == 2
    assert fig.layout.xaxis.type == "category"  # evenly spaced k columns, not a linear 1..1024 axis


def test_min_communication_figure_with_shannon_bound():
    t = synthetic_table()
    mk = R.min_k_for_target(t, 0.6, "awgn")
    grid = np.linspace(-10, 30, 41)
    sh = pd.DataFrame({"snr_db": grid, "normalized_communication":
                       [2 * label_channel_uses(10, s) / 3072 for s in grid]})
    fig = plots.min_communication_figure(mk, 0.6, 5.0, "SP-2", sh)
    names = [d.name for d in fig.data]
    assert "Shannon bound (label)" in names and set(mk.split) <= set(names)
    assert widths(fig)["SP-2"] == 4 and fig.layout.yaxis.type == "log"
    bound = np.array(fig.data[-1].y)
    assert np.all(np.diff(bound) < 0)  # more SNR, fewer channel uses


def diagram_boxes(svg: str) -> list[tuple[str, str]]:
    """(fill colour, bold label) of every block in the SVG diagram, in order."""
    import re
    return re.findall(r'<g class="block">.*?fill="(#[0-9a-f]+)".*?font-weight="bold">([^<]*)</text>', svg, re.S)


def test_network_diagram_colours_each_side_and_counts_its_macs():
    st = list(C.stage_costs("resnet18", 10))
    assert sum(s["macs"] for s in st) == C.split_costs("resnet18", 10, "SP-1").unsplit_macs
    for cut in (0, 3, len(st)):
        svg = plots.network_diagram_svg(st, cut, 64, f"SP-{cut}")
        boxes = diagram_boxes(svg)
        assert [name for _, name in boxes] == ["image"] + [s["stage"] for s in st] + ["label"]
        tx = [name for colour, name in boxes if colour == "#1f77b4"]
        assert tx == ["image"] + [s["stage"] for s in st[:cut]]  # the image and the first `cut` stages
        tx_macs = sum(s["macs"] for s in st[:cut])
        assert f"transmitter: {tx_macs / 1e6:,.1f} M MACs" in svg
        assert f'<tspan font-weight="bold">SP-{cut}</tspan>: channel carries 64 numbers' in svg


def test_network_diagram_draws_the_codec_and_matches_the_cost_model():
    st = list(C.stage_costs("resnet18", 10))
    for cut in (0, 2, 4, len(st)):
        c = C.split_costs("resnet18", 10, f"SP-{cut}", 64)
        codec = C.codec_costs(c, st, cut)
        has_codec = 0 < cut < len(st)
        assert (codec["compress_macs"] > 0 and codec["decompress_macs"] > 0) == has_codec
        assert min(codec.values()) >= 0
        svg = plots.network_diagram_svg(st, cut, 64, f"SP-{cut}", codec)
        names = [name for _, name in diagram_boxes(svg)]
        assert len(names) == len(st) + 2 + 2 * has_codec
        assert ("compress" in names) == has_codec and ("decompress" in names) == has_codec
        if has_codec:  # at the cut: compress (transmitter) then decompress (receiver), z carrying k numbers
            i = names.index("compress")
            assert names[i + 1] == "decompress" and names[i - 1] == st[cut - 1]["stage"] and "z: 64" in svg
        # the side totals are the cost model's (the headline numbers), codec included
        assert f"transmitter: {c.tx_macs / 1e6:,.1f} M MACs" in svg
        assert f"receiver: {c.rx_macs / 1e6:,.1f} M MACs" in svg
        assert f"{c.rx_params / 1e6:,.2f} M params" in svg
        tx = [name for colour, name in diagram_boxes(svg) if colour == "#1f77b4"]
        assert len(tx) == cut + 1 + has_codec  # the image, the first `cut` stages and the compressor
        # each stage's exact MACs and parameters in its tooltip
        for s in st:
            assert f"{s['macs']:,} MACs" in svg and f"{s['params']:,} parameters" in svg


def test_vector_and_top5_figures():
    fig = plots.vector_figure(np.arange(1000.0), np.arange(1000.0) + 1, max_points=256)
    assert len(fig.data[0].x) == 256 and "first 256 of 1000" in fig.layout.title.text
    sent, received = fig.data  # each one line (one path in the browser), every element's value in it
    assert sent.mode == received.mode == "lines" and list(received.y) == list(np.arange(256.0) + 1)
    fig = plots.top5_figure({"noiseless channel": [("cat", 0.6), ("dog", 0.3)],
                             "noisy channel": [("dog", 0.5), ("cat", 0.4)]})
    assert list(fig.data[0].y) == ["dog", "cat"] and list(fig.data[1].x) == [0.4, 0.5]
    assert [t.name for t in fig.data] == ["noiseless channel", "noisy channel"]
    assert len(plots.top5_figure({"unsplit model": [("cat", 0.9)]}).data) == 1


def test_a_table_measured_row_by_row_gives_no_reading_at_a_k_it_does_not_hold_yet():
    # what `sweep --redo --splits SP-3` leaves early on: SP-3 measured at k = 1 only
    t = synthetic_table()
    partial = pd.concat([t[t.split != "SP-3"], t[(t.split == "SP-3") & (t.k == 1)]])
    assert R.accuracy_at(partial, "SP-3", 8, 5.0, "awgn") is None  # never k = 1's accuracy under k = 8
    assert R.accuracy_at(partial, "SP-3", 1, 5.0, "awgn").accuracy == pytest.approx(
        t[(t.split == "SP-3") & (t.k == 1) & (t.snr_db == 5.0)].accuracy.item())
    # the fixed-size split points are read at their fixed size, which their rows carry as k
    assert R.accuracy_at(partial, "SP-0", 3072, 5.0, "awgn").accuracy == pytest.approx(0.3)
    assert R.accuracy_at(partial, "SP-5", 10, 20.0, "awgn").accuracy == pytest.approx(0.92)
    z = np.array(plots.accuracy_heatmap_figure(partial[partial.snr_db == 5.0], "SP-3", 8, 5.0).data[0].z)
    assert not np.isnan(z[3, 0]) and np.isnan(z[3, 1:]).all()  # SP-3 in the k = 1 column only
    assert z[0, 0] == z[0, -1]  # SP-0 still in every column
    fig = plots.accuracy_vs_snr_figure(partial[partial.split == "SP-3"], 8, 5.0)
    assert widths(fig) == {"k = 1": 1.2}  # drawn, but not as the current k
