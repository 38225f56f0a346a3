import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("SEMCOM_OFFLINE", "1")  # tests never try the official downloads


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private data_cache/ (and no $SEMCOM_DATA), so tests never touch the real caches."""
    d = tmp_path / "cache"
    monkeypatch.setenv("SEMCOM_CACHE", str(d))
    monkeypatch.delenv("SEMCOM_DATA", raising=False)
    return d
