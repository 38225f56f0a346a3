"""Training paper 001's TOC models end to end with the channel in the loop (eqs. 5, 15; Algorithm 1).

- Loss: static, cross-entropy of the receiver's logits (eq. 5); dynamic, the sum over the K exits of the
  receivers' cross-entropies (eq. 15, omega_k = 1) plus `confidence_weight` times the sum of the
  transmitter-side confidence heads' cross-entropies (they must be classifiers for their top softmax
  probability to rank images by difficulty; paper 001 does not say how its confidence logits are trained).
- Channel: for each batch one channel drawn from `train_channels` (default AWGN and Rayleigh, so one
  model serves both), and for each image an SNR (paper 001's PSNR) drawn uniformly in dB from
  `snr_db_range` (default [-2, 20] dB, around Table III's 0/6/12/18 dB): one model per encoder serves
  every SNR and both channels.
- Optimizer: SGD with momentum, weight decay on weights only, linear warm-up then cosine to zero per step
  (`semcom_core.train.loop.schedule` and `param_groups`); the device and precision policy of
  `semcom_core.device`; batches from `semcom_core.data.loader.ImageData` (random crop + flip).
- Checkpoints like `semcom_core.train.loop`: `last.pt` (atomic) at the end of every epoch, every
  `checkpoint_seconds` inside one and when `max_steps` stops a run; `resume=True` continues from the
  exact batch (the per-epoch batch order and augmentation are seeded, the skipped batches re-drawn, not
  trained on). `best.safetensors` holds the best validation accuracy so far (validation split carved
  from train by `seed`, AWGN at `val_snr_db`, noise seeded); `metrics.jsonl` one line per epoch,
  `steps.jsonl` the running loss every `log_every` steps.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import random
import time
import tomllib
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from semcom_core import paths
from semcom_core.channels import get_channel
from semcom_core.data.loader import ImageData
from semcom_core.device import get_policy
from semcom_core.nets.toc import TOC_MODELS, StaticTOC, build_toc_model
from semcom_core.toc.evaluate import collect
from semcom_core.train.loop import _atomic_torch_save, param_groups, schedule


@dataclass
class TOCConfig:
    name: str
    model: str = "static-resnet20"  # one of nets.toc.TOC_MODELS
    dataset: str = "cifar10"
    epochs: int = 30
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    label_smoothing: float = 0.0  # 0: the exits' softmax confidences stay unsmoothed
    warmup_epochs: float = 1.0
    n_val: int = 5000
    seed: int = 0
    eval_batch_size: int = 500
    snr_db_range: tuple[float, float] = (-2.0, 20.0)
    train_channels: list[str] = field(default_factory=lambda: ["awgn", "rayleigh"])
    confidence_weight: float = 1.0
    val_snr_db: float = 6.0
    val_channel: str = "awgn"
    # weights (safetensors) to start from: the same model's, or for a static model a shallower static
    # model's, which its encoder grows from (function-preserving, `nets.resnet.grow_into`; codec copied)
    init_from: str = ""
    source_path: str = ""
    source_sha256: str = ""

    def __post_init__(self):
        if self.model not in TOC_MODELS:
            raise ValueError(f"unknown TOC model {self.model!r}; known: {', '.join(TOC_MODELS)}")
        for ch in list(self.train_channels) + [self.val_channel]:
            get_channel(ch)  # ValueError naming the known channels
        lo, hi = self.snr_db_range
        if not lo <= hi:
            raise ValueError(f"snr_db_range must be [low, high], got {self.snr_db_range}")

    @classmethod
    def load(cls, path: str | Path) -> "TOCConfig":
        path = Path(path)
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode())
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"{path}: unknown config keys {sorted(unknown)}")
        if "snr_db_range" in data:
            data["snr_db_range"] = tuple(data["snr_db_range"])
        return cls(**data, source_path=str(path), source_sha256=hashlib.sha256(raw).hexdigest())

    def to_dict(self) -> dict:
        return asdict(self)


def load_init(model: nn.Module, weights: dict[str, torch.Tensor]) -> list[str]:
    """Start `model` from `weights`: the same architecture's tensors (strict), or, for a static TOC model,
    a shallower static TOC model's: the encoder grows from it (new blocks start as the identity, so the
    grown model computes what the trained one did) and the codec and classifier are copied. Returns the
    names of the new blocks (empty for a same-architecture start). ValueError when they do not fit."""
    mine = model.state_dict()
    if set(weights) == set(mine):
        model.load_state_dict(weights, strict=True)
        return []
    if not isinstance(model, StaticTOC):
        raise ValueError("these weights are not this dynamic model's (a dynamic model starts only from its own)")
    from semcom_core.nets.resnet import build_backbone, grow_into
    net = build_backbone(model.encoder_name, model.num_classes)
    net.stages = model.toe  # grow the TOC model's own encoder in place
    enc = {"stages." + k[len("toe."):]: v for k, v in weights.items() if k.startswith("toe.")}
    enc.update({"head." + k: v for k, v in net.head.state_dict().items()})
    new = grow_into(net, enc)
    link = {k[len("link."):]: v for k, v in weights.items() if k.startswith("link.")}
    model.link.load_state_dict(link, strict=True)
    return new


def toc_loss(model: nn.Module, out, y: torch.Tensor, crit: nn.Module, confidence_weight: float) -> torch.Tensor:
    """Eq. (5) for a static model; eq. (15) (+ the confidence heads) for a dynamic one."""
    if isinstance(model, StaticTOC):
        return crit(out.float(), y)
    loss = sum(crit(r.float(), y) for r in out.rx_logits)
    if confidence_weight:
        loss = loss + confidence_weight * sum(crit(t.float(), y) for t in out.tx_logits)
    return loss


def validation_accuracy(model: nn.Module, data: ImageData, cfg: TOCConfig, policy) -> float:
    """Mean over exits of the receiver's accuracy on the validation split at `val_channel`, `val_snr_db`
    (noise seeded by `seed`): the number `best.safetensors` is chosen by."""
    if len(data.val) == 0:
        return float("nan")
    c = collect(model, data.batches("val", cfg.eval_batch_size), cfg.val_snr_db, cfg.val_channel, cfg.seed, policy)
    return float(c.exit_accuracy.mean())


def train_toc(cfg: TOCConfig, out_dir: Path | None = None, resume: bool = False,
              max_epochs_this_run: int | None = None, max_steps: int | None = None,
              limit_train: int | None = None, data: ImageData | None = None, progress: bool = True,
              checkpoint_seconds: float = 600.0, log_every: int = 25, policy=None) -> dict:
    """Train per `cfg`; returns a summary (best validation accuracy, epochs and steps done, wall time,
    images per second, machine). `max_steps` stops this invocation after that many optimizer steps (a
    checkpoint is written there, so `resume=True` continues from the same batch)."""
    policy = policy or get_policy()
    out = Path(out_dir) if out_dir else paths.runs_dir() / cfg.name
    out.mkdir(parents=True, exist_ok=True)
    data = data or ImageData(cfg.dataset, policy.device, n_val=cfg.n_val, seed=cfg.seed)
    torch.manual_seed(cfg.seed)
    model = build_toc_model(cfg.model, data.spec.num_classes, data.spec.image_shape[2])
    if cfg.init_from and not (resume and (out / "last.pt").is_file()):
        from safetensors.torch import load_file
        grown = load_init(model, load_file(cfg.init_from))
        print(f"{cfg.name}: started from {cfg.init_from}" + (f" (new blocks: {', '.join(grown)})" if grown else ""),
              flush=True)
    model = policy.prepare_model(model)
    groups = param_groups(model, cfg.weight_decay)
    for g in groups:
        g["lr"] = cfg.lr * g.pop("lr_scale")
    opt = torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov)
    crit = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    n_train = len(data.train) if limit_train is None else min(limit_train, len(data.train))
    steps_per_epoch = math.ceil(n_train / cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs
    sched = schedule(opt, total_steps, int(cfg.warmup_epochs * steps_per_epoch))
    lo, hi = cfg.snr_db_range

    state = {"epoch": 0, "best_val": -1.0, "wall_seconds": 0.0, "steps": 0}
    ckpt = out / "last.pt"

    def save_checkpoint():
        _atomic_torch_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "state": state,
                            "rng": torch.get_rng_state()}, ckpt)

    if resume and ckpt.is_file():
        saved = torch.load(ckpt, map_location=policy.device, weights_only=True)
        with warnings.catch_warnings():  # step the schedule alone to where the run stopped
            warnings.simplefilter("ignore", UserWarning)
            for _ in range(saved["state"]["steps"]):
                sched.step()
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        state = saved["state"]
        torch.set_rng_state(saved["rng"])
        for g, lr in zip(opt.param_groups, sched.get_last_lr()):
            g["lr"] = lr
        where = f"epoch {state['epoch']}" + (f" + {state['partial']['step']} batches" if state.get("partial") else "")
        print(f"resumed {cfg.name} after {where} (best val {state['best_val']:.4f})", flush=True)
    elif resume:
        print(f"no checkpoint in {out}; starting {cfg.name} afresh", flush=True)
    paths.atomic_write_text(out / "config.json", json.dumps(cfg.to_dict(), indent=2))

    epochs_run, steps_run, stopped = 0, 0, False
    train_seconds, train_images = 0.0, 0
    while state["epoch"] < cfg.epochs and not stopped:
        if max_epochs_this_run is not None and epochs_run >= max_epochs_this_run:
            break
        epoch = state["epoch"]
        model.train()
        partial = state.pop("partial", None) or {"step": 0, "seen": 0, "correct": 0, "loss_sum": 0.0, "seconds": 0.0}
        start_step = partial["step"]
        t0 = time.time() - partial["seconds"]
        seen, correct, loss_sum = partial["seen"], partial["correct"], partial["loss_sum"]
        last_save = time.time()
        rng = random.Random(cfg.seed * 1000 + epoch)  # the channel drawn per batch
        snr_gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch + 1)  # SNRs and channel noise
        i = -1
        for i, (x, y) in enumerate(data.batches("train", cfg.batch_size, shuffle=True, augment=True,
                                                seed=cfg.seed * 1000 + epoch, limit=limit_train)):
            channel = rng.choice(cfg.train_channels)
            snr = lo + (hi - lo) * torch.rand(len(y), generator=snr_gen)
            if i < start_step:  # resumed mid-epoch: these batches were trained before the stop
                continue
            tb = time.time()
            x = policy.prepare_input(x)
            with policy.autocast():
                out_ = model(x, snr.to(policy.device), channel)
                loss = toc_loss(model, out_, y, crit, cfg.confidence_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            train_seconds += time.time() - tb
            train_images += len(y)
            final = out_ if isinstance(model, StaticTOC) else out_.rx_logits[-1]
            seen += len(y)
            loss_sum += float(loss.detach()) * len(y)
            correct += int((final.argmax(1) == y).sum())
            state["steps"] += 1
            steps_run += 1
            if log_every and state["steps"] % log_every == 0:
                row = {"step": state["steps"], "epoch": epoch + (i + 1) / steps_per_epoch,
                       "loss": loss_sum / seen, "train_acc_last_exit": correct / seen,
                       "lr": opt.param_groups[0]["lr"], "images_per_second": train_images / max(1e-9, train_seconds)}
                with open(out / "steps.jsonl", "a") as f:
                    f.write(json.dumps(row) + "\n")
                if progress:
                    print(f"{cfg.name} step {row['step']} epoch {row['epoch']:.2f}: loss {row['loss']:.3f} "
                          f"acc {row['train_acc_last_exit']:.3f} ({row['images_per_second']:.0f} img/s)", flush=True)
            partial_now = {"step": i + 1, "seen": seen, "correct": correct, "loss_sum": loss_sum,
                           "seconds": time.time() - t0}
            if max_steps is not None and steps_run >= max_steps and i + 1 < steps_per_epoch:
                state["partial"] = partial_now
                state["wall_seconds"] += time.time() - t0 - partial["seconds"]
                save_checkpoint()
                stopped = True
                break
            if time.time() - last_save > checkpoint_seconds and i + 1 < steps_per_epoch:
                state["partial"] = partial_now
                save_checkpoint()
                state.pop("partial")
                last_save = time.time()
        if stopped:
            break
        val_acc = validation_accuracy(model, data, cfg, policy)
        state["epoch"] = epoch + 1
        state["wall_seconds"] += time.time() - t0 - partial["seconds"]
        row = {"epoch": epoch + 1, "train_loss": loss_sum / max(1, seen), "train_acc_last_exit": correct / max(1, seen),
               "val_acc": val_acc, "lr_end": opt.param_groups[0]["lr"], "epoch_seconds": time.time() - t0}
        if val_acc > state["best_val"]:
            state["best_val"], state["best_epoch"] = val_acc, epoch + 1
            sd = {k: v.detach().float().contiguous().cpu() for k, v in model.state_dict().items()}
            with paths.atomic_path(out / "best.safetensors") as tmp:
                save_file(sd, str(tmp), metadata={"model": cfg.model, "dataset": cfg.dataset,
                                                  "num_classes": str(data.spec.num_classes),
                                                  "n_val": str(cfg.n_val), "split_seed": str(cfg.seed),
                                                  "epoch": str(epoch + 1), "config": cfg.source_path})
        epochs_run += 1
        save_checkpoint()
        with open(out / "metrics.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")
        if progress:
            print(f"{cfg.name} epoch {epoch + 1}: loss {row['train_loss']:.3f} val {val_acc:.4f} "
                  f"({row['epoch_seconds']:.0f}s)", flush=True)
        if max_steps is not None and steps_run >= max_steps:
            break

    summary = {"name": cfg.name, "model": cfg.model, "dataset": cfg.dataset, "epochs_done": state["epoch"],
               "epochs": cfg.epochs, "steps_done": state["steps"], "steps_this_run": steps_run,
               "best_val_acc": state["best_val"], "best_epoch": state.get("best_epoch"),
               "wall_seconds": state["wall_seconds"],
               "train_images_per_second": train_images / max(1e-9, train_seconds),
               "device": policy.description,
               "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
                          f"{len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'} usable",
               "finished": state["epoch"] >= cfg.epochs, "run_dir": str(out)}
    paths.atomic_write_text(out / "summary.json", json.dumps(summary, indent=2))
    return summary
