"""The Planner page, run headless (AppTest through app.py, as a shared link opens it) on the shipped ResNet-18
table: the default plan is the planner's own, an infeasible request names its binding constraint, URL values
are taken, bad input is a message (never a traceback), and the explorer link opens the chosen configuration."""
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from semcom_core.plan import Constraints, inputs_from, plan
from semcom_ui.views import planner as V

from . import apptest
from .apptest import metrics
from .apptest import plotly_keys as charts
from .apptest import query_param as qp

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/planner.py"

DIGITAL_SHIPPED = ((ROOT / "pretrained" / "split" / "quant_resnet18_cifar10.csv").is_file()
                   and (ROOT / "pretrained" / "split" / "ldpc_bler.csv").is_file())

pytestmark = pytest.mark.skipif(not (ROOT / "pretrained" / "split" / "sweep_resnet18_cifar10.csv").is_file(),
                                reason="ResNet-18 table not shipped")


def open_page(page: str = PAGE, params: dict | None = None, timeout: int = 300) -> AppTest:
    return apptest.open_page(page, params, timeout)


def cut(m: dict, c) -> bool:
    """The page's first metric names the choice: 'Cut at' a split point, or the TOC 'Model'."""
    return m["Model"] == c.split.removeprefix("TOC ") if c.toc else m["Cut at"] == c.split


def url_notices(at) -> list[str]:
    return [w.value for w in at.warning if "URL parameter" in w.value]


def test_default_load_shows_the_planners_plan():
    at = open_page()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Planner"
    # the page's defaults are docs/planner.md's example: Pi 4, A100, LTE, 5 dB AWGN, >= 85 %, fastest
    ref = plan(inputs_from("pi 4", "a100", "lte", 5.0, toc=True, constraints=Constraints(min_accuracy=0.85)))
    c = ref.choice
    (ok,) = at.success
    assert f"**k = {c.k}**" in ok.value and ok.value.startswith("Fastest")
    assert (f"**B = {c.budget_macs / 1e6:,.3g} M MACs**" if c.toc else f"**{c.split}**") in ok.value
    m = metrics(at)
    assert cut(m, c) and m["Numbers sent"] == str(c.k) and m["Accuracy"] == V.short_pct(c.accuracy)
    assert m["Latency"] == V.short_s(c.latency_s) and m["Device energy"] == V.short_j(c.energy_j)
    assert all(len(v) <= 8 for v in m.values()), m
    feasible = at.dataframe[0].value
    assert len(feasible) == len(ref.feasible) and feasible.chosen.iloc[0]
    assert (feasible.split.iloc[0], feasible.k.iloc[0]) == (c.split, c.k)
    assert {b.label for b in at.get("download_button")} == {"Feasible candidates (CSV)", "Every candidate (CSV)"}
    # the two Pareto charts, and the "Analog vs digital" section's two when its tables are shipped
    assert charts(at) == ({"pareto_latency", "pareto_energy", "digital_accuracy", "digital_uses"} if DIGITAL_SHIPPED
                          else {"pareto_latency", "pareto_energy"})
    assert not url_notices(at) and not at.error
    (link,) = at.get("page_link")
    q = dict(parse_qsl(link.proto.query_string))
    if c.toc:  # paper 001's model: the Budgeted TOC page at its family, channel and budget
        assert link.proto.page == "toc" and (q["family"], q["ch"]) == ("dynamic" if c.budget_macs else "static", "awgn")
        assert float(q["B"]) == (c.budget_macs or c.device_macs)
    else:
        assert link.proto.page == "explorer"
        assert (q["bb"], q["split"], q["k"], q["ch"], q["snr"]) == ("resnet18", c.split, str(c.k), "awgn", "5")
    # every control in the URL
    assert qp(at, "acc") == "0.85" and qp(at, "obj") == "latency" and qp(at, "dev") == V.DEFAULT_DEVICE

    # a control change: the plan and the URL follow
    at.slider(key="acc").set_value(0.88).run()
    assert not at.exception and qp(at, "acc") == "0.88"
    c2 = plan(inputs_from("pi 4", "a100", "lte", 5.0, toc=True, constraints=Constraints(min_accuracy=0.88))).choice
    assert cut(metrics(at), c2) and metrics(at)["Accuracy"] == V.short_pct(c2.accuracy)


