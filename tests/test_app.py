"""The app, run headless with streamlit.testing: every page renders without an exception and the numbers
shown move the way the cost model says they should."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def open_page(page: str, params: dict | None = None, timeout: int = 180) -> AppTest:
    """Run the app with these URL parameters and switch to `page`, as a shared link would."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(params or {})
    at.run()
    at.switch_page(page).run()
    return at


def mmacs(s):
    return float(s.split()[0].replace(",", ""))


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
    at.selectbox(key="ds").set_value("fashion-mnist").run()
    at.checkbox(key="hdr").check().run()
    assert not at.exception and metric(at, "DeepSC-IoT channel uses") == "16"


def test_iot_page_bad_url_values_fall_back():
    at = open_page("pages/iot.py", {"ds": "cifar77", "snr": "99", "jq": "x"})
    assert not at.exception
    assert at.selectbox(key="ds").value == "mnist" and at.slider(key="snr").value == 0.0
    assert len(at.warning) == 3
