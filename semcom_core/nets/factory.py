"""Build any of the project's networks from a `TrainConfig`, optionally starting from given weights.
The caller loads the weights (from the zoo, a run folder, anywhere): networks never read files."""
from __future__ import annotations

import torch
from torch import nn

from semcom_core.config import TrainConfig
from semcom_core.data.registry import get_spec
from semcom_core.nets.deepsc_iot import DeepSCIoT, SmallCNN
from semcom_core.nets.multisplit import build_trainable_split_model
from semcom_core.nets.resnet import build_backbone, grow_into

KINDS = ("backbone", "split", "iot_learned", "iot_classifier")


def build_model(cfg: TrainConfig, num_classes: int, in_channels: int,
                init_weights: dict[str, torch.Tensor] | None = None) -> nn.Module:
    """The network `cfg` describes. `init_weights`: for a backbone, this network's trained tensors or a
    shallower one's of the same widths, which it grows from (ValueError if they fit neither); for a
    split model, its backbone's (the distillation teacher and the start of every stage)."""
    if cfg.kind == "backbone":
        model = build_backbone(cfg.backbone, num_classes, in_channels)
        if init_weights is not None:
            grow_into(model, init_weights)
        return model
    if cfg.kind == "split":
        return build_trainable_split_model(cfg, num_classes, in_channels, init_weights)
    if init_weights is not None:
        raise ValueError(f"a {cfg.kind} model does not start from other weights (init_from)")
    if cfg.kind == "iot_learned":
        spec = get_spec(cfg.dataset)
        return DeepSCIoT(cfg.k_complex, num_classes, in_channels, tuple(cfg.snr_db_range), tuple(cfg.train_channels),
                         spec.mean[0], spec.std[0])
    if cfg.kind == "iot_classifier":
        return SmallCNN(num_classes, in_channels)
    raise ValueError(f"unknown config kind {cfg.kind!r}; known: {', '.join(KINDS)}")
