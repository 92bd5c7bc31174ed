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
import types
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


def with_line_numbers(exc: BaseException | None) -> None:
    """Give every traceback entry of ``exc`` and its chain a line number.

    A signal can land on an instruction that maps to no source line (Python 3.11+: the entry's
    ``tb_lineno`` is None, e.g. in a ``with`` block's cleanup). pytest's terminal reporter then
    fails while printing the interrupt (``None - 1``) and shows that TypeError as a traceback.
    Such an entry gets its function's first line instead; nothing else changes.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = _renumbered(exc.__traceback__)
        exc = exc.__cause__ or exc.__context__


def _renumbered(tb: types.TracebackType | None) -> types.TracebackType | None:
    entries = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    if all(entry.tb_lineno is not None for entry in entries):
        return entries[0] if entries else None
    rebuilt = None
    for entry in reversed(entries):
        line = entry.tb_lineno if entry.tb_lineno is not None else entry.tb_frame.f_code.co_firstlineno
        rebuilt = types.TracebackType(rebuilt, entry.tb_frame, entry.tb_lasti, line)
    return rebuilt
