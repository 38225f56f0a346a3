"""Which images leave at which exit: paper 001's Fig. 5 ("easy images exit early") on given images.

The dynamic TOC model computes, on the transmitter, a confidence at every exit (the top softmax
probability of that exit's confidence head, eq. 11). Under a budget B the thresholds fitted on the
validation split (`toc.budget.fit_thresholds`, stored per budget in the results table as `threshold_k`)
send each image out at the first exit whose confidence reaches its threshold (`toc.budget.assign_exits`).
Nothing here depends on the channel: the exit is decided before anything is sent.

Inputs and outputs:
- `exit_confidences(model, images, dataset)`: images (N, H, W, C) uint8 -> `Collected` with confidences
  (N, K) in [0, 1], the transmitter's predictions (N, K) and the receiver's noiseless predictions (N, K).
- `gallery(confidences, thresholds, per_exit)`: -> for each exit, the indices of the images that leave
  there, most confident first, at most `per_exit` of them, and how many leave there in all.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from semcom_core.eval.live import image_to_input
from semcom_core.toc.budget import assign_exits
from semcom_core.toc.evaluate import Collected, collect


@torch.no_grad()
def exit_confidences(model: torch.nn.Module, images: np.ndarray | list, dataset: str,
                     labels: np.ndarray | list | None = None, batch: int = 100) -> Collected:
    """Every exit's transmitter confidence for each image (fp32, no channel: the confidences are computed
    before it). `labels` (N,) default to -1 (unknown: an upload)."""
    images = list(images)
    if not images:
        raise ValueError("no images")
    y = torch.as_tensor(np.full(len(images), -1) if labels is None else np.asarray(labels), dtype=torch.long)
    x = torch.cat([image_to_input(im, dataset) for im in images])
    batches = [(x[i:i + batch], y[i:i + batch]) for i in range(0, len(x), batch)]
    return collect(model, batches, None, "noiseless")


@dataclass
class ExitGallery:
    """Per exit (K lists): indices of the images leaving there (most confident first, at most
    `per_exit`), and counts (K,) of all images leaving there."""
    indices: list[list[int]]
    counts: np.ndarray
    exits: np.ndarray  # (N,) 0-based exit of every image


def gallery(confidences, thresholds, per_exit: int = 8) -> ExitGallery:
    """Assign every image to its exit under `thresholds` (K,) and pick up to `per_exit` per exit, the most
    confident at that exit first (ties: the earlier image)."""
    conf = np.asarray(confidences, dtype=float)
    exits = assign_exits(conf, thresholds)
    k = conf.shape[1]
    picks = []
    for j in range(k):
        idx = np.flatnonzero(exits == j)
        order = idx[np.argsort(-conf[idx, j], kind="stable")]
        picks.append([int(i) for i in order[:max(0, int(per_exit))]])
    return ExitGallery(picks, np.bincount(exits, minlength=k)[:k], exits)
