"""Scrubbing secrets from anything the suite writes or prints.

Two layers, because either alone leaks: by name (headers and JSON keys that carry
credentials) and by value (every password, token and secret the run knows is
replaced wherever it appears: URLs, bodies, exception text).
"""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "***"
SECRET_HEADERS = frozenset(h.lower() for h in (
    "X-Auth-Token", "X-Subject-Token", "X-Service-Token", "Authorization",
    "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Storage-Token", "X-Auth-Key",
))
_SECRET_KEY = re.compile(r"pass(word|code)?|secret|token_?id|^token$|^key$|api_?key|credential",
                         re.IGNORECASE)


class Redactor:
    """Knows the run's secrets and removes them; thread-safe, shared by a cloud's session."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._lock = threading.Lock()
        self._longest_first: tuple[str, ...] = ()    # replaced whole on add: readers need no lock
        for s in secrets or ():
            self.add(s)

    def add(self, secret: Any) -> None:
        """Remember a value that must never be written (ignores trivially short values)."""
        if isinstance(secret, str) and len(secret) >= 4:
            with self._lock:
                if secret not in self._longest_first:
                    self._longest_first = tuple(sorted((*self._longest_first, secret), key=len, reverse=True))

    def text(self, value: str) -> str:
        return _scrubbed(value, self._longest_first)

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: MASK if k.lower() in SECRET_HEADERS else self.text(str(v))
                for k, v in headers.items()}

    def data(self, value: Any, key: str | None = None) -> Any:
        """A JSON-like structure with secret-named fields masked and known secrets scrubbed."""
        return _data(value, key, self._longest_first)


def _scrubbed(value: str, secrets: tuple[str, ...]) -> str:
    for s in secrets:
        if s in value:
            value = value.replace(s, MASK)
    return value


def _data(value: Any, key: str | None, secrets: tuple[str, ...]) -> Any:
    """One snapshot of the secrets for a whole body (a listing has thousands of strings)."""
    if key is not None and _SECRET_KEY.search(key) and isinstance(value, (str, int)):
        return MASK
    if isinstance(value, dict):
        return {_scrubbed(str(k), secrets): _data(v, str(k), secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_data(v, None, secrets) for v in value]
    if isinstance(value, str):
        return _scrubbed(value, secrets)
    return value
