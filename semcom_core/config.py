"""Experiment configs: small TOML files in `configs/`, loaded into a dataclass. Every shipped
artifact names the config file (and its hash) and the command that made it."""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path


@dataclass
class TrainConfig:
    name: str
    dataset: str = "cifar10"
    backbone: str = "resnet18"
    kind: str = "backbone"  # "backbone" | "split" | "iot_learned" | "iot_classifier"
    epochs: int = 20
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    cutout: int = 0  # side in pixels of the square Cutout zeroes in each training image (0: none)
    warmup_epochs: float = 1.0
    schedule: str = "cosine"  # linear warm-up, then cosine to zero (per step)
    n_val: int = 5000  # carved from train by `seed`, used for model selection
    seed: int = 0
    eval_batch_size: int = 500
    # weights (safetensors) to start from: for kind "backbone" this network's or a shallower one's of the
    # same widths, which it grows from (`nets.resnet.grow_into`); for kind "split" the backbone's
    init_from: str = ""
    # a shipped model (by name) whose weights this run starts from, continuing its training (`train
    # --continue-shipped`); its card's history is carried into the new card
    continue_from: str = ""
    # split-model training (kind = "split")
    splits: list[str] = field(default_factory=list)
    k_max: int = 1024
    decompress_stages: int = 2
    snr_db_range: tuple[float, float] = (-5.0, 20.0)
    freeze_backbone: bool = False  # train only the codecs (cheapest)
    distill_weight: float = 0.0
    adapt: dict[str, list[str]] = field(default_factory=dict)  # split -> stages it gets its own copy of
    split_weights: dict[str, float] = field(default_factory=dict)  # split -> how often it is drawn (default 1)
    k_ref: int = 0  # > 0: half the training images at this k, half log-uniform over k_min..k_max
    k_min: int = 1
    distill_temperature: float = 2.0
    codec_lr_scale: float = 1.0  # the codecs' learning rate relative to `lr` (fresh layers learn faster)
    # paper 003 (kind = "iot_learned" | "iot_classifier")
    k_complex: int = 16
    train_channels: list[str] = field(default_factory=lambda: ["complex_awgn"])
    optimizer: str = "sgd"  # "sgd" | "adam"
    source_path: str = ""
    source_sha256: str = ""

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        path = Path(path)
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode())
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{path}: unknown config keys {sorted(unknown)}")
        if "snr_db_range" in data:
            data["snr_db_range"] = tuple(data["snr_db_range"])
        cfg = cls(**data)
        if not isinstance(cfg.cutout, int) or isinstance(cfg.cutout, bool) or cfg.cutout < 0:
            raise ValueError(f"{path}: cutout is a square's side in pixels (0: none), got {cfg.cutout!r}")
        cfg.source_path = str(path)
        cfg.source_sha256 = hashlib.sha256(raw).hexdigest()
        return cfg

    def to_dict(self) -> dict:
        return asdict(self)
