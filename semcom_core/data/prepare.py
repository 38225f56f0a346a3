"""`data prepare`: find a dataset in an upstream layout, convert it to one compact cache file
(`data_cache/<name>.npz`: uint8 NHWC images, int64 labels, JSON metadata), atomically and
idempotently. `data info`: what is prepared."""
from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.request
from pathlib import Path
from typing import Callable

import numpy as np

from semcom_core import paths
from semcom_core.data.formats import (
    FASHION_READER,
    MNIST_READER,
    RawDataset,
    read_cifar_pickles,
    read_jpeg_tree,
)
from semcom_core.data.registry import DatasetError, DatasetSpec, get_spec

CACHE_FORMAT_VERSION = 1
Reader = Callable[[Path], RawDataset]


def cache_path(name: str) -> Path:
    return paths.data_cache_dir() / f"{get_spec(name).name}.npz"


# ----------------------------------------------------------------------------- locating sources
def _candidates(spec: DatasetSpec, folder: Path) -> list[tuple[Reader, Path]]:
    """Recognised upstream layouts directly inside `folder` (or `folder` itself)."""
    out: list[tuple[Reader, Path]] = []
    if spec.name in ("cifar10", "cifar100"):
        nc = spec.num_classes
        pick = (lambda p: read_cifar_pickles(p, nc))
        d = "cifar-10-batches-py" if nc == 10 else "cifar-100-python"
        t = "cifar-10-python.tar.gz" if nc == 10 else "cifar-100-python.tar.gz"
        if folder.name == d and folder.is_dir():
            out.append((pick, folder))
        if (folder / d).is_dir():
            out.append((pick, folder / d))
        if (folder / t).is_file():
            out.append((pick, folder / t))
        if nc == 10:
            for p in sorted(folder.glob("*jpeg*.tar*")) + sorted(folder.glob("*jpg*.tar*")):
                out.append((read_jpeg_tree, p))
    else:
        reader = MNIST_READER if spec.name == "mnist" else FASHION_READER
        if any((folder / f"train-images{s}").is_file()
               for s in ("-idx3-ubyte", "-idx3-ubyte.gz", ".idx3-ubyte", ".idx3-ubyte.gz")):
            out.append((reader, folder))
    return out


def _reader_for_file(spec: DatasetSpec, path: Path) -> Reader:
    if spec.name in ("cifar10", "cifar100"):
        if "jpeg" in path.name.lower() or "jpg" in path.name.lower():
            return read_jpeg_tree
        return lambda p: read_cifar_pickles(p, spec.num_classes)
    raise DatasetError(f"{spec.name} is read from a folder with the four IDX files, not from {path}")


def locate(spec: DatasetSpec, source: Path | None) -> tuple[Reader, Path]:
    if source is not None:
        source = Path(source).expanduser()
        if not source.exists():
            raise DatasetError(f"--source {source} does not exist")
        if source.is_file():
            return _reader_for_file(spec, source), source
        for folder in [source] + [source / s for s in spec.subdirs if s]:
            found = _candidates(spec, folder)
            if found:
                return found[0]
        raise DatasetError(f"no {spec.name} files recognised in {source}; expected one of: "
                           + "; ".join(spec.expected_files))
    for root in paths.dataset_search_roots():
        for sub in spec.subdirs:
            folder = root / sub if sub else root
            if folder.is_dir():
                found = _candidates(spec, folder)
                if found:
                    return found[0]
    return _download(spec)


def _download(spec: DatasetSpec) -> tuple[Reader, Path]:
    roots = paths.dataset_search_roots()
    where = roots[0] / spec.subdirs[0]
    hint = (f"{spec.name} was not found. Put " + " or ".join(spec.expected_files)
            + f" in {where} (or set $SEMCOM_DATA, or pass --source PATH), then run "
            f"`python -m semcom_core data prepare {spec.name}` again.")
    if os.environ.get("SEMCOM_OFFLINE") or not spec.downloads:
        raise DatasetError(hint + " (download skipped: offline mode)")
    target = paths.data_cache_dir() / "downloads" / spec.name
    target.mkdir(parents=True, exist_ok=True)
    try:
        for url, fname, md5 in spec.downloads:
            dest = target / fname
            if dest.is_file() and _md5(dest) == md5:
                continue
            tmp = dest.with_suffix(dest.suffix + ".part")
            with urllib.request.urlopen(url, timeout=3) as r, open(tmp, "wb") as f:
                while chunk := r.read(1 << 20):
                    f.write(chunk)
            if _md5(tmp) != md5:
                tmp.unlink(missing_ok=True)
                raise DatasetError(f"checksum mismatch for {url}")
            tmp.replace(dest)
    except DatasetError:
        raise
    except Exception as e:  # offline: URLError, timeout, DNS failure
        raise DatasetError(hint + f" (official download failed: {type(e).__name__})") from e
    found = _candidates(spec, target)
    if not found:
        raise DatasetError(hint)
    return found[0]


def _md5(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()


def _fingerprint(path: Path) -> str:
    """Cheap identity of a source: path, size and mtime of its files."""
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    h = hashlib.sha256()
    for p in files:
        st = p.stat()
        h.update(f"{p.resolve()}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- cache
def write_cache(name: str, raw: RawDataset, source: Path, fingerprint: str) -> Path:
    """Write the cache atomically: a temporary file in the same folder, then os.replace."""
    spec = get_spec(name)
    raw.validate(spec.num_classes, spec.image_shape)
    dest = cache_path(name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "name": spec.name, "format_version": CACHE_FORMAT_VERSION, "classes": raw.classes,
        "train": int(len(raw.x_train)), "test": int(len(raw.x_test)),
        "image_shape": list(spec.image_shape), "provenance": raw.provenance,
        "source": str(source), "source_fingerprint": fingerprint,
        "prepared_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    with paths.atomic_path(dest) as tmp, open(tmp, "wb") as f:
        np.savez(f, x_train=raw.x_train, y_train=raw.y_train, x_test=raw.x_test, y_test=raw.y_test,
                 meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    return dest


def read_meta(path: Path) -> dict:
    with np.load(path) as z:
        return json.loads(z["meta"].tobytes().decode())


def prepare(name: str, source: Path | None = None, force: bool = False) -> tuple[Path, bool]:
    """Prepare `name`; returns (cache path, whether it was (re)built)."""
    spec = get_spec(name)
    reader, src = locate(spec, source)
    fp = _fingerprint(src)
    dest = cache_path(spec.name)
    if dest.is_file() and not force:
        try:
            m = read_meta(dest)
            if m.get("source_fingerprint") == fp and m.get("format_version") == CACHE_FORMAT_VERSION:
                return dest, False
        except Exception:
            pass  # unreadable cache: rebuild it
    raw = reader(src)
    return write_cache(spec.name, raw, src, fp), True


def info() -> list[dict]:
    """Metadata of every prepared dataset (a broken cache is listed with its error)."""
    out = []
    folder = paths.data_cache_dir()
    if not folder.is_dir():
        return out
    for p in sorted(folder.glob("*.npz")):
        try:
            m = read_meta(p)
            out.append({k: m[k] for k in ("name", "train", "test", "image_shape", "classes", "provenance")}
                       | {"path": str(p), "size_mb": round(p.stat().st_size / 1e6, 1)})
        except Exception as e:
            out.append({"name": p.stem, "path": str(p), "error": f"unreadable cache: {e}"})
    return out
