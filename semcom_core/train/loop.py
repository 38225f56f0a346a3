"""Resumable, config-driven training. One loop for backbones and split models.

Per run folder (`runs/<name>/`, or --out): `last.pt` (model, optimizer, epoch, RNG; written
atomically every epoch), `best.safetensors` (best validation accuracy so far, fp32),
`metrics.jsonl` (one line per epoch) and `config.json`. `--resume` continues from `last.pt`, so a
crash or the end of a session loses at most one epoch.
"""
from __future__ import annotations

import json
import math
import os
import platform
import random
import time
import warnings
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn
from tqdm.auto import tqdm

from semcom_core import paths
from semcom_core.config import TrainConfig
from semcom_core.data.loader import ImageData
from semcom_core.data.registry import DatasetError
from semcom_core.device import get_policy
from semcom_core.eval.accuracy import evaluate_accuracy
from semcom_core.nets.factory import build_model
from semcom_core.zoo.store import load_init_weights, sha256_file, start_from_shipped


def lr_at(step: int, total: int, warmup: int, peak: float) -> float:
    """The schedule in closed form: linear warm-up to `peak` over `warmup` steps, then cosine to zero at
    `total`. Training steps `schedule(...)`, torch's own schedulers, which follow it (tests check that)."""
    if warmup > 0 and step < warmup:
        return peak * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1.0 + math.cos(math.pi * min(1.0, t)))


def schedule(opt: torch.optim.Optimizer, total: int, warmup: int) -> torch.optim.lr_scheduler.LRScheduler:
    """Per-step learning rate from each group's initial lr: linear warm-up over `warmup` steps
    (LinearLR), then cosine to zero at `total` (CosineAnnealingLR). Call `.step()` after every batch."""
    from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR
    if warmup <= 1:
        return CosineAnnealingLR(opt, T_max=max(1, total), eta_min=0.0)
    ramp = LinearLR(opt, start_factor=1.0 / warmup, end_factor=1.0, total_iters=warmup - 1)
    return SequentialLR(opt, [ramp, CosineAnnealingLR(opt, T_max=max(1, total - warmup), eta_min=0.0)],
                        milestones=[warmup])


def build_for_training(cfg: TrainConfig, num_classes: int, in_channels: int) -> nn.Module:
    """The config's network, started from the weights its `init_from` names (a clear error naming the
    command that makes them if they are missing or do not fit)."""
    weights = load_init_weights(cfg.init_from) if cfg.init_from else None
    try:
        return build_model(cfg, num_classes, in_channels, weights)
    except ValueError as e:  # weights of another family: one clear line, not a traceback
        if weights is None:
            raise
        raise DatasetError(f"{cfg.init_from} cannot start {cfg.name}: {e}") from e


def param_groups(model: nn.Module, weight_decay: float, codec_lr_scale: float = 1.0) -> list[dict]:
    """Optimizer groups: weight decay on weights, none on biases and norms; the split codecs (fresh
    layers, when the model has `codecs`) at `codec_lr_scale` times the base learning rate."""
    codec_ids = {id(p) for p in model.codecs.parameters()} if hasattr(model, "codecs") else set()
    groups = {}
    for p in model.parameters():
        if not p.requires_grad:
            continue
        scale = codec_lr_scale if id(p) in codec_ids else 1.0
        wd = 0.0 if p.ndim <= 1 else weight_decay
        groups.setdefault((scale, wd), []).append(p)
    return [{"params": ps, "weight_decay": wd, "lr_scale": scale} for (scale, wd), ps in groups.items()]


def _atomic_torch_save(obj, path: Path) -> None:
    with paths.atomic_path(path) as tmp:
        torch.save(obj, tmp)


def recorded_config(run_dir: Path) -> dict | None:
    """The config a run folder's config.json says it was last trained with (None if there is none)."""
    try:
        cfg = json.loads((run_dir / "config.json").read_text())
    except (OSError, ValueError):
        return None
    return cfg if isinstance(cfg, dict) else None


def _epochs_of(run_dir: Path) -> int | None:
    """The schedule length a run folder was last trained with (None if it does not say)."""
    try:
        return int((recorded_config(run_dir) or {})["epochs"])
    except (KeyError, ValueError, TypeError):
        return None


