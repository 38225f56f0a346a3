"""Accuracy of split models over a channel, for one configuration (`evaluate`) or a whole table
(`sweep`). Both draw the noise the same way (seeded, batch by batch in test-set order), so a sweep
row and `evaluate` with the same seed agree exactly.

The transmitter's output does not depend on k, the SNR or the channel: a sweep computes it once per
split, derives the vector sent for each k from it (`SplitModel.to_channel`: keep the first k, power-
normalize) and reuses that for every (channel, SNR)."""
from __future__ import annotations

import time
from typing import Callable

import pandas as pd
import torch

from semcom_core.channels import Channel, get_channel, seeded_generator
from semcom_core.data.loader import ImageData
from semcom_core.device import DevicePolicy, get_policy
from semcom_core.eval.accuracy import evaluate_accuracy
from semcom_core.nets.split import K_CHOICES, SplitModel
from semcom_core.zoo.naming import shipped_names
from semcom_core.zoo.store import load_shipped

# Measurements (tables, model cards, `evaluate`) run in fp32 so that every machine reproduces them
# image for image; bf16 autocast (training, live inference) can flip a few borderline images.
MEASURE_PRECISION = "fp32"
SWEEP_SNRS = (-5.0, 0.0, 3.0, 5.0, 10.0, 20.0)
SWEEP_CHANNELS = ("awgn",)


def load_split(backbone: str, dataset: str, device="cpu"):
    """The shipped multi-split model (all split points) of `backbone` on `dataset`, and its card."""
    return load_shipped(shipped_names(backbone, dataset)[1], device)


def load_unsplit(backbone: str, dataset: str, device="cpu"):
    return load_shipped(shipped_names(backbone, dataset)[0], device)


@torch.no_grad()
def transmit_all(view: SplitModel, data: ImageData, k: int | None, n: int, policy: DevicePolicy,
                 batch: int = 500, on_batch: Callable[[int], None] | None = None) -> list[torch.Tensor]:
    """The vectors the transmitter sends for the first n test images at k, batch by batch (k None: its
    k-independent output, which `to_channel` turns into the vector sent for any k)."""
    out = []
    for x, _ in data.batches("test", batch, limit=n):
        with policy.autocast():
            z = view.transmitter(policy.prepare_input(x)).float()
            out.append(z if k is None else view.to_channel(z, k))
        if on_batch:
            on_batch(len(x))
    return out


@torch.no_grad()
def sent_at(view: SplitModel, features: list[torch.Tensor], k: int, policy: DevicePolicy) -> list[torch.Tensor]:
    """The vectors sent at k, from `transmit_all(..., k=None, ...)`: exactly what `transmit_all` at k gives."""
    with policy.autocast():
        return [view.to_channel(z, k) for z in features]


@torch.no_grad()
def receive_accuracy(view: SplitModel, zs: list[torch.Tensor], labels: torch.Tensor, k: int, snr_db: float,
                     channel: Channel, seed: int, policy: DevicePolicy,
                     on_batch: Callable[[int], None] | None = None) -> float:
    g = seeded_generator(seed)
    correct, i = 0, 0
    for z in zs:
        y = channel(z, snr_db, g)
        with policy.autocast():
            logits = view.decode(y, k if view.kind == "features" else None)
        correct += int((logits.argmax(1) == labels[i:i + len(z)]).sum())
        i += len(z)
        if on_batch:
            on_batch(len(z))
    return correct / max(1, i)


def noiseless_split_accuracy(multi, split: str, data: ImageData, n: int | None = None,
                             precision: str = MEASURE_PRECISION) -> float:
    """Test accuracy of one split point sending all k_max numbers over a noiseless channel."""
    policy = get_policy(precision=precision)
    view = policy.prepare_model(multi.view(split)).eval()
    n = min(n or len(data.test), len(data.test))
    k = view.check_k(view.k_max)
    zs = transmit_all(view, data, k, n, policy)
    return receive_accuracy(view, zs, data.test.labels[:n], k, 0.0, get_channel("noiseless"), 0, policy)


