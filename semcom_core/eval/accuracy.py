"""Plain top-1 accuracy of a classifier on a prepared split (no channel)."""
from __future__ import annotations

import torch
from torch import nn

from semcom_core.data.loader import ImageData
from semcom_core.device import DevicePolicy


@torch.no_grad()
def evaluate_accuracy(model: nn.Module, data: ImageData, split: str, policy: DevicePolicy,
                      batch_size: int = 500, limit: int | None = None) -> float:
    model.eval()
    correct = total = 0
    for x, y in data.batches(split, batch_size, limit=limit):
        with policy.autocast():
            logits = model(policy.prepare_input(x))
        correct += int((logits.argmax(1) == y).sum())
        total += len(y)
    return correct / max(1, total)
