import io
import json
from contextlib import redirect_stdout

import numpy as np
import pytest
import torch
from PIL import Image

from semcom_core.cli import main as cli_main
from semcom_core.config import TrainConfig
from semcom_core.data.images import to_model_image
from semcom_core.data.loader import ImageData
from semcom_core.train.loop import train
from semcom_core.zoo.store import export_run, load_shipped, sha256_file

from .test_training import easy_mnist_like


def encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


@pytest.mark.parametrize("mode,fmt", [("RGB", "JPEG"), ("RGBA", "PNG"), ("P", "GIF"), ("L", "BMP"),
                                      ("I;16", "PNG"), ("CMYK", "TIFF"), ("RGB", "WEBP")])
def test_any_common_image_becomes_a_model_input(mode, fmt):
    img = Image.new("RGB", (64, 40), (200, 30, 30)).convert(mode)
    arr, notes = to_model_image(encode(img, fmt), (28, 28), 1)
    assert arr.shape == (28, 28, 1) and arr.dtype == np.uint8
    assert any("28x28" in n for n in notes)
    rgb, _ = to_model_image(encode(img, fmt), (32, 32), 3)
    assert rgb.shape == (32, 32, 3)


def test_light_background_is_inverted_for_digit_models():
    img = Image.new("L", (28, 28), 255)
    arr, notes = to_model_image(encode(img, "PNG"), (28, 28), 1, invert_light_background=True)
    assert arr.max() == 0 and any("inverted" in n for n in notes)


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50])
def test_unreadable_uploads_are_rejected_with_a_message(data):
    with pytest.raises(ValueError, match="not a readable image"):
        to_model_image(data, (28, 28), 1)


def test_export_and_load_a_shipped_model(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path / "pretrained"))
    easy_mnist_like(cache_dir)
    cfg = TrainConfig(name="tiny_clf", dataset="mnist", kind="iot_classifier", epochs=1, batch_size=50,
                      optimizer="adam", lr=1e-3, n_val=100, eval_batch_size=100)
    run = tmp_path / "run"
    train(cfg, run, data=ImageData("mnist", n_val=100), progress=False)

    def measure(model, c):
        return {"test_accuracy": 0.5, "checked_kind": c.kind}
    card = export_run(run, "tiny_clf", "iot", "python -m semcom_core train x.toml", dtype="float16", measure=measure)
    weights = tmp_path / "pretrained" / "iot" / "tiny_clf.safetensors"
    assert card["sha256"] == sha256_file(weights) and card["weights_dtype"] == "float16"
    assert card["checked_kind"] == "iot_classifier" and card["parameters"] > 1000
    model, card2 = load_shipped("tiny_clf")
    assert card2["name"] == "tiny_clf"
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert cli_main(["zoo", "list", "--json"]) == 0
    rows = json.loads(buf.getvalue())
    assert [r["name"] for r in rows] == ["tiny_clf"] and rows[0]["test_accuracy"] == 0.5


def test_missing_shipped_model_names_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path / "empty"))
    assert cli_main(["iot", "evaluate", "--n", "5"]) == 1
    err = capsys.readouterr().err
    assert "python -m semcom_core train configs/iot_learned_mnist.toml" in err and "zoo export" in err
    assert "Traceback" not in err


