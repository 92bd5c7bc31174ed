"""How an observed value reads in one line: compact, and short on request.

The one home for showing a value to a person: the matrix, the profile diff, the fault matrix's
findings and the progress lines all show values alike.
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


def one_line(value: Any, width: int = 60) -> str:
    """A value as one line of at most `width` characters; "-" when there is none (None)."""
    return "-" if value is None else shorten(compact(value), width)
