"""Holding Ctrl-C and SIGTERM across a create whose resource could not be found again.

A create that carries a name is safe to interrupt: cleanup looks it up. A create with no name
(nova-network floating IPs) is not: once the request is sent only its answer says what was
made. Such a call runs with the signals held; they take effect (KeyboardInterrupt) as soon as
the answer is in and journaled, which is bounded by the request timeout.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Iterator

HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Defer SIGINT/SIGTERM to the end of the block (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []

    def remember(signum: int, frame: Any) -> None:
        arrived.append(signum)

    previous = {s: signal.signal(s, remember) for s in HELD}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if arrived:   # the user's interrupt wins over whatever the create raised
            raise KeyboardInterrupt(f"signal {arrived[0]} (held until the create was answered)")
