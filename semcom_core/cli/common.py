"""What every CLI command shares: the user-error type and the printer."""
from __future__ import annotations

import json


class UsageError(ValueError):
    """Bad arguments: one-line message, exit code 2."""


def _print(obj, as_json: bool) -> None:
    if as_json:
        print(json.dumps(obj, indent=2))
    elif isinstance(obj, list):
        for row in obj:
            print(row)
    else:
        for k, v in obj.items():
            print(f"{k:>16}: {v:,}" if isinstance(v, int) else f"{k:>16}: {v}")
