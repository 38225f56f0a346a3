"""Shipping TOC models (semcom_core.toc.export, `toc export`) and the results table measured on the shipped
files (`toc table`), on tiny runs trained here on a synthetic CIFAR-10-format set (10 classes, so the
costs are CIFAR-10's): the shipped file loads back through safetensors to the trained weights (exactly in
float32, to float16 rounding in float16), keeps the validation split the dynamic model's thresholds need,
the card carries the split zoo's fields, and its accuracies re-measure to the same numbers with
`toc.evaluate`; the table's rows are the cards' numbers and name the shipped files' sha256."""
import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from semcom_core.cli import main as cli_main
from semcom_core.device import get_policy
from semcom_core.toc.tables import TABLE_III_CHANNELS, TABLE_III_SNRS

from .fixtures import write_cifar_pickles

N_TRAIN, N_VAL, N_TEST = 48, 16, 40
FP32 = get_policy(precision="fp32")


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """A prepared synthetic CIFAR-10 cache and two finished one-epoch runs (static ResNet-20 and the dynamic
    model, 3 steps of 16 images each): {"cache": folder, "static": run folder, "dynamic": run folder}."""
    from semcom_core.data.loader import ImageData
    from semcom_core.data.prepare import prepare
    from semcom_core.toc.train import TOCConfig, train_toc
    root = tmp_path_factory.mktemp("toc_tiny")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEMCOM_CACHE", str(root / "cache"))
        mp.delenv("SEMCOM_DATA", raising=False)
        write_cifar_pickles(root / "src" / "cifar-10-batches-py", 10, n_train=N_TRAIN + N_VAL, n_test=N_TEST)
        prepare("cifar10", root / "src")
        data = ImageData("cifar10", "cpu", n_val=N_VAL, seed=0)
        runs = {}
        for key, model in (("static", "static-resnet20"), ("dynamic", "dynamic")):
            cfg = TOCConfig(name=f"toc_{model.replace('-', '_')}_cifar10", model=model, dataset="cifar10", epochs=1,
                            batch_size=16, lr=0.05, warmup_epochs=0.0, n_val=N_VAL, eval_batch_size=64,
                            source_path=f"configs/toc_{model.replace('-', '_')}_cifar10.toml", source_sha256="x")
            train_toc(cfg, root / key, data=data, progress=False, policy=FP32)
            runs[key] = root / key
    return {"cache": root / "cache", **runs}


@pytest.fixture
def shipped_env(tiny_runs, tmp_path, monkeypatch):
    """The tiny cache and an empty private pretrained/ for this test."""
    monkeypatch.setenv("SEMCOM_CACHE", str(tiny_runs["cache"]))
    monkeypatch.delenv("SEMCOM_DATA", raising=False)
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path / "pretrained"))
    return tmp_path / "pretrained"


