"""Measured comparison of DeepSC-IoT and the separation chain (paper 003)."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch

from semcom_core.channels import get_channel, seeded_generator
from semcom_core.data.loader import normalize
from semcom_core.data.registry import get_spec
from semcom_core.digital.separation import SeparationConfig, send_images
from semcom_core.eval.stats import wilson_interval

IOT_CHANNELS = ("complex_awgn", "rayleigh")  # paper 003 sends complex symbols (names of channels.CHANNELS)
SNR_GRID = tuple(np.arange(-10.0, 20.01, 2.5).round(2))


def to_input(images_u8: np.ndarray, dataset: str) -> torch.Tensor:
    """(N, H, W[, C]) uint8 -> normalized float (N, C, H, W)."""
    spec = get_spec(dataset)
    x = torch.tensor(np.asarray(images_u8), dtype=torch.uint8)  # a copy: inputs may be read-only
    if x.dim() == 3:
        x = x[..., None]
    x = x.permute(0, 3, 1, 2)
    return normalize(x, torch.tensor(spec.mean), torch.tensor(spec.std))


@torch.no_grad()
def learned_predictions(model, images_u8: np.ndarray, dataset: str, snr_db: float, channel: str, seed: int = 0,
                        batch: int = 1000) -> np.ndarray:
    g = seeded_generator(seed)
    preds = []
    for i in range(0, len(images_u8), batch):
        x = to_input(images_u8[i:i + batch], dataset)
        ch = get_channel(channel)
        preds.append(model(x, snr_db=snr_db, channel=ch.kind, equalizer=ch.equalizer, generator=g).argmax(1).numpy())
    return np.concatenate(preds)


@torch.no_grad()
def separation_predictions(classifier, images_u8: np.ndarray, dataset: str, snr_db: float, channel: str,
                           cfg: SeparationConfig, seed: int = 0, progress=None):
    """Predictions after the bit-true chain; failed images get a seeded uniform guess."""
    decoded, plan, stats = send_images(images_u8, snr_db, get_channel(channel).kind, cfg, seed, progress=progress)
    ok = [i for i, d in enumerate(decoded) if d is not None]
    rng = np.random.default_rng(seed)
    preds = rng.integers(0, get_spec(dataset).num_classes, len(images_u8))
    if ok:
        x = to_input(np.stack([decoded[i] for i in ok]), dataset)
        preds[ok] = classifier(x).argmax(1).numpy()
    return preds, decoded, plan, stats


def iot_evaluate(learned, classifier, images_u8: np.ndarray, labels: np.ndarray, dataset: str, snr_db: float,
                 channel: str = "complex_awgn", cfg: SeparationConfig = SeparationConfig(), seed: int = 0,
                 progress=None) -> dict:
    n = len(labels)
    lp = learned_predictions(learned, images_u8, dataset, snr_db, channel, seed)
    sp, decoded, plan, stats = separation_predictions(classifier, images_u8, dataset, snr_db, channel, cfg, seed,
                                                      progress)
    lc, sc = int((lp == labels).sum()), int((sp == labels).sum())
    payload_bits = plan.payload_bits
    return {
        "dataset": dataset, "channel": channel, "snr_db": float(snr_db), "n": n, "seed": seed,
        "learned_accuracy": lc / n, "learned_ci95": wilson_interval(lc, n),
        "separation_accuracy": sc / n, "separation_ci95": wilson_interval(sc, n),
        "separation_failed_images": sum(d is None for d in decoded),
        "learned_channel_uses": int(learned.k), "separation_channel_uses": plan.channel_uses,
        "channel_use_unit": "complex channel uses per image",
        "separation_payload_bits": payload_bits, "separation_codewords": plan.codewords,
        "separation_uncoded_ber": stats["uncoded_bit_errors"] / max(1, stats["coded_bits"]),
        "separation_decoded_ber": stats["info_bit_errors"] / max(1, stats["info_bits"]),
        "jpeg": asdict(cfg),
    }
