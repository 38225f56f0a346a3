"""Batches from a prepared cache, kept as in-memory uint8 tensors on the model's device.

Augmentation (random crop with zero padding, horizontal flip, optionally Cutout) and normalization run on whole
batches with tensor ops, so they cost almost nothing next to the model and run on the GPU too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

from semcom_core.data.prepare import cache_path, read_meta
from semcom_core.data.registry import DatasetError, DatasetSpec, get_spec


def random_crop_flip(x: torch.Tensor, pad: int, flip: bool, generator: torch.Generator | None = None
                     ) -> torch.Tensor:
    """x: (B, C, H, W) uint8 or float. Pads by `pad` zeros, takes a random HxW window per image,
    and (if `flip`) mirrors each image left-right with probability 1/2."""
    b, c, h, w = x.shape
    dev = x.device
    if pad > 0:
        padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
        dy = torch.randint(0, 2 * pad + 1, (b,), generator=generator, device="cpu").to(dev)
        dx = torch.randint(0, 2 * pad + 1, (b,), generator=generator, device="cpu").to(dev)
        rows = (dy[:, None] + torch.arange(h, device=dev)[None, :])  # (B, H)
        cols = (dx[:, None] + torch.arange(w, device=dev)[None, :])  # (B, W)
        bi = torch.arange(b, device=dev)[:, None, None]
        x = padded.permute(0, 2, 3, 1)[bi, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
    if flip:
        m = (torch.rand(b, generator=generator, device="cpu") < 0.5).to(dev)
        x = torch.where(m[:, None, None, None], x.flip(3), x)
    return x.contiguous()


def cutout(x: torch.Tensor, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Cutout (DeVries & Taylor 2017, arXiv:1708.04552): zero one `size` x `size` square per image,
    centred at a uniformly drawn pixel (so it may hang over the border and cover less).
    x: (B, C, H, W) normalized float images, so zero is the dataset's mean colour. `size` <= 0: x as is."""
    if size <= 0:
        return x
    b, _, h, w = x.shape
    dev = x.device
    cy = torch.randint(0, h, (b,), generator=generator, device="cpu").to(dev)
    cx = torch.randint(0, w, (b,), generator=generator, device="cpu").to(dev)
    lo = size // 2
    rows = torch.arange(h, device=dev)[None, :]
    cols = torch.arange(w, device=dev)[None, :]
    in_rows = (rows >= (cy - lo)[:, None]) & (rows < (cy - lo + size)[:, None])  # (B, H)
    in_cols = (cols >= (cx - lo)[:, None]) & (cols < (cx - lo + size)[:, None])  # (B, W)
    hole = in_rows[:, :, None] & in_cols[:, None, :]  # (B, H, W)
    return x.masked_fill(hole[:, None], 0.0)


def normalize(x_uint8: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    return (x_uint8.float().div_(255.0) - mean[None, :, None, None]) / std[None, :, None, None]


def split_indices(n: int, n_val: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic train/validation split of range(n): the same (n, n_val, seed), the same split."""
    if not 0 <= n_val < n:
        raise ValueError(f"validation size {n_val} must be in [0, {n})")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


@dataclass
class Split:
    images: torch.Tensor  # (N, C, H, W) uint8 on device
    labels: torch.Tensor  # (N,) int64 on device

    def __len__(self) -> int:
        return len(self.labels)


class ImageData:
    """A prepared dataset in memory: `train`, `val` (carved from train by seed) and `test`."""

    def __init__(self, name: str, device: torch.device | str = "cpu", n_val: int = 5000, seed: int = 0,
                 path=None, test_only: bool = False):
        """`test_only`: keep only the test split in memory (evaluation; `train` and `val` are empty)."""
        self.spec: DatasetSpec = get_spec(name)
        path = path or cache_path(self.spec.name)
        if not path.is_file():
            raise DatasetError(f"{self.spec.name} is not prepared; run "
                               f"`python -m semcom_core data prepare {self.spec.name}`")
        self.meta = read_meta(path)
        self.device = torch.device(device)
        with np.load(path) as z:
            xte, yte = z["x_test"], z["y_test"]
            if test_only:
                xtr, ytr = xte[:0], yte[:0]
                n_val = 0
            else:
                xtr, ytr = z["x_train"], z["y_train"]
        to = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(self.device)  # noqa: E731
        nchw = lambda a: to(a.transpose(0, 3, 1, 2))  # noqa: E731
        tr, va = split_indices(len(ytr), n_val, seed) if len(ytr) else (np.zeros(0, int), np.zeros(0, int))
        self.train = Split(nchw(xtr[tr]), to(ytr[tr]))
        self.val = Split(nchw(xtr[va]), to(ytr[va]))
        self.test = Split(nchw(xte), to(yte))
        self.mean = torch.tensor(self.spec.mean, device=self.device)
        self.std = torch.tensor(self.spec.std, device=self.device)
        self.classes: list[str] = list(self.meta["classes"])

    @property
    def provenance(self) -> str:
        return self.meta["provenance"]

    def normalize(self, x_uint8: torch.Tensor) -> torch.Tensor:
        return normalize(x_uint8, self.mean, self.std)

    def batches(self, split: str, batch_size: int, shuffle: bool = False, augment: bool = False,
                seed: int = 0, limit: int | None = None, pad: int = 4, cutout_size: int = 0
                ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Yield (normalized float images, labels). `limit` takes the first n images (in order).
        `augment`: random crop and flip, then (if `cutout_size` > 0) one square of that side cut out."""
        s: Split = getattr(self, split)
        n = len(s) if limit is None else min(limit, len(s))
        g = torch.Generator().manual_seed(seed)
        order = torch.randperm(n, generator=g).to(self.device) if shuffle else torch.arange(n, device=self.device)
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            x = s.images[idx]
            if augment:
                x = random_crop_flip(x, pad, self.spec.hflip, g)
            x = self.normalize(x)
            if augment:
                x = cutout(x, cutout_size, g)  # no draws at size 0
            yield x, s.labels[idx]
