"""What the pages keep in memory across reruns and sessions, each keyed only by what it depends on.

Models and datasets are `cache_resource` (one shared object per server; inference never mutates them);
tables are `cache_data`. Figures are built from these by the page, inside the tab that shows them."""
from __future__ import annotations

import stat
import threading

import pandas as pd
import streamlit as st

from semcom_core import paths

from semcom_core.costs import compute as C
from semcom_core.data.images import to_model_image
from semcom_core.data.loader import ImageData
from semcom_core.data.samples import load_samples
from semcom_core.device import get_policy
from semcom_core.eval.split import MEASURE_PRECISION, evaluate, load_split, load_unsplit
from semcom_core.zoo import tables as T
from semcom_ui.jobs import JobRunner


@st.cache_data(show_spinner=False)
def cost_table(bb: str, classes: int, k: int) -> pd.DataFrame:
    return C.cost_table(bb, classes, k, 2)


@st.cache_data(show_spinner=False)
def sweep_table(bb: str, ds: str) -> pd.DataFrame:
    return T.load_sweep(bb, ds)


@st.cache_data(show_spinner=False)
def channel_table(bb: str, ds: str, channel: str) -> pd.DataFrame:
    """The rows of one channel in the shipped sweep table (raises DatasetError when none is shipped)."""
    return T.channel_table(sweep_table(bb, ds), channel, bb)


@st.cache_data(show_spinner=False)
def unsplit_accuracy(bb: str, ds: str) -> float | None:
    return T.unsplit_accuracy(bb, ds)


@st.cache_resource(show_spinner="loading the split model")
def split_model(bb: str, ds: str):
    """Prepared once for the measurement precision's device and memory format, so that a measurement on the
    worker thread never converts the model in place while the live panel runs it."""
    multi, card = load_split(bb, ds)
    return get_policy(precision=MEASURE_PRECISION).prepare_model(multi).eval(), card


@st.cache_resource(show_spinner="loading the unsplit model")
def unsplit_model(bb: str, ds: str):
    return load_unsplit(bb, ds)[0]


@st.cache_resource(show_spinner=False)
def samples(ds: str):
    return load_samples(ds)


@st.cache_resource(show_spinner="loading the test set")
def test_data(ds: str) -> ImageData:
    return ImageData(ds, "cpu", n_val=0, test_only=True)


_ARTIFACTS_SEEN: tuple | None = None
_GENERATION = 0  # bumped each time the shipped files change (measurement keys carry it)
_ARTIFACTS_LOCK = threading.Lock()
ARTIFACT_SUFFIXES = (".safetensors", ".json", ".csv")


def artifacts_stamp() -> tuple:
    """(path, size, mtime_ns) of every shipped model, card and table (pretrained/<kind>/<file>) and sample
    index (pretrained/samples/<dataset>/index.json): what the caches above were filled from. A few dozen
    stat calls, well under a millisecond."""
    root = paths.pretrained_dir()
    if not root.is_dir():
        return ()
    out = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        for f in sorted([*sub.iterdir(), *sub.glob("*/index.json")]):  # + each samples folder's index
            if f.suffix not in ARTIFACT_SUFFIXES:
                continue
            try:
                st_ = f.stat()
            except OSError:  # removed or replaced between listing and stat: the next run sees the new state
                continue
            if stat.S_ISREG(st_.st_mode):
                out.append((str(f.relative_to(root)), st_.st_size, st_.st_mtime_ns))
    return (str(root), *out)


def refresh_if_artifacts_changed() -> bool:
    """Clear Streamlit's caches when a shipped file changed since the previous script run (a model
    re-exported, a table re-measured or pretrained/ pointed elsewhere while the server runs), so that no page
    shows an old model beside a new table. True when it cleared them. Running measurements are not touched
    (their runner is not a Streamlit cache); finished ones are not shown again, because measurement keys
    carry the generation. Known limit: a load already under way in another session while the files change
    may put the old entry back into a cache; the next change of the files clears it."""
    global _ARTIFACTS_SEEN, _GENERATION
    stamp = artifacts_stamp()
    with _ARTIFACTS_LOCK:
        first, changed = _ARTIFACTS_SEEN is None, stamp != _ARTIFACTS_SEEN
        _ARTIFACTS_SEEN = stamp
        if changed and not first:
            _GENERATION += 1
    if first or not changed:
        return False
    st.cache_data.clear()
    st.cache_resource.clear()
    return True


_RUNNER = JobRunner(workers=1, max_pending=8)


def job_runner() -> JobRunner:
    """One worker for the whole server process (a module-level singleton, so clearing Streamlit's caches never
    orphans a running measurement or starts a second worker): measurements queue instead of competing for the
    cores, at most 8 running or waiting."""
    return _RUNNER


def measure_key(bb: str, ds: str, split: str, k: int, snr: float, channel: str, n: int, seed: int = 0) -> tuple:
    """The measurement's key; it ends with the artifacts' generation, so that a result measured on a model
    file since replaced is never shown for the new one (`refresh_if_artifacts_changed`)."""
    return ("measure", bb, ds, split, int(k), float(snr), channel, int(n), int(seed), _GENERATION)


def describe_measurement(key: tuple) -> str:
    """'resnet18 SP-4, k = 64, 5 dB awgn, 1000 images' for a `measure_key`."""
    _, bb, ds, split, k, snr, channel, n, _seed, *_ = key
    return f"{bb} {split}, k = {k}, {snr:g} dB {channel}, {n} images"


@st.cache_data(show_spinner=False, max_entries=64)
def upload_image(digest: str, _data: bytes, size: tuple[int, int], channels: int, invert_light_background: bool = False):
    """An upload turned into a model input, once per file content (sha256 `digest`) and target: not on every rerun."""
    return to_model_image(_data, size, channels, invert_light_background=invert_light_background)


def submit_measurement(bb: str, ds: str, split: str, k: int, snr: float, channel: str, n: int, seed: int = 0,
                       who=None):
    """Start (or join, as `who`: the session) the measurement of this exact setting off the script thread;
    returns the Job. The test set and the model are fetched here, on the script thread (their first load shows
    a spinner)."""
    key = measure_key(bb, ds, split, k, snr, channel, n, seed)
    job = job_runner().join(key, who)  # a run of it under way or done: `who` waits for that one
    if job is not None:
        return job
    data, model = test_data(ds), split_model(bb, ds)

    def run(progress):
        return evaluate(ds, bb, split, k, snr, channel, n, seed=seed, data=data, progress=progress,
                        precision=MEASURE_PRECISION, model=model)
    return job_runner().submit(key, run, who=who)
