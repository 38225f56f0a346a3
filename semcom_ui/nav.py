"""The app's navigation, in one place.

Streamlit runs any script with a `pages/` folder beside it in its legacy multipage mode: a first visit
straight to a deep link (`/costs?split=SP-4`, a shared link) would run that page file on its own, with
the legacy sidebar and without the app's page config. Every page therefore starts with
`ensure_navigation()`, which routes such a visit through the real `st.navigation` (the same one
`app.py` runs), so a shared link opens exactly the view it names."""
from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

_state = threading.local()  # one script run per thread: is the navigation already running here?


PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"  # absolute: any page file may be the entry script


PAGES = (("home.py", "Home", ":material/home:"), ("explorer.py", "Split explorer", ":material/call_split:"),
         ("costs.py", "Split costs", ":material/calculate:"), ("planner.py", "Planner", ":material/route:"),
         ("iot.py", "IoT: learned vs separation", ":material/cell_tower:"),
         ("toc.py", "Budgeted TOC", ":material/speed:"))


def pages(default: str = "home.py") -> list:
    """The app's pages; `default` (a file name in pages/) opens at the app's root URL."""
    return [st.Page(PAGES_DIR / f, title=t, icon=i, default=f == default) for f, t, i in PAGES]


def _entry_page() -> str:
    """The page file `streamlit run` was given, when it is one of pages/ (else Home)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    main = Path(getattr(ctx, "main_script_path", "") or "").resolve() if ctx else None
    known = {f for f, _, _ in PAGES}
    return main.name if main is not None and main.parent == PAGES_DIR and main.name in known else "home.py"


def unknown_path(requested: str | None, default: str = "home.py") -> str | None:
    """`requested` (the URL path a browser asked for, without the leading slash) when it names none of
    the app's pages, else None. Streamlit runs the default page for such a path (and says "Page not
    found" in a dialog that vanishes); the app says which path and links every page. The default page
    lives at the root, so its own name (/home) is not one of its paths either, as Streamlit resolves them."""
    if not requested:
        return None
    known = {Path(f).stem for f, _, _ in PAGES if f != default}  # st.Page infers url_path from the file name
    return None if requested.strip("/") in known else requested


def _requested_path() -> str | None:
    """The URL path this run was asked for by name (a browser opening /something), if any. Reruns and
    clicks in the navigation name pages by their hash instead, so this is set only when a URL is opened."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    pm = getattr(ctx, "pages_manager", None) if ctx else None
    if pm is None or getattr(pm, "intended_page_script_hash", None):
        return None
    return getattr(pm, "intended_page_name", None) or None


def no_such_page(requested: str, listed: list, start: str) -> None:
    """The notice for a URL path that names no page, with a link to each page."""
    from semcom_ui.state import md_escape
    shown = requested if len(requested) <= 60 else requested[:60] + "…"
    st.warning(f"No such page: **/{md_escape(shown)}**. Showing {start} instead. The app's pages:",
               icon=":material/link_off:")
    for p in listed:
        st.page_link(p)


def run_navigation() -> None:
    if getattr(_state, "active", False):
        return
    _state.active = True
    try:
        st.set_page_config(page_title="semcom-explorer", page_icon=":material/settings_input_antenna:",
                           layout="wide")
        from semcom_ui.cached import refresh_if_artifacts_changed
        refresh_if_artifacts_changed()  # a model or table replaced while the server runs is read afresh
        entry = _entry_page()
        listed = pages(entry)
        page = st.navigation(listed)
        missing = unknown_path(_requested_path(), entry)
        if missing is not None:
            no_such_page(missing, listed, next(t for f, t, _ in PAGES if f == entry))
        page.run()
    finally:
        _state.active = False


def ensure_navigation() -> None:
    """Call first in every page: a page run outside the app's navigation re-enters through it."""
    if not getattr(_state, "active", False):
        run_navigation()
        st.stop()
