"""One refcloud command at a time may change the cloud (up, down, reset, check)."""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from typing import Iterator

from .paths import Layout
from .report import say


@contextmanager
def exclusive(lay: Layout) -> Iterator[None]:
    """Hold $REFCLOUD_HOME/refcloud.lock; wait (saying so) while another command has it."""
    lay.home.mkdir(parents=True, exist_ok=True)
    path = lay.home / "refcloud.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            say(f"waiting for another refcloud command (pid {handle.read().strip() or '?'}) "
                f"to finish: {path}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
