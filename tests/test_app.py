"""The app, run headless with streamlit.testing: every page renders without an exception and the numbers
shown move the way the cost model says they should."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest


from .apptest import open_page, plotly_keys, query_param

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def fresh_streamlit_caches():
    """The pages cache loaded models and tables per (backbone, dataset) for the process: tests that ship
    their own models under the shipped names must not see another test's."""
    import streamlit as st
    st.cache_resource.clear()
    st.cache_data.clear()
    yield


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def mmacs(s):
    return float(s.split()[0].replace(",", ""))


def says(text: str, *parts: str) -> bool:
    """`text` holds every one of `parts` (names, numbers with their units: not the copy around them)."""
    return all(p in text for p in parts)


@pytest.fixture
def costs_page():
    at = open_page("pages/costs.py")
    assert not at.exception
    return at


def test_home_page_status_panel(cache_dir):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["Datasets prepared", "Trained models shipped", "Sample images shipped"]
    assert int(metric(at, "Sample images shipped")) >= 100  # the shipped samples in pretrained/
    assert metric(at, "Datasets prepared") == "0"  # an empty private cache
    assert any("data prepare" in i.value for i in at.info)
    assert any("Compute device" in m.value for m in at.markdown)
    from semcom_core.zoo.status import shipped_tables
    tables = shipped_tables()  # the real shipped ones: one row each, as the page shows them
    assert tables and all("error" not in t for t in tables)
    assert any("Accuracy tables shipped" in m.value for m in at.markdown)
    assert [list(d.value["table"]) for d in at.dataframe if "table" in d.value.columns] == [[t["table"] for t in tables]]


def test_later_split_raises_transmitter_macs(costs_page):
    at = costs_page
    seen = []
    for sp in ["SP-1", "SP-2", "SP-3", "SP-4", "SP-5"]:
        at.selectbox(key="split").set_value(sp).run()
        assert not at.exception
        seen.append((mmacs(metric(at, "Transmitter MACs")), mmacs(metric(at, "Receiver MACs"))))
    tx = [s[0] for s in seen]
    rx = [s[1] for s in seen]
    assert tx == sorted(tx) and rx == sorted(rx, reverse=True)
    assert at.query_params["split"] == ["SP-5"] or at.query_params["split"] == "SP-5"


def test_gamma_and_k_move_the_normalized_numbers(costs_page):
    at = costs_page
    at.selectbox(key="split").set_value("SP-2").run()
    low = float(metric(at, "Normalized computation"))
    at.slider(key="lg").set_value(0.0).run()
    high = float(metric(at, "Normalized computation"))
    assert high > low  # a slower receiver makes splitting cost more
    comm_big = float(metric(at, "Normalized communication"))
    at.select_slider(key="k").set_value(16).run()
    small = float(metric(at, "Normalized communication"))
    assert small == pytest.approx(16 / 3072, rel=1e-3) and small < comm_big
    at.radio(key="conv").set_value("paper").run()
    assert not at.exception


def test_url_state_round_trip_and_bad_values_fall_back():
    at = open_page("pages/costs.py", {"split": "SP-4", "k": "64", "backbone": "resnet34", "lg": "-1.0"})
    assert at.selectbox(key="split").value == "SP-4" and at.selectbox(key="backbone").value == "resnet34"
    assert at.select_slider(key="k").value == 64 and at.slider(key="lg").value == -1.0
    bad = open_page("pages/costs.py", {"split": "SP-99", "k": "banana", "lg": "7"})
    assert not bad.exception
    assert bad.selectbox(key="split").value == "SP-2" and bad.select_slider(key="k").value == 1024
    assert len(bad.warning) == 3
    # the latency presets are in the link too (the "Seconds, not FLOPs" chart and the fastest-split note)
    from semcom_core.costs import compute as C
    lora, pi = "LoRa (SF7, 125 kHz)", "single-board computer (Raspberry Pi 4)"
    at = open_page("pages/costs.py", {"txd": pi, "link": lora, "bits": "8"})
    assert not at.exception and at.selectbox(key="txd").value == pi and at.selectbox(key="link").value == lora
    assert at.selectbox(key="bits").value == 8 and query_param(at, "link") == lora and query_param(at, "bits") == "8"
    assert query_param(at, "rxd") == list(C.DEVICE_PRESETS)[-1]  # the default, written so the link is whole
    at.selectbox(key="bits").set_value(16).run()
    assert query_param(at, "bits") == "16"


