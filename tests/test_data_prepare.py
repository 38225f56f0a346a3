import io
import json
import pickle
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from semcom_core.cli import main as cli_main
from semcom_core.data.formats import parse_idx
from semcom_core.data.prepare import cache_path, info, prepare
from semcom_core.data.registry import CIFAR10_CLASSES, DatasetError

from .fixtures import (
    tar_folder,
    truncate,
    write_cifar_pickles,
    write_idx,
    write_jpeg_tree_tar,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets"


def load_cache(name):
    with np.load(cache_path(name)) as z:
        return {k: z[k] for k in z.files}


def test_cifar10_pickle_folder_round_trip(tmp_path, cache_dir):
    src = tmp_path / "cifar-10-batches-py"
    ref = write_cifar_pickles(src, 10, n_train=50, n_test=20)
    path, built = prepare("cifar10", src)
    assert built and path == cache_dir / "cifar10.npz"
    c = load_cache("cifar10")
    np.testing.assert_array_equal(c["x_train"], ref["x_train"])  # CHW rows -> HWC images, order kept
    np.testing.assert_array_equal(c["y_test"], ref["y_test"])
    assert c["x_train"].dtype == np.uint8 and c["x_train"].shape == (50, 32, 32, 3)
    meta = info()[0]
    assert meta["classes"] == ref["classes"] and meta["train"] == 50 and meta["test"] == 20


def test_cifar10_tarball_with_bytes_keys(tmp_path, cache_dir):
    ref = write_cifar_pickles(tmp_path / "src" / "cifar-10-batches-py", 10, bytes_keys=True)
    tarball = tar_folder(tmp_path / "src" / "cifar-10-batches-py", tmp_path / "cifar-10-python.tar.gz",
                         "cifar-10-batches-py")
    prepare("cifar10", tarball)
    c = load_cache("cifar10")
    np.testing.assert_array_equal(c["x_test"], ref["x_test"])
    np.testing.assert_array_equal(c["y_train"], ref["y_train"])


def test_synthetic_cifar100_round_trip_folder_and_tarball(tmp_path, cache_dir):
    ref = write_cifar_pickles(tmp_path / "d" / "cifar-100-python", 100, n_train=40, n_test=10)
    prepare("cifar100", tmp_path / "d")  # a root folder holding cifar-100-python/
    c = load_cache("cifar100")
    np.testing.assert_array_equal(c["x_train"], ref["x_train"])
    np.testing.assert_array_equal(c["y_train"], ref["y_train"])
    assert info()[0]["classes"] == ref["classes"]
    tarball = tar_folder(tmp_path / "d" / "cifar-100-python", tmp_path / "cifar-100-python.tar.gz", "cifar-100-python")
    path, built = prepare("cifar100", tarball)
    assert built  # a different source rebuilds the cache
    np.testing.assert_array_equal(load_cache("cifar100")["x_test"], ref["x_test"])


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_round_trip(tmp_path, cache_dir, gz):
    ref = write_idx(tmp_path / "mnist", gz=gz)
    prepare("mnist", tmp_path / "mnist")
    c = load_cache("mnist")
    np.testing.assert_array_equal(c["x_train"][..., 0], ref["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(c["y_test"], ref["t10k-labels-idx1-ubyte"])
    assert c["x_test"].shape == (10, 28, 28, 1)


def test_fashion_mnist_from_search_root(tmp_path, cache_dir, monkeypatch):
    write_idx(tmp_path / "root" / "fashion-mnist", gz=True, seed=3)
    monkeypatch.setenv("SEMCOM_DATA", str(tmp_path / "root"))
    _, built = prepare("fashion-mnist")
    assert built
    assert info()[0]["classes"][0] == "T-shirt/top"


def test_jpeg_tree_tarball(tmp_path, cache_dir):
    classes = list(CIFAR10_CLASSES)
    decoded = write_jpeg_tree_tar(tmp_path / "cifar10-jpeg-q75.tar.gz", classes, per_class=2)
    prepare("cifar10", tmp_path / "cifar10-jpeg-q75.tar.gz")
    c = load_cache("cifar10")
    assert c["x_train"].shape == (20, 32, 32, 3) and c["x_test"].shape == (20, 32, 32, 3)
    # every cached image is the decoded JPEG of its class folder (order is shuffled)
    for name, img in decoded.items():
        split, cls, _ = name.split("/")
        x = c["x_train"] if split == "train" else c["x_test"]
        y = c["y_train"] if split == "train" else c["y_test"]
        hits = np.flatnonzero((x == img).all(axis=(1, 2, 3)))
        assert len(hits) == 1 and y[hits[0]] == classes.index(cls)
    m = info()[0]
    assert "JPEG q75" in m["provenance"] and m["classes"] == classes


def test_truncated_archive_gives_clear_error_and_no_cache(tmp_path, cache_dir):
    write_cifar_pickles(tmp_path / "s" / "cifar-10-batches-py", 10, n_train=200, n_test=50)
    tarball = tar_folder(tmp_path / "s" / "cifar-10-batches-py", tmp_path / "cifar-10-python.tar.gz",
                         "cifar-10-batches-py")
    truncate(tarball, 0.5)
    with pytest.raises(DatasetError, match="corrupt or truncated"):
        prepare("cifar10", tarball)
    assert not cache_path("cifar10").exists()
    assert list(cache_dir.glob("*")) == [] or all(not p.name.endswith((".npz", ".tmp")) for p in cache_dir.iterdir())


def test_failed_rebuild_keeps_previous_cache(tmp_path, cache_dir):
    write_idx(tmp_path / "good", gz=True)
    prepare("mnist", tmp_path / "good")
    before = cache_path("mnist").read_bytes()
    bad = tmp_path / "bad"
    write_idx(bad, gz=True, seed=5)
    truncate(bad / "train-images-idx3-ubyte.gz", 0.6)
    with pytest.raises(DatasetError):
        prepare("mnist", bad, force=True)
    assert cache_path("mnist").read_bytes() == before
    assert not list(cache_dir.glob("*.tmp"))


def test_truncated_idx_is_rejected():
    from .fixtures import idx_bytes
    data = idx_bytes(np.zeros((4, 28, 28), np.uint8))
    with pytest.raises(DatasetError, match="truncated"):
        parse_idx(data[:-10], "x")


def test_prepare_is_idempotent_and_force_rebuilds(tmp_path, cache_dir):
    write_idx(tmp_path / "m", gz=False)
    assert prepare("mnist", tmp_path / "m")[1] is True
    mtime = cache_path("mnist").stat().st_mtime_ns
    assert prepare("mnist", tmp_path / "m")[1] is False
    assert cache_path("mnist").stat().st_mtime_ns == mtime
    assert prepare("mnist", tmp_path / "m", force=True)[1] is True


def test_hostile_pickle_is_refused(tmp_path, cache_dir):
    src = tmp_path / "cifar-100-python"
    write_cifar_pickles(src, 100, n_train=10, n_test=5)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    (src / "train").write_bytes(pickle.dumps({"data": Evil()}))
    with pytest.raises(DatasetError, match="refusing"):
        prepare("cifar100", src)


def test_missing_cifar100_fails_fast_with_instructions(tmp_path, monkeypatch, capsys):
    """Offline and nowhere on disk: one message naming the file and where to put it, exit code 1, no
    traceback, no cache, no download attempt."""
    env = {**__import__("os").environ, "SEMCOM_CACHE": str(tmp_path / "c"), "SEMCOM_DATA": str(tmp_path / "empty")}
    r = subprocess.run([sys.executable, "-m", "semcom_core", "data", "prepare", "cifar100"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "cifar-100-python.tar.gz" in r.stderr and str(tmp_path / "empty") in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "c" / "cifar100.npz").exists()
    # fast: no network timeout to sit through (timed in-process: interpreter start-up is not the point)
    import urllib.request
    tried = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: tried.append(a) or (_ for _ in ()).throw(OSError))
    monkeypatch.setenv("SEMCOM_CACHE", str(tmp_path / "c"))
    monkeypatch.setenv("SEMCOM_DATA", str(tmp_path / "empty"))
    assert cli_main(["data", "prepare", "cifar100"]) == 1
    assert "cifar-100-python.tar.gz" in capsys.readouterr().err
    t0 = time.perf_counter()  # the modules are loaded now: this times the search and the refusal alone
    with pytest.raises(DatasetError, match="cifar-100-python.tar.gz"):
        prepare("cifar100")
    assert time.perf_counter() - t0 < 1.0 and tried == []


def test_data_info_json(tmp_path, cache_dir):
    write_idx(tmp_path / "m")
    prepare("mnist", tmp_path / "m")
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert cli_main(["data", "info", "--json"]) == 0
    rows = json.loads(buf.getvalue())
    assert [r["name"] for r in rows] == ["mnist"]
    r = rows[0]
    assert (r["train"], r["test"], r["image_shape"], len(r["classes"])) == (30, 10, [28, 28, 1], 10)
    assert "MNIST" in r["provenance"]


def test_unknown_dataset_is_a_clear_error(cache_dir, capsys):
    assert cli_main(["data", "prepare", "imagenet"]) == 1
    assert "unknown dataset" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason="../shared/datasets not present")
def test_real_shared_datasets(real_cache):
    """The real copies in ../shared/datasets, found with no flags (prepared once per session: `real_cache`)."""
    from semcom_core.data.prepare import read_meta
    for name in ("mnist", "fashion-mnist", "cifar10"):
        path = real_cache.prepare(name)  # `prepare(name)`: no --source, no $SEMCOM_DATA
        assert Path(read_meta(path)["source"]).is_relative_to(SHARED / name)
    rows = {r["name"]: r for r in info()}
    assert (rows["cifar10"]["train"], rows["cifar10"]["test"]) == (50000, 10000)
    assert "JPEG q75" in rows["cifar10"]["provenance"]
    for n in ("mnist", "fashion-mnist"):
        assert (rows[n]["train"], rows[n]["test"]) == (60000, 10000)
        assert rows[n]["image_shape"] == [28, 28, 1]
    assert real_cache.data("cifar10").test.labels.bincount().tolist() == [1000] * 10
    assert real_cache.data("mnist").test.images.shape == (10000, 1, 28, 28)
