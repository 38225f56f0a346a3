"""URL query-parameter state for the pages: read a value strictly, falling back to the default with one
notice naming the parameter when the URL's value is unusable.

Strict means: a value is taken only if it converts with `cast` exactly (no NaN, no infinity, no value
outside lo..hi, no value outside `options`, no parameter given twice); anything else is the default and
a notice. A parameter the page never reads is named in a notice too ("not used here").

Notices are only for values that came from the URL: the first time a page runs in a session it reads
the link the user opened. Later reruns read back what the page itself wrote into the URL (a widget
changed), and a value that stops fitting (e.g. a split point the newly chosen backbone lacks) falls back
to the default silently: the user never typed it.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable, Mapping, MutableMapping, Sequence

_SEEN_KEY = "_semcom_query_pages_read"  # session_state: pages whose URL has been read (and noticed) once
# what a number in a URL may look like: ASCII digits, no spaces, no "1_000", no "0x10", no "nan"/"inf"
_NUMBER = {int: re.compile(r"[+-]?[0-9]+"), float: re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~$:])")


def md_escape(text: str) -> str:
    """Literal text inside a Streamlit markdown notice: no links, emphasis, HTML or LaTeX from a URL."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def shown(raw: str, limit: int = 40) -> str:
    """A URL value as a notice shows it: quoted, control characters visible, long values shortened."""
    r = repr(raw if len(raw) <= limit else raw[:limit] + "…")
    return md_escape(r)


def _snapshot(query_params) -> dict[str, list[str]]:
    """Every parameter with all its values, copied: pages rewrite st.query_params while they run."""
    if hasattr(query_params, "get_all"):
        return {k: [str(v) for v in query_params.get_all(k)] for k in list(query_params)}
    out = {}
    for k, v in dict(query_params).items():
        out[str(k)] = [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]
    return out


def _default_session() -> MutableMapping | None:
    """st.session_state inside a Streamlit script run (None in plain Python)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        if get_script_run_ctx(suppress_warning=True) is None:
            return None
        import streamlit as st
        return st.session_state
    except Exception:
        return None


def _page_id() -> str:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        ctx = get_script_run_ctx(suppress_warning=True)
        return str(getattr(ctx, "page_script_hash", "") or "") if ctx else ""
    except Exception:
        return ""


class QueryState:
    """`q = QueryState(st.query_params)`; `q.get(name, default, ...)` for each setting; then show
    `q.notices` (one per parameter the URL got wrong, markdown-escaped, each naming its parameter)."""

    def __init__(self, query_params, session: MutableMapping | None = None, page: str | None = None):
        self.raw: dict[str, list[str]] = _snapshot(query_params)
        self.qp = query_params
        self._session = session if session is not None else _default_session()
        self._page = page if page is not None else _page_id()
        seen = self._session.get(_SEEN_KEY, ()) if self._session is not None else ()
        self.from_url = self._page not in seen  # first run of this page in this session: the user's link
        self._read: set[str] = set()
        self._notices: dict[str, str] = {}  # parameter -> its one notice

    # ------------------------------------------------------------------ reading
    def _bad(self, key: str, why: str) -> None:
        if self.from_url and key not in self._notices:
            self._notices[key] = why + "; using the default."  # every value error falls back to the default

    def get(self, key: str, default: Any, options: Sequence | None = None, cast: Callable = str,
            lo: float | None = None, hi: float | None = None) -> Any:
        self._read.add(key)
        values = self.raw.get(key)
        if not values:
            return default
        name = f"URL parameter {md_escape(key)}"
        if len(values) > 1:
            self._bad(key, f"ignored {name}: given {len(values)} times")
            return default
        raw = values[0]
        try:
            if cast in _NUMBER and not _NUMBER[cast].fullmatch(raw):
                raise ValueError(raw)
            v = cast(raw)
        except (TypeError, ValueError, OverflowError, ArithmeticError):
            self._bad(key, f"ignored {name}={shown(raw)}: {self._expected(cast, options)}")
            return default
        if isinstance(v, float) and not math.isfinite(v):  # nan / inf would pass every range check silently
            self._bad(key, f"ignored {name}={shown(raw)}: not a finite number")
            return default
        if options is not None and v not in options:
            listed = ", ".join(map(str, options))
            self._bad(key, f"ignored {name}={shown(raw)}: not one of {md_escape(listed)}")
            return default
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self._bad(key, f"ignored {name}={shown(raw)}: outside {md_escape(f'{lo:g} to {hi:g}')}"
                      if lo is not None and hi is not None else f"ignored {name}={shown(raw)}: out of range")
            return default
        return v

    @staticmethod
    def _expected(cast: Callable, options: Sequence | None) -> str:
        if options is not None:
            return "not one of " + md_escape(", ".join(map(str, options)))
        return {int: "not a whole number", float: "not a number"}.get(cast, "not a valid value")

    # ------------------------------------------------------------------ reporting
    @property
    def notices(self) -> list[str]:
        """One notice per parameter the URL got wrong, plus one for each parameter the page did not
        read (call after every `get`). Only on the page's first run in the session (see the module doc);
        reading them marks this page's URL as read."""
        out = dict(self._notices)
        if self.from_url:
            for key in self.raw:
                if key not in self._read and key not in out:
                    out[key] = f"ignored URL parameter {md_escape(key)}: not used here."
            if self._session is not None:
                self._session[_SEEN_KEY] = {*self._session.get(_SEEN_KEY, ()), self._page}
        return list(out.values())


def parse_bool(raw: str) -> bool:
    if raw in ("1", "true", "True"):
        return True
    if raw in ("0", "false", "False"):
        return False
    raise ValueError(raw)