def _cli(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            rc = cli_main(args)
        except SystemExit as e:
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


CARD_KEYS = ("name", "kind", "model", "dataset", "config", "config_path", "config_sha256", "command", "epochs",
             "best_epoch", "best_val_acc", "wall_seconds", "machine", "device", "weights_dtype", "file", "sha256",
             "parameters", "test_accuracy", "test_images", "table_iii", "noiseless_accuracy", "validation_split",
             "transmitter_macs_per_exit", "dataset_provenance", "measured_in")


@pytest.mark.parametrize("dtype", ["float32", "float16", "int8"])
def test_export_round_trip_and_card_of_a_static_run(tiny_runs, shipped_env, dtype):
    from semcom_core.toc.evaluate import evaluate_model
    from semcom_core.zoo.store import load_shipped, sha256_file
    rc, out, err = _cli(["toc", "export", str(tiny_runs["static"]), "--dtype", dtype])
    assert rc == 0, err
    name = "toc_static_resnet20_cifar10"
    weights, card_file = shipped_env / "toc" / f"{name}.safetensors", shipped_env / "toc" / f"{name}.json"
    card = json.loads(card_file.read_text())
    assert json.loads(out[out.index("{"):])["sha256"] == card["sha256"] == sha256_file(weights)
    for key in CARD_KEYS:
        assert key in card, key
    assert card["kind"] == "toc" and card["model"] == "static-resnet20" and card["weights_dtype"] == dtype
    assert card["epochs"] == 1 and card["command"] == "python -m semcom_core toc train configs/toc_static_resnet20_cifar10.toml"
    assert card["validation_split"]["n_val"] == N_VAL and card["test_images"] == N_TEST
    # safetensors only, the run's metadata kept (model, validation split), the trained tensors back
    with safe_open(str(weights), "pt") as f:
        meta = f.metadata()
    stored = load_file(str(weights))
    if dtype == "int8":  # kernels and matrices int8 with a float32 scale per output channel, vectors float16
        assert {str(t.dtype) for k, t in stored.items() if t.dim() >= 2} == {"torch.int8"}
        assert {str(t.dtype) for k, t in stored.items() if t.dim() == 1 and not k.endswith("::scale")} <= {
            "torch.float16", "torch.int64"}
    else:
        assert {str(t.dtype) for t in stored.values() if t.is_floating_point()} == {f"torch.{dtype}"}
    assert meta["model"] == "static-resnet20" and meta["n_val"] == str(N_VAL) and meta["split_seed"] == "0"
    model, card2 = load_shipped(name)
    assert card2 == card and sum(p.numel() for p in model.parameters()) == card["parameters"]
    best = load_file(str(tiny_runs["static"] / "best.safetensors"))
    tol = 0 if dtype == "float32" else 1e-3
    for k, v in model.state_dict().items():
        if dtype == "int8" and v.dim() >= 2:  # within half a quantization step of its output channel
            step = best[k].float().reshape(len(v), -1).abs().amax(1) / 127
            assert ((v.float() - best[k].float()).reshape(len(v), -1).abs().amax(1) <= step / 2 + 1e-6).all(), k
        else:
            assert torch.allclose(v.float(), best[k].float(), atol=tol, rtol=tol), k
    # Table III points on the shipped file: every channel x PSNR, intervals around the accuracy
    pts = {(p["channel"], p["snr_db"]): p for p in card["table_iii"]}
    assert set(pts) == {(c, s) for c in TABLE_III_CHANNELS for s in TABLE_III_SNRS}
    for p in pts.values():
        assert p["n"] == N_TEST and p["ci95"][0] <= p["accuracy"] <= p["ci95"][1]
    assert card["test_accuracy"] == card["noiseless_accuracy"]["accuracy"]  # no channel, as the split zoo's cards
    # re-measurable: toc.evaluate on the shipped file gives the card's numbers exactly
    for ch, snr, want in (("awgn", 18.0, pts[("awgn", 18.0)]["accuracy"]),
                          ("rayleigh", 0.0, pts[("rayleigh", 0.0)]["accuracy"]),
                          ("noiseless", None, card["test_accuracy"])):
        r = evaluate_model("static-resnet20", "cifar10", weights, None, snr, ch, 10000, seed=card["test_seed"],
                           policy=FP32)
        assert r["n"] == N_TEST and r["accuracy"] == want, (ch, snr)
    # and the way benchmarks/reproduce_shipped.py re-measures a plain card (model(x), no channel)
    from semcom_core.data.loader import ImageData
    from semcom_core.eval.accuracy import evaluate_accuracy
    assert evaluate_accuracy(model, ImageData("cifar10", "cpu", n_val=0), "test", FP32, 500) == card["test_accuracy"]


def test_dynamic_export_then_toc_table_on_the_shipped_files(tiny_runs, shipped_env):
    from semcom_core.toc.costs import toc_costs
    from semcom_core.toc.tables import default_shipped, load_results, stale_rows
    for key in ("static", "dynamic"):
        rc, _, err = _cli(["toc", "export", str(tiny_runs[key]), "--dtype", "float16"])
        assert rc == 0, err
    card = json.loads((shipped_env / "toc" / "toc_dynamic_cifar10.json").read_text())
    c = toc_costs("dynamic", 10, "paper").exit_macs
    assert card["transmitter_macs_per_exit"] == list(c)
    p18 = next(p for p in card["table_iii"] if (p["channel"], p["snr_db"]) == ("awgn", 18.0))
    assert len(p18["exit_accuracy"]) == 5 and p18["accuracy"] == p18["exit_accuracy"][-1]
    assert card["test_accuracy"] == card["noiseless_accuracy"]["exit_accuracy"][-1]
    assert default_shipped("cifar10") == ["toc_dynamic_cifar10", "toc_static_resnet20_cifar10"]

    rc, _, err = _cli(["toc", "table", "--snr", "18", "--channel", "awgn"])
    assert rc == 0, err
    t = load_results("cifar10")  # the page's file, in the private pretrained/
    assert t is not None and set(t.model) == {"dynamic", "static-resnet20"} and (t.n == N_TEST).all()
    assert stale_rows(t, "cifar10") == {}  # measured on the files shipped now
    cards = {n: json.loads((shipped_env / "toc" / f"{n}.json").read_text()) for n in default_shipped("cifar10")}
    for name, rows in t.groupby("name"):
        assert (rows.weights_sha256 == cards[name]["sha256"]).all() and (rows.weights == f"toc/{name}.safetensors").all()
    s = t[t.model == "static-resnet20"].iloc[0]
    s18 = next(p for p in cards["toc_static_resnet20_cifar10"]["table_iii"] if (p["channel"], p["snr_db"]) == ("awgn", 18.0))
    assert s.accuracy == s18["accuracy"] and [s.ci95_low, s.ci95_high] == s18["ci95"]  # the card's numbers
    # those static rows came from the card (the same measurement of the same file): measuring again agrees
    from semcom_core.toc.tables import _measure_model, _sha256, _static_from_card
    name, w = "toc_static_resnet20_cifar10", shipped_env / "toc" / "toc_static_resnet20_cifar10.safetensors"
    args = ("static-resnet20", "cifar10", ("awgn", "rayleigh"), (0.0, 18.0))
    from_card = _static_from_card(name, _sha256(w), *args, 10000, 0)
    again = _measure_model("static-resnet20", "cifar10", w, ("awgn", "rayleigh"), (0.0, 18.0), [None], 10000, 0, N_VAL,
                           FP32, None)
    key = lambda r: (r["channel"], r["snr_db"], r["n"], r["accuracy"], list(r["ci95"]), r["mean_macs"])  # noqa: E731
    assert from_card is not None and [key(r) for r in from_card] == [key(r) for r in again]
    for other in ((name, _sha256(w), *args, N_TEST - 1, 0), (name, _sha256(w), *args, 10000, 1),
                  (name, "0" * 64, *args, 10000, 0), (name, _sha256(w), "static-resnet20", "cifar10", ("awgn",), (5.0,),
                                                      10000, 0)):
        assert _static_from_card(*other) is None  # other images, seed, file or point: measured, not copied
    bf16 = type(FP32)(FP32.device, torch.bfloat16, FP32.channels_last, FP32.threads)
    assert _static_from_card(name, _sha256(w), *args, 10000, 0, bf16) is None  # another precision: measured
    assert _static_from_card(name, _sha256(w), *args, 10000, 0, FP32) is not None
    d = t[t.model == "dynamic"].sort_values("budget")
    assert d.budget.iloc[0] == c[0] and d.budget.iloc[-1] == c[-1]
    assert d.accuracy.iloc[-1] == p18["accuracy"]  # B = C_K: everyone runs to the last exit
    assert d.n_val.iloc[0] == N_VAL  # thresholds fitted on the run's validation split, read from the shipped file
    # a re-exported file makes the table stale, and the page can say so
    rc, _, err = _cli(["toc", "export", str(tiny_runs["static"]), "--dtype", "float32"])
    assert rc == 0, err
    assert list(stale_rows(t, "cifar10")) == ["static-resnet20"]
    # a card measured at the asked points only (--snr/--channel): the same number as the table's B = C_K row
    rc, _, err = _cli(["toc", "export", str(tiny_runs["dynamic"]), "--dtype", "float16", "--snr", "18",
                       "--channel", "awgn"])
    assert rc == 0, err
    short = json.loads((shipped_env / "toc" / "toc_dynamic_cifar10.json").read_text())
    assert [(p["channel"], p["snr_db"]) for p in short["table_iii"]] == [("awgn", 18.0)]
    assert short["table_iii"][0]["accuracy"] == d.accuracy.iloc[-1]


def test_export_and_table_errors_are_one_line_exit_2(tiny_runs, shipped_env, tmp_path):
    import shutil
    unfinished = tmp_path / "unfinished"
    shutil.copytree(tiny_runs["static"], unfinished)
    s = json.loads((unfinished / "summary.json").read_text())
    (unfinished / "summary.json").write_text(json.dumps({**s, "finished": False, "epochs": 30}))
    for args, says in ((["toc", "export", str(unfinished)], "has not finished"),
                       (["toc", "export", str(tmp_path / "none")], "missing config.json"),
                       (["toc", "table"], "no shipped TOC model of cifar10"),
                       (["toc", "table", "toc_nothing_cifar10"], "no shipped TOC model 'toc_nothing_cifar10'")):
        rc, _, err = _cli(args)
        assert rc == 2 and says in err and len(err.strip().splitlines()) == 1, (args, err)
    rc, _, err = _cli(["toc", "table", "--channel", "fading"])
    assert rc == 2 and len(err.strip().splitlines()) == 1
