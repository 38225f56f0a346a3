"""The app's navigation, in one place.

Streamlit runs any script with a `pages/` folder beside it in its legacy multipage mode: a first visit
straight to a deep link (`/costs?split=SP-4`, a shared link) would run that page file on its own, with
the legacy sidebar and without the app's page config. Every page therefore starts with
`ensure_navigation()`, which routes such a visit through the real `st.navigation` (the same one
`app.py` runs), so a shared link opens exactly the view it names."""
from __future__ import annotations

import threading

import streamlit as st

_state = threading.local()  # one script run per thread: is the navigation already running here?


def pages() -> list:
    return [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/explorer.py", title="Split explorer", icon=":material/call_split:"),
        st.Page("pages/costs.py", title="Split costs", icon=":material/calculate:"),
        st.Page("pages/iot.py", title="IoT: learned vs separation", icon=":material/cell_tower:"),
    ]


def run_navigation() -> None:
    if getattr(_state, "active", False):
        return
    _state.active = True
    try:
        st.set_page_config(page_title="semcom-explorer", page_icon=":material/settings_input_antenna:",
                           layout="wide")
        st.navigation(pages()).run()
    finally:
        _state.active = False


def ensure_navigation() -> None:
    """Call first in every page: a page run outside the app's navigation re-enters through it."""
    if not getattr(_state, "active", False):
        run_navigation()
        st.stop()