@pytest.fixture
def iot_page():
    at = open_page("pages/iot.py")
    assert not at.exception, at.exception
    return at


def test_iot_page_on_shipped_models_and_table(iot_page):
    at = iot_page
    assert metric(at, "DeepSC-IoT channel uses") == "16"
    assert int(metric(at, "Separation channel uses")) > 16
    at.slider(key="snr").set_value(20.0).run()
    sep_high, learned_high = float(metric(at, "Separation accuracy")), float(metric(at, "DeepSC-IoT accuracy"))
    at.slider(key="snr").set_value(-10.0).run()
    assert not at.exception
    sep_low, learned_low = float(metric(at, "Separation accuracy")), float(metric(at, "DeepSC-IoT accuracy"))
    assert sep_low < sep_high and learned_low <= learned_high  # more noise never raises the shown accuracy
    assert sep_low < 0.3 < learned_low  # the cliff vs graceful degradation, as measured
    assert any("DeepSC-IoT:" in m.value for m in at.markdown)
    before = [c.value for c in at.caption if "Noise seed" in c.value][0]
    at.button(key="redraw").click().run()
    after = [c.value for c in at.caption if "Noise seed" in c.value][0]
    assert "Noise seed 0" in before and "Noise seed 1" in after
    at.selectbox(key="ch").set_value("rayleigh").run()
    from semcom_core.digital.separation import DEFAULT_JPEG_QUALITY
    assert at.slider(key="jq_mnist").value == DEFAULT_JPEG_QUALITY["mnist"]
    at.selectbox(key="ds").set_value("fashion-mnist").run()
    # the live demo follows the dataset's table quality (not the quality chosen for MNIST)
    assert at.slider(key="jq_fashion-mnist").value == DEFAULT_JPEG_QUALITY["fashion-mnist"] != DEFAULT_JPEG_QUALITY["mnist"]
    at.checkbox(key="hdr").check().run()
    assert not at.exception and metric(at, "DeepSC-IoT channel uses") == "16"


def test_iot_page_bad_url_values_fall_back():
    at = open_page("pages/iot.py", {"ds": "cifar77", "snr": "99", "jq": "x"})
    assert not at.exception
    assert at.selectbox(key="ds").value == "mnist" and at.slider(key="snr").value == 0.0
    assert len(at.warning) == 3


# ----------------------------------------------------------------------------- split explorer
@pytest.fixture(scope="module")
def explorer_zoo_files(tmp_path_factory):
    """An untrained ResNet-20 split model, a tiny CIFAR-10 and a sweep table made by the real `sweep`
    on them, in a private pretrained/ (with the real shipped samples copied in): made once per module."""
    import shutil

    import torch

    from semcom_core import paths
    from semcom_core.config import TrainConfig
    from semcom_core.data.prepare import prepare
    from semcom_core.eval.split import sweep
    from semcom_core.nets import build_backbone
    from semcom_core.nets.multisplit import MultiSplitModel

    from .fixtures import write_cifar_pickles
    from .test_split_eval import ship

    root = tmp_path_factory.mktemp("explorer_zoo")
    real_samples = paths.pretrained_dir() / "samples"
    pt, cache = root / "pt", root / "cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEMCOM_PRETRAINED", str(pt))
        mp.setenv("SEMCOM_CACHE", str(cache))
        mp.delenv("SEMCOM_DATA", raising=False)
        shutil.copytree(real_samples, pt / "samples")
        write_cifar_pickles(root / "cifar-10-batches-py", 10, n_train=20, n_test=40)
        prepare("cifar10", root / "cifar-10-batches-py")
        torch.manual_seed(0)
        net = build_backbone("resnet20")
        multi = MultiSplitModel(net, ["SP-1", "SP-2", "SP-3", "SP-4"], k_max=16)
        cfg = TrainConfig(name="split_resnet20_cifar10", backbone="resnet20", kind="split",
                          splits=["SP-1", "SP-2", "SP-3", "SP-4"], k_max=16)
        ship(multi, "split_resnet20_cifar10", cfg, pt / "split")
        ship(net, "resnet20_cifar10", TrainConfig(name="resnet20_cifar10", backbone="resnet20"), pt / "split")
        table = sweep("cifar10", "resnet20", n=40, ks=(1, 4, 16), snrs=(0.0, 10.0), channels=("awgn", "rayleigh"),
                      progress=False)
        table.to_csv(pt / "split" / "sweep_resnet20_cifar10.csv", index=False)
    return pt, cache, table


