"""One image through a split model (live inference): the transmitter once, then a noiseless and a noisy
channel, with seeded noise."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from semcom_core.channels import get_channel, seeded_generator
from semcom_core.data.registry import get_spec


@dataclass
class LiveSplitResult:
    sent: np.ndarray  # the k numbers the transmitter sends (power-normalized)
    received: np.ndarray  # what the receiver gets (same k entries, noisy)
    probs_clean: np.ndarray  # class probabilities over a noiseless channel
    probs_noisy: np.ndarray  # ... over the chosen channel
    k: int

    @property
    def changed(self) -> bool:
        return int(self.probs_clean.argmax()) != int(self.probs_noisy.argmax())

    def top(self, which: str = "noisy", n: int = 5) -> list[tuple[int, float]]:
        return top_classes(self.probs_noisy if which == "noisy" else self.probs_clean, n)


def top_classes(p: np.ndarray, n: int = 5) -> list[tuple[int, float]]:
    """The n most probable classes as (index, probability), most probable first."""
    idx = np.argsort(-p, kind="stable")[:n]
    return [(int(i), float(p[i])) for i in idx]


def image_to_input(image: np.ndarray, dataset: str) -> torch.Tensor:
    """(H, W, C) uint8 -> (1, C, H, W) normalized with the dataset's statistics."""
    spec = get_spec(dataset)
    x = torch.from_numpy(np.array(image, dtype=np.uint8, copy=True)).permute(2, 0, 1)[None].float().div_(255.0)
    mean = torch.tensor(spec.mean)[None, :, None, None]
    std = torch.tensor(spec.std)[None, :, None, None]
    return (x - mean) / std


@torch.no_grad()
def live_split(multi, split: str, image: np.ndarray, dataset: str, k: int, snr_db: float, channel: str,
               seed: int = 0) -> LiveSplitResult:
    """One image through the split model at `split`: transmitter once, then a noiseless and a noisy
    channel (seeded: the same seed gives the same noise)."""
    view = multi.view(split).eval()
    k = view.check_k(k)
    x = image_to_input(image, dataset).to(next(multi.parameters()).device)
    z = view.encode(x, k).float()
    y = get_channel(channel)(z, snr_db, seeded_generator(seed))
    dk = k if view.kind == "features" else None
    clean = torch.softmax(view.decode(z, dk).float(), 1)[0].cpu().numpy()
    noisy = torch.softmax(view.decode(y, dk).float(), 1)[0].cpu().numpy()
    n_sent = k if view.kind == "features" else z.shape[1]
    return LiveSplitResult(z[0, :n_sent].cpu().numpy(), y[0, :n_sent].cpu().numpy(), clean, noisy, n_sent)


@torch.no_grad()
def unsplit_probs(backbone: torch.nn.Module, image: np.ndarray, dataset: str) -> np.ndarray:
    """Class probabilities of the unsplit backbone for one image (no cut, no channel): the reference a
    split model is compared with."""
    x = image_to_input(image, dataset).to(next(backbone.parameters()).device)
    return torch.softmax(backbone.eval()(x).float(), 1)[0].cpu().numpy()
