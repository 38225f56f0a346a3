import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from semcom_core.config import TrainConfig
from semcom_core.data.formats import RawDataset
from semcom_core.data.loader import ImageData
from semcom_core.data.prepare import write_cache
from semcom_core.nets import build_backbone
from semcom_core.train.loop import lr_at, train


def easy_mnist_like(cache_dir, n=400, seed=0):
    """10 classes told apart by brightness: a tiny net learns it in a couple of epochs."""
    rng = np.random.default_rng(seed)

    def make(m):
        y = rng.integers(0, 10, m)
        x = (y[:, None, None, None] * 25 + rng.integers(0, 20, (m, 28, 28, 1))).astype(np.uint8)
        return x, y.astype(np.int64)
    xtr, ytr = make(n)
    xte, yte = make(100)
    write_cache("mnist", RawDataset(xtr, ytr, xte, yte, [str(i) for i in range(10)], "synthetic"), cache_dir, "t")


def test_lr_schedule_warmup_then_cosine():
    assert lr_at(0, 100, 10, 0.1) == 0.01 and lr_at(9, 100, 10, 0.1) == 0.1
    assert abs(lr_at(55, 100, 10, 0.1) - 0.05) < 1e-9 and lr_at(100, 100, 10, 0.1) == 0.0
    vals = [lr_at(s, 100, 10, 0.1) for s in range(10, 100)]
    assert vals == sorted(vals, reverse=True)