@pytest.fixture
def explorer_zoo(explorer_zoo_files, tmp_path, monkeypatch):
    """`explorer_zoo_files`, in this test's own copy of pretrained/ (tests edit cards and tables there);
    returns the sweep table."""
    import shutil
    pt, cache, table = explorer_zoo_files
    shutil.copytree(pt, tmp_path / "pt")
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path / "pt"))
    monkeypatch.setenv("SEMCOM_CACHE", str(cache))  # read only
    monkeypatch.delenv("SEMCOM_DATA", raising=False)
    return table.copy()


def diagram_says(at, split: str, k: int) -> bool:
    """The network diagram (one inline SVG on the page) names this cut and k, and draws its blocks."""
    svgs = [m.value for m in at.markdown if m.value.startswith("<svg") and "channel carries" in m.value]
    assert len(svgs) == 1
    return (f'<tspan font-weight="bold">{split}</tspan>: channel carries {k} numbers' in svgs[0]
            and svgs[0].count('<g class="block">') >= 8)


def test_explorer_without_models_still_answers_costs(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))  # nothing shipped at all
    at = open_page("pages/explorer.py", {"bb": "resnet18", "split": "SP-3", "k": "64"})
    assert not at.exception
    assert metric(at, "Accuracy") == "—"
    assert any("build_zoo.sh resnet18" in i.value for i in at.info)  # the table: the command that makes it
    # the missing model, named with its config, for the headline and again for live inference
    missing = [i.value for i in at.info if "split_resnet18_cifar10" in i.value]
    assert len(missing) == 2 and all("configs/split_resnet18_cifar10.toml" in v for v in missing), missing
    seen = []
    for sp in ["SP-1", "SP-2", "SP-3", "SP-4", "SP-5"]:
        at.selectbox(key="split").set_value(sp).run()
        assert not at.exception
        seen.append(mmacs(metric(at, "Transmitter MACs")))
    assert seen == sorted(seen) and len(set(seen)) == 5  # a later cut runs more on the transmitter
    assert diagram_says(at, "SP-5", 64)
    at.select_slider(key="k").set_value(16).run()
    assert float(metric(at, "Normalized communication")) == pytest.approx(16 / 3072, rel=1e-3)
    assert diagram_says(at, "SP-5", 16) and not diagram_says(at, "SP-5", 64)  # the diagram follows k
    at.selectbox(key="split").set_value("SP-0").run()
    assert float(metric(at, "Normalized communication")) == 1.0  # the image itself
    low = float(metric(at, "Normalized computation"))
    at.selectbox(key="split").set_value("SP-2").run()
    at.slider(key="lg").set_value(-5.0).run()
    fast_rx = float(metric(at, "Normalized computation"))
    at.slider(key="lg").set_value(0.0).run()
    assert fast_rx < float(metric(at, "Normalized computation"))
    assert low == pytest.approx(1e-3, abs=1e-3)  # SP-0: the receiver runs everything, (0 + γ·F) / F = γ
    at.toggle(key="sec").set_value(True).run()
    assert not at.exception and "ms" in metric(at, "End-to-end latency")
    slow = mmacs(metric(at, "End-to-end latency"))
    at.selectbox(key="link").set_value("Wi-Fi 5 (802.11ac, 1x1, 80 MHz)").run()
    assert mmacs(metric(at, "End-to-end latency")) < slow  # a faster link, less air time


