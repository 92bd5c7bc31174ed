"""Waiting for a resource to settle, bounded, with the last state kept for the verdict."""

from __future__ import annotations

import time
from typing import Any, Callable


def wait_for(fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float,
             interval: float = 1.0) -> tuple[bool, Any]:
    """Poll `fetch` until `done(value)`; (True, value) or (False, last value) on timeout."""
    deadline = time.monotonic() + timeout
    value = fetch()
    while not done(value):
        if time.monotonic() > deadline:
            return False, value
        time.sleep(interval)
        value = fetch()
    return True, value
