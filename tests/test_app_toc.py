"""The Budgeted TOC page, run headless (AppTest from app.py, then switch_page, as a shared link would):
default load without trained models, a budget below the first exit, a typed non-numeric budget, values
from the URL, and a shipped results table moving the headline with B. Never an exception."""

import pytest
from streamlit.testing.v1 import AppTest

from semcom_ui.views import toc as V

from .apptest import metrics, open_page
from .apptest import query_param as qp

from .test_toc_export import shipped_env, tiny_runs  # noqa: F401  (fixtures: tiny trained runs, a private pretrained/)
from .test_views_toc import toy_results

PAGE = "pages/toc.py"


@pytest.fixture(autouse=True)
def fresh_streamlit_caches():
    import streamlit as st
    st.cache_resource.clear()
    st.cache_data.clear()
    yield


def open_toc(params: dict | None = None, timeout: int = 180) -> AppTest:
    return open_page(PAGE, params, timeout)


COSTS, _ = V.exit_costs_table(10)
R20 = COSTS["static-resnet20"][0]


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A results table at the real models' costs, from the real budget code on a toy set of confidences."""
    p = tmp_path / "toc" / "toc_results_cifar10.csv"
    p.parent.mkdir()
    budgets = sorted({COSTS["dynamic"][0], 20e6, 30e6, R20, 60e6, 90e6, COSTS["dynamic"][-1]})
    toy_results(budgets, costs=COSTS).assign(dataset="cifar10").to_csv(p, index=False)
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    return p


def test_default_load_without_trained_models(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))  # an empty pretrained/: nothing shipped
    at = open_toc()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Budgeted TOC"
    m = metrics(at)
    assert m["Budget B"] == V.fmt_m(R20)  # the default: static ResNet-20's cost
    assert m["Dynamic accuracy at B"] == "—" and m["Static models that fit B"] == "ResNet-20"
    assert m["Planned mean MACs"] == V.fmt_m(R20)
    info = " ".join(i.value for i in at.info)
    assert "No trained TOC model is shipped yet" in info and "toc train configs/toc_dynamic_cifar10.toml" in info
    assert not at.error and not at.warning
    assert at.select_slider(key="B").value == R20
    assert float(qp(at, "B")) == R20 and qp(at, "family") == "both" and qp(at, "ch") == "awgn" and qp(at, "snr") == "0"
    assert any("MACs per image on the transmitter" in c.value and "2 FLOPs" in c.value for c in at.caption)
    assert next(d.value for d in at.dataframe).model.tolist()[0] == "dynamic"
    assert len(at.get("download_button")) == 4  # models, exits, accuracy vs B, the paper's table
    # the slider moves the cost side
    at.select_slider(key="B").set_value(COSTS["static-resnet32"][0]).run()
    assert not at.exception
    assert metrics(at)["Static models that fit B"] == "ResNet-20, ResNet-32"


def test_budget_below_the_first_exit_is_a_message(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    at = open_toc({"B": "5e6"})
    assert not at.exception, [e.value for e in at.exception]
    err = " ".join(e.value for e in at.error)
    assert "below the cheapest exit" in err and "5 M" in err
    assert metrics(at)["Static models that fit B"] == "none"
    assert at.text_input(key="Bt").value == "5M"  # off the slider's range: kept as typed, not clamped
    assert float(qp(at, "B")) == 5e6


def test_typed_non_numeric_budget_then_a_valid_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    at = open_toc()
    at.text_input(key="Bt").input("lots").run()
    assert not at.exception, [e.value for e in at.exception]
    err = " ".join(e.value for e in at.error)
    assert "Budget not understood" in err and "lots" in err
    assert metrics(at)["Budget B"] == "—"
    at.text_input(key="Bt").input("70M").run()
    assert not at.exception and not at.error
    assert metrics(at)["Budget B"] == "70 M"
    assert metrics(at)["Static models that fit B"] == "ResNet-20, ResNet-32"  # 69.13 M fits, 97.45 M does not
    assert at.select_slider(key="B").value == V.nearest(V.budget_grid(COSTS), 70e6)
    assert float(qp(at, "B")) == 70e6
    at.text_input(key="Bt").input("1G").run()  # above the most expensive model
    assert not at.exception and "above the most expensive model" in " ".join(i.value for i in at.info)


def test_url_values_are_applied_and_bad_ones_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    at = open_toc({"family": "static", "ch": "rayleigh", "snr": "12", "B": str(COSTS["static-resnet44"][0])})
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="family").value == "static" and at.selectbox(key="ch").value == "rayleigh"
    assert at.select_slider(key="snr").value == 12.0 and at.select_slider(key="B").value == COSTS["static-resnet44"][0]
    assert at.text_input(key="Bt").value == ""  # on the slider: nothing typed
    m = metrics(at)
    assert "Dynamic accuracy at B" not in m and m["Static models that fit B"] == "ResNet-20, ResNet-32, ResNet-44"
    assert not [h for h in at.subheader if h.value == "Exit histogram at B"]  # static family: no exit charts
    bad = open_toc({"ch": "bogus", "snr": "nan", "B": "banana"})
    assert not bad.exception
    notes = " ".join(w.value for w in bad.warning).replace("\\", "")
    assert "URL parameter ch=" in notes and "URL parameter snr=" in notes and "URL parameter B=" in notes
    assert bad.selectbox(key="ch").value == "awgn" and metrics(bad)["Budget B"] == V.fmt_m(R20)


