"""Every HTTP exchange of a run, recorded redacted, so each observation can be justified.

The recorder hooks the requests.Session under the keystoneauth session, so it sees
authentication, discovery and API calls alike. Records go to one JSONL file per
cloud and worker; results.py merges them into <cloud>/evidence.jsonl.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import requests

from os_interop.redaction import Redactor

BODY_LIMIT = 16 * 1024
KEPT_HEADERS = frozenset(h.lower() for h in (
    "Content-Type", "Location", "OpenStack-API-Version", "X-OpenStack-Nova-API-Version",
    "OpenStack-image-import-methods", "OpenStack-image-store-ids", "X-OpenStack-Request-Id",
    "X-Compute-Request-Id", "X-Auth-Token", "X-Subject-Token", "Accept", "Content-Length",
))


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


class EvidenceRecorder:
    """Records exchanges as `{id, test, method, url, status, ...}` lines, redacted."""

    def __init__(self, path: Path, prefix: str, redactor: Redactor) -> None:
        self.path = path
        self.prefix = prefix
        self.redactor = redactor
        self.current_test: str | None = "(authentication)"
        self._used: list[str] = []
        self._count = 0
        self.token_evidence: str | None = None
        self._lock = threading.Lock()
        # (url, microversion) -> the latest GET answer, for CloudUnderTest.get's cache
        self.last_by_url: dict[tuple[str, str | None], tuple[str, requests.Response]] = {}
        path.parent.mkdir(parents=True, exist_ok=True)

    def attach(self, session: requests.Session) -> None:
        session.hooks.setdefault("response", []).append(self._hook)

    def begin_test(self, test_id: str | None) -> None:
        with self._lock:
            self.current_test = test_id
            self._used = []

    def note_used(self, evidence_id: str) -> None:
        """A cached exchange that the current test relied on."""
        with self._lock:
            if evidence_id not in self._used:
                self._used.append(evidence_id)

    def used(self) -> list[str]:
        with self._lock:
            return list(self._used)

    def _learn_secrets(self, response: requests.Response) -> None:
        self.redactor.add(response.headers.get("X-Subject-Token"))
        self.redactor.add(response.request.headers.get("X-Auth-Token"))
        if "tokens" in response.url and "json" in response.headers.get("Content-Type", ""):
            try:
                self.redactor.add(response.json()["access"]["token"]["id"])
            except (ValueError, KeyError, TypeError):
                pass

    def record_failure(self, method: str, url: str, exc: Exception) -> str:
        """An exchange that got no answer (refused, reset, timed out) is evidence too."""
        with self._lock:
            self._count += 1
            evidence_id = f"{self.prefix}-{self._count}"
            record = {"id": evidence_id, "time": round(time.time(), 3), "test": self.current_test,
                      "method": method, "url": self.redactor.text(url), "status": None,
                      "error": self.redactor.text(f"{exc.__class__.__name__}: {exc}")[:300]}
            self._used.append(evidence_id)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        return evidence_id

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self._learn_secrets(response)
        request = response.request
        r = self.redactor
        req_type = request.headers.get("Content-Type", "")
        record = {
            "method": request.method,
            "url": r.text(request.url or ""),
            "status": response.status_code,
            "elapsed_ms": round(response.elapsed.total_seconds() * 1000, 1),
            "request_headers": r.headers({k: v for k, v in request.headers.items()
                                          if k.lower() in KEPT_HEADERS}),
            "request_body": _body(request.body, req_type, r),
            "response_headers": r.headers({k: v for k, v in response.headers.items()
                                           if k.lower() in KEPT_HEADERS}),
            "response_body": None if kwargs.get("stream") else _body(
                response.content, response.headers.get("Content-Type", ""), r),
        }
        with self._lock:
            self._count += 1
            evidence_id = f"{self.prefix}-{self._count}"
            record = {"id": evidence_id, "time": round(time.time(), 3),
                      "test": self.current_test, **record}
            self._used.append(evidence_id)
            if request.method == "POST" and response.ok and (request.url or "").rstrip("/").endswith("tokens"):
                self.token_evidence = evidence_id     # the catalog every probe reads came here
            if request.method == "GET":
                key = (request.url, request.headers.get("OpenStack-API-Version"))
                self.last_by_url[key] = (evidence_id, response)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        response.osi_evidence_id = evidence_id  # type: ignore[attr-defined]
        return response
