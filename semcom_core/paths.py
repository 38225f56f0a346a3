"""Where things live. One place, so the CLI, the app and the tests agree."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_cache_dir() -> Path:
    """Prepared dataset caches (never committed). Override with $SEMCOM_CACHE."""
    return Path(os.environ.get("SEMCOM_CACHE", REPO_ROOT / "data_cache"))


def pretrained_dir() -> Path:
    """Shipped weights, model cards, sweep tables and sample images."""
    return Path(os.environ.get("SEMCOM_PRETRAINED", REPO_ROOT / "pretrained"))


def runs_dir() -> Path:
    """Training checkpoints and logs (never committed). Override with $SEMCOM_RUNS."""
    return Path(os.environ.get("SEMCOM_RUNS", REPO_ROOT / "runs"))


def dataset_search_roots() -> list[Path]:
    """Where `data prepare` looks when no --source is given, in order:
    $SEMCOM_DATA, then ../shared/datasets next to the repository."""
    roots: list[Path] = []
    if os.environ.get("SEMCOM_DATA"):
        roots.append(Path(os.environ["SEMCOM_DATA"]))
    roots.append(REPO_ROOT.parent / "shared" / "datasets")
    return roots


@contextlib.contextmanager
def atomic_path(dest: Path):
    """Yield a temporary path beside `dest`; when the block succeeds it replaces `dest` in one step
    (os.replace), when it fails it is removed. A crash never leaves a half-written file at `dest`."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp (and some writers) make it private; the result is an ordinary file
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(dest: Path, text: str) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_text(text)
