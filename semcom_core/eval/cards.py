"""What a model card says a shipped file measures: its test accuracy, measured on the shipped file
(after compact storage), in fp32 (`eval.split.MEASURE_PRECISION`)."""
from __future__ import annotations

from torch import nn

from semcom_core.config import TrainConfig
from semcom_core.data.loader import ImageData
from semcom_core.device import get_policy
from semcom_core.eval.accuracy import evaluate_accuracy
from semcom_core.eval.split import MEASURE_PRECISION, noiseless_split_accuracy


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