def test_explorer_with_only_the_backbone_shows_its_prediction(tmp_path, monkeypatch):
    """Before a backbone's split model ships, live inference shows what the unsplit model says."""
    import shutil

    import torch

    from semcom_core import paths
    from semcom_core.config import TrainConfig
    from semcom_core.data.samples import load_samples
    from semcom_core.eval import live as L
    from semcom_core.nets import build_backbone

    from .test_split_eval import ship
    samples, meta = load_samples("cifar10")  # the real shipped samples
    pt = tmp_path / "pt"
    shutil.copytree(paths.pretrained_dir() / "samples", pt / "samples")
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(pt))
    torch.manual_seed(1)
    net = build_backbone("resnet20").eval()
    ship(net, "resnet20_cifar10", TrainConfig(name="resnet20_cifar10", backbone="resnet20"), pt / "split")
    at = open_page("pages/explorer.py", {"bb": "resnet20", "split": "SP-2", "k": "16"})
    assert not at.exception, at.exception
    assert any(says(i.value, "split_resnet20_cifar10", "unsplit resnet20") for i in at.info)
    for idx in (0, 13):
        at.select_slider(key="sample").set_value(idx).run()
        (top, p), = L.top_classes(L.unsplit_probs(net, samples[idx].image, "cifar10"), 1)
        want = f"**{meta['classes'][top]}** ({p:.2f})"  # the class and its probability
        assert any(says(m.value, "resnet20", want) for m in at.markdown), want
    assert not at.exception