def test_train_resume_and_select_on_validation(tmp_path, cache_dir):
    easy_mnist_like(cache_dir)
    cfg = TrainConfig(name="tiny", dataset="mnist", backbone="resnet20", epochs=3, batch_size=50, lr=0.05,
                      n_val=100, warmup_epochs=0.5, eval_batch_size=100)
    out = tmp_path / "run"
    data = ImageData("mnist", n_val=100, seed=0)
    first = train(cfg, out, max_epochs_this_run=1, data=data, progress=False)
    assert first["epochs_done"] == 1 and not first["finished"]
    done = train(cfg, out, resume=True, data=data, progress=False)  # continues, does not restart
    assert done["epochs_done"] == 3 and done["finished"]
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    assert done["best_val_acc"] == max(r["val_acc"] for r in rows) > 0.3  # chance is 0.1
    net = build_backbone("resnet20", 10, in_channels=1)
    net.load_state_dict(load_file(str(out / "best.safetensors")))
    assert net(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    saved = torch.load(out / "last.pt", weights_only=True)
    assert saved["state"]["epoch"] == 3


def test_continuing_a_finished_run_with_a_longer_schedule_is_recorded(tmp_path, cache_dir):
    """A run that ended (cosine at zero) and is resumed with more epochs re-draws the cosine over the new
    length: the learning rate jumps back up (a warm restart). The summary says so, with where and how high,
    so a model card never describes it as one uninterrupted schedule; a plain resume records nothing."""
    easy_mnist_like(cache_dir)
    cfg = TrainConfig(name="tiny", dataset="mnist", backbone="resnet20", epochs=1, batch_size=50, lr=0.05,
                      n_val=100, warmup_epochs=0.0, eval_batch_size=100)
    out = tmp_path / "run"
    data = ImageData("mnist", n_val=100, seed=0)
    first = train(cfg, out, data=data, progress=False)
    assert first["finished"] and "schedule_changes" not in first
    again = train(cfg, out, resume=True, data=data, progress=False)  # same length: nothing to record
    assert "schedule_changes" not in again
    cfg.epochs = 4
    longer = train(cfg, out, resume=True, data=data, progress=False)
    assert longer["finished"] and longer["epochs_done"] == 4
    steps = (len(data.train) + cfg.batch_size - 1) // cfg.batch_size
    [change] = longer["schedule_changes"]
    assert change["after_epoch"] == 1 and change["after_step"] == steps
    assert change["epochs_before"] == 1 and change["epochs_after"] == 4
    assert change["lr_fraction_of_peak"] == pytest.approx(lr_at(steps, 4 * steps, 0, 1.0), abs=1e-3)  # ~0.85, not ~0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows[0]["lr_end"] < 1e-6 < rows[1]["lr_end"]  # the first run ended at zero; the continuation did not
    # a continuation stopped before its first checkpoint keeps the record for the resume that finishes it
    cfg.epochs = 6
    stopped = train(cfg, out, resume=True, data=data, progress=False, max_epochs_this_run=0)
    assert stopped["schedule_changes"][-1]["epochs_before"] == 4 and not stopped["finished"]
    finished = train(cfg, out, resume=True, data=data, progress=False)
    assert finished["finished"] and len(finished["schedule_changes"]) == 2
    assert finished["schedule_changes"][-1] == stopped["schedule_changes"][-1]


def test_resume_restarts_best_so_far_when_the_validation_protocol_changed(tmp_path, cache_dir):
    """A checkpoint whose best validation number was measured another way is not compared with new
    numbers: its best-so-far restarts; with the same protocol the best-so-far stands."""
    easy_mnist_like(cache_dir)
    cfg = TrainConfig(name="tiny", dataset="mnist", backbone="resnet20", epochs=2, batch_size=50, lr=0.05,
                      n_val=100, warmup_epochs=0.5, eval_batch_size=100)
    data = ImageData("mnist", n_val=100, seed=0)
    results = {}
    for old_protocol in ("plain", "an older way"):
        out = tmp_path / old_protocol
        train(cfg, out, max_epochs_this_run=1, data=data, progress=False)
        saved = torch.load(out / "last.pt", weights_only=True)
        saved["state"].update(best_val=1.5, val_protocol=old_protocol)  # unbeatable unless restarted
        torch.save(saved, out / "last.pt")
        results[old_protocol] = train(cfg, out, resume=True, data=data, progress=False)
    assert results["plain"]["best_val_acc"] == 1.5
    rows = [json.loads(line) for line in (tmp_path / "an older way" / "metrics.jsonl").read_text().splitlines()]
    assert results["an older way"]["best_val_acc"] == rows[-1]["val_acc"] <= 1.0
    assert rows[-1]["val_protocol"] == "plain" and results["an older way"]["best_epoch"] == 2


def test_config_files_load_and_reject_unknown_keys(tmp_path):
    from pathlib import Path
    for p in sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.toml")):
        if p.stem.startswith("toc_"):  # paper 001's configs: semcom_core.toc.train.TOCConfig (test_configs)
            continue
        cfg = TrainConfig.load(p)
        assert cfg.name == p.stem and len(cfg.source_sha256) == 64
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nlearning_rate = 3\n')
    try:
        TrainConfig.load(bad)
    except ValueError as e:
        assert "learning_rate" in str(e)
    else:
        raise AssertionError("unknown key accepted")
    for side in ("-3", "8.0", "true"):
        bad.write_text(f'name = "x"\ncutout = {side}\n')
        with pytest.raises(ValueError, match="cutout"):
            TrainConfig.load(bad)


class _StopAfter(Exception):
    pass


def test_resume_mid_epoch_continues_from_the_exact_batch(tmp_path, cache_dir):
    """A run stopped inside an epoch resumes from its mid-epoch checkpoint and ends where an
    uninterrupted run ends (same batches, same augmentation, same weights)."""
    easy_mnist_like(cache_dir)
    cfg = TrainConfig(name="tiny", dataset="mnist", backbone="resnet20", epochs=1, batch_size=50, lr=0.05,
                      n_val=100, warmup_epochs=0.0, eval_batch_size=100)
    data = ImageData("mnist", n_val=100, seed=0)
    train(cfg, tmp_path / "straight", data=data, progress=False)

    class Crashing(ImageData):
        calls = 0

        def batches(self, split, *a, **kw):
            for j, b in enumerate(super().batches(split, *a, **kw)):
                if split == "train" and j == 3:
                    raise _StopAfter
                yield b

    crashing = Crashing("mnist", n_val=100, seed=0)
    try:
        train(cfg, tmp_path / "stopped", data=crashing, progress=False, checkpoint_seconds=0.0)
    except _StopAfter:
        pass
    saved = torch.load(tmp_path / "stopped" / "last.pt", weights_only=True)
    assert saved["state"]["epoch"] == 0 and saved["state"]["partial"]["step"] == 3  # 3 of 6 batches trained
    done = train(cfg, tmp_path / "stopped", resume=True, data=data, progress=False)
    assert done["finished"]
    a = load_file(str(tmp_path / "straight" / "best.safetensors"))
    b = load_file(str(tmp_path / "stopped" / "best.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.allclose(a[key], b[key], atol=1e-5), key


def test_torch_schedule_follows_the_closed_form_in_every_group():
    """Training steps torch's LinearLR + CosineAnnealingLR; they give lr_at's schedule, each group scaled
    by its own initial lr (the codecs' faster rate), with and without warm-up."""
    from semcom_core.train.loop import schedule
    for warmup in (0, 10):
        a, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.5}], lr=0.1)
        sched = schedule(opt, 100, warmup)
        for step in range(100):
            want = lr_at(step, 100, warmup, 0.1)
            assert abs(opt.param_groups[0]["lr"] - want) < 1e-9, (warmup, step)
            assert abs(opt.param_groups[1]["lr"] - 5 * want) < 1e-8, (warmup, step)
            opt.step()
            sched.step()


