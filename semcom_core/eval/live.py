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
def transmit(multi, split: str, image: np.ndarray, dataset: str) -> torch.Tensor:
    """The transmitter's output for one image at `split`, before the channel and independent of k: what the
    app computes once per image and split (`to_channel` turns it into the vector sent for any k)."""
    view = multi.view(split).eval()
    x = image_to_input(image, dataset).to(next(multi.parameters()).device)
    return view.transmitter(x).float()


@torch.no_grad()
def noiseless_probs(multi, split: str, features: torch.Tensor, k: int) -> np.ndarray:
    """Class probabilities over a noiseless channel from `transmit`'s output at k (independent of SNR and noise)."""
    view = multi.view(split).eval()
    k = view.check_k(k)
    return torch.softmax(view.decode(view.to_channel(features, k), k if view.kind == "features" else None).float(),
                         1)[0].cpu().numpy()


@torch.no_grad()
def live_split(multi, split: str, image: np.ndarray, dataset: str, k: int, snr_db: float, channel: str,
               seed: int = 0, features: torch.Tensor | None = None,
               clean: np.ndarray | None = None) -> LiveSplitResult:
    """One image through the split model at `split`: transmitter once, then a noiseless and a noisy
    channel (seeded: the same seed gives the same noise). `features` (from `transmit`) and `clean` (from
    `noiseless_probs`) may be passed when already computed for this image, split and k: then only the noisy
    receiver pass runs. The result is the same either way."""
    view = multi.view(split).eval()
    k = view.check_k(k)
    if features is None:
        features = transmit(multi, split, image, dataset)
    z = view.to_channel(features, k)
    y = get_channel(channel)(z, snr_db, seeded_generator(seed))
    dk = k if view.kind == "features" else None
    if clean is None:  # (one image per receiver pass either way, so both paths give the same numbers)
        clean = noiseless_probs(multi, split, features, k)
    noisy = torch.softmax(view.decode(y, dk).float(), 1)[0].cpu().numpy()
    n_sent = k if view.kind == "features" else z.shape[1]
    return LiveSplitResult(z[0, :n_sent].cpu().numpy(), y[0, :n_sent].cpu().numpy(), clean, noisy, n_sent)


@torch.no_grad()
def unsplit_probs(backbone: torch.nn.Module, image: np.ndarray, dataset: str) -> np.ndarray:
    """Class probabilities of the unsplit backbone for one image (no cut, no channel): the reference a
    split model is compared with."""
    x = image_to_input(image, dataset).to(next(backbone.parameters()).device)
    return torch.softmax(backbone.eval()(x).float(), 1)[0].cpu().numpy()
