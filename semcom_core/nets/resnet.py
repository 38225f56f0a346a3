"""CIFAR ResNets with named stages, so a split point is a name, not an index.

- ResNet-18/34 (He et al. 2016 with the CIFAR stem: one 3x3 conv, stride 1, 64 filters, no
  max-pool): stages `conv1`, `conv2_x` (64), `conv3_x` (128), `conv4_x` (256), `conv5_x` (512),
  then `head` = global average pool + fc.
- Thin ResNet-20/32/44/56/110 (He et al. section 4.2): `conv1` (16), `conv2_x` (16),
  `conv3_x` (32), `conv4_x` (64), `head`; n = (depth - 2) / 6 blocks per stage. Shortcuts that
  change shape are 1x1 conv + BN (option B).
"""
from __future__ import annotations

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class Head(nn.Module):
    """Global average pool, then the linear classifier."""

    def __init__(self, c_in: int, num_classes: int):
        super().__init__()
        self.fc = nn.Linear(c_in, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def _stem(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def _stage(c_in: int, c_out: int, blocks: int, stride: int) -> nn.Sequential:
    return nn.Sequential(*[BasicBlock(c_in if i == 0 else c_out, c_out, stride if i == 0 else 1)
                           for i in range(blocks)])


class CifarResNet(nn.Module):
    """stages: ordered dict name -> module; forward = stages in order, then the head."""

    def __init__(self, widths: list[int], blocks: list[int], num_classes: int = 10, in_channels: int = 3,
                 name: str = "resnet"):
        super().__init__()
        self.arch = name
        self.num_classes = num_classes
        self.in_channels = in_channels
        stages: dict[str, nn.Module] = {"conv1": _stem(in_channels, widths[0])}
        c = widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks)):
            stages[f"conv{i + 2}_x"] = _stage(c, w, n, 1 if i == 0 else 2)
            c = w
        self.stages = nn.ModuleDict(stages)
        self.head = Head(c, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for m in self.modules():  # zero-init the last BN of each residual branch
            if isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)

    @property
    def stage_names(self) -> list[str]:
        return list(self.stages.keys())

    def forward_stages(self, x: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        for name in self.stage_names[start:stop]:
            x = self.stages[name](x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.forward_stages(x))


_SPECS = {
    "resnet18": ([64, 128, 256, 512], [2, 2, 2, 2]),
    "resnet34": ([64, 128, 256, 512], [3, 4, 6, 3]),
    **{f"resnet{d}": ([16, 32, 64], [(d - 2) // 6] * 3) for d in (20, 32, 44, 56, 110)},
}
BACKBONES = tuple(_SPECS)


def build_backbone(name: str, num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    if name not in _SPECS:
        raise ValueError(f"unknown backbone {name!r}; known: {', '.join(BACKBONES)}")
    widths, blocks = _SPECS[name]
    stem_widths = [widths[0]] + widths  # stem width = first stage width
    return CifarResNet(stem_widths[1:], blocks, num_classes, in_channels, name)


def grow_into(deeper: CifarResNet, state: dict[str, torch.Tensor]) -> list[str]:
    """Start `deeper` from a trained shallower network of the same widths (e.g. ResNet-34 from
    ResNet-18): block i of every stage, the stem and the head take the trained weights; the extra
    blocks keep their fresh init, whose last batch-norm scale is zero, so each computes the identity
    and the grown network computes exactly what the trained one did (function-preserving deepening,
    as in Net2Net / network morphism). Returns the names of the new blocks. Raises ValueError if
    `state` does not fit (other widths, more blocks, unknown tensors)."""
    mine = deeper.state_dict()
    unknown = [k for k in state if k not in mine]
    if unknown:
        raise ValueError(f"cannot grow {deeper.arch} from these weights: {len(unknown)} tensors it does not have, "
                         f"e.g. {unknown[0]!r} (a deeper or differently named network?)")
    bad = [k for k, v in state.items() if tuple(v.shape) != tuple(mine[k].shape)]
    if bad:
        raise ValueError(f"cannot grow {deeper.arch} from these weights: {bad[0]!r} has shape "
                         f"{tuple(state[bad[0]].shape)}, {deeper.arch} needs {tuple(mine[bad[0]].shape)} (other widths?)")
    new = [f"{name}.{i}" for name, stage in deeper.stages.items() if name != "conv1"
           for i in range(len(stage)) if not any(k.startswith(f"stages.{name}.{i}.") for k in state)]
    missing = [k for k in mine if k not in state and not any(k.startswith(f"stages.{b}.") for b in new)]
    if missing:
        raise ValueError(f"cannot grow {deeper.arch} from these weights: {missing[0]!r} is missing")
    for b in new:
        name, i = b.split(".")
        block = deeper.stages[name][int(i)]
        if not isinstance(block.shortcut, nn.Identity):
            raise ValueError(f"new block {b} changes shape: it cannot start as the identity")
        nn.init.zeros_(block.bn2.weight)
    deeper.load_state_dict({k: v.to(mine[k].dtype) for k, v in state.items()}, strict=False)
    return new
