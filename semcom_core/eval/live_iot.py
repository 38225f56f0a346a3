"""One image through both systems of paper 003 (the page's live panel)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from semcom_core.channels import get_channel, seeded_generator, transmit
from semcom_core.digital.separation import (
    FramePlan,
    SeparationConfig,
    jpeg_encode,
    payload,
    send_images,
)
from semcom_core.eval.iot import to_input


@dataclass
class LiveResult:
    learned_probs: np.ndarray  # class probabilities after the noisy channel
    learned_picture: np.ndarray  # (H, W) uint8 from the picture head
    separation_decoded: np.ndarray | None  # what the JPEG decoder produced, None if it failed
    separation_probs: np.ndarray | None
    plan: FramePlan
    stats: dict
    jpeg_bytes: int
    sent_bytes: int
    learned_uses: int


@torch.no_grad()
def one_image(learned, classifier, image: np.ndarray, dataset: str, snr_db: float, channel: str,
              cfg: SeparationConfig, seed: int = 0) -> LiveResult:
    """image: (H, W, 1) uint8."""
    ch = get_channel(channel)
    decoded, plan, stats = send_images(image[None], snr_db, ch.kind, cfg, seed)
    z = learned.encode(to_input(image[None], dataset))
    y = transmit(z, snr_db, ch.kind, ch.equalizer, seeded_generator(seed))
    probs = torch.softmax(learned.classify(y), 1)[0].numpy()
    picture = (learned.reconstruct(y)[0, 0].numpy() * 255).clip(0, 255).astype(np.uint8)
    sep = None
    if decoded[0] is not None:
        sep = torch.softmax(classifier(to_input(decoded[0][None], dataset)), 1)[0].numpy()
    return LiveResult(probs, picture, decoded[0], sep, plan, stats, len(jpeg_encode(image, cfg.quality)),
                      len(payload(image, cfg)), int(learned.k))