def test_explorer_reads_the_table_and_runs_live_inference(explorer_zoo):
    from semcom_core.eval.stats import accuracy_interval
    table = explorer_zoo
    at = open_page("pages/explorer.py", {"bb": "resnet20", "split": "SP-2", "k": "4", "snr": "10", "ch": "awgn"})
    assert not at.exception, at.exception
    want = table[(table.split == "SP-2") & (table.k == 4) & (table.snr_db == 10.0) & (table.channel == "awgn")]
    assert metric(at, "Accuracy") == f"{100 * want.accuracy.item():.2f} %"
    lo, hi = accuracy_interval(want.accuracy.item(), 40)  # a measured row says how sure it is
    assert any(says(c.value, "40 test images", "95 %", f"{100 * lo:.1f}-{100 * hi:.1f} %") for c in at.caption)
    # live inference on the first shipped sample: the split model's noiseless and noisy answers (noise seed 0) and
    # the unsplit model's, as computed here with the same shipped weights
    from semcom_core.data.samples import load_samples
    from semcom_core.eval import live as L
    from semcom_core.eval.split import load_split, load_unsplit
    samples, meta = load_samples("cifar10")
    multi, net = load_split("resnet20", "cifar10")[0], load_unsplit("resnet20", "cifar10")[0]

    def live_line(seed):
        res = L.live_split(multi, "SP-2", samples[0].image, "cifar10", 4, 10.0, "awgn", seed)
        (c, pc), (n, pn) = res.top("clean")[0], res.top("noisy")[0]
        return [f"**{meta['classes'][c]}** ({pc:.2f})", f"**{meta['classes'][n]}** ({pn:.2f})", "10 dB awgn",
                f"noise seed {seed}"]
    (u, pu), = L.top_classes(L.unsplit_probs(net, samples[0].image, "cifar10"), 1)
    assert any(says(m.value, *live_line(0), f"**{meta['classes'][u]}** ({pu:.2f})") for m in at.markdown)
    at.button(key="redraw").click().run()
    assert any(says(m.value, *live_line(1)) for m in at.markdown)
    for ch in ("rayleigh", "awgn"):
        at.radio(key="ch").set_value(ch).run()
        assert not at.exception
    at.slider(key="snr").set_value(5.0).run()  # between the table's 0 and 10 dB: interpolated, and said so
    assert any(says(c.value, "interpolated", "10 dB") for c in at.caption)
    at.select_slider(key="k").set_value(64).run()  # beyond this model's k_max = 16
    assert any("serves k ≤ 16" in w.value for w in at.warning) and not at.exception
    at.selectbox(key="split").set_value("SP-5").run()  # the logits: fixed size, k ignored
    assert not at.exception and float(metric(at, "Normalized communication")) == pytest.approx(10 / 3072, rel=1e-3)
    at.selectbox(key="split").set_value("SP-3").run()
    at.select_slider(key="n_eval").set_value(100).run()
    at.button(key="measure").click().run()
    assert not at.exception
    from semcom_core.eval.split import evaluate
    r = evaluate("cifar10", "resnet20", "SP-3", 16, 5.0, "awgn", 100, seed=0)  # k clamped to k_max; 40 images exist
    lo, hi = accuracy_interval(r["accuracy"], 40)
    result = [f"{100 * r['accuracy']:.2f} %", "40 test images", f"{100 * lo:.1f}-{100 * hi:.1f} %", "SP-3", "k = 16",
              "5 dB", "awgn", "seed 0"]
    wait_for_success(at)
    assert any(says(s.value, *result) for s in at.success)
    # pressed again, in this session and by a second user: the same result, never an error (the measurement
    # runs off the script thread; a repeat joins the finished run)
    at.button(key="measure").click().run()
    assert not at.exception and any(says(s.value, *result) for s in at.success)
    other = open_page("pages/explorer.py", {"bb": "resnet20", "split": "SP-3", "k": "16", "snr": "5", "ch": "awgn"})
    other.select_slider(key="n_eval").set_value(100).run()
    other.button(key="measure").click().run()
    wait_for_success(other)
    assert not other.exception and any(says(s.value, *result) for s in other.success)


def wait_for_success(at, timeout: float = 120.0):
    """Rerun until the measurement's result is on the page (it runs on a worker thread)."""
    import time
    t_end = time.time() + timeout
    while not at.success and not at.exception and time.time() < t_end:
        time.sleep(0.2)
        at.run()


def test_explorer_bad_url_values_fall_back(explorer_zoo):
    at = open_page("pages/explorer.py", {"bb": "resnet99", "split": "SP-42", "k": "3", "snr": "99", "ch": "x",
                                         "target": "2"})
    assert not at.exception
    assert at.selectbox(key="bb").value == "resnet20"  # the backbone with a shipped model comes first
    assert at.slider(key="snr").value == 5.0 and at.radio(key="ch").value == "awgn"
    assert len([w for w in at.warning if "ignored URL parameter" in w.value]) == 6


def test_explorer_with_a_table_lacking_the_channel_says_what_to_run(explorer_zoo):
    """A sweep is measured channel by channel (AWGN first): a table without Rayleigh rows yet still
    serves AWGN and explains the rest instead of drawing empty charts."""
    import streamlit as st

    from semcom_core.zoo import naming as N
    explorer_zoo[explorer_zoo.channel == "awgn"].to_csv(N.sweep_path("resnet20", "cifar10"), index=False)
    st.cache_data.clear()  # the fixture's run already cached the whole table
    at = open_page("pages/explorer.py", {"bb": "resnet20", "split": "SP-2", "k": "4", "snr": "10", "ch": "rayleigh"})
    assert not at.exception, at.exception
    assert metric(at, "Accuracy") == "—"
    assert any(says(i.value, "rayleigh", "awgn", "build_zoo.sh resnet20") for i in at.info)
    at.radio(key="ch").set_value("awgn").run()
    assert not at.exception and metric(at, "Accuracy").endswith("%")


