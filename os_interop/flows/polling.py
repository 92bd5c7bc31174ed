"""Waiting for a resource to settle, bounded, with the last state kept for the verdict.

The first check is immediate, then the interval grows from a short first wait to a cap: a
simulated cloud settles in milliseconds, a real server boot takes a minute, and both are
asked about as often as their pace deserves. Each wait is bounded by a per-cloud timeout the
user can set in clouds.yaml (`osi_boot_timeout`, `osi_image_timeout`, in seconds).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterator

from os_interop import replay

FIRST_WAIT = 0.05
MAX_INTERVAL = 2.0


def pauses(first: float = FIRST_WAIT, cap: float = MAX_INTERVAL) -> Iterator[float]:
    """The pause before each next check: `first`, doubling, at most `cap` (every poll of the
    run, cleanup's included, paces itself with this)."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


class Stopped(Exception):
    """The run is ending (Ctrl-C, SIGTERM, the last probe done): the wait was given up."""


def wait_for(fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float, *,
             first: float = FIRST_WAIT, cap: float = MAX_INTERVAL,
             stop: threading.Event | None = None) -> tuple[bool, Any]:
    """Poll `fetch` until `done(value)`; (True, value) or (False, last value) on timeout.
    The pauses are waits on `stop` (the journal's `closed`): setting it ends the wait at once
    with Stopped, so a poll in a background thread never holds up cleanup."""
    deadline = time.monotonic() + timeout
    stop = stop or threading.Event()
    value, pause = fetch(), pauses(first, cap)
    while not done(value):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or replay.ran_out():    # a replay: the recorded wait timed out here
            return False, value
        if stop.wait(0 if replay.active() else min(next(pause), remaining)):
            raise Stopped("the run is ending: stopped waiting")
        value = fetch()
    return True, value


def cloud_timeout(cloud: Any, key: str, default: float) -> float:
    """A timeout from the cloud's clouds.yaml entry (e.g. `osi_boot_timeout: 600`), else default."""
    value = cloud.conn.connection.config.config.get(key)
    if value is None:
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if seconds <= 0:
        raise ValueError(f"clouds.yaml {key} for {cloud.name!r} must be a positive number of "
                         f"seconds, not {value!r}")
    return seconds
