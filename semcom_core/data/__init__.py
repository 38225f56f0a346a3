"""Datasets: read upstream formats, write one compact uint8 cache per dataset, load batches."""
from semcom_core.data.registry import DATASETS, DatasetError, DatasetSpec  # noqa: F401
