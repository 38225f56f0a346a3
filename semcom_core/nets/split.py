"""Split inference with a bottleneck of k real numbers (paper 000), one trained codec for every k.

    image -> [transmitter: backbone stages up to the cut -> compressor -> first k of z, power-normalized]
          -> channel (noise)
          -> [receiver: zero-fill to k_max -> decompressor -> remaining stages -> head] -> logits

Split points (`split_points(backbone)`): SP-0 sends the (normalized) image, SP-i cuts after the
i-th named stage (`conv1`, `conv2_x`, ...), and the last one (SP-6 for ResNet-18/34) sends the
logits, from which the receiver takes the label.

Compressor (the paper's public code): average-pool the feature map to 4x4, 1x1 conv to k_max
channels + BN + ReLU, global average pool -> z (k_max numbers). Decompressor: one ConvTranspose2d
(1x1 -> HxW) or two (1x1 -> h1xh1 -> HxW, the channel/size plan of the paper's Table II models),
each + BN + ReLU, restoring the feature map the next stage expects.

One codec for all k ("ordered", nested-dropout style): the transmitter computes all k_max features
but sends only the first k; the receiver puts the k received numbers in the first k inputs of the
decompressor and zeros in the rest. Trained with a random k per image (powers of two up to k_max)
and a random SNR per image, the network learns to put the most useful information first, so one
trained model answers every (k, SNR). Power normalization applies to the k numbers actually sent
(||z_k||^2 = k). Cost-wise, a deployment for one k would compute only the first k channels of the
1x1 conv and feed k inputs to the first ConvTranspose2d, which is exactly the paper's model with
nc = k; `semcom_core.costs` counts it that way.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from semcom_core.channels import Channel, power_normalize
from semcom_core.nets.resnet import CifarResNet

K_CHOICES = tuple(2 ** i for i in range(11))  # 1, 2, 4, ..., 1024
# Two-stage decompression plan, by target spatial size: (intermediate size, intermediate channels).
# Chosen to reproduce paper 000's Table II for ResNet-34 (see tests/test_costs.py).
TWO_STAGE_PLAN = {32: (4, 256), 16: (4, 256), 8: (4, 128), 4: (2, 256)}


def split_points(backbone: CifarResNet) -> list[str]:
    """SP-0 (image) .. SP-n (after each stage) .. SP-(n+1) (logits)."""
    return [f"SP-{i}" for i in range(len(backbone.stage_names) + 2)]


def split_index(backbone: CifarResNet, split: str) -> int:
    names = split_points(backbone)
    if split not in names:
        raise ValueError(f"unknown split point {split!r} for {backbone.arch}; known: {', '.join(names)}")
    return names.index(split)


def describe_split(backbone: CifarResNet, split: str) -> str:
    i = split_index(backbone, split)
    st = backbone.stage_names
    if i == 0:
        return "input | " + st[0] + " (send the image)"
    if i == len(st) + 1:
        return "logits | argmax (send the logits; the receiver takes the label)"
    after = st[i] if i < len(st) else "avgpool+fc"
    return f"{st[i - 1]} | {after}"


def feature_shapes(backbone: CifarResNet, image_hw: int = 32) -> list[tuple[int, int, int]]:
    """(C, H, W) after each stage for an image_hw x image_hw input (computed by a dry run)."""
    shapes = []
    x = torch.zeros(1, backbone.in_channels, image_hw, image_hw)
    was_training = backbone.training
    backbone.eval()
    with torch.no_grad():
        for name in backbone.stage_names:
            x = backbone.stages[name](x)
            shapes.append(tuple(x.shape[1:]))
    backbone.train(was_training)
    return shapes


class Compressor(nn.Module):
    """Feature map (C, H, W) -> z of k_max numbers: avg-pool to 4x4, 1x1 conv + BN + ReLU, GAP."""

    def __init__(self, c_in: int, h_in: int, k_max: int):
        super().__init__()
        self.pool = nn.AvgPool2d(h_in // 4) if h_in > 4 else nn.Identity()
        self.to_k = nn.Conv2d(c_in, k_max, 1, bias=False)
        self.bn = nn.BatchNorm2d(k_max)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn(self.to_k(self.pool(x))))
        return torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)


class Decompressor(nn.Module):
    """z (k_max numbers) -> feature map (C, H, W) by one or two ConvTranspose2d + BN + ReLU."""

    def __init__(self, k_max: int, c_out: int, h_out: int, stages: int = 2):
        super().__init__()
        if stages == 1:
            plan = [(k_max, c_out, h_out)]
        elif stages == 2:
            h1, c1 = TWO_STAGE_PLAN.get(h_out, (max(1, h_out // 4), max(c_out, 64)))
            plan = [(k_max, c1, h1), (c1, c_out, h_out // h1)]
        else:
            raise ValueError(f"decompression has 1 or 2 ConvTranspose2d stages, not {stages}")
        layers: list[nn.Module] = []
        for c_i, c_o, s in plan:
            layers += [nn.ConvTranspose2d(c_i, c_o, s, s, bias=False), nn.BatchNorm2d(c_o), nn.ReLU(inplace=True)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])


def keep_first_k(z: torch.Tensor, k) -> torch.Tensor:
    """Zero all but the first k entries of each row (k: int or (B,) tensor), then power-normalize
    the kept entries so that ||z_k||^2 = k."""
    n = z.shape[-1]
    if isinstance(k, int):
        kept = z[:, :k]
        return torch.nn.functional.pad(power_normalize(kept), (0, n - k))
    mask = (torch.arange(n, device=z.device)[None, :] < k[:, None].to(z.device)).to(z.dtype)
    zk = z * mask
    scale = torch.sqrt(k.to(z.device, z.dtype))[:, None] / zk.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    return zk * scale


def _stage(backbone: CifarResNet, name: str, overrides: dict[str, nn.Module] | None) -> nn.Module:
    """The backbone's stage `name` ("head" for the head), or this split's own trained copy of it."""
    if overrides and name in overrides:
        return overrides[name]
    return backbone.head if name == "head" else backbone.stages[name]


class Transmitter(nn.Module):
    def __init__(self, backbone: CifarResNet, cut: int, compressor: nn.Module | None, send_logits: bool,
                 overrides: dict[str, nn.Module] | None = None):
        super().__init__()
        self.stages = nn.ModuleList([_stage(backbone, n, overrides) for n in backbone.stage_names[:cut]])
        self.compressor = compressor
        self.head = _stage(backbone, "head", overrides) if send_logits else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns all k_max features (before truncation and normalization)."""
        for s in self.stages:
            x = s(x)
        if self.head is not None:
            return self.head(x)
        if self.compressor is None:
            return torch.flatten(x, 1)  # SP-0: the standardized image itself
        return self.compressor(x)