def test_split_model_ships_without_its_frozen_backbone(tmp_path, cache_dir, monkeypatch, capsys):
    """A split model trained on a frozen, shipped backbone stores only its codecs and its own stage
    copies and points at the backbone artifact (sha256-checked); loading rebuilds exactly the trained
    model."""
    from safetensors.torch import load_file

    from semcom_core.data.registry import DatasetError
    pt = tmp_path / "pretrained"
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(pt))
    easy_mnist_like(cache_dir)
    data = ImageData("mnist", n_val=100)
    base = TrainConfig(name="bb", dataset="mnist", backbone="resnet20", epochs=1, batch_size=50, n_val=100,
                       eval_batch_size=100)
    train(base, tmp_path / "bb", data=data, progress=False)
    export_run(tmp_path / "bb", "resnet20_mnist", "split", "cmd", dtype="float16")
    backbone_file = pt / "split" / "resnet20_mnist.safetensors"
    split_cfg = TrainConfig(name="sp", dataset="mnist", backbone="resnet20", kind="split", epochs=1, batch_size=50,
                            n_val=100, eval_batch_size=100, init_from=str(backbone_file), freeze_backbone=True,
                            splits=["SP-2"], k_max=8, adapt={"SP-2": ["conv3_x"]})
    train(split_cfg, tmp_path / "sp", resume=True, data=data, progress=False)
    said = capsys.readouterr().out  # no checkpoint in the run folder: starts from the backbone file it names
    assert str(tmp_path / "sp") in said and str(backbone_file) in said and "resumed" not in said
    card = export_run(tmp_path / "sp", "split_resnet20_mnist", "split", "cmd", dtype="float16")
    assert card["backbone_from"] == {"name": "resnet20_mnist", "sha256": sha256_file(backbone_file)}
    assert card["init_from"] == {"path": str(backbone_file), "sha256": sha256_file(backbone_file)}
    stored = load_file(str(pt / "split" / "split_resnet20_mnist.safetensors"))
    assert stored and not any(k.startswith("backbone.") for k in stored)
    assert any(k.startswith("adapted.SP_2.conv3_x.") for k in stored)
    model, _ = load_shipped("split_resnet20_mnist")
    trained = load_file(str(tmp_path / "sp" / "best.safetensors"))
    for k, v in model.state_dict().items():
        assert torch.equal(v, trained[k].half().float()), k
    # training continues from the shipped file (no run folder needed) and the new card keeps the history
    from dataclasses import replace

    from semcom_core.nets.factory import build_model
    from semcom_core.zoo.store import start_from_shipped
    first = json.loads((pt / "split" / "split_resnet20_mnist.json").read_text())
    cont = replace(split_cfg, continue_from="split_resnet20_mnist")
    fresh = build_model(cont, 10, 1)
    history = start_from_shipped(fresh, "split_resnet20_mnist")
    for k, v in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[k], v), k
    assert [h["sha256"] for h in history] == [first["sha256"]] and history[0]["epochs"] == 1
    assert "cutout" not in history[0]  # crop and flip alone: nothing to add
    with pytest.raises(DatasetError, match="does not fit this config"):
        start_from_shipped(build_model(replace(cont, k_max=16), 10, 1), "split_resnet20_mnist")
    train(cont, tmp_path / "sp2", resume=True, data=data, progress=False)
    said = capsys.readouterr().out  # starts from the shipped file, and says which
    assert str(tmp_path / "sp2") in said and "split_resnet20_mnist" in said and str(backbone_file) not in said
    card2 = export_run(tmp_path / "sp2", "split_resnet20_mnist", "split", "cmd --continue-shipped", dtype="float16")
    assert card2["history"] == history and card2["epochs_total"] == 2 and card2["sha256"] != first["sha256"]
    assert card2["wall_seconds_total"] >= card2["wall_seconds"] + first["wall_seconds"] - 0.2
    model, _ = load_shipped("split_resnet20_mnist")
    # a different backbone file under that name is refused, not silently combined
    tampered = {k: v.clone() for k, v in load_file(str(backbone_file)).items()}
    next(t for t in tampered.values() if t.is_floating_point()).add_(1)
    from safetensors.torch import save_file
    save_file(tampered, str(backbone_file))
    with pytest.raises(DatasetError, match="not the shipped one, so it cannot be loaded; its split points .* read it: train them on the shipped"):
        load_shipped("split_resnet20_mnist")


def test_a_damaged_shipped_file_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch):
    from semcom_core import paths
    from semcom_core.data.registry import DatasetError
    src = paths.pretrained_dir() / "iot"
    pt = tmp_path / "pretrained" / "iot"
    pt.mkdir(parents=True)
    for name in ("iot_classifier_mnist", "iot_learned_mnist"):
        for ext in (".json", ".safetensors"):
            (pt / f"{name}{ext}").write_bytes((src / f"{name}{ext}").read_bytes())
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path / "pretrained"))
    load_shipped("iot_classifier_mnist")  # intact: loads
    weights, card = pt / "iot_classifier_mnist.safetensors", pt / "iot_classifier_mnist.json"
    good = weights.read_bytes()
    weights.write_bytes(good[:4096])  # truncated (an interrupted copy)
    with pytest.raises(DatasetError, match="iot_classifier_mnist.safetensors cannot be read.*damaged.*zoo export"):
        load_shipped("iot_classifier_mnist")
    from semcom_core.zoo.status import shipped_models  # the status panel does not count it as shipped
    models = {m["name"]: m for m in shipped_models()}
    assert models["iot_classifier_mnist"]["error"].startswith("damaged weights file")
    assert "error" not in models["iot_learned_mnist"]
    weights.write_bytes((pt / "iot_learned_mnist.safetensors").read_bytes())  # another model's weights
    with pytest.raises(DatasetError, match="does not match its card iot_classifier_mnist.json"):
        load_shipped("iot_classifier_mnist")
    weights.write_bytes(good)
    card.write_text(card.read_text()[:100])  # a cut card
    with pytest.raises(DatasetError, match="model card .*iot_classifier_mnist.json is damaged"):
        load_shipped("iot_classifier_mnist")
