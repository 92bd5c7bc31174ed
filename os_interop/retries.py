"""Honest retries: transient faults are retried through keystoneauth's own options, bounded.

Authentication, version discovery and GETs are safe to repeat: they get keystoneauth's
`connect_retries` and `status_code_retries` (429 and 503). POST/PUT/DELETE are never
retried here — an ambiguous create is the probe's to resolve, from the journal.

keystoneauth counts connection and status retries separately and honours Retry-After
without a cap, so one `Attempt` per request adds the bounds: at most MAX_TRIES tries in
all, no retry that would start after BUDGET seconds, and none when the server asks to
wait longer than the budget left (the answer then stands as the server gave it). The
bound is kept from the response hook, before keystoneauth sleeps; the evidence keeps
every try and every header as received.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import requests
from keystoneauth1 import exceptions as ks

MAX_TRIES = 3
BUDGET = 30.0            # seconds from the first try's start within which a retry may start
CONNECT_DELAY = 0.5      # keystoneauth's pause before repeating a refused/reset/timed-out try
RETRIABLE_STATUS = (429, 503)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Attempt:
    """One logical request and its tries."""

    method: str
    url: str
    started: float = field(default_factory=time.monotonic)
    tries: int = 0
    codes: list[int] = field(default_factory=lambda: list(RETRIABLE_STATUS))
    last_error: Exception | None = None

    def remaining(self) -> float:
        return BUDGET - (time.monotonic() - self.started)

    def may_retry(self, wait: float = 0.0) -> bool:
        return self.tries < MAX_TRIES and self.remaining() > wait

    def stop_status_retries(self) -> None:
        # keystoneauth reads this very list before each status retry: emptying it makes the
        # current answer the final one, untouched
        self.codes.clear()


def is_authentication(method: str, url: str, kwargs: dict[str, Any]) -> bool:
    """keystoneauth's token requests (v3 auth/tokens, v2.0 tokens): they create nothing."""
    return (method.upper() == "POST" and kwargs.get("authenticated") is False
            and url.rstrip("/").endswith(("/auth/tokens", "/v2.0/tokens", "/tokens")))


class RetryPolicy:
    """Installs the bounds on one keystoneauth session; `current()` is the request in flight."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._unreachable: dict[str, Exception] | None = None

    @contextmanager
    def failing_fast(self) -> Iterator[None]:
        """While authenticating: a host that stayed unreachable through one request's tries
        is not tried again by the next (keystoneauth follows a failed discovery with the
        token request to the same host), so a dead auth_url costs one bounded request."""
        self._unreachable = {}
        try:
            yield
        finally:
            self._unreachable = None

    def current(self) -> Attempt | None:
        return getattr(self._local, "attempt", None)

    def install(self, ks_session: Any) -> None:
        """Wrap keystoneauth's request (which tries to retry) and the requests session's send
        (one call per try). Retried requests get keystoneauth's options unless the caller set them."""
        request = ks_session.request
        http = ks_session.session
        send = http.send

        def retrying_request(url: str, method: str, **kwargs: Any) -> requests.Response:
            if self.current() is not None or not (
                    method.upper() in SAFE_METHODS or is_authentication(method, url, kwargs)):
                return request(url, method, **kwargs)
            host = urlsplit(url).netloc
            if self._unreachable is not None and host in self._unreachable:
                raise self._unreachable[host]
            attempt = Attempt(method.upper(), url)
            kwargs.setdefault("connect_retries", MAX_TRIES - 1)
            kwargs.setdefault("status_code_retries", MAX_TRIES - 1)
            kwargs.setdefault("connect_retry_delay", CONNECT_DELAY)
            kwargs.setdefault("retriable_status_codes", attempt.codes)
            self._local.attempt = attempt
            try:
                return request(url, method, **kwargs)
            except ks.ConnectionError as exc:
                if self._unreachable is not None and not isinstance(exc, ks.SSLError):
                    self._unreachable[host] = exc
                raise
            finally:
                self._local.attempt = None

        def bounded_send(prepared: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            attempt = self.current()
            if attempt is None:
                return send(prepared, **kwargs)
            if attempt.tries and not attempt.may_retry() and attempt.last_error is not None:
                raise attempt.last_error       # not sent: the bound is spent; the last fault stands
            if attempt.tries and isinstance(kwargs.get("timeout"), (int, float)):
                kwargs["timeout"] = max(0.1, min(kwargs["timeout"], attempt.remaining()))
            attempt.tries += 1
            try:
                return send(prepared, **kwargs)
            except requests.exceptions.RequestException as exc:
                attempt.last_error = exc
                raise

        ks_session.request = retrying_request
        http.send = bounded_send
        http.hooks.setdefault("response", []).append(self._bound_status_retry)

    def _bound_status_retry(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        attempt = self.current()
        if attempt is None or response.status_code not in attempt.codes:
            return response
        if not attempt.may_retry(_asked_wait(response)):
            attempt.stop_status_retries()
        return response

    def describe(self) -> Callable[[], dict[str, Any] | None]:
        """For the evidence: which try of a retried request an exchange was."""
        def info() -> dict[str, Any] | None:
            attempt = self.current()
            return {"try": attempt.tries, "of": MAX_TRIES} if attempt else None
        return info


def _asked_wait(response: requests.Response) -> float:
    """Seconds the server asked us to wait (Retry-After as delta-seconds; keystoneauth
    reads only that form), else keystoneauth's own first back-off."""
    value = response.headers.get("Retry-After")
    try:
        return float(int(value)) if value else 0.5
    except ValueError:
        return 0.5
