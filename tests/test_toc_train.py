"""Training and evaluating paper 001's TOC models (semcom_core.toc.train / evaluate) and the `toc` CLI, on
a small synthetic CIFAR-100-format dataset the test writes (the CIFAR-100 code path): the loss falls,
a stopped run resumes to the same weights, the evaluation under a budget respects it."""
import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from semcom_core.cli import main as cli_main
from semcom_core.data.loader import ImageData
from semcom_core.data.prepare import prepare
from semcom_core.device import get_policy
from semcom_core.nets.toc import DynamicTOC
from semcom_core.toc.costs import toc_costs
from semcom_core.toc.train import TOCConfig, train_toc

from .fixtures import write_cifar_pickles

ROOT = Path(__file__).resolve().parent.parent
N_TRAIN, N_TEST, N_VAL = 160, 120, 40


def _learnable(images: torch.Tensor, labels: torch.Tensor, seed: int) -> None:
    """Overwrite images in place with a pattern of their label (4 classes used of 100: a bright
    quadrant) plus noise, so that a few steps of training must lower the loss."""
    g = torch.Generator().manual_seed(seed)
    labels.copy_(torch.randint(0, 4, labels.shape, generator=g))
    img = torch.randint(0, 90, images.shape, generator=g, dtype=torch.int64)
    for c in range(4):
        r, q = divmod(c, 2)
        img[labels == c, :, 16 * r:16 * r + 16, 16 * q:16 * q + 16] += 150
    images.copy_(img.clamp(0, 255).to(torch.uint8))


@pytest.fixture
def synth(tmp_path, cache_dir):
    write_cifar_pickles(tmp_path / "src" / "cifar-100-python", 100, n_train=N_TRAIN + N_VAL, n_test=N_TEST)
    prepare("cifar100", tmp_path / "src")
    data = ImageData("cifar100", "cpu", n_val=N_VAL, seed=0)
    for i, split in enumerate((data.train, data.val, data.test)):
        _learnable(split.images, split.labels, i)
    return data


FP32 = get_policy(precision="fp32")


def _cfg(model, **kw):
    base = dict(name="t", model=model, dataset="cifar100", epochs=3, batch_size=32, lr=0.05, warmup_epochs=0.0,
                n_val=N_VAL, eval_batch_size=64)
    base.update(kw)
    return TOCConfig(**base)


