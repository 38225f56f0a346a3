"""Compact storage and `zoo merge`: split points trained in runs of their own replace those of a shipped
split model; everything else in the file stays exactly as it was."""
import json

import pytest
import torch
from safetensors.torch import load_file

from semcom_core.config import TrainConfig
from semcom_core.data.loader import ImageData
from semcom_core.nets import build_backbone
from semcom_core.train.loop import train
from semcom_core.zoo.storage import compact, expand, stored_dtype
from semcom_core.zoo.store import (
    export_run,
    load_shipped,
    merge_split_runs,
    sha256_file,
)

from .test_training import easy_mnist_like


def test_int8_storage_round_trip_is_within_half_a_step_per_channel():
    g = torch.Generator().manual_seed(0)
    state = {"conv.weight": torch.randn(8, 4, 3, 3, generator=g) * torch.logspace(-3, 0, 8)[:, None, None, None],
             "bn.running_var": torch.rand(8, generator=g) + 0.5, "bn.num_batches_tracked": torch.tensor(7)}
    stored = compact(state, "int8")
    assert stored["conv.weight"].dtype == torch.int8 and stored["bn.running_var"].dtype == torch.float16
    assert stored_dtype(stored) == "int8" and stored_dtype(compact(state, "float16")) == "float16"
    back = expand(stored)
    assert set(back) == set(state) and back["bn.num_batches_tracked"].item() == 7
    step = state["conv.weight"].abs().amax(dim=(1, 2, 3)) / 127  # per output channel: small channels keep precision
    err = (back["conv.weight"] - state["conv.weight"]).abs().amax(dim=(1, 2, 3))
    assert torch.all(err <= step / 2 + 1e-7)
    assert torch.allclose(back["bn.running_var"], state["bn.running_var"], rtol=1e-3)
    assert torch.equal(expand(compact(state, "float32"))["conv.weight"], state["conv.weight"])
    with pytest.raises(ValueError, match="storage dtype"):
        compact(state, "int4")


COMMON = dict(dataset="mnist", backbone="resnet20", epochs=1, batch_size=50, n_val=100, eval_batch_size=100)


def tiny_split_zoo(tmp_path, cache_dir, monkeypatch, adapt=None):
    """A shipped tiny backbone and a frozen-backbone split model (SP-2, SP-3) in a private pretrained/:
    (pretrained dir, backbone file, data, the config fields every run shares)."""
    pt = tmp_path / "pretrained"
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(pt))
    easy_mnist_like(cache_dir)
    data = ImageData("mnist", n_val=100)
    train(TrainConfig(name="bb", **COMMON), tmp_path / "bb", data=data, progress=False)
    export_run(tmp_path / "bb", "resnet20_mnist", "split", "cmd", dtype="float16")
    backbone_file = pt / "split" / "resnet20_mnist.safetensors"
    legacy = TrainConfig(name="sp", kind="split", init_from=str(backbone_file), freeze_backbone=True,
                         splits=["SP-2", "SP-3"], k_max=8, adapt=adapt or {}, **COMMON)
    train(legacy, tmp_path / "sp", data=data, progress=False)
    export_run(tmp_path / "sp", "split_resnet20_mnist", "split", "cmd", dtype="float16")
    return pt, backbone_file, data, COMMON


