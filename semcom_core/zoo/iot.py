"""The shipped paper-003 models and the data they are evaluated on."""
from __future__ import annotations

import numpy as np

from semcom_core.data.prepare import cache_path
from semcom_core.data.registry import DatasetError, get_spec
from semcom_core.digital.separation import DEFAULT_JPEG_QUALITY
from semcom_core.zoo.naming import iot_names
from semcom_core.zoo.store import load_shipped


def quality_for(dataset: str, quality: int | None = None) -> int:
    """The JPEG quality to use: the given one, else the dataset's default."""
    return quality if quality is not None else DEFAULT_JPEG_QUALITY[get_spec(dataset).name]


def load_iot_models(dataset: str):
    """(DeepSC-IoT, clean-image classifier, their cards) for `dataset`, from pretrained/iot/."""
    learned_name, classifier_name = iot_names(dataset)
    learned, lcard = load_shipped(learned_name)
    clf, ccard = load_shipped(classifier_name)
    return learned, clf, lcard, ccard


def test_images(dataset: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The first n test images (uint8 NHWC) and labels of a prepared dataset."""
    spec = get_spec(dataset)
    p = cache_path(spec.name)
    if not p.is_file():
        raise DatasetError(f"{spec.name} is not prepared; run `python -m semcom_core data prepare {spec.name}`")
    with np.load(p) as z:
        x, y = z["x_test"], z["y_test"]
    n = len(y) if n is None else min(n, len(y))
    return x[:n], y[:n]