def test_an_infeasible_constraint_names_the_binding_one():
    at = open_page(params={"acc": "0.85", "lat": "1"})  # >= 85 % within 1 ms on a Raspberry Pi 4: impossible
    assert not at.exception, [e.value for e in at.exception]
    ref = plan(inputs_from("pi 4", "a100", "lte", 5.0, toc=True, constraints=Constraints(min_accuracy=0.85, max_latency_s=1e-3)))
    assert ref.choice is None
    name = ref.binding["binding"]
    errors = [e.value for e in at.error]
    assert any("Nothing meets every constraint" in e and f"the {V.CONSTRAINT_WORDS[name]} binds" in e
               for e in errors), errors
    m = metrics(at)
    assert m["Feasible"] == f"0 of {len(ref.candidates)}" and m["Binding"] == V.CONSTRAINT_SHORT[name]
    assert m["Without it"] == str(ref.binding["admitted_if_relaxed"][name])
    binding = next(d.value for d in at.dataframe if "constraint" in d.value.columns)
    assert binding[binding.binding].constraint.tolist() == [V.CONSTRAINT_WORDS[name]]
    assert not at.success and not at.get("page_link")  # nothing chosen, nothing to open
    assert any("every candidate, with what it fails" in i.value for i in at.info)


def test_url_values_are_taken():
    params = {"bb": "resnet18", "dev": "microcontroller (Cortex-M7, 480 MHz)", "edge": "edge GPU (Jetson Orin Nano)",
              "link": "LoRa (SF7, 125 kHz)", "snr": "10", "ch": "rayleigh", "bits": "8", "acc": "0.80", "obj": "energy",
              "mj": "500", "emac": "INT8 MAC, arithmetic only (Horowitz, ISSCC 2014, 45 nm)"}
    at = open_page(params=params)
    assert not at.exception, [e.value for e in at.exception]
    assert not url_notices(at)
    assert at.selectbox(key="dev").value == params["dev"] and at.selectbox(key="link").value == params["link"]
    assert at.slider(key="snr").value == 10.0 and at.radio(key="ch").value == "rayleigh"
    assert at.selectbox(key="bits").value == 8 and at.slider(key="acc").value == pytest.approx(0.8)
    assert at.radio(key="obj").value == "energy" and at.number_input(key="mj").value == 500.0
    ref = plan(inputs_from("microcontroller", "orin", "lora", 10.0, energy_per_mac="int8", channel="rayleigh",
                           bits_per_number=8, objective="energy",
                           toc=True, constraints=Constraints(min_accuracy=0.8, max_energy_j=0.5)))
    m = metrics(at)
    if ref.choice is None:
        assert m["Binding"] == V.CONSTRAINT_SHORT[ref.binding["binding"]]
    else:
        assert cut(m, ref.choice) and m["Device energy"] == V.short_j(ref.choice.energy_j)
    for k, v in params.items():
        assert qp(at, k) == v, k


def test_typed_numbers_from_the_url():
    at = open_page(params={"typed": "1", "devg": "2.5", "edgeg": "1000", "mbps": "20", "ebuj": "0.1", "acc": "0.85"})
    assert not at.exception and not url_notices(at)
    assert at.toggle(key="typed").value and at.number_input(key="devg").value == 2.5
    assert at.selectbox(key="dev").disabled  # the typed numbers replace the presets
    ref = plan(inputs_from(2.5e9, 1e12, 2e7, 5.0, energy_per_bit=1e-7, toc=True, constraints=Constraints(min_accuracy=0.85)))
    m = metrics(at)
    assert cut(m, ref.choice) and (m["Latency"], m["Device energy"]) == (V.short_s(ref.choice.latency_s),
                                                                         V.short_j(ref.choice.energy_j))
    (link,) = at.get("page_link")
    assert "sec=" not in link.proto.query_string  # typed numbers are no explorer preset
    at.toggle(key="typed").set_value(False).run()  # back to the presets: the typed numbers leave the URL
    assert not at.exception and "devg" not in at.query_params and qp(at, "typed") == "0"
    at.toggle(key="typed").set_value(True).run()  # and on again: what was typed comes back, not the presets
    assert not at.exception and at.number_input(key="devg").value == 2.5 and at.number_input(key="ebuj").value == 0.1
    assert qp(at, "devg") == "2.5" and qp(at, "mbps") == "20"


@pytest.mark.parametrize("params, words", [
    ({"link": "NB-IoT (Cat NB2 uplink)", "obj": "energy"}, "energy-per-bit preset"),  # no sourced energy per bit
    ({"link": "NB-IoT (Cat NB2 uplink)", "mj": "5"}, "no sourced figure"),
])
def test_bad_input_is_a_message_never_a_traceback(params, words):
    at = open_page(params=params)
    assert not at.exception, [e.value for e in at.exception]
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    assert not at.metric and not charts(at)


def test_the_explorer_link_opens_the_chosen_configuration():
    at = open_page(params={"acc": "0.88", "bits": "16"})  # 88 % at 5 dB: beyond every TOC model, a split is chosen
    assert plan(inputs_from("pi 4", "a100", "lte", 5.0, toc=True, constraints=Constraints(min_accuracy=0.88),
                            bits_per_number=16)).choice.family == "split"
    (link,) = at.get("page_link")
    q = dict(parse_qsl(link.proto.query_string))
    ex = open_page("pages/explorer.py", params=q, timeout=600)
    assert not ex.exception, [e.value for e in ex.exception]
    assert not url_notices(ex)  # every parameter of the link is one the explorer reads, with a value it takes
    assert ex.selectbox(key="split").value == q["split"] and ex.radio(key="ch").value == q["ch"]
    assert ex.slider(key="snr").value == float(q["snr"])
    if "k" in q:
        assert ex.select_slider(key="k").value == int(q["k"])
    assert ex.toggle(key="sec").value and ex.selectbox(key="txd").value == V.DEFAULT_DEVICE
    assert ex.selectbox(key="bits").value == 16


