"""CLI commands about models: train, costs, evaluate, zoo (registered by cli.build_parser)."""
from __future__ import annotations

import json
from pathlib import Path


def cmd_train(a) -> int:
    from .config import TrainConfig
    from .training import train
    cfg = TrainConfig.load(a.config)
    if a.epochs is not None:
        cfg.epochs = a.epochs
    summary = train(cfg, Path(a.out) if a.out else None, resume=a.resume,
                    max_epochs_this_run=a.max_epochs, limit_train=a.limit_train)
    print(json.dumps(summary, indent=2))
    return 0


def cmd_costs(a) -> int:
    from .cli import UsageError, _print
    from .costs import CONVENTION_NOTES, split_costs
    from .models import BACKBONES
    from .models.split import K_CHOICES
    if a.backbone not in BACKBONES:
        raise UsageError(f"unknown backbone {a.backbone!r}; known: {', '.join(BACKBONES)}")
    if a.k < 1 or a.k > K_CHOICES[-1]:
        raise UsageError(f"k must be in 1..{K_CHOICES[-1]} (the bottleneck is designed for at most "
                         f"{K_CHOICES[-1]} numbers), got {a.k}")
    if a.num_classes < 2:
        raise UsageError(f"--num-classes must be at least 2, got {a.num_classes}")
    if a.decompress not in (1, 2):
        raise UsageError(f"--decompress is 1 or 2 ConvTranspose2d stages, got {a.decompress}")
    try:
        c = split_costs(a.backbone, a.num_classes, a.split, a.k, a.decompress, a.convention)
    except ValueError as e:
        raise UsageError(str(e)) from None
    out = c.to_dict()
    out["note"] = CONVENTION_NOTES[a.convention]
    _print(out, a.json)
    return 0


def register(sub) -> None:
    c = sub.add_parser("costs", help="per-part MACs, parameters and z size of a split model")
    c.add_argument("--backbone", default="resnet18", help="resnet18 or resnet34 (or resnet20..110)")
    c.add_argument("--num-classes", type=int, default=10)
    c.add_argument("--split", default="SP-2", help="SP-0 (send the image) .. SP-6 (send the label)")
    c.add_argument("--k", type=int, default=1024, help="numbers sent (1..1024)")
    c.add_argument("--decompress", type=int, default=2, help="ConvTranspose2d stages at the receiver (1 or 2)")
    c.add_argument("--convention", choices=("paper", "true"), default="true",
                   help="paper: as paper 000's code counts; true: real MACs of every layer")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_costs)

    t = sub.add_parser("train", help="train a model from a config (resumable)")
    t.add_argument("config", help="TOML config, e.g. configs/resnet18_cifar10.toml")
    t.add_argument("--out", help="run folder (default runs/<name>)")
    t.add_argument("--resume", action="store_true", help="continue from the run folder's last.pt")
    t.add_argument("--epochs", type=int, help="override the config's epoch count (e.g. 100 on a GPU)")
    t.add_argument("--max-epochs", type=int, help="stop after this many epochs in this invocation")
    t.add_argument("--limit-train", type=int, help="train on the first N training images (smoke tests)")
    t.set_defaults(func=cmd_train)
