import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets"  # the real dataset copies every developer and CI run has
REAL_CACHE = ROOT / "data_cache"  # the developer's prepared caches: read (never written) by the tests

os.environ.setdefault("SEMCOM_OFFLINE", "1")  # tests never try the official downloads
# OpenMP threads that wait for each other sleep instead of spinning: with another job on the cores (a
# training run beside the tests), spinning threads starve each other and a 2-image forward pass takes
# seconds instead of milliseconds. Same thread count, same numbers; must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private data_cache/ (and no $SEMCOM_DATA), so tests never touch the real caches."""
    d = tmp_path / "cache"
    monkeypatch.setenv("SEMCOM_CACHE", str(d))
    monkeypatch.delenv("SEMCOM_DATA", raising=False)
    return d


class RealData:
    """The real ../shared/datasets, each prepared at most once per session (found with no flags, as
    `data prepare NAME` finds them) into one session-wide cache folder, and loaded into memory at most once.

    A prepared cache in the repository's data_cache/ is linked in and reused when `prepare` finds it up to
    date (same source fingerprint and format); otherwise the dataset is prepared afresh in the session
    folder (the link is replaced, the developer's cache is never written)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._paths: dict[str, Path] = {}
        self._data: dict = {}
        self.built: dict[str, bool] = {}

    def prepare(self, name: str) -> Path:
        if name not in self._paths:
            from semcom_core.data.prepare import prepare
            if not (SHARED / name).is_dir():
                pytest.skip(f"../shared/datasets/{name} not present")
            real, mine = REAL_CACHE / f"{name}.npz", self.folder / f"{name}.npz"
            if real.is_file() and not mine.exists():
                mine.symlink_to(real)
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("SEMCOM_CACHE", str(self.folder))
                mp.delenv("SEMCOM_DATA", raising=False)
                self._paths[name], self.built[name] = prepare(name)
        return self._paths[name]

    def data(self, name: str):
        """ImageData of `name` with no validation split carved out (the test split is the same for any
        n_val): share it, never modify it."""
        if name not in self._data:
            from semcom_core.data.loader import ImageData
            self._data[name] = ImageData(name, "cpu", n_val=0, path=self.prepare(name))
        return self._data[name]


@pytest.fixture(scope="session")
def real_data(tmp_path_factory) -> RealData:
    """The real datasets, prepared and loaded once per session (see `RealData`)."""
    return RealData(tmp_path_factory.mktemp("real_cache"))


@pytest.fixture
def real_cache(real_data, monkeypatch) -> RealData:
    """`real_data`, with $SEMCOM_CACHE pointing at its folder for this test (for code that opens a
    prepared dataset by name: the CLI, `sweep`, `test_images`). Call `real_cache.prepare(name)` first."""
    monkeypatch.setenv("SEMCOM_CACHE", str(real_data.folder))
    monkeypatch.delenv("SEMCOM_DATA", raising=False)
    return real_data