@pytest.mark.skipif(not DIGITAL_SHIPPED, reason="the quantization table or the LDPC block error rates are not shipped")
def test_analog_or_digital_from_the_url():
    params = {"mode": "both", "snr": "10", "acc": "0.85", "dsp": "SP-3", "dk": "64", "db": "8"}
    at = open_page(params=params)
    assert not at.exception, [e.value for e in at.exception]
    assert not url_notices(at)
    assert at.radio(key="mode").value == "both" and at.radio(key="dlink").value == "ldpc"
    ref = plan(inputs_from("pi 4", "a100", "lte", 10.0, toc=True, constraints=Constraints(min_accuracy=0.85),
                           modes=("analog", "digital")))
    c = ref.choice
    m = metrics(at)
    assert cut(m, c) and m["Accuracy"] == V.short_pct(c.accuracy)
    assert m["Link"] == (f"{c.bits_per_number}-bit" if c.digital else "analog")
    assert all(len(v) <= 8 for v in m.values()), m
    (ok,) = at.success
    assert ("**digitally**" in ok.value) == c.digital and ("**analog**" in ok.value) == (not c.digital)
    # the "Analog vs digital" section at the URL's split, k and b
    assert at.selectbox(key="dsp").value == "SP-3" and at.selectbox(key="dk_SP-3").value == 64
    assert at.select_slider(key="db_SP-3_64").value == 8
    assert {"Quantized, error-free bits", "Bits per image", "Analog uses", "LDPC uses", "LDPC cliff"} <= set(m)
    assert m["Analog uses"] == "32"
    for k, v in params.items():
        assert qp(at, k) == v, k
    # a control change: b follows into the URL, and the section reads the table's row for it
    at.select_slider(key="db_SP-3_64").set_value(2).run()
    assert not at.exception and qp(at, "db") == "2"
    from semcom_core.plan.planner import load_quant
    q = load_quant("resnet18", "cifar10")
    row = q[(q.split == "SP-3") & (q.k == 64) & (q.bits == 2)].iloc[0]
    assert metrics(at)["Quantized, error-free bits"] == V.short_pct(float(row.accuracy))


@pytest.mark.skipif(not DIGITAL_SHIPPED, reason="the quantization table or the LDPC block error rates are not shipped")
def test_a_bad_digital_url_value_falls_back_with_a_notice():
    at = open_page(params={"dsp": "SP-9", "db": "99"})
    assert not at.exception, [e.value for e in at.exception]
    assert url_notices(at)
    assert at.selectbox(key="dsp").value == "SP-4"


@pytest.mark.skipif(not DIGITAL_SHIPPED, reason="the quantization table or the LDPC block error rates are not shipped")
def test_the_digital_section_opens_at_a_digital_choice():
    at = open_page(params={"mode": "digital", "snr": "5", "acc": "0.85"})
    assert not at.exception, [e.value for e in at.exception]
    c = plan(inputs_from("pi 4", "a100", "lte", 5.0, toc=True, constraints=Constraints(min_accuracy=0.85),
                         modes=("digital",))).choice
    assert c is not None and c.digital
    assert at.selectbox(key="dsp").value == c.split and at.selectbox(key=f"dk_{c.split}").value == c.k
    assert at.select_slider(key=f"db_{c.split}_{c.k}").value == c.bits_per_number
    assert (qp(at, "dsp"), qp(at, "dk"), qp(at, "db")) == (c.split, str(c.k), str(c.bits_per_number))


@pytest.mark.skipif(not (ROOT / "pretrained" / "split" / "sweep_resnet34_cifar10.csv").is_file()
                    or (ROOT / "pretrained" / "split" / "quant_resnet34_cifar10.csv").is_file(),
                    reason="needs the ResNet-34 table and no ResNet-34 quantization table")
def test_a_backbone_without_digital_measurements_says_so():
    at = open_page(params={"bb": "resnet34", "mode": "both", "acc": "0.5"})
    assert not at.exception, [e.value for e in at.exception]
    assert any("Digital not measured for resnet34" in i.value for i in at.info), [i.value for i in at.info]
    assert metrics(at)["Link"] == "analog"  # planned on the analog candidates, none invented
    at = open_page(params={"bb": "resnet34", "mode": "digital", "acc": "0.5"})
    assert not at.exception and any("Digital is not measured for resnet34" in e.value for e in at.error)
