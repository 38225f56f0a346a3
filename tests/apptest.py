"""Helpers for the AppTest-based page tests: open a page as a shared link would, read its metrics and URL."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from semcom_ui.components import plotly_react

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str, params: dict | None = None, timeout: int = 180) -> AppTest:
    """Run the app with these URL parameters and switch to `page`, as a shared link would."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(params or {})
    at.run()
    at.switch_page(page).run()
    return at


def metrics(at) -> dict[str, str]:
    """Every st.metric on the page, label -> value."""
    return {m.label: m.value for m in at.metric}


def query_param(at, name: str) -> str:
    """One URL parameter as the page wrote it."""
    v = at.query_params[name]
    return v[0] if isinstance(v, list) else v


def plotly_keys(at) -> set[str]:
    """The user keys of the plotly charts on the page (their element ids end with the key): st.plotly_chart
    or the in-place chart component (semcom_ui.components.plotly_react)."""
    out, stack = set(), [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(children.values())
        if getattr(node, "type", None) == "plotly_chart" or (
                getattr(node, "type", None) == "bidi_component" and node.proto.component_name == plotly_react.COMPONENT):
            out.add(node.proto.id.rsplit("-", 1)[-1])
    return out
