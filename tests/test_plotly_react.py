"""semcom_ui.components.plotly_react: the chart that plotly.js updates in place. What it sends (the figure's
own JSON), that a page with it renders under AppTest, and its fallbacks to st.plotly_chart."""
import json

import pandas as pd
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from semcom_ui import plots
from semcom_ui.components import plotly_react as PR


def small_figure(k=4, snr=5.0):
    rows = pd.DataFrame({"k": [1, 2, 4, 8] * 2, "snr_db": [0.0] * 4 + [10.0] * 4,
                         "accuracy": [0.2, 0.3, 0.5, 0.6, 0.4, 0.6, 0.8, 0.9]})
    return plots.accuracy_vs_k_figure(rows, k, snr, 0.93)


def test_the_spec_sent_is_the_figures_json_without_its_template():
    fig = small_figure()
    sent = json.loads(PR.payload(fig, {"displayModeBar": False}))
    want = json.loads(pio.to_json(fig, validate=False))
    assert "template" in want["layout"]  # the page's theme replaces it in the browser
    del want["layout"]["template"]
    assert sent["data"] == want["data"] and sent["layout"] == want["layout"]
    assert sent["config"] == {**PR.DEFAULT_CONFIG, "displayModeBar": False}
    assert sent["src"].endswith(f"/_stcore/bidi-components/{PR.COMPONENT}/plotly.min.js")
    assert PR.PLOTLY_JS.is_file() and PR.PLOTLY_JS.parent == PR.PLOTLY_ROOT / PR.ASSET_DIR


def test_payload_is_kept_per_figure_and_config():
    fig, other = small_figure(4), small_figure(8)
    a = PR.payload(fig)
    assert PR.payload(fig) is a  # the same figure object (a cached one): not serialized again
    assert PR.payload(fig, {"displayModeBar": False}) != a
    b = PR.payload(other)
    assert b != a and json.loads(b)["data"][-1]["x"] == [8, 8]  # the k marker moved


def chart_script():
    import plotly.graph_objects as go

    from semcom_ui.components.plotly_react import plotly_chart
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2], name="line"))
    plotly_chart(fig, key="chart")


def elements(at, kind):
    out, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(children.values())
        if getattr(node, "type", None) == kind:
            out.append(node)
    return out


def test_renders_as_a_component_keyed_by_its_key():
    at = AppTest.from_function(chart_script, default_timeout=60)
    at.run()
    assert not at.exception
    (node,) = elements(at, "bidi_component")
    assert not elements(at, "plotly_chart")
    assert node.proto.id.endswith("-chart") and node.proto.component_name == PR.COMPONENT
    spec = json.loads(node.proto.bytes)
    assert spec["data"][0]["y"] == [3, 1, 2] and "template" not in spec["layout"]
    first_id = node.proto.id
    at.run()  # a rerun keeps the element's identity (so the browser updates the chart in place)
    (node,) = elements(at, "bidi_component")
    assert node.proto.id == first_id


def test_falls_back_to_st_plotly_chart_when_the_browser_reported_a_failure():
    at = AppTest.from_function(chart_script, default_timeout=60)
    at.session_state[PR.FAILED] = True  # what the component's "failed" trigger sets
    at.run()
    assert not at.exception
    assert not elements(at, "bidi_component") and len(elements(at, "plotly_chart")) == 1


def changing_chart_script():
    import plotly.graph_objects as go
    import streamlit as st
    from semcom_ui.components import plotly_react as PR
    st.session_state.n = st.session_state.get("n", 0) + 1
    PR.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, st.session_state.n])), key="chart")


def test_a_changed_figure_keeps_the_elements_identity():
    """What st.plotly_chart does not do: a new figure under the same key is the same element (so the browser
    updates the drawn chart), carrying the new spec."""
    at = AppTest.from_function(changing_chart_script, default_timeout=60)
    at.run()
    (node,) = elements(at, "bidi_component")
    first_id, first_bytes = node.proto.id, node.proto.bytes
    at.run()
    (node,) = elements(at, "bidi_component")
    assert node.proto.bytes != first_bytes and json.loads(node.proto.bytes)["data"][0]["y"] == [3, 1, 2]
    assert node.proto.id == first_id


def test_the_failure_trigger_is_wired_to_the_callback(monkeypatch):
    """The JS reports a failure as the trigger "failed"; the mount passes the callback for that trigger."""
    calls = []
    monkeypatch.setattr(PR, "_mount_fn", lambda: (lambda **kw: calls.append(kw)))
    at = AppTest.from_function(chart_script, default_timeout=60)
    at.run()
    assert calls and all(kw["on_failed_change"] is PR._failed for kw in calls)
    assert 'setTriggerValue("failed"' in PR.JS


def test_failure_callback_sets_the_session_flag():
    """The component's on_failed_change callback (the browser could not load or run plotly.js) marks the
    session, so that its charts are st.plotly_chart from then on."""
    at = AppTest.from_function(chart_script, default_timeout=60)
    at.run()
    assert PR.FAILED not in at.session_state
    at = AppTest.from_string("from semcom_ui.components import plotly_react as PR\nPR._failed()\n", default_timeout=60)
    at.run()
    assert at.session_state[PR.FAILED] is True


def test_falls_back_to_st_plotly_chart_when_the_component_cannot_be_registered(monkeypatch):
    def broken():
        raise RuntimeError("no components.v2 here")
    monkeypatch.setattr(PR, "_mount_fn", broken)
    at = AppTest.from_function(chart_script, default_timeout=60)
    at.run()
    assert not at.exception
    assert not elements(at, "bidi_component") and len(elements(at, "plotly_chart")) == 1


@pytest.mark.parametrize("figure", ["accuracy_vs_k", "top5", "vector"])
def test_every_explorer_figure_serializes(figure):
    import numpy as np
    fig = {"accuracy_vs_k": small_figure,
           "top5": lambda: plots.top5_figure({"noisy channel": [("cat", 0.6), ("dog", 0.3)]}),
           "vector": lambda: plots.vector_figure(np.arange(8.0), np.arange(8.0) + 0.1)}[figure]()
    spec = json.loads(PR.payload(fig))
    assert len(spec["data"]) == len(fig.data) and spec["layout"].get("height") == fig.layout.height
