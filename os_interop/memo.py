"""Values a run computes once per cloud and process, whichever thread asks first.

The run's server is booted in a background thread while probes read the cloud (tests/
conftest.py): a probe asking for a value another thread is computing waits for it — a
Condition wait, no polling — instead of computing it twice (two servers, two uploads).
"""

from __future__ import annotations

import threading
from typing import Any, Callable


class Interrupted(Exception):
    """The thread computing a value was interrupted (Ctrl-C, SIGTERM): the run is ending."""


class Memo:
    """key -> result of `make()`, made by one thread; the others wait for it."""

    def __init__(self) -> None:
        self._done: dict[str, Any] = {}
        self._making: set[str] = set()
        self._changed = threading.Condition()

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """The result for `key`, made now by this thread or earlier/meanwhile by another.
        `make` should catch what it wants remembered; whatever it raises is not remembered,
        except an interrupt, which later callers see as Interrupted."""
        with self._changed:
            self._changed.wait_for(lambda: key not in self._making)
            if key in self._done:
                found = self._done[key]
                if isinstance(found, Interrupted):
                    raise found
                return found
            self._making.add(key)
        try:
            result = make()
        except (KeyboardInterrupt, SystemExit) as exc:
            self._finish(key, Interrupted(f"interrupted while computing the run's {key}: {exc}"))
            raise
        except BaseException:
            self._finish(key, None, keep=False)
            raise
        self._finish(key, result)
        return result

    def _finish(self, key: str, result: Any, keep: bool = True) -> None:
        with self._changed:
            self._making.discard(key)
            if keep:
                self._done[key] = result
            self._changed.notify_all()