def test_explorer_on_a_table_being_measured_row_by_row_shows_no_other_ks_number(explorer_zoo):
    """`sweep` writes the shipped table after every row, split by split and k by k, and the app reloads it:
    a split measured so far at k = 1 only must not show k = 1's accuracy as the chosen k's, nor fail on a
    channel it has no rows for yet."""
    import streamlit as st

    from semcom_core.zoo import naming as N
    t = explorer_zoo
    partial = t[(t.split != "SP-3") | ((t.k == 1) & (t.channel == "awgn"))]
    partial.to_csv(N.sweep_path("resnet20", "cifar10"), index=False)
    st.cache_data.clear()
    at = open_page("pages/explorer.py", {"bb": "resnet20", "split": "SP-3", "k": "4", "snr": "10"})
    assert not at.exception, at.exception
    assert metric(at, "Accuracy") == "—" and not any("fixed" in c.value for c in at.caption)
    at = open_page("pages/explorer.py", {"bb": "resnet20", "split": "SP-3", "k": "4", "snr": "10", "ch": "rayleigh"})
    assert not at.exception, at.exception
    assert any(says(i.value, "SP-3", "no rows") for i in at.info)
    at = open_page("pages/explorer.py", {"bb": "resnet20", "split": "SP-3", "k": "1", "snr": "10"})
    assert not at.exception and metric(at, "Accuracy").endswith("%")


def test_explorer_says_what_training_a_split_had(explorer_zoo):
    """Beside the accuracy: the split model's training budget and the split's noiseless ceiling against the
    unsplit model, from the model cards; a ceiling far below it gets the explanation, prominently."""
    import json

    import streamlit as st

    from semcom_core import paths
    d = paths.pretrained_dir() / "split"
    for name, extra in (("split_resnet20_cifar10", {"epochs": 6, "wall_seconds": 2040.0, "device": "CPU (cpu), fp32",
                                                    "split_test_accuracy": {"SP-2": 0.521, "SP-4": 0.814}}),
                        ("resnet20_cifar10", {"test_accuracy": 0.8213})):
        card = json.loads((d / f"{name}.json").read_text())
        (d / f"{name}.json").write_text(json.dumps(card | extra))
    st.cache_resource.clear()  # the page keeps loaded models (and their cards) across runs
    at = open_page("pages/explorer.py", {"bb": "resnet20", "split": "SP-2", "k": "4", "snr": "10"})
    assert not at.exception, at.exception
    far = [i.value for i in at.info if "SP-2" in i.value and "split_resnet20_cifar10" in i.value]
    assert len(far) == 1 and says(far[0], "6 epochs", "0.6 h", "CPU (cpu), fp32", "16", "52.10 %", "82.13 %",
                                  "docs/compute.md")
    at.selectbox(key="split").set_value("SP-4").run()  # 0.7 points below: a caption, no explanation needed
    assert not any("split_resnet20_cifar10" in i.value for i in at.info)
    note = [c.value for c in at.caption if "split_resnet20_cifar10" in c.value]
    assert len(note) == 1 and says(note[0], "SP-4", "81.40 %", "82.13 %") and "docs/compute.md" not in note[0]
    at.selectbox(key="split").set_value("SP-0").run()  # the image: no codec, nothing to say
    assert not any("split_resnet20_cifar10" in c.value for c in [*at.caption, *at.info])


