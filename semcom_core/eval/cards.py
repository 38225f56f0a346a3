"""What a model card says a shipped file measures: its test accuracy, measured on the shipped file
(after compact storage), in fp32 (`eval.split.MEASURE_PRECISION`)."""
from __future__ import annotations

import numpy as np
from torch import nn

from semcom_core.config import TrainConfig
from semcom_core.data.loader import ImageData
from semcom_core.device import get_policy
from semcom_core.eval.accuracy import evaluate_accuracy
from semcom_core.eval.split import MEASURE_PRECISION, noiseless_split_accuracy
from semcom_core.eval.stats import sampling_tolerance


def measure_for_card(model: nn.Module, cfg: TrainConfig) -> dict:
    """Card fields for `model` on its dataset's full test set. A split model: one accuracy per split
    point in `cfg.splits` (k = k_max over a noiseless channel, its ceiling); `test_accuracy` is the worst.
    Any other classifier: plain test accuracy, no channel."""
    data = ImageData(cfg.dataset, "cpu", n_val=cfg.n_val, seed=cfg.seed)
    common = {"test_images": len(data.test), "dataset_provenance": data.provenance, "measured_in": MEASURE_PRECISION}
    if cfg.kind == "split":
        per = {sp: noiseless_split_accuracy(model, sp, data) for sp in (cfg.splits or model.splits)}
        return {"test_accuracy": min(per.values()), "split_test_accuracy": per, **common,
                "test_accuracy_note": "measured on the shipped file at k = k_max over a noiseless "
                                      "channel; test_accuracy is the worst split point"}
    acc = evaluate_accuracy(model, data, "test", get_policy(precision=MEASURE_PRECISION), 1000)
    return {"test_accuracy": acc, "test_accuracy_note": "measured on the shipped file, no channel (noiseless)",
            **common}


def merge_changes(before: dict, after: dict, splits: list[str]) -> list[str]:
    """What a merge changed, one line per split point in `splits`: its card accuracy (noiseless, k = k_max,
    on the shipped file) before and after, and whether the difference is beyond sampling noise, taken as two
    standard errors of the difference of two independent accuracies on that many images. Both are measured
    on the same test images, so this bound is conservative: a real change smaller than it can exist (a paired
    test would need both models' per-image answers). A higher validation accuracy does not promise a higher
    test accuracy; this says which one the merge got."""
    old, new = before.get("split_test_accuracy") or {}, after.get("split_test_accuracy") or {}
    n_old, n = before.get("test_images"), after.get("test_images")
    k_max = (after.get("config") or {}).get("k_max")
    where = f"noiseless, k = {k_max}" if k_max else "noiseless, k_max"
    lines = []
    for sp in dict.fromkeys(splits):
        if new.get(sp) is None:
            continue
        if old.get(sp) is None:
            lines.append(f"{sp}: test accuracy ({where}) {100 * new[sp]:.2f} % (nothing to compare with)")
            continue
        if not n:
            lines.append(f"{sp}: test accuracy ({where}) {100 * old[sp]:.2f} % -> {100 * new[sp]:.2f} % "
                         "(the number of test images is not recorded: no noise bound)")
            continue
        d = new[sp] - old[sp]
        m = min(n, n_old) if n_old else n
        noise = float(sampling_tolerance(np.float64(old[sp]), np.float64(m)))
        verdict = "within that noise" if abs(d) <= noise else "better" if d > 0 else "WORSE"
        images = f"{n:,} images" if not n_old or n_old == n else f"{n_old:,} then {n:,} images"
        lines.append(f"{sp}: test accuracy ({where}, {images}) {100 * old[sp]:.2f} % -> {100 * new[sp]:.2f} % "
                     f"({100 * d:+.2f} points; {verdict}: ±{100 * noise:.2f} is two standard errors of two "
                     "independent measurements, conservative on the same images)")
    return lines