def evaluate(dataset: str, backbone: str, split: str | None, k: int, snr_db: float, channel: str, n: int,
             seed: int = 0, data: ImageData | None = None,
             progress: Callable[[float], None] | None = None, precision: str = MEASURE_PRECISION,
             model: tuple | None = None) -> dict:
    """Test accuracy of one configuration on the first n test images (`split` None/"none": the
    unsplit backbone, no channel). `progress` gets the fraction done (0..1) as batches finish. `data` and
    `model` ((multi-split model, card), as `load_split` returns) may be passed in already loaded (the app
    keeps both in memory); by default they are read from disk."""
    policy = get_policy(precision=precision)
    data = data or ImageData(dataset, policy.device, n_val=0)
    n = min(n, len(data.test))
    labels = data.test.labels[:n]
    t0 = time.time()
    if split in (None, "none"):
        model, card = load_unsplit(backbone, dataset, policy.device)
        acc = evaluate_accuracy(policy.prepare_model(model), data, "test", policy, 500, limit=n)
        return {"accuracy": acc, "n": n, "split": "none", "backbone": backbone, "dataset": dataset,
                "channel": "none", "model": card["name"], "precision": precision,
                "seconds": round(time.time() - t0, 1)}
    multi, card = model or load_split(backbone, dataset, policy.device)
    view = policy.prepare_model(multi.view(split)).eval()
    k = view.check_k(k)
    done = [0]

    def tick(m: int) -> None:  # transmitter and receiver passes count half each
        done[0] += m
        if progress:
            progress(min(1.0, done[0] / (2 * n)))
    zs = transmit_all(view, data, k, n, policy, on_batch=tick)
    acc = receive_accuracy(view, zs, labels, k, snr_db, get_channel(channel), seed, policy, on_batch=tick)
    return {"accuracy": acc, "n": n, "split": split, "k": k, "snr_db": snr_db, "channel": channel, "seed": seed,
            "backbone": backbone, "dataset": dataset, "model": card["name"], "provenance": data.provenance,
            "precision": precision, "seconds": round(time.time() - t0, 1)}


def sweep(dataset: str, backbone: str, n: int = 10000, seed: int = 0, splits: list[str] | None = None,
          ks: tuple[int, ...] = K_CHOICES, snrs: tuple[float, ...] = SWEEP_SNRS,
          channels: tuple[str, ...] = SWEEP_CHANNELS, done: set | None = None,
          on_row: Callable[[dict], None] | None = None, progress: bool = True,
          precision: str = MEASURE_PRECISION, data: ImageData | None = None,
          model: tuple | None = None) -> pd.DataFrame:
    """Accuracy for every split x k x channel x SNR (SP-0 and SP-6 have a fixed k). `done` holds
    (split, k, channel, snr_db, n, seed) points to skip: rows measured with another n or seed are redone.
    `data` and `model` as for `evaluate` (already loaded; by default read from disk)."""
    from tqdm.auto import tqdm
    policy = get_policy(precision=precision)
    data = data or ImageData(dataset, policy.device, n_val=0)
    n = min(n, len(data.test))
    labels = data.test.labels[:n]
    multi, card = model or load_split(backbone, dataset, policy.device)
    splits = splits or multi.all_splits
    done = done or set()
    rows = []
    ks = tuple(k for k in ks if k <= multi.k_max)
    jobs = [(sp, k) for sp in splits for k in (ks if sp in multi.splits else (0,))]
    view, features = None, None  # the current split's view and its transmitter output (once per split)
    for sp, k in tqdm(jobs, desc=f"sweep {backbone}", disable=not progress):
        if view is None or view.split != sp:
            view, features = policy.prepare_model(multi.view(sp)).eval(), None
        k_eff = view.check_k(k or 1)
        todo = [(c, s) for c in channels for s in snrs if (sp, k_eff, c, float(s), n, seed) not in done]
        if not todo:
            continue
        if features is None:
            features = transmit_all(view, data, None, n, policy)
        zs = sent_at(view, features, k_eff, policy)
        for c, s in todo:
            row = {"backbone": backbone, "dataset": dataset, "split": sp, "k": k_eff, "channel": c,
                   "snr_db": float(s), "accuracy": receive_accuracy(view, zs, labels, k_eff, float(s),
                                                                     get_channel(c), seed, policy),
                   "n": n, "seed": seed, "model": card["name"]}
            rows.append(row)
            if on_row:
                on_row(row)
    return pd.DataFrame(rows)
