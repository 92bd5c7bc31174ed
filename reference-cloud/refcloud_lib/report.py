"""Console output: timed steps, plain messages and the expected-failure type."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class RefcloudError(Exception):
    """An expected failure: printed as one message (plus a log hint), no traceback."""

    def __init__(self, message: str, log: Path | str | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.log = log
        self.hint = hint

    def describe(self) -> str:
        text = f"refcloud: error: {self}"
        if self.log:
            text += f"\n  see the log: {self.log}"
        if self.hint:
            text += f"\n  {self.hint}"
        return text


def say(message: str) -> None:
    """Print one line at once (output is often piped to a CI log)."""
    print(message, flush=True)


@contextmanager
def step(title: str) -> Iterator[None]:
    """Print `title`, run the block, then print how long it took."""
    say(f"==> {title}")
    start = time.monotonic()
    try:
        yield
    except BaseException:
        say(f"    failed after {time.monotonic() - start:.1f}s")
        raise
    say(f"    done in {time.monotonic() - start:.1f}s")


class Stopwatch:
    """Wall-clock time since creation, formatted for reports."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    def seconds(self) -> float:
        return time.monotonic() - self.start

    def __str__(self) -> str:
        return f"{self.seconds():.1f}s"

