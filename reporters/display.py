"""How an observed value reads in a table cell: compact, one line, and short on request.

Shared by the matrix and the profile diff so a value looks the same in both.
"""

from __future__ import annotations

import json
from typing import Any


def compact(value: Any) -> str:
    """One line: strings bare, lists comma-joined, dicts as k=v, everything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(compact(v) for v in value) if value else "[]"
    if isinstance(value, dict):
        return ",".join(f"{k}={compact(v)}" for k, v in value.items()) if value else "{}"
    return json.dumps(value)


def shorten(text: str, width: int) -> str:
    """Cut to `width` characters, marking the cut with an ellipsis."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
