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


def register(sub) -> None:
    t = sub.add_parser("train", help="train a model from a config (resumable)")
    t.add_argument("config", help="TOML config, e.g. configs/resnet18_cifar10.toml")
    t.add_argument("--out", help="run folder (default runs/<name>)")
    t.add_argument("--resume", action="store_true", help="continue from the run folder's last.pt")
    t.add_argument("--epochs", type=int, help="override the config's epoch count (e.g. 100 on a GPU)")
    t.add_argument("--max-epochs", type=int, help="stop after this many epochs in this invocation")
    t.add_argument("--limit-train", type=int, help="train on the first N training images (smoke tests)")
    t.set_defaults(func=cmd_train)