def distributed() -> tuple[int, int]:
    """(rank, world size). Under `torchrun` (env WORLD_SIZE > 1) this joins the process group once:
    NCCL on CUDA (one GPU per process, LOCAL_RANK), gloo on CPUs. (0, 1) in a plain process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist
    if not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return dist.get_rank(), dist.get_world_size()


UNRECORDED_COMMANDS = "(earlier command lines not recorded)"


def train(cfg: TrainConfig, out_dir: Path | None = None, resume: bool = False,
          max_epochs_this_run: int | None = None, limit_train: int | None = None,
          data: ImageData | None = None, progress: bool = True,
          checkpoint_seconds: float = 600.0, command: str | None = None) -> dict:
    """Train per `cfg`; returns a summary dict (best val accuracy, epochs done, wall time).

    `last.pt` is written at the end of every epoch and also every `checkpoint_seconds` inside one
    (a CPU epoch can take most of an hour); `resume=True` continues from the exact batch it names:
    the batch order and augmentation are drawn from a per-epoch seed, so the skipped batches are
    re-drawn (not trained on) and the run continues as if it had never stopped.

    `command`: the command line of this invocation; the run keeps every one that trained it (first, then each
    resume that had epochs left), in its checkpoint and its summary (`commands`), so its card can say how it
    was trained.

    Under `torchrun --nproc_per_node N` the same call trains data-parallel (DistributedDataParallel): every
    process draws the same global batch and trains on its share (rows rank, rank + N, ...), gradients are
    averaged, and process 0 alone writes the run folder. Batch size, schedule and results stay those of
    one process (up to batch-norm statistics, which each process takes over its own share).
    """
    rank, world = distributed()
    lead = rank == 0
    progress = progress and lead
    policy = get_policy()
    out = Path(out_dir) if out_dir else paths.runs_dir() / cfg.name
    out.mkdir(parents=True, exist_ok=True)
    data = data or ImageData(cfg.dataset, policy.device, n_val=cfg.n_val, seed=cfg.seed)
    torch.manual_seed(cfg.seed)
    model = build_for_training(cfg, data.spec.num_classes, data.spec.image_shape[2])
    history = None
    if cfg.continue_from and not (resume and (out / "last.pt").is_file()):  # last.pt holds it already
        history = start_from_shipped(model, cfg.continue_from)
    model = policy.prepare_model(model)
    net = model  # what the batches go through: the model itself, or its DDP wrapper
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel
        # multi-split models use one split's codec per batch: the others get no gradient in that step
        net = DistributedDataParallel(model, find_unused_parameters=hasattr(model, "codecs"))
    groups = param_groups(model, cfg.weight_decay, cfg.codec_lr_scale)
    for g in groups:
        g["lr"] = cfg.lr * g.pop("lr_scale")
    if cfg.optimizer == "adam":
        opt = torch.optim.Adam(groups, lr=cfg.lr)
    else:
        opt = torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov)
    crit = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    n_train = len(data.train) if limit_train is None else min(limit_train, len(data.train))
    steps_per_epoch = math.ceil(n_train / cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs
    warmup = int(cfg.warmup_epochs * steps_per_epoch)
    sched = schedule(opt, total_steps, warmup)

    protocol = getattr(model, "VALIDATION", "plain")
    state = {"epoch": 0, "best_val": -1.0, "wall_seconds": 0.0, "val_protocol": protocol, "schedule_epochs": cfg.epochs}
    ckpt = out / "last.pt"
    if resume and ckpt.is_file():
        saved = torch.load(ckpt, map_location=policy.device, weights_only=True)
        prev = saved["state"]
        done_steps = prev["epoch"] * steps_per_epoch + (prev["partial"]["step"] if prev.get("partial") else 0)
        with warnings.catch_warnings():  # stepping the schedule alone, to where the run stopped
            warnings.simplefilter("ignore", UserWarning)
            for _ in range(done_steps):
                sched.step()
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        state = saved["state"]
        torch.set_rng_state(saved["rng"])
        for g, lr in zip(opt.param_groups, sched.get_last_lr()):  # the optimizer state held the old lr
            g["lr"] = lr
        where = f"epoch {state['epoch']}" + (f" + {state['partial']['step']} batches" if state.get("partial") else "")
        print(f"resumed {cfg.name} after {where} (best val {state['best_val']:.4f})")
        # the schedule the checkpoint was trained under (older checkpoints: the run folder's config.json)
        before = state.get("schedule_epochs") or _epochs_of(out)
        state["schedule_epochs"] = cfg.epochs  # saved with the next checkpoint; until then a resume records it again
        if before is not None and before != cfg.epochs:  # the cosine is re-drawn over the new length: record it
            state.setdefault("schedule_changes", []).append({
                "after_epoch": state["epoch"], "after_step": done_steps, "epochs_before": before,
                "epochs_after": cfg.epochs, "lr_fraction_of_peak": round(lr_at(done_steps, total_steps, warmup, 1.0), 4)})
            print(f"the schedule now spans {cfg.epochs} epochs (was {before}): the learning rate continues at "
                  f"{state['schedule_changes'][-1]['lr_fraction_of_peak']:.2f} of its peak (a warm restart if the "
                  "old schedule had ended)")
        was = state.get("val_protocol", "plain")
        if was != protocol:  # validation numbers no longer comparable
            print(f"validation is now measured as '{protocol}' (was '{was}'): "
                  "the best-so-far restarts from the next epoch")
            state.update(best_val=-1.0, val_protocol=protocol)
    elif resume:
        start = (f"the shipped {cfg.continue_from}" if cfg.continue_from
                 else cfg.init_from if cfg.init_from else "random weights")
        print(f"no checkpoint in {out}; starting {cfg.name} afresh from {start}")
    if history is not None:
        state["history"] = history
    if command and state["epoch"] < cfg.epochs and max_epochs_this_run != 0:  # an invocation that trains
        # a checkpoint from before commands were kept: say that its earlier command lines are unknown
        earlier = state.get("commands", [] if state["epoch"] == 0 and not state.get("partial")
                            else [UNRECORDED_COMMANDS])
        state["commands"] = [*earlier, command]
    if cfg.init_from and "init_from_sha256" not in state:  # the weights it started from, for the card
        state["init_from_sha256"] = sha256_file(Path(cfg.init_from))
    if lead:
        paths.atomic_write_text(out / "config.json", json.dumps(cfg.to_dict(), indent=2))

    epochs_run = 0
    while state["epoch"] < cfg.epochs:
        if max_epochs_this_run is not None and epochs_run >= max_epochs_this_run:
            break
        epoch = state["epoch"]
        model.train()
        partial = state.pop("partial", None) or {"step": 0, "seen": 0, "correct": 0, "loss_sum": 0.0, "seconds": 0.0}
        start_step = partial["step"]
        t0 = time.time() - partial["seconds"]
        seen, correct, loss_sum = partial["seen"], partial["correct"], partial["loss_sum"]
        last_save = time.time()
        random.seed(cfg.seed * 1000 + epoch)  # the split drawn per batch: the same in every process
        bar = tqdm(data.batches("train", cfg.batch_size, shuffle=True, augment=True,
                                seed=cfg.seed * 1000 + epoch, limit=limit_train, cutout_size=cfg.cutout),
                   total=steps_per_epoch, desc=f"{cfg.name} epoch {epoch + 1}/{cfg.epochs}",
                   disable=not progress, mininterval=2.0)
        for i, (x, y) in enumerate(bar):
            if i < start_step:  # resumed mid-epoch: these batches were trained before the stop
                continue
            if world > 1:  # this process's share of the global batch
                x, y = x[rank::world], y[rank::world]
            x = policy.prepare_input(x)
            with policy.autocast():
                logits = net(x)
                loss = crit(logits.float(), y)
                extra = getattr(model, "extra_loss", None)  # e.g. a picture head on detached inputs
                if extra is not None:
                    loss = loss + extra
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            seen += len(y)
            loss_sum += float(loss.detach()) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}",
                            ips=f"{seen / (time.time() - t0):.0f}")
            if lead and time.time() - last_save > checkpoint_seconds and i + 1 < steps_per_epoch:
                state["partial"] = {"step": i + 1, "seen": seen, "correct": correct, "loss_sum": loss_sum,
                                    "seconds": time.time() - t0}
                _atomic_torch_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "state": state,
                                    "rng": torch.get_rng_state()}, ckpt)
                state.pop("partial")
                last_save = time.time()
        train_time = time.time() - t0
        if hasattr(model, "validation_accuracy"):  # e.g. multi-split models: a fixed draw of split, k, SNR
            val_acc = model.validation_accuracy(data, policy, cfg.eval_batch_size, seed=cfg.seed)
        else:
            val_acc = evaluate_accuracy(model, data, "val", policy, cfg.eval_batch_size)
        state["epoch"] = epoch + 1
        state["wall_seconds"] += time.time() - t0
        row = {"epoch": epoch + 1, "train_loss": loss_sum / max(1, seen), "train_acc": correct / max(1, seen),
               "val_acc": val_acc, "val_protocol": protocol, "lr_end": opt.param_groups[0]["lr"], "epoch_seconds": time.time() - t0,
               "images_per_second": seen / max(1e-9, train_time)}
        if val_acc > state["best_val"]:
            state["best_val"] = val_acc
            state["best_epoch"] = epoch + 1
            if lead:
                sd = {k: v.detach().float().contiguous().cpu() for k, v in model.state_dict().items()}
                with paths.atomic_path(out / "best.safetensors") as tmp:
                    save_file(sd, str(tmp))
        epochs_run += 1
        if not lead:
            continue
        _atomic_torch_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "state": state,
                            "rng": torch.get_rng_state()}, ckpt)
        with open(out / "metrics.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"{cfg.name} epoch {epoch + 1}: loss {row['train_loss']:.3f} train {row['train_acc']:.4f} "
              f"val {val_acc:.4f} ({row['epoch_seconds']:.0f}s, {row['images_per_second']:.0f} img/s)", flush=True)

    summary = {"name": cfg.name, "epochs_done": state["epoch"], "epochs": cfg.epochs,
               "best_val_acc": state["best_val"], "best_epoch": state.get("best_epoch"),
               "wall_seconds": state["wall_seconds"], "device": policy.description,
               "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus",
               "finished": state["epoch"] >= cfg.epochs, "run_dir": str(out),
               "init_from_sha256": state.get("init_from_sha256"), "history": state.get("history", []),
               "commands": state.get("commands", [])}
    if state.get("schedule_changes"):
        summary["schedule_changes"] = state["schedule_changes"]
    if lead:
        paths.atomic_write_text(out / "summary.json", json.dumps(summary, indent=2))
    return summary