class Receiver(nn.Module):
    def __init__(self, backbone: CifarResNet, cut: int, decompressor: nn.Module | None, image_shape=None,
                 receives_logits: bool = False, overrides: dict[str, nn.Module] | None = None):
        super().__init__()
        self.decompressor = decompressor
        self.image_shape = image_shape
        self.stages = nn.ModuleList([_stage(backbone, n, overrides) for n in backbone.stage_names[cut:]])
        self.head = None if receives_logits else _stage(backbone, "head", overrides)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        if self.head is None:
            return y  # SP-6: the received (noisy) logits; the label is their argmax
        x = self.decompressor(y) if self.decompressor is not None else y.reshape(-1, *self.image_shape)
        for s in self.stages:
            x = s(x)
        return self.head(x)


class Codec(nn.Module):
    """The trainable bottleneck of one feature split point: compressor (transmitter side) and
    decompressor (receiver side)."""

    def __init__(self, backbone: CifarResNet, split: str, k_max: int = 1024, decompress_stages: int = 2,
                 image_hw: int = 32):
        super().__init__()
        cut = split_index(backbone, split)
        if not 1 <= cut <= len(backbone.stage_names):
            raise ValueError(f"{split} sends the image or the label: it has no codec")
        c, h, _ = feature_shapes(backbone, image_hw)[cut - 1]
        self.compressor = Compressor(c, h, k_max)
        self.decompressor = Decompressor(k_max, c, h, decompress_stages)