def test_shipped_results_move_the_headline_with_b(shipped):
    at = open_toc({"B": "3e7"})
    assert not at.exception, [e.value for e in at.exception]
    assert not at.info or "No trained TOC model" not in " ".join(i.value for i in at.info)
    import pandas as pd
    t = pd.read_csv(shipped)
    dyn = t[t.model == "dynamic"].set_index("budget")
    assert metrics(at)["Dynamic accuracy at B"] == f"{100 * dyn.loc[30e6].accuracy:.2f} %"
    assert metrics(at)["Measured mean MACs"].startswith(V.fmt_m(dyn.loc[30e6].mean_macs))
    at.select_slider(key="B").set_value(COSTS["dynamic"][-1]).run()
    assert not at.exception
    assert metrics(at)["Dynamic accuracy at B"] == f"{100 * dyn.loc[COSTS['dynamic'][-1]].accuracy:.2f} %"
    assert "Best static accuracy within B" in metrics(at)
    assert len(at.get("download_button")) == 5  # + the measured rows


# ----------------------------------------------------------------------------- shipped models (toc export)


def _ship(runs, dtype="float16"):
    from semcom_core.toc.export import export_toc_run
    for key in ("static", "dynamic"):
        export_toc_run(runs[key], dtype=dtype)


def test_page_reads_the_shipped_models_and_their_results_table(tiny_runs, shipped_env):  # noqa: F811
    """Tiny models shipped with `toc export` into a private pretrained/, measured with the table writer on
    the shipped files: the headline shows their measured numbers (the static one equal to its card's), the
    models table names the shipped files, and no staleness warning; a re-exported file is said to be stale."""
    import json

    import pandas as pd

    from semcom_core.toc.tables import write_shipped
    _ship(tiny_runs)
    at = open_toc()  # shipped, not measured yet: the page says which command measures them
    assert not at.exception, [e.value for e in at.exception]
    info = " ".join(i.value for i in at.info)
    assert "toc_dynamic_cifar10" in info and "python -m semcom_core toc table" in info
    assert metrics(at)["Dynamic accuracy at B"] == "—"

    path = write_shipped(channels=("awgn",), snrs=(0.0,), progress=None)
    t = pd.read_csv(path)
    at = open_toc({"B": str(R20)})
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning and "No trained TOC model" not in " ".join(i.value for i in at.info)
    m = metrics(at)
    dyn = t[(t.model == "dynamic") & (t.budget <= R20)].sort_values("budget").iloc[-1]
    assert m["Dynamic accuracy at B"] == f"{100 * dyn.accuracy:.2f} %"
    card = json.loads((shipped_env / "toc" / "toc_static_resnet20_cifar10.json").read_text())
    awgn0 = next(p for p in card["table_iii"] if (p["channel"], p["snr_db"]) == ("awgn", 0.0))
    assert m["Best static accuracy within B"] == f"{100 * awgn0['accuracy']:.2f} %"  # the card's number
    models = next(d.value for d in at.dataframe)
    shipped_col = dict(zip(models.model, models["shipped file"]))
    assert shipped_col["static-resnet20"].startswith(f"toc_static_resnet20_cifar10 (float16, {card['sha256'][:12]}")
    assert shipped_col["dynamic"].startswith("toc_dynamic_cifar10") and shipped_col["static-resnet32"] == ""

    # the exit gallery (Fig. 5): without shipped samples a notice; with them, every sample at one exit
    assert "No sample images of cifar10 are shipped" in " ".join(i.value for i in at.info)
    import re
    import shutil
    from pathlib import Path
    shutil.copytree(Path(__file__).resolve().parents[1] / "pretrained" / "samples" / "cifar10",
                    shipped_env / "samples" / "cifar10")
    at = open_toc({"B": str(R20)})
    assert not at.exception, [e.value for e in at.exception]
    heads = [m.value for m in at.markdown if m.value.startswith("**Exit ")]
    counts = [int(re.search(r"· (\d+) of (\d+) images", h).group(1)) for h in heads]
    # the same exits as the shipped dynamic model and the measured row's thresholds give, computed here
    from semcom_core.data.samples import load_samples
    from semcom_core.toc.gallery import exit_confidences, gallery
    from semcom_core.zoo.store import load_shipped
    samples, _ = load_samples("cifar10")
    model, _ = load_shipped("toc_dynamic_cifar10")
    conf = exit_confidences(model, [x.image for x in samples], "cifar10").confidences
    theta = [float(dyn[f"threshold_{k}"]) for k in range(1, 6)]
    assert len(heads) == 5 and counts == list(gallery(conf, theta).counts) and sum(counts) == len(samples), heads

    from semcom_core.toc.export import export_toc_run
    export_toc_run(tiny_runs["static"], dtype="float32")  # another file now: the table's static rows are stale
    at = open_toc({"B": str(R20)})
    assert not at.exception
    warn = " ".join(w.value for w in at.warning)
    assert "not measured on the model files shipped now" in warn and "static ResNet-20" in warn
    # a re-exported dynamic model: its thresholds in the table belong to the old file, so no gallery
    assert any(m.value.startswith("**Exit ") for m in at.markdown)
    export_toc_run(tiny_runs["dynamic"], dtype="float32")
    at = open_toc({"B": str(R20)})
    assert not at.exception and not any(m.value.startswith("**Exit ") for m in at.markdown)
    assert "not measured on the dynamic model shipped now" in " ".join(i.value for i in at.info)