def test_cutout_reaches_the_training_batches_and_the_run_record(tmp_path, cache_dir):
    easy_mnist_like(cache_dir)
    data = ImageData("mnist", n_val=100, seed=0)
    runs = {}
    for size in (0, 8):
        cfg = TrainConfig(name="tiny", dataset="mnist", backbone="resnet20", epochs=1, batch_size=50, lr=0.05,
                          n_val=100, warmup_epochs=0.5, eval_batch_size=100, cutout=size)
        train(cfg, tmp_path / f"c{size}", data=data, progress=False, limit_train=100)
        runs[size] = load_file(str(tmp_path / f"c{size}" / "best.safetensors"))
        assert json.loads((tmp_path / f"c{size}" / "config.json").read_text())["cutout"] == size
    assert any(not torch.equal(runs[0][k], runs[8][k]) for k in runs[0])  # other images, other weights


def test_train_command_keeps_a_runs_cutout_on_resume(tmp_path, cache_dir, capsys):
    from semcom_core.cli import main
    easy_mnist_like(cache_dir)
    cfg = tmp_path / "tiny.toml"
    cfg.write_text('name = "tiny"\ndataset = "mnist"\nbackbone = "resnet20"\nepochs = 2\nbatch_size = 50\n'
                   'lr = 0.05\nn_val = 100\nwarmup_epochs = 0.5\neval_batch_size = 100\n')
    out = tmp_path / "run"
    base = ["train", str(cfg), "--out", str(out), "--limit-train", "100"]
    assert main([*base, "--cutout", "-1"]) == 2 and "--cutout" in capsys.readouterr().err
    assert main([*base, "--cutout", "6", "--max-epochs", "1"]) == 0
    recorded = lambda: json.loads((out / "config.json").read_text())["cutout"]  # noqa: E731
    assert recorded() == 6
    assert main([*base, "--resume", "--cutout", "0"]) == 2  # another augmentation midway: refused, nothing trained
    assert "cutout 6" in capsys.readouterr().err and json.loads((out / "summary.json").read_text())["epochs_done"] == 1
    assert main([*base, "--resume"]) == 0  # without the option: the run's own
    assert recorded() == 6 and json.loads((out / "summary.json").read_text())["epochs_done"] == 2
