"""The one naming rule for shipped artifacts and tables in `pretrained/`.

A model is `<subdir>/<name>.safetensors` beside its card `<name>.json`; names use the dataset's key
(its registry name with "-" as "_", e.g. fashion_mnist):
- `split/<backbone>_<key>`: the unsplit backbone; `split/split_<backbone>_<key>`: its split models;
  `split/sweep_<backbone>_<key>.csv`: their accuracy table.
- `iot/iot_learned_<key>`, `iot/iot_classifier_<key>`: paper 003's models; `iot/iot_sweep.csv`.
"""
from __future__ import annotations

from pathlib import Path

from semcom_core import paths
from semcom_core.data.registry import get_spec


def dataset_key(dataset: str) -> str:
    return get_spec(dataset).name.replace("-", "_")


def shipped_names(backbone: str, dataset: str) -> tuple[str, str]:
    """(unsplit backbone, split model) artifact names of `backbone` on `dataset`."""
    key = dataset_key(dataset)
    return f"{backbone}_{key}", f"split_{backbone}_{key}"


def iot_names(dataset: str) -> tuple[str, str]:
    """(DeepSC-IoT, clean-image classifier) artifact names on `dataset` (paper 003)."""
    key = dataset_key(dataset)
    return f"iot_learned_{key}", f"iot_classifier_{key}"


def sweep_path(backbone: str, dataset: str) -> Path:
    return paths.pretrained_dir() / "split" / f"sweep_{backbone}_{dataset_key(dataset)}.csv"


def iot_sweep_path() -> Path:
    return paths.pretrained_dir() / "iot" / "iot_sweep.csv"
