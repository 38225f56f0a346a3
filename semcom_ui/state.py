"""URL query-parameter state for the pages: read a value with validation and a notice on bad input."""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence


class QueryState:
    def __init__(self, query_params):
        self.qp = query_params
        self.notices: list[str] = []

    def get(self, key: str, default: Any, options: Sequence | None = None, cast: Callable = str,
            lo: float | None = None, hi: float | None = None) -> Any:
        raw = self.qp.get(key)
        if raw is None:
            return default
        try:
            v = cast(raw)
        except (TypeError, ValueError):
            self.notices.append(f"ignored URL parameter {key}={raw!r}")
            return default
        if isinstance(v, float) and not math.isfinite(v):  # nan / inf would pass every range check silently
            self.notices.append(f"ignored URL parameter {key}={raw!r} (not a finite number)")
            return default
        if options is not None and v not in options:
            self.notices.append(f"ignored URL parameter {key}={raw!r} (not one of the choices)")
            return default
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.notices.append(f"ignored URL parameter {key}={raw!r} (outside {lo}..{hi})")
            return default
        return v


def parse_bool(raw: str) -> bool:
    if raw in ("1", "true", "True"):
        return True
    if raw in ("0", "false", "False"):
        return False
    raise ValueError(raw)