@pytest.mark.slow
def test_merge_replaces_one_split_and_keeps_the_rest_byte_for_byte(tmp_path, cache_dir, monkeypatch):
    pt, backbone_file, data, common = tiny_split_zoo(tmp_path, cache_dir, monkeypatch, {"SP-2": ["conv3_x"]})
    before, _ = load_shipped("split_resnet20_mnist")
    x = torch.randn(4, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        sp2_before = before.view("SP-2")(x, k=8)
    whole = build_backbone("resnet20", 10, 1).stage_names + ["head"]
    e2e = TrainConfig(name="e2e", kind="split", init_from=str(backbone_file), freeze_backbone=True, splits=["SP-3"],
                      k_max=8, adapt={"SP-3": whole}, k_ref=4, k_min=2, distill_weight=1.0, **common)
    train(e2e, tmp_path / "e2e", data=data, progress=False)

    card = merge_split_runs("split_resnet20_mnist", [tmp_path / "e2e"], "int8", embed_backbone=True)
    stored = load_file(str(pt / "split" / "split_resnet20_mnist.safetensors"))
    assert "backbone_from" not in card and card["backbone_embedded_from"]["sha256"] == sha256_file(backbone_file)
    assert any(k.startswith("backbone.") for k in stored)  # the backbone artifact may now be replaced
    sp3 = [v for k, v in stored.items() if k.startswith(("adapted.SP_3.", "codecs.SP_3.")) and "::" not in k]
    assert sp3 and {v.dtype for v in sp3 if v.dim() >= 2} == {torch.int8}  # the merged split, stored compactly
    assert {v.dtype for k, v in stored.items() if k.startswith("adapted.SP_2.") and v.is_floating_point()} == {
        torch.float16}  # the split left alone, as it was
    assert card["config"]["adapt"]["SP-3"] == whole and card["split_training"]["SP-3"]["end_to_end"]
    assert card["split_training"]["SP-3"]["config"]["k_ref"] == 4 and card["sha256"] == sha256_file(
        pt / "split" / "split_resnet20_mnist.safetensors")
    after, _ = load_shipped("split_resnet20_mnist")
    with torch.no_grad():
        assert torch.equal(after.view("SP-2")(x, k=8), sp2_before)  # untouched split: identical outputs
    run = load_file(str(tmp_path / "e2e" / "best.safetensors"))
    ours = {k: v for k, v in run.items() if k.startswith(("codecs.SP_3.", "adapted.SP_3."))}
    assert ours and all(torch.equal(after.state_dict()[k], v) for k, v in expand(compact(ours, "int8")).items())
    # the backbone file can change now without touching the split model
    backbone_file.unlink()
    load_shipped("split_resnet20_mnist")
    # a run that does not fit (another k_max) is refused
    bad = TrainConfig(name="bad", kind="split", init_from="", splits=["SP-3"], k_max=16, **common)
    train(bad, tmp_path / "bad", data=data, progress=False)
    with pytest.raises(ValueError, match="k_max"):
        merge_split_runs("split_resnet20_mnist", [tmp_path / "bad"], "int8")
    assert json.loads((pt / "split" / "split_resnet20_mnist.json").read_text())["sha256"] == card["sha256"]
    # re-storing the rest compactly too: every tensor of the file compact, every split measured again
    seen = []
    card = merge_split_runs("split_resnet20_mnist", [], "int8", base_dtype="int8",
                            measure=lambda m, c: seen.append(list(c.splits)) or {
                                "split_test_accuracy": {s: 0.5 for s in c.splits}})
    stored = load_file(str(pt / "split" / "split_resnet20_mnist.safetensors"))
    assert {v.dtype for v in stored.values() if v.dim() >= 2} == {torch.int8}
    assert seen == [["SP-2", "SP-3"]] and card["split_test_accuracy"] == {"SP-2": 0.5, "SP-3": 0.5}
    assert card["base_weights_dtype"] == "int8" and card["split_training"]["SP-3"]["end_to_end"]


@pytest.mark.slow
def test_merge_keeps_the_backbone_a_reference_unless_asked(tmp_path, cache_dir, monkeypatch):
    pt, backbone_file, data, common = tiny_split_zoo(tmp_path, cache_dir, monkeypatch)
    e2e = TrainConfig(name="e2e", kind="split", init_from=str(backbone_file), freeze_backbone=True, splits=["SP-3"],
                      k_max=8, adapt={"SP-3": ["conv3_x", "head"]}, **common)
    train(e2e, tmp_path / "e2e", data=data, progress=False)
    card = merge_split_runs("split_resnet20_mnist", [tmp_path / "e2e"], "int8")
    stored = load_file(str(pt / "split" / "split_resnet20_mnist.safetensors"))
    assert card["backbone_from"]["sha256"] == sha256_file(backbone_file) and "backbone_embedded_from" not in card
    assert not any(k.startswith("backbone.") for k in stored) and not card["split_training"]["SP-3"]["end_to_end"]
    load_shipped("split_resnet20_mnist")


@pytest.mark.slow
def test_restore_stores_one_split_compactly_and_measures_only_it(tmp_path, cache_dir, monkeypatch):
    """`zoo merge NAME --restore SP-2 --dtype int8`: SP-2's weights re-stored as int8 (exactly
    compact(expand(...)) of what was there), SP-3 byte for byte, only SP-2 measured again."""
    pt, backbone_file, data, common = tiny_split_zoo(tmp_path, cache_dir, monkeypatch, {"SP-2": ["conv3_x"]})
    f = pt / "split" / "split_resnet20_mnist.safetensors"
    before = load_file(str(f))
    seen = []
    card = merge_split_runs("split_resnet20_mnist", [], "int8", restore=["SP-2"],
                            measure=lambda m, c: seen.append(list(c.splits)) or {
                                "split_test_accuracy": {s: 0.25 for s in c.splits}})
    after = load_file(str(f))
    sp2 = lambda d: {k: v for k, v in d.items() if k.startswith(("codecs.SP_2.", "adapted.SP_2."))}  # noqa: E731
    assert sp2(after) and {v.dtype for k, v in sp2(after).items() if v.dim() >= 2 and "::" not in k} == {torch.int8}
    want = compact(expand(sp2(before)), "int8")
    assert set(sp2(after)) == set(want) and all(torch.equal(after[k], want[k]) for k in want)
    rest = {k for k in before if not k.startswith(("codecs.SP_2.", "adapted.SP_2."))}
    assert all(torch.equal(after[k], before[k]) for k in rest)
    assert f.stat().st_size < sum(v.numel() * v.element_size() for v in before.values()) + 4096
    assert seen == [["SP-2"]] and card["split_test_accuracy"]["SP-2"] == 0.25
    assert card["restored"]["SP-2"]["weights_dtype"] == "int8" and "not retrained" in card["restored"]["SP-2"]["note"]
    assert "SP-3" not in card.get("split_training", {})  # nothing claims a split was trained that was only re-stored
    before_training = dict(card.get("split_training", {}))
    card = merge_split_runs("split_resnet20_mnist", [], "float16", restore=["SP-3", "SP-3"],
                            measure=lambda m, c: {"split_test_accuracy": {s: 0.5 for s in c.splits}})
    assert card["restored"]["SP-3"]["weights_dtype"] == "float16" and card["split_training"] == before_training
    assert card["sha256"] == sha256_file(f)
    load_shipped("split_resnet20_mnist")
    with pytest.raises(ValueError, match="does not serve"):
        merge_split_runs("split_resnet20_mnist", [], "int8", restore=["SP-5"])


@pytest.mark.slow
def test_a_merged_split_run_continues_from_the_shipped_file(tmp_path, cache_dir, monkeypatch):
    """`train CONFIG --continue-shipped` for a split run that `zoo merge` put into a multi-split model (no card
    of its own, its run folder gone): it starts from that split's stored codec and stages, keeps the backbone
    its config names, and the next merge records what trained the split before."""
    from dataclasses import replace

    from semcom_core.data.registry import DatasetError
    from semcom_core.nets.factory import build_model
    from semcom_core.zoo.store import load_init_weights, merged_into, start_from_shipped
    pt, backbone_file, data, common = tiny_split_zoo(tmp_path, cache_dir, monkeypatch)
    e2e = TrainConfig(name="e2e", kind="split", init_from=str(backbone_file), freeze_backbone=True, splits=["SP-3"],
                      k_max=8, adapt={"SP-3": ["conv3_x", "head"]}, cutout=4, **common)
    assert merged_into("e2e") is None
    train(e2e, tmp_path / "e2e", data=data, progress=False)
    first = merge_split_runs("split_resnet20_mnist", [tmp_path / "e2e"], "int8")
    assert merged_into("e2e") == ("split_resnet20_mnist", ["SP-3"])
    shipped, _ = load_shipped("split_resnet20_mnist")
    cont = replace(e2e, continue_from="e2e")
    fresh = build_model(cont, 10, 1, load_init_weights(backbone_file))
    with torch.no_grad():  # a backbone unlike the shipped one's: it must stay as it is (not overwritten)
        next(p for n, p in fresh.named_parameters() if n.startswith("backbone.")).add_(1.0)
    untouched = {k: v.clone() for k, v in fresh.state_dict().items() if k.startswith("backbone.")}
    assert any(not torch.equal(v, shipped.state_dict()[k]) for k, v in untouched.items())
    history = start_from_shipped(fresh, "e2e")
    ours = {k: v for k, v in fresh.state_dict().items() if k.startswith(("codecs.SP_3.", "adapted.SP_3."))}
    assert ours and all(torch.equal(v, shipped.state_dict()[k]) for k, v in ours.items())
    assert all(torch.equal(fresh.state_dict()[k], v) for k, v in untouched.items())  # backbone as the config says
    assert len(history) == 1 and history[0]["merged_into"] == "split_resnet20_mnist"
    assert history[0]["sha256"] == first["sha256"] and history[0]["epochs"] == 1 and history[0]["splits"] == ["SP-3"]
    assert history[0]["cutout"] == 4  # its augmentation, for the note of what trained it
    with pytest.raises(DatasetError, match="does not fit"):  # another codec width: refused, not half-loaded
        start_from_shipped(build_model(replace(cont, k_max=16), 10, 1, load_init_weights(backbone_file)), "e2e")
    cont2 = replace(cont, epochs=2)
    train(cont2, tmp_path / "e2e2", data=data, progress=False, command="A", max_epochs_this_run=1)
    summary = train(cont2, tmp_path / "e2e2", resume=True, data=data, progress=False, command="B")
    again = train(cont2, tmp_path / "e2e2", resume=True, data=data, progress=False, command="C")
    assert summary["commands"] == again["commands"] == ["A", "B"]  # each invocation that trained, not C
    # a continuation that validates below the shipped split (same config, same measure) is refused
    card_file = pt / "split" / "split_resnet20_mnist.json"
    shipped_card = json.loads(card_file.read_text())
    shipped_card["split_training"]["SP-3"]["best_val_acc"] = summary["best_val_acc"] + 0.01
    card_file.write_text(json.dumps(shipped_card))
    with pytest.raises(ValueError, match="worse model"):
        merge_split_runs("split_resnet20_mnist", [tmp_path / "e2e2"], "int8")
    assert json.loads(card_file.read_text()) == shipped_card  # nothing written
    card = merge_split_runs("split_resnet20_mnist", [tmp_path / "e2e2"], "int8", allow_worse=True)
    rec = card["split_training"]["SP-3"]
    assert rec["command"] == "A; resumed with: B" and rec["epochs_total"] == 3
    assert rec["history"] == history and card["sha256"] != first["sha256"]
    # continued again: both earlier runs, oldest first, and all epochs counted once
    again = start_from_shipped(build_model(cont, 10, 1, load_init_weights(backbone_file)), "e2e")
    assert [h["sha256"] for h in again] == [first["sha256"], card["sha256"]] and sum(h["epochs"] for h in again) == 3
    # a second shipped model naming the same run: ambiguous, said so
    clash = json.loads((pt / "split" / "split_resnet20_mnist.json").read_text()) | {"name": "other"}
    (pt / "split" / "other.json").write_text(json.dumps(clash))
    with pytest.raises(DatasetError, match="several shipped models"):
        merged_into("e2e")
    (pt / "split" / "other.json").write_text("{not json")  # unreadable and nothing else names the run: named
    with pytest.raises(DatasetError, match="unreadable: other.json"):
        merged_into("never_merged")


def test_a_checkpoint_that_kept_no_command_lines_says_so(tmp_path, cache_dir):
    """A run resumed from a checkpoint written before runs kept their command lines must not pass its resume
    off as the command that started it."""
    from semcom_core.train.loop import UNRECORDED_COMMANDS
    easy_mnist_like(cache_dir)
    data = ImageData("mnist", n_val=100)
    cfg = TrainConfig(name="old", **{**COMMON, "epochs": 2})
    train(cfg, tmp_path / "old", data=data, progress=False, max_epochs_this_run=1)  # no command: as before
    ckpt = torch.load(tmp_path / "old" / "last.pt", weights_only=True)
    assert "commands" not in ckpt["state"]
    summary = train(cfg, tmp_path / "old", resume=True, data=data, progress=False, command="train old --resume")
    assert summary["commands"] == [UNRECORDED_COMMANDS, "train old --resume"]


def test_merge_changes_says_better_worse_or_within_noise_per_split():
    from semcom_core.eval.cards import merge_changes
    before = {"split_test_accuracy": {"SP-2": 0.7924, "SP-3": 0.8617, "SP-4": 0.8859}}
    after = {"split_test_accuracy": {"SP-2": 0.8100, "SP-3": 0.8618, "SP-4": 0.8700, "SP-5": 0.88},
             "test_images": 10000, "config": {"k_max": 1024}}
    lines = merge_changes(before, after, ["SP-2", "SP-3", "SP-4", "SP-5", "SP-3"])
    assert len(lines) == 4  # each split once, in the order given
    sp2, sp3, sp4, sp5 = lines
    # two standard errors of a difference of two accuracies near 0.86 on 10,000 images: about 0.98 points
    assert sp3.startswith("SP-3: test accuracy (noiseless, k = 1024, 10,000 images) 86.17 % -> 86.18 %")
    assert "+0.01 points; within that noise: ±0.98 is two standard errors" in sp3
    assert "+1.76 points; better" in sp2 and "-1.59 points; WORSE" in sp4
    assert sp5 == "SP-5: test accuracy (noiseless, k = 1024) 88.00 % (nothing to compare with)"
    assert merge_changes(before, {"split_test_accuracy": {}}, ["SP-3"]) == []  # not measured: nothing said
    unknown_n = merge_changes(before, {"split_test_accuracy": {"SP-3": 0.9}}, ["SP-3"])
    assert unknown_n == ["SP-3: test accuracy (noiseless, k_max) 86.17 % -> 90.00 % (the number of test images is "
                         "not recorded: no noise bound)"]
    # measured on fewer images before: the bound is that of the smaller count, and the line says both counts
    (fewer,) = merge_changes({**before, "test_images": 1000}, after, ["SP-3"])
    assert "1,000 then 10,000 images" in fewer and "±3.09" in fewer


@pytest.mark.slow
def test_zoo_merge_on_the_command_line_reports_the_test_accuracy_change(tmp_path, cache_dir, monkeypatch, capsys):
    from semcom_core.cli import main as cli_main
    pt, backbone_file, data, common = tiny_split_zoo(tmp_path, cache_dir, monkeypatch)
    e2e = TrainConfig(name="e2e", kind="split", init_from=str(backbone_file), freeze_backbone=True, splits=["SP-3"],
                      k_max=8, adapt={"SP-3": ["conv3_x", "head"]}, **common)
    train(e2e, tmp_path / "e2e", data=data, progress=False)
    card_file = pt / "split" / "split_resnet20_mnist.json"
    card = json.loads(card_file.read_text())
    card["split_test_accuracy"] = {"SP-2": 0.5, "SP-3": 0.0}  # a shipped SP-3 that guessed nothing right
    card_file.write_text(json.dumps(card))
    capsys.readouterr()
    # a run folder after --splits is not taken for a split point: one line, nothing written
    assert cli_main(["zoo", "merge", "split_resnet20_mnist", "--splits", "SP-3", str(tmp_path / "e2e")]) == 2
    assert "is not a split point (SP-N)" in capsys.readouterr().err and json.loads(card_file.read_text()) == card
    assert cli_main(["zoo", "merge", "split_resnet20_mnist", str(tmp_path / "e2e"), "--dtype", "int8"]) == 0
    err = capsys.readouterr().err
    after = json.loads(card_file.read_text())
    acc, n = after["split_test_accuracy"]["SP-3"], after["test_images"]
    assert after["split_test_accuracy"]["SP-2"] == 0.5 and acc > 0  # SP-2 not merged: not measured, not reported
    assert f"SP-3: test accuracy (noiseless, k = 8, {n:,} images) 0.00 % -> {100 * acc:.2f} % (+{100 * acc:.2f} points; better" in err
    assert "SP-2:" not in err and f"replaced {card_file.with_suffix('.safetensors')} and {card_file}" in err
    # the same run merged again: the same weights, the same accuracy, within noise
    assert cli_main(["zoo", "merge", "split_resnet20_mnist", str(tmp_path / "e2e"), "--dtype", "int8"]) == 0
    assert f"{100 * acc:.2f} % -> {100 * acc:.2f} % (+0.00 points; within that noise" in capsys.readouterr().err
    # every split stored again (--base-dtype): every split measured again and reported
    assert cli_main(["zoo", "merge", "split_resnet20_mnist", "--base-dtype", "int8", "--dtype", "int8"]) == 0
    err = capsys.readouterr().err
    assert "SP-2: test accuracy" in err and "SP-3: test accuracy" in err


@pytest.mark.slow
def test_a_shared_backbone_is_replaced_only_when_asked_and_the_split_model_then_moves_to_it(
        tmp_path, cache_dir, monkeypatch, capsys):
    from semcom_core.cli import main as cli_main
    from semcom_core.data.registry import DatasetError
    pt, backbone_file, data, common = tiny_split_zoo(tmp_path, cache_dir, monkeypatch)  # SP-2, SP-3 read it
    card_file = pt / "split" / "split_resnet20_mnist.json"
    old_sha, card_before = sha256_file(backbone_file), card_file.read_text()
    train(TrainConfig(name="bb", seed=1, **common), tmp_path / "bb2", data=data, progress=False)

    def split_run(out, split, init):
        cfg = TrainConfig(name=out, kind="split", init_from=str(init), freeze_backbone=True, splits=[split], k_max=8,
                          **common)
        train(cfg, tmp_path / out, data=data, progress=False)
        return tmp_path / out

    # a split that runs on the shared backbone, trained on another one, is not merged
    other = split_run("other", "SP-3", tmp_path / "bb2" / "best.safetensors")
    with pytest.raises(ValueError, match="SP-3 on another backbone than the shipped resnet20_mnist"):
        merge_split_runs("split_resnet20_mnist", [other], "int8")
    # the same backbone exported again is not a replacement: no refusal, the file as it was
    export_run(tmp_path / "bb", "resnet20_mnist", "split", "cmd", dtype="float16")
    assert sha256_file(backbone_file) == old_sha
    load_shipped("split_resnet20_mnist")
    # exporting a new backbone over the shared one is refused, saying how to proceed; nothing written
    with pytest.raises(ValueError, match="shared backbone of split_resnet20_mnist, whose SP-2, SP-3 read it"):
        export_run(tmp_path / "bb2", "resnet20_mnist", "split", "cmd", dtype="float16")
    capsys.readouterr()
    assert cli_main(["zoo", "export", str(tmp_path / "bb2"), "--name", "resnet20_mnist", "--subdir", "split"]) == 2
    assert "--replace-shared exports it anyway" in capsys.readouterr().err
    assert sha256_file(backbone_file) == old_sha and card_file.read_text() == card_before
    assert cli_main(["zoo", "export", str(tmp_path / "bb2"), "--name", "resnet20_mnist", "--subdir", "split",
                     "--dtype", "float16", "--replace-shared"]) == 0
    assert "split_resnet20_mnist cannot be loaded until its SP-2, SP-3, which read the replaced backbone" in (
        capsys.readouterr().err)
    new_sha = sha256_file(backbone_file)
    assert new_sha != old_sha
    with pytest.raises(DatasetError, match="cannot be loaded; its split points SP-2, SP-3 read it: train them on the"):
        load_shipped("split_resnet20_mnist")
    # SP-2 trained on the new backbone is not enough: SP-3 still reads it; nothing written
    sp2, sp3 = split_run("sp2", "SP-2", backbone_file), split_run("sp3", "SP-3", backbone_file)
    with pytest.raises(ValueError, match="its split points SP-3 read it"):
        merge_split_runs("split_resnet20_mnist", [sp2], "int8")
    assert card_file.read_text() == card_before
    card = merge_split_runs("split_resnet20_mnist", [sp2, sp3], "int8")
    assert card["backbone_from"] == {"name": "resnet20_mnist", "sha256": new_sha}
    assert card["earlier_backbones"] == [{"name": "resnet20_mnist", "sha256": old_sha}]
    model, _ = load_shipped("split_resnet20_mnist")
    ran_on = {k.removeprefix("backbone."): v for k, v in model.state_dict().items() if k.startswith("backbone.")}
    assert all(torch.equal(v, ran_on[k]) for k, v in expand(load_file(str(backbone_file))).items())
    # the backbone embedded and everything re-stored in int8: a run trained on the artifact is still recognised
    card = merge_split_runs("split_resnet20_mnist", [sp2], "int8", base_dtype="int8")
    assert card["backbone_embedded_from"]["sha256"] == new_sha
    card = merge_split_runs("split_resnet20_mnist", [sp3], "int8")  # against the int8 copy in the file
    with pytest.raises(ValueError, match="SP-3 on another backbone than the one stored in split_resnet20_mnist"):
        merge_split_runs("split_resnet20_mnist", [other], "int8")


@pytest.mark.slow
def test_merge_takes_only_the_split_points_asked_for(tmp_path, cache_dir, monkeypatch, capsys):
    from dataclasses import replace

    from semcom_core.nets.factory import build_model
    from semcom_core.zoo.store import start_from_shipped
    pt, backbone_file, data, common = tiny_split_zoo(tmp_path, cache_dir, monkeypatch)
    weights = pt / "split" / "split_resnet20_mnist.safetensors"
    both = TrainConfig(name="both", kind="split", init_from=str(backbone_file), freeze_backbone=True,
                       splits=["SP-2", "SP-3"], k_max=8, seed=3, **common)
    train(both, tmp_path / "both", data=data, progress=False)
    with pytest.raises(ValueError, match="no run given trains SP-1"):
        merge_split_runs("split_resnet20_mnist", [tmp_path / "both"], "int8", only=["SP-1"])
    assert "SP-3" in merge_split_runs("split_resnet20_mnist", [], "int8", restore=["SP-3"])["restored"]
    before = load_file(str(weights))
    seen = []
    card = merge_split_runs("split_resnet20_mnist", [tmp_path / "both"], "int8", only=["SP-3"],
                            measure=lambda m, c: seen.append(list(c.splits)) or {
                                "split_test_accuracy": {s: 0.5 for s in c.splits}})
    after = load_file(str(weights))
    sp2 = [k for k in before if k.startswith("codecs.SP_2.")]
    assert sp2 and all(torch.equal(after[k], before[k]) for k in sp2)  # not asked for: as it was
    run = load_file(str(tmp_path / "both" / "best.safetensors"))
    sp3 = {k: v for k, v in run.items() if k.startswith("codecs.SP_3.")}
    assert all(torch.equal(after[k], v) for k, v in compact(sp3, "int8").items())
    assert seen == [["SP-3"]] and card["split_training"]["SP-3"]["config"]["name"] == "both"
    assert "restored" not in card  # SP-3 is retrained now, not merely stored again
    assert card["split_training"]["SP-3"]["validated_on"] == ["SP-2", "SP-3"]  # its best_val_acc is of both
    # continuing that run's config from the shipped model: SP-3 from the file, and SP-2 (not merged) said to start afresh
    capsys.readouterr()
    history = start_from_shipped(build_model(replace(both, continue_from="both"), 10, 1), "both")
    assert history[-1]["splits"] == ["SP-3"]
    assert "SP-2 of both is not in split_resnet20_mnist (only SP-3 of its run was merged)" in capsys.readouterr().out
    assert (card["split_training"].get("SP-2") or {}).get("config", {}).get("name") != "both"
