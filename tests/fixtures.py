"""Tiny datasets written by the tests themselves, in each upstream format."""
from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image


def random_images(n: int, shape, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, *shape), dtype=np.uint8)


def write_cifar_pickles(folder: Path, num_classes: int, n_train: int = 50, n_test: int = 20, seed: int = 0,
                        bytes_keys: bool = False) -> dict:
    """The `cifar-10-batches-py` / `cifar-100-python` layout. Returns the NHWC arrays written."""
    rng = np.random.default_rng(seed)
    x_tr = random_images(n_train, (32, 32, 3), seed)
    x_te = random_images(n_test, (32, 32, 3), seed + 1)
    y_tr = rng.integers(0, num_classes, n_train)
    y_te = rng.integers(0, num_classes, n_test)
    k = (lambda s: s.encode()) if bytes_keys else (lambda s: s)
    flat = lambda x: x.transpose(0, 3, 1, 2).reshape(len(x), -1)  # noqa: E731  (upstream: CHW rows)
    folder.mkdir(parents=True, exist_ok=True)

    def dump(name, obj):
        with open(folder / name, "wb") as f:
            pickle.dump(obj, f, protocol=2)

    if num_classes == 10:
        parts = np.array_split(np.arange(n_train), 5)
        for i, idx in enumerate(parts, 1):
            dump(f"data_batch_{i}", {k("data"): flat(x_tr[idx]), k("labels"): [int(v) for v in y_tr[idx]]})
        dump("test_batch", {k("data"): flat(x_te), k("labels"): [int(v) for v in y_te]})
        names = [f"c10_{i}" for i in range(10)]
        dump("batches.meta", {k("label_names"): [n.encode() if bytes_keys else n for n in names]})
    else:
        dump("train", {k("data"): flat(x_tr), k("fine_labels"): [int(v) for v in y_tr],
                       k("coarse_labels"): [0] * n_train})
        dump("test", {k("data"): flat(x_te), k("fine_labels"): [int(v) for v in y_te], k("coarse_labels"): [0] * n_test})
        names = [f"fine_{i}" for i in range(num_classes)]
        dump("meta", {k("fine_label_names"): names, k("coarse_label_names"): ["c"] * 20})
    return {"x_train": x_tr, "y_train": y_tr, "x_test": x_te, "y_test": y_te, "classes": names}


def tar_folder(folder: Path, dest: Path, arcname: str) -> Path:
    with tarfile.open(dest, "w:gz") as t:
        t.add(folder, arcname=arcname)
    return dest


def idx_bytes(arr: np.ndarray) -> bytes:
    return bytes([0, 0, 8, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape) + arr.astype(np.uint8).tobytes()


def write_idx(folder: Path, n_train: int = 30, n_test: int = 10, gz: bool = True, seed: int = 0) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {"train-images-idx3-ubyte": random_images(n_train, (28, 28), seed),
              "train-labels-idx1-ubyte": rng.integers(0, 10, n_train).astype(np.uint8),
              "t10k-images-idx3-ubyte": random_images(n_test, (28, 28), seed + 1),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test).astype(np.uint8)}
    for name, arr in arrays.items():
        data = idx_bytes(arr)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return arrays


def write_jpeg_tree_tar(dest: Path, classes: list[str], per_class: int = 3, seed: int = 0) -> dict:
    """train/<class>/NNNN.jpg and test/<class>/NNNN.jpg in a tar.gz; returns decoded arrays by member."""
    rng = np.random.default_rng(seed)
    decoded = {}
    with tarfile.open(dest, "w:gz") as t:
        for split in ("train", "test"):
            for c in classes:
                for i in range(per_class):
                    img = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
                    buf = io.BytesIO()
                    Image.fromarray(img).save(buf, format="JPEG", quality=75)
                    data = buf.getvalue()
                    name = f"{split}/{c}/{i:04d}.jpg"
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
                    decoded[name] = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    return decoded


def truncate(path: Path, keep_fraction: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep_fraction)])
    return path
