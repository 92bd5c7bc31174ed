"""Standard output that a reader leaving (`os-interop run ... | head`) cannot break.

A run still has clouds to finish and clean up, and results to write, after its terminal
has gone. Unguarded, pytest's terminal reporter raised BrokenPipeError in the middle of the
run, which ended it: every unfinished capability was written not-run, and the children lost
their parent. Guarded, the first write that meets a closed pipe points file descriptor 1 at
/dev/null and the run goes on silently, with its exit code and results as always.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO


class GuardedStdout:
    """A text stream passing everything to `stream` until a write or flush meets a closed pipe."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self.silence()
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self.silence()

    def silence(self) -> None:
        """From now on nothing is written; fd 1 goes to /dev/null, so that what the stream
        still buffers (flushed at exit) and whoever writes to the fd meet no error either."""
        self.gone = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        except (OSError, ValueError):      # no file descriptor behind it: nothing to point
            pass
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:      # isatty, fileno, encoding, buffer, ...
        return getattr(self._stream, name)


def guard() -> GuardedStdout:
    """Guard sys.stdout (once) and return the guard."""
    if not isinstance(sys.stdout, GuardedStdout):
        sys.stdout = GuardedStdout(sys.stdout)     # type: ignore[assignment]
    return sys.stdout                               # type: ignore[return-value]