def test_static_loss_falls_and_a_stopped_run_resumes_to_the_same_weights(synth, tmp_path):
    cfg = _cfg("static-resnet20", batch_size=16)
    kw = dict(data=synth, progress=False, policy=FP32, limit_train=96)  # 6 steps an epoch
    full = train_toc(cfg, tmp_path / "full", log_every=1, **kw)
    rows = [json.loads(line) for line in (tmp_path / "full" / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and rows[-1]["train_loss"] < rows[0]["train_loss"] - 0.2
    assert full["finished"] and full["train_images_per_second"] > 0
    # the same run stopped after 7 steps (mid-epoch 2) and resumed: identical weights at the end
    part = train_toc(cfg, tmp_path / "part", max_steps=7, **kw)
    assert not part["finished"] and part["steps_done"] == 7
    done = train_toc(cfg, tmp_path / "part", resume=True, **kw)
    assert done["finished"] and done["steps_done"] == full["steps_done"]
    a = torch.load(tmp_path / "full" / "last.pt", weights_only=True)["model"]
    b = torch.load(tmp_path / "part" / "last.pt", weights_only=True)["model"]
    assert max(float((a[k].float() - b[k].float()).abs().max()) for k in a) < 1e-5


def test_dynamic_trains_and_its_file_evaluates_under_a_budget(synth, tmp_path, monkeypatch):
    cfg = _cfg("dynamic", epochs=2)
    s = train_toc(cfg, tmp_path / "dyn", data=synth, progress=False, policy=FP32, limit_train=96)
    rows = [json.loads(line) for line in (tmp_path / "dyn" / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]
    weights = tmp_path / "dyn" / "best.safetensors"
    DynamicTOC(100).load_state_dict(load_file(str(weights)), strict=True)
    assert s["best_val_acc"] >= 0

    c = toc_costs("dynamic", 100, "paper").exit_macs
    budget = (c[1] + c[2]) / 2
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = cli_main(["toc", "evaluate", "--model", "dynamic", "--dataset", "cifar100", "--weights", str(weights),
                       "--budget", str(budget), "--snr", "6", "--channel", "rayleigh", "--n", "100", "--json"])
    assert rc == 0, err.getvalue()
    res = json.loads(out.getvalue())
    for key in ("accuracy", "n", "mean_macs", "budget", "exit_fractions", "r", "thresholds"):
        assert key in res
    assert res["n"] == 100 and res["n_val"] == N_VAL and res["budget"] == budget
    assert sum(res["exit_fractions"]) == pytest.approx(1.0)
    assert res["mean_macs"] == pytest.approx(np.dot(res["exit_fractions"], c))
    # thresholds fitted on 40 validation images: the measured cost meets the budget up to sampling error
    sd = np.sqrt(np.dot(res["exit_fractions"], (np.array(c) - res["mean_macs"]) ** 2))
    assert res["mean_macs"] <= budget + 3 * sd * math.sqrt(1 / 100 + 1 / N_VAL)
    assert res["thresholds"][-1] is None and 0 < res["r"] < math.inf
    # several budgets from one pass (Table IV): the same budget gives the same result (reproducible),
    # the cheapest exit's cost sends everyone there, a budget above the last exit lets everyone run to it
    out2 = io.StringIO()
    with redirect_stdout(out2):
        cli_main(["toc", "evaluate", "--model", "dynamic", "--dataset", "cifar100", "--weights", str(weights),
                  "--budget", str(c[0]), str(budget), "1e12", "--snr", "6", "--channel", "rayleigh", "--n", "100",
                  "--json"])
    low, same, high = json.loads(out2.getvalue())
    assert same["accuracy"] == res["accuracy"] and same["exit_fractions"] == res["exit_fractions"]
    assert low["exit_fractions"][0] == 1.0 and low["mean_macs"] == c[0] and low["r"] == 0.0
    assert high["exit_fractions"][-1] == 1.0 and high["status"] == "unconstrained" and high["r"] is None
    assert high["accuracy"] == pytest.approx(high["accuracy_if_all_leave_at"][-1])


def _cli(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            rc = cli_main(args)
        except SystemExit as e:  # argparse errors
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("args, says", [
    (["--model", "dynamic", "--budget", "lots"], "budget must be a number"),
    (["--model", "dynamic", "--budget", "1e6"], "below the cost of the first exit"),
    (["--model", "static-resnet56", "--budget", "4e7"], "below static-resnet56's cost"),
    (["--model", "static-resnet18", "--budget", "4e7"], "unknown --model"),
    (["--model", "dynamic"], "needs --budget"),
])
def test_bad_budget_or_model_exits_2_with_one_line(args, says, cache_dir):
    rc, out, err = _cli(["toc", "evaluate", *args, "--json"])
    assert rc == 2 and says in err and len(err.strip().splitlines()) == 1 and out == ""


def test_missing_weights_name_the_command(tmp_path, cache_dir):
    rc, _, err = _cli(["toc", "evaluate", "--model", "static-resnet20", "--weights", str(tmp_path / "none.safetensors")])
    assert rc == 1 and "toc train" in err


def test_costs_cli_json():
    rc, out, _ = _cli(["toc", "costs", "--json", "--convention", "paper"])
    assert rc == 0
    res = json.loads(out)
    by = {r["model"]: r for r in res["models"]}
    assert len(by["dynamic"]["exit_macs"]) == 5 and len(by["static-resnet20"]["exit_macs"]) == 1
    assert by["static-resnet20"]["exit_macs"] == [40_822_784]  # encoder 40,812,544 + channel encoder 10,240


def test_every_toc_config_loads():
    cfgs = sorted((ROOT / "configs").glob("toc_*.toml"))
    assert len(cfgs) >= 6
    for p in cfgs:
        c = TOCConfig.load(p)
        assert c.name == p.stem and c.source_sha256
    with pytest.raises(ValueError, match="unknown channel"):
        TOCConfig(name="x", train_channels=["awgn", "fading"])
    with pytest.raises(ValueError, match="unknown TOC model"):
        TOCConfig(name="x", model="static-resnet18")


def test_a_deeper_static_model_grows_from_a_shallower_one():
    from semcom_core.nets.toc import StaticTOC
    from semcom_core.toc.train import load_init
    torch.manual_seed(0)
    small = StaticTOC("resnet20", 10).eval()
    with torch.no_grad():  # non-trivial batch-norm statistics and scales, as after training
        for m in small.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
    big = StaticTOC("resnet32", 10)
    new = load_init(big, small.state_dict())
    assert len(new) == 6  # two more blocks in each of the three stages
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(big.eval()(x), small(x), atol=1e-5)
    with pytest.raises(ValueError):
        load_init(DynamicTOC(10), small.state_dict())
