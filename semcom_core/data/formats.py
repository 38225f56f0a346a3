"""Readers for the standard upstream dataset layouts. Each returns a `RawDataset` of uint8 NHWC
images and int64 labels, or raises `DatasetError` with a message saying what is wrong.

Supported layouts
- CIFAR-10: `cifar-10-batches-py/` pickles or `cifar-10-python.tar.gz`; the JPEG tree tarball
  `cifar10-jpeg-q75.tar.gz` (`train/<class>/*.jpg`, `test/<class>/*.jpg`).
- CIFAR-100: `cifar-100-python/` pickles (train, test, meta; fine labels) or its tarball.
- MNIST / Fashion-MNIST: the four IDX files, gzip'd or not.

CIFAR's pickles are read with a restricted unpickler that only builds plain containers and numpy
arrays, so a hostile file cannot run code.
"""
from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from semcom_core.data.registry import (
    CIFAR10_CLASSES,
    FASHION_CLASSES,
    IDX_FILES,
    MNIST_CLASSES,
    DatasetError,
)

JPEG_TREE_SHUFFLE_SEED = 0


@dataclass
class RawDataset:
    x_train: np.ndarray  # (N, H, W, C) uint8
    y_train: np.ndarray  # (N,) int64
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]
    provenance: str

    def validate(self, num_classes: int, shape: tuple[int, int, int]) -> None:
        for split, x, y in (("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test)):
            if x.dtype != np.uint8 or x.ndim != 4 or tuple(x.shape[1:]) != tuple(shape):
                raise DatasetError(f"{split} images have shape {x.shape} {x.dtype}, expected (N, {shape}) uint8")
            if len(x) != len(y) or len(x) == 0:
                raise DatasetError(f"{split}: {len(x)} images but {len(y)} labels")
            if y.min() < 0 or y.max() >= num_classes:
                raise DatasetError(f"{split}: labels outside 0..{num_classes - 1}")
        if len(self.classes) != num_classes:
            raise DatasetError(f"{len(self.classes)} class names for {num_classes} classes")


# ----------------------------------------------------------------------------- safe pickle
class _SafeUnpickler(pickle.Unpickler):
    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("builtins", "bytes"), ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset pickle")


def _load_pickle(data: bytes, what: str) -> dict:
    try:
        obj = _SafeUnpickler(io.BytesIO(data), encoding="latin1").load()
    except Exception as e:  # truncated / not a pickle / forbidden class
        raise DatasetError(f"{what} is not a readable CIFAR pickle ({type(e).__name__}: {e})") from e
    if not isinstance(obj, dict):
        raise DatasetError(f"{what} does not hold a CIFAR batch dictionary")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _cifar_images(batch: dict, what: str) -> np.ndarray:
    data = np.asarray(batch.get("data"))
    if data.ndim != 2 or data.shape[1] != 3072:
        raise DatasetError(f"{what}: 'data' has shape {data.shape}, expected (N, 3072)")
    return data.astype(np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()


def _names(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


# ----------------------------------------------------------------------------- file access
class _Source:
    """Uniform access to files in a directory or inside a tarball."""

    def __init__(self, path: Path):
        self.path = path
        self._tar: tarfile.TarFile | None = None
        if path.is_file():
            try:
                self._tar = tarfile.open(path, "r:*")
                self._members = {m.name.lstrip("./"): m for m in self._tar.getmembers() if m.isfile()}
            except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
                raise DatasetError(f"{path} is not a readable tar archive (corrupt or truncated?): {e}") from e

    def names(self) -> list[str]:
        if self._tar is not None:
            return list(self._members)
        return [str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file()]

    def read(self, name: str) -> bytes:
        try:
            if self._tar is not None:
                f = self._tar.extractfile(self._members[name])
                return f.read()
            return (self.path / name).read_bytes()
        except (tarfile.TarError, EOFError, OSError, zlib.error, KeyError) as e:
            raise DatasetError(f"cannot read {name} from {self.path} (corrupt or truncated?): {e}") from e

    def find(self, suffix: str) -> str | None:
        for n in self.names():
            if n == suffix or n.endswith("/" + suffix):
                return n
        return None


# ----------------------------------------------------------------------------- CIFAR
def read_cifar_pickles(path: Path, num_classes: int) -> RawDataset:
    src = _Source(path)
    if num_classes == 10:
        train_names = [f"data_batch_{i}" for i in range(1, 6)]
        test_names, meta_name, label_key, names_key = ["test_batch"], "batches.meta", "labels", "label_names"
    else:
        train_names, test_names, meta_name = ["train"], ["test"], "meta"
        label_key, names_key = "fine_labels", "fine_label_names"

    def load(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = [], []
        for n in tqdm(names, desc=f"reading {path.name}", unit="batch", leave=False):
            member = src.find(n)
            if member is None:
                raise DatasetError(f"{path}: missing {n}")
            batch = _load_pickle(src.read(member), f"{path.name}:{member}")
            xs.append(_cifar_images(batch, member))
            if label_key not in batch:
                raise DatasetError(f"{member}: no '{label_key}' key")
            ys.append(np.asarray(batch[label_key], dtype=np.int64))
        return np.concatenate(xs), np.concatenate(ys)

    x_tr, y_tr = load(train_names)
    x_te, y_te = load(test_names)
    meta_member = src.find(meta_name)
    classes = list(CIFAR10_CLASSES) if num_classes == 10 else [f"class_{i}" for i in range(num_classes)]
    if meta_member is not None:
        meta = _load_pickle(src.read(meta_member), meta_member)
        if names_key in meta:
            classes = _names(meta[names_key])
    return RawDataset(x_tr, y_tr, x_te, y_te, classes,
                      provenance=f"CIFAR-{num_classes} python pickles from {path.name}")


def read_jpeg_tree(path: Path) -> RawDataset:
    """Tarball (or folder) of train/<class>/*.jpg and test/<class>/*.jpg; class order = the
    standard CIFAR-10 order when the folder names are CIFAR-10's, else alphabetical."""
    src = _Source(path)
    files = sorted(n for n in src.names() if n.lower().endswith((".jpg", ".jpeg", ".png")))
    by_split: dict[str, list[tuple[str, str]]] = {"train": [], "test": []}
    for n in files:
        parts = n.split("/")
        if len(parts) >= 3 and parts[-3] in by_split:
            by_split[parts[-3]].append((parts[-2], n))
    if not by_split["train"] or not by_split["test"]:
        raise DatasetError(f"{path}: expected train/<class>/*.jpg and test/<class>/*.jpg inside")
    found = sorted({c for c, _ in by_split["train"]})
    classes = list(CIFAR10_CLASSES) if set(found) == set(CIFAR10_CLASSES) else found
    index = {c: i for i, c in enumerate(classes)}
    out = {}
    for split, items in by_split.items():
        xs = np.empty((len(items), 32, 32, 3), dtype=np.uint8)
        ys = np.empty(len(items), dtype=np.int64)
        for i, (c, n) in enumerate(tqdm(items, desc=f"decoding {split} JPEGs", unit="img", leave=False)):
            try:
                with Image.open(io.BytesIO(src.read(n))) as im:
                    arr = np.asarray(im.convert("RGB"))
            except DatasetError:
                raise
            except Exception as e:
                raise DatasetError(f"{path}:{n} is not a decodable image: {e}") from e
            if arr.shape != (32, 32, 3):
                raise DatasetError(f"{path}:{n} is {arr.shape}, expected 32x32 RGB")
            xs[i] = arr
            ys[i] = index[c]
        # the tree is ordered by class; a fixed permutation makes "the first n images" a fair sample
        perm = np.random.default_rng(JPEG_TREE_SHUFFLE_SEED).permutation(len(ys))
        out[split] = (xs[perm], ys[perm])
    return RawDataset(out["train"][0], out["train"][1], out["test"][0], out["test"][1], classes,
                      provenance=f"CIFAR-10 (JPEG q75 copy) from {path.name}: lossy, mean PSNR 30.5 dB "
                                 f"vs the original; labels exact; image order shuffled with seed "
                                 f"{JPEG_TREE_SHUFFLE_SEED} (the tree is sorted by class)")


# ----------------------------------------------------------------------------- IDX (MNIST)
def parse_idx(data: bytes, what: str) -> np.ndarray:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise DatasetError(f"{what}: corrupt gzip ({e})") from e
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DatasetError(f"{what}: not an unsigned-byte IDX file")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{what}: truncated IDX header")
    dims = struct.unpack(">" + "I" * ndim, data[4:header])
    n = int(np.prod(dims))
    if len(data) - header != n:
        raise DatasetError(f"{what}: IDX body has {len(data) - header} bytes, header says {n} (truncated?)")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def read_idx_folder(folder: Path, classes: list[str], label: str) -> RawDataset:
    arrays = []
    for base in IDX_FILES:
        cands = [folder / base, folder / (base + ".gz")]
        # some mirrors name them t10k-images.idx3-ubyte
        cands += [folder / base.replace("-idx", ".idx"), folder / (base.replace("-idx", ".idx") + ".gz")]
        path = next((p for p in cands if p.is_file()), None)
        if path is None:
            raise DatasetError(f"{folder}: missing {base}[.gz]")
        arrays.append(parse_idx(path.read_bytes(), str(path)))
    x_tr, y_tr, x_te, y_te = arrays
    return RawDataset(x_tr[..., None].copy(), y_tr.astype(np.int64), x_te[..., None].copy(),
                      y_te.astype(np.int64), classes, provenance=f"{label} IDX files from {folder}")


def idx_reader(classes, label) -> Callable[[Path], RawDataset]:
    return lambda folder: read_idx_folder(folder, list(classes), label)


MNIST_READER = idx_reader(MNIST_CLASSES, "MNIST")
FASHION_READER = idx_reader(FASHION_CLASSES, "Fashion-MNIST")
