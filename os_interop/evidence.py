"""Every HTTP exchange of a run, recorded redacted, so each observation can be justified.

The recorder hooks the requests.Session under the keystoneauth session, so it sees
authentication, discovery and API calls alike. Records go to one JSONL file per
cloud and worker; results.py merges them into <cloud>/evidence.jsonl.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import requests

from os_interop.redaction import Redactor

BODY_LIMIT = 16 * 1024
KEPT_HEADERS = frozenset(h.lower() for h in (
    "Content-Type", "Location", "OpenStack-API-Version", "X-OpenStack-Nova-API-Version",
    "OpenStack-image-import-methods", "OpenStack-image-store-ids", "X-OpenStack-Request-Id",
    "X-Compute-Request-Id", "X-Auth-Token", "X-Subject-Token", "Accept", "Content-Length",
    "Retry-After",
    "X-Osi-Replay-Of",     # set by a replay (replay.py): which recorded exchange answered
))


def is_identity_exchange(request: requests.PreparedRequest, response: requests.Response | None) -> bool:
    """A token request or answer: its body carries a live token."""
    path = (request.url or "").split("?", 1)[0].rstrip("/")
    return path.endswith("/tokens") or bool(response is not None and "X-Subject-Token" in response.headers)


def _sealed(raw: Any, content_type: str) -> dict[str, Any] | None:
    """An identity body that does not parse: we cannot know which part is the token, so only
    its shape is kept — never its text."""
    data = raw if isinstance(raw, bytes) else str(raw or "").encode("utf-8", "surrogateescape")
    if not data:
        return None
    try:
        json.loads(data)
        return None                       # parses: redacted by key and value as usual
    except ValueError:
        return {"unparsable": True, "length": len(data), "content_type": content_type or None,
                "sha256": hashlib.sha256(data).hexdigest()}


def _body(raw: Any, content_type: str, redactor: Redactor) -> Any:
    if raw is None or raw == b"" or raw == "":
        return None
    if isinstance(raw, bytes):
        if "json" not in content_type and "text" not in content_type:
            return f"<{len(raw)} bytes {content_type or 'binary'}>"
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(raw)} bytes binary>"
    if not isinstance(raw, str):
        return f"<streamed body {type(raw).__name__}>"
    if "json" in content_type or raw[:1] in "{[":
        try:
            return redactor.data(json.loads(raw))
        except ValueError:
            pass
    text = redactor.text(raw)
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"...<{len(text)} chars>"


def recorded_body(raw: Any, content_type: str, redactor: Redactor, identity: bool) -> Any:
    """A body as the evidence keeps it (replay compares requests in this form)."""
    return (identity and _sealed(raw, content_type)) or _body(raw, content_type, redactor)


class EvidenceRecorder:
    """Records exchanges as `{id, test, method, url, status, ...}` lines, redacted.

    The current test and the exchanges it used are per thread: the run's server is booted in
    a background thread (tests/conftest.py) while probes run, and each exchange belongs to
    the test of the thread that made it. A thread that never began a test records under the
    process's first one ("(authentication)")."""

    def __init__(self, path: Path, prefix: str, redactor: Redactor,
                 try_info: Callable[[], dict[str, Any] | None] | None = None) -> None:
        self.path = path
        self.try_info = try_info or (lambda: None)
        self.last: dict[str, Any] | None = None      # the latest record, for one-line explanations
        self.prefix = prefix
        self.redactor = redactor
        self._initial_test: str | None = "(authentication)"
        self._local = threading.local()
        self._count = 0
        self.token_evidence: str | None = None
        self._lock = threading.Lock()
        # (url, microversion) -> the latest GET answer, for CloudUnderTest.get's cache
        self.last_by_url: dict[tuple[str, str | None], tuple[str, requests.Response]] = {}
        self._fetching: dict[tuple[str, str | None], threading.Event] = {}
        path.parent.mkdir(parents=True, exist_ok=True)

    def attach(self, session: requests.Session) -> None:
        """Record every answer (response hook) and every try that got none (around send)."""
        session.hooks.setdefault("response", []).append(self._hook)
        send = session.send

        def recorded_send(prepared: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            started = time.perf_counter()
            try:
                return send(prepared, **kwargs)
            except requests.exceptions.RequestException as exc:
                self.redactor.add(prepared.headers.get("X-Auth-Token"))
                exc.osi_evidence_id = self._write(self._failure(  # type: ignore[attr-defined]
                    prepared.method or "?", prepared.url or "", exc,
                    round((time.perf_counter() - started) * 1000, 1)))
                raise
        session.send = recorded_send  # type: ignore[method-assign]

    @property
    def current_test(self) -> str | None:
        """The test this thread's exchanges belong to."""
        return getattr(self._local, "test", self._initial_test)

    @property
    def _used(self) -> list[str]:
        used = getattr(self._local, "used", None)
        if used is None:
            used = self._local.used = []
        return used

    def begin_test(self, test_id: str | None) -> None:
        with self._lock:
            self._local.test = test_id
            self._local.used = []

    def note_used(self, evidence_id: str) -> None:
        """A cached exchange that the current test relied on."""
        with self._lock:
            if evidence_id not in self._used:
                self._used.append(evidence_id)

    def used(self) -> list[str]:
        with self._lock:
            return list(self._used)

    @contextlib.contextmanager
    def fetching(self, key: tuple[str, str | None]) -> Iterator[None]:
        """One thread at a time asks for a cacheable URL: another asking meanwhile waits for
        that answer (then finds it in last_by_url) instead of sending the same GET again."""
        while True:
            with self._lock:
                busy = self._fetching.get(key)
                if busy is None:
                    mine = self._fetching[key] = threading.Event()
                    break
            busy.wait()
        try:
            yield
        finally:
            with self._lock:
                del self._fetching[key]
            mine.set()

    def _learn_secrets(self, response: requests.Response) -> None:
        """Every token this session saw: issued (v3 header, v2 body) or carried by a request."""
        self.redactor.add(response.headers.get("X-Subject-Token"))
        for header in ("X-Auth-Token", "X-Service-Token", "X-Subject-Token"):
            self.redactor.add(response.request.headers.get(header))
        if is_identity_exchange(response.request, response):
            try:
                self.redactor.add(json.loads(response.content)["access"]["token"]["id"])
            except (ValueError, KeyError, TypeError):
                pass

    def record_failure(self, method: str, url: str, exc: Exception,
                       elapsed_ms: float | None = None) -> str:
        """An exchange that got no answer (refused, reset, timed out) is evidence too.

        Each try is recorded as it fails; asked again about the exception keystoneauth
        raised for it, the recorder names that try's record instead of writing another."""
        # keystoneauth raises its own exception while handling the try's (its __context__)
        for cause in (exc, exc.__cause__ or exc.__context__):
            known = getattr(cause, "osi_evidence_id", None)
            if known:
                self.note_used(known)
                return known
        return self._write(self._failure(method, url, exc, elapsed_ms))

    def _failure(self, method: str, url: str, exc: Exception, elapsed_ms: float | None) -> dict[str, Any]:
        record = {"method": method, "url": self.redactor.text(url), "status": None,
                  "error": self.redactor.text(f"{exc.__class__.__name__}: {exc}")[:300]}
        if elapsed_ms is not None:
            record["elapsed_ms"] = elapsed_ms
        return record

    def _write(self, record: dict[str, Any]) -> str:
        tried = self.try_info()
        with self._lock:
            self._count += 1
            evidence_id = f"{self.prefix}-{self._count}"
            record = {"id": evidence_id, "time": round(time.time(), 3),
                      "test": self.current_test, **record, **({"try": tried} if tried else {})}
            self._used.append(evidence_id)
            self.last = record
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        return evidence_id

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        request = response.request
        streamed = bool(kwargs.get("stream"))
        started = time.perf_counter()
        content = None if streamed else response.content    # the body, read now: time it too
        body_ms = (time.perf_counter() - started) * 1000
        self._learn_secrets(response)
        r = self.redactor
        req_type = request.headers.get("Content-Type", "")
        resp_type = response.headers.get("Content-Type", "")
        identity = is_identity_exchange(request, response)
        record = {
            "method": request.method,
            "url": r.text(request.url or ""),
            "status": response.status_code,
            # to the full body (requests' own `elapsed` stops at the headers); streams: headers
            "elapsed_ms": round(response.elapsed.total_seconds() * 1000 + body_ms, 1),
            "request_headers": r.headers({k: v for k, v in request.headers.items()
                                          if k.lower() in KEPT_HEADERS}),
            "request_body": recorded_body(request.body, req_type, r, identity),
            "response_headers": r.headers({k: v for k, v in response.headers.items()
                                           if k.lower() in KEPT_HEADERS}),
            "response_body": None if streamed else recorded_body(content, resp_type, r, identity),
        }
        if streamed:
            record["streamed"] = True
        evidence_id = self._write(record)
        with self._lock:
            if request.method == "POST" and response.ok and (request.url or "").rstrip("/").endswith("tokens"):
                self.token_evidence = evidence_id     # the catalog every probe reads came here
            if request.method == "GET":
                key = (request.url, request.headers.get("OpenStack-API-Version"))
                self.last_by_url[key] = (evidence_id, response)
        response.osi_evidence_id = evidence_id  # type: ignore[attr-defined]
        return response
