"""Datasets: read upstream formats, write one compact uint8 cache per dataset, load batches."""
from .registry import DATASETS, DatasetError, DatasetSpec  # noqa: F401