def test_explorer_budget_marks_the_split_points_over_it():
    """Paper 001's transmitter budget B in the split explorer: split points whose transmitter part costs more
    than B are marked, the chosen one over B is said so, and B goes into the URL (in MACs per image)."""
    from semcom_core.costs import compute as C
    tx = C.cost_table("resnet18", 10, 64, 2).query("convention == 'true'").set_index("split").tx_macs
    b = (tx["SP-2"] + tx["SP-3"]) / 2  # SP-0..SP-2 fit, SP-3 and later do not
    at = open_page("pages/explorer.py", {"bb": "resnet18", "split": "SP-4", "k": "64", "B": f"{b:.6g}"})
    assert not at.exception, at.exception
    assert at.number_input(key="tx_budget").value == pytest.approx(b / 1e6, rel=1e-5)
    sel = at.selectbox(key="split")
    assert sel.format_func("SP-2") == "SP-2" and sel.format_func("SP-3").endswith("(over B)")
    assert any(says(w.value, "SP-4", "over the transmitter budget", "SP-0, SP-1, SP-2") for w in at.warning)
    sel.set_value("SP-2").run()
    assert not any("over the transmitter budget" in w.value for w in at.warning)
    assert any(says(c.value, "SP-3, SP-4, SP-5, SP-6 over B") for c in at.caption)
    assert float(at.query_params["B"][0] if isinstance(at.query_params["B"], list) else at.query_params["B"]) \
        == pytest.approx(b, rel=1e-5)
    at.number_input(key="tx_budget").set_value(0.0).run()  # no budget: nothing marked
    assert not at.exception and at.selectbox(key="split").format_func("SP-6") == "SP-6"
    # B exactly a split point's transmitter cost: it fits, and the link the page writes keeps it fitting
    exact = str(int(tx["SP-3"]))
    at = open_page("pages/explorer.py", {"bb": "resnet18", "split": "SP-3", "k": "64", "B": exact})
    assert not any("over the transmitter budget" in w.value for w in at.warning)
    written = at.query_params["B"][0] if isinstance(at.query_params["B"], list) else at.query_params["B"]
    assert float(written) >= tx["SP-3"]
    again = open_page("pages/explorer.py", {"bb": "resnet18", "split": "SP-3", "k": "64", "B": written})
    assert not any("over the transmitter budget" in w.value for w in again.warning)


@pytest.mark.skipif(not (ROOT / "pretrained" / "split" / "sweep_resnet18_cifar10.csv").is_file(),
                    reason="ResNet-18 table not shipped")
def test_explorer_each_tab_draws_its_own_figure():
    """The tabs are lazy (only the open one is computed): each must hold its own figure, nothing else's."""
    at = open_page("pages/explorer.py", {"bb": "resnet18", "split": "SP-4", "k": "64", "snr": "5", "ch": "awgn"})
    assert not at.exception
    want = {"Accuracy vs k (Fig. 3)": "acc_k", "Accuracy vs SNR": "acc_snr", "Split × k map": "heat",
            "Computation (Fig. 5)": "fig5", "Communication (Fig. 6)": "fig6", "Latency": "lat", "Costs (Table II)": None}
    always = {"vec", "top5"}  # the live panel (the network diagram is an SVG, not a plotly chart)
    for tab, key in want.items():
        at.session_state["tab"] = tab
        at.run()
        assert not at.exception, tab
        assert plotly_keys(at) - always == ({key} if key else set()), (tab, plotly_keys(at))


def test_explorer_open_tab_is_in_the_link(explorer_zoo):
    """A link names the open tab (`tab`): opening it shows that tab's content, and the page writes the tab
    back; an unknown tab falls back to the first with a notice."""
    base = {"bb": "resnet20", "split": "SP-2", "k": "4", "snr": "10", "ch": "awgn"}
    at = open_page("pages/explorer.py", base)
    assert not at.exception and query_param(at, "tab") == "acc-k"
    assert not any("Every split point and k" in c.value for c in at.caption)  # the map's tab is closed: not drawn
    at = open_page("pages/explorer.py", {**base, "tab": "map"})
    assert not at.exception and query_param(at, "tab") == "map"
    assert any("Every split point and k at 10 dB" in c.value for c in at.caption)  # the map's tab is drawn
    at = open_page("pages/explorer.py", {**base, "tab": "nope"})
    assert not at.exception and query_param(at, "tab") == "acc-k"
    assert any("URL parameter tab" in w.value for w in at.warning)