class SplitModel(nn.Module):
    """A backbone cut at `split`, with a k-number bottleneck. Shares modules with `backbone` (and with
    `codec`, when a trained one is given); `overrides` maps stage names ("head" for the head) to this
    split's own trained copies, used instead of the backbone's."""

    def __init__(self, backbone: CifarResNet, split: str, k_max: int = 1024, decompress_stages: int = 2,
                 image_hw: int = 32, codec: Codec | None = None, overrides: dict[str, nn.Module] | None = None):
        super().__init__()
        self.split = split
        self.arch = backbone.arch
        self.num_classes = backbone.num_classes
        cut = split_index(backbone, split)
        n_stages = len(backbone.stage_names)
        self.kind = "image" if cut == 0 else "logits" if cut == n_stages + 1 else "features"
        image_shape = (backbone.in_channels, image_hw, image_hw)
        if self.kind == "image":
            self.k_max = self.k_fixed = math.prod(image_shape)
            comp = dec = None
        elif self.kind == "logits":
            self.k_max = self.k_fixed = backbone.num_classes
            comp = dec = None
        else:
            codec = codec or Codec(backbone, split, k_max, decompress_stages, image_hw)
            self.k_max, self.k_fixed = codec.compressor.to_k.out_channels, None
            comp, dec = codec.compressor, codec.decompressor
        self.decompress_stages = decompress_stages
        self.transmitter = Transmitter(backbone, min(cut, n_stages), comp, send_logits=self.kind == "logits",
                                       overrides=overrides)
        self.receiver = Receiver(backbone, min(cut, n_stages), dec, image_shape,
                                 receives_logits=self.kind == "logits", overrides=overrides)

    def check_k(self, k: int) -> int:
        if self.k_fixed is not None:
            return self.k_fixed
        if not 1 <= int(k) <= self.k_max:
            raise ValueError(f"k must be in 1..{self.k_max} at {self.split}, got {k}")
        return int(k)

    def encode(self, x: torch.Tensor, k) -> torch.Tensor:
        """The vector actually sent: (B, k_max) with entries beyond k zero (SP-0: the image)."""
        return self.to_channel(self.transmitter(x).float(), k)

    def to_channel(self, z: torch.Tensor, k) -> torch.Tensor:
        """The transmitter's output, which does not depend on k, -> the vector sent for k (what a
        sweep computes once per split and reuses for every k)."""
        if self.kind == "image":
            return z  # standardized pixels: unit average power over the dataset, sent as they are
        if self.kind == "logits":
            return power_normalize(z)
        return keep_first_k(z, k if isinstance(k, torch.Tensor) else self.check_k(k))

    def decode(self, y: torch.Tensor, k=None) -> torch.Tensor:
        if self.kind == "features" and k is not None:  # the receiver zero-fills what was not sent
            y = keep_mask(y, k)
        return self.receiver(y)

    def forward(self, x: torch.Tensor, k=None, snr_db=None, channel: Channel | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        k = self.k_max if k is None else k
        z = self.encode(x, k)
        y = z if channel is None or snr_db is None else channel(z, snr_db, generator)
        return self.decode(y, k)


def keep_mask(y: torch.Tensor, k) -> torch.Tensor:
    n = y.shape[-1]
    if isinstance(k, int):
        return torch.nn.functional.pad(y[:, :k], (0, n - k)) if k < n else y
    return y * (torch.arange(n, device=y.device)[None, :] < k[:, None].to(y.device)).to(y.dtype)
