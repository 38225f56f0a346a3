"""Sample test images shipped in `pretrained/samples/<dataset>/` so the app shows real images
without any prepared dataset: PNG files plus an `index.json` (label, class, test-set index)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from semcom_core import paths
from semcom_core.data.prepare import cache_path, read_meta
from semcom_core.data.registry import DatasetError, get_spec


def samples_dir(name: str) -> Path:
    return paths.pretrained_dir() / "samples" / get_spec(name).name


def export_samples(name: str, per_class: int = 10) -> Path:
    """Write the first `per_class` test images of each class of a prepared dataset."""
    spec = get_spec(name)
    src = cache_path(spec.name)
    if not src.is_file():
        raise DatasetError(f"{spec.name} is not prepared; run `python -m semcom_core data prepare {spec.name}`")
    meta = read_meta(src)
    with np.load(src) as z:
        x, y = z["x_test"], z["y_test"]
    out = samples_dir(spec.name)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    items = []
    for c in range(spec.num_classes):
        for j, i in enumerate(np.flatnonzero(y == c)[:per_class]):
            fname = f"{c:02d}_{j:02d}.png"
            img = x[i][..., 0] if x.shape[-1] == 1 else x[i]
            Image.fromarray(img).save(out / fname, optimize=True)
            items.append({"file": fname, "label": int(c), "class": meta["classes"][c], "test_index": int(i)})
    (out / "index.json").write_text(json.dumps({"dataset": spec.name, "provenance": meta["provenance"],
                                                "classes": meta["classes"], "images": items}, indent=1))
    return out


@dataclass
class Sample:
    image: np.ndarray  # H, W, C uint8
    label: int
    cls: str
    test_index: int
    file: str


def load_samples(name: str) -> tuple[list[Sample], dict]:
    """The shipped samples of `name` and their index metadata ([] if none are shipped)."""
    folder = samples_dir(name)
    idx = folder / "index.json"
    if not idx.is_file():
        return [], {}
    meta = json.loads(idx.read_text())
    out = []
    for it in meta["images"]:
        arr = np.asarray(Image.open(folder / it["file"]))
        if arr.ndim == 2:
            arr = arr[..., None]
        out.append(Sample(arr, it["label"], it["class"], it["test_index"], it["file"]))
    return out, meta
