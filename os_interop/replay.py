"""Replay: the probes run again with a bundle's recorded exchanges as their only cloud.

A requests transport adapter, mounted under the keystoneauth session for http:// and
https://, answers each request from the evidence: the next unused record of the same
(method, URL), in recorded order per (method, URL), so probes running concurrently (the
background boot) replay as they ran. A request the evidence does not hold is a replay
failure and gets a connection error, never the network. What happened is logged to
replay-log.jsonl beside the evidence, for `verify` to judge.

Where the recorder kept only a summary of a body (binary, truncated, streamed, an identity
answer that did not parse), the probe gets an empty body and the log says so.
"""

from __future__ import annotations

import collections
import datetime
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from os_interop.evidence import is_identity_exchange, recorded_body
from os_interop.redaction import Redactor

ENV = "OS_INTEROP_REPLAY"          # the directory holding the bundle's evidence.jsonl
LOG = "replay-log.jsonl"
REPLAY_OF = "X-Osi-Replay-Of"      # response header naming the record that answered
FAR_FUTURE = "2999-12-31T23:59:59.000000Z"
_SUMMARY = re.compile(r"^<(\d+ bytes .*|streamed body .*)>$")


def activate(directory: str | Path) -> None:
    """Make every cloud connection of this process (and its workers) replay from `directory`."""
    os.environ[ENV] = str(Path(directory).resolve())


def not_stored(body: Any) -> str | None:
    """Why a recorded body cannot be given back, or None when it can."""
    if isinstance(body, dict) and body.get("unparsable") and "sha256" in body:
        return f"an identity answer that did not parse, kept as length and sha256 only ({body['sha256'][:12]}…)"
    if isinstance(body, str) and _SUMMARY.match(body):
        return f"kept as a summary ({body})"
    if isinstance(body, str) and re.search(r"\.\.\.<\d+ chars>$", body):
        return "truncated at 16 KiB"
    return None


class Exchanges:
    """The recorded exchanges, as one queue per (method, URL); shared by a process's sessions."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.queues: dict[tuple[str, str], collections.deque] = collections.defaultdict(collections.deque)
        self.asked: collections.Counter = collections.Counter()
        self.lock = threading.Lock()
        with open(directory / "evidence.jsonl", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    self.queues[(record["method"], record["url"])].append(record)

    def take(self, method: str, url: str) -> tuple[dict[str, Any] | None, int]:
        with self.lock:
            self.asked[(method, url)] += 1
            queue = self.queues.get((method, url))
            record = queue.popleft() if queue else None
            _THREAD.ran_out = not queue
            return record, self.asked[(method, url)]

    def log(self, event: dict[str, Any]) -> None:
        with self.lock, open(self.directory / LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(event, sort_keys=True) + "\n")


_EXCHANGES: dict[Path, Exchanges] = {}
_THREAD = threading.local()      # ran_out: this thread's last request took its (method, URL)'s last record


def active() -> bool:
    return bool(os.environ.get(ENV))


def ran_out() -> bool:
    """In a replay, did this thread's last request use the last recorded answer for its
    method and URL? A poll that is not done then timed out in the recorded run: asking again
    can only miss. Always False outside a replay."""
    return active() and getattr(_THREAD, "ran_out", False)


def _fresh_token(body: Any) -> Any:
    """A recorded token has long expired; keystoneauth would authenticate again, which the
    evidence does not hold. The replayed answer's expiry is moved, nothing else."""
    if isinstance(body, dict):
        token = body.get("token") if isinstance(body.get("token"), dict) else None
        if token and "expires_at" in token:
            return dict(body, token=dict(token, expires_at=FAR_FUTURE))
        access = body.get("access") if isinstance(body.get("access"), dict) else None
        if access and isinstance(access.get("token"), dict) and "expires" in access["token"]:
            return dict(body, access=dict(access, token=dict(access["token"], expires=FAR_FUTURE)))
    return body


def _failure(record: dict[str, Any], request: requests.PreparedRequest) -> Exception:
    error = str(record.get("error") or "")
    kind = error.split(":", 1)[0]
    cls = getattr(requests.exceptions, kind, None)     # the recorder wrote the class's name
    if not (isinstance(cls, type) and issubclass(cls, requests.exceptions.RequestException)):
        cls = requests.exceptions.ConnectionError
    return cls(error.split(":", 1)[-1].strip() or "connection failed", request=request)


class ReplayAdapter(BaseAdapter):
    """Answers from the evidence; never opens a socket."""

    def __init__(self, exchanges: Exchanges, redactor: Redactor) -> None:
        super().__init__()
        self.exchanges = exchanges
        self.redactor = redactor

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        method, url = request.method or "GET", self.redactor.text(request.url or "")
        record, nth = self.exchanges.take(method, url)
        if record is None:
            self.exchanges.log({"event": "missing", "method": method, "url": url, "nth": nth})
            raise requests.exceptions.ConnectionError(
                f"replay: {method} {url} (call {nth}) is not in the evidence", request=request)
        recorded_headers = record.get("response_headers") or {}
        identity = is_identity_exchange(request, None) or "X-Subject-Token" in recorded_headers
        sent = recorded_body(request.body, request.headers.get("Content-Type", ""), self.redactor, identity)
        if sent != record.get("request_body"):
            self.exchanges.log({"event": "request_body", "id": record["id"], "method": method, "url": url})
        self.exchanges.log({"event": "answered", "id": record["id"]})
        if record.get("status") is None:
            raise _failure(record, request)
        body = record.get("response_body")
        why = not_stored(body)
        if why:
            self.exchanges.log({"event": "not_stored", "id": record["id"], "why": why})
        return self._response(request, record, b"" if why else _content(_fresh_token(body) if identity else body))

    @staticmethod
    def _response(request: requests.PreparedRequest, record: dict[str, Any], content: bytes) -> requests.Response:
        response = requests.Response()
        response.status_code = int(record["status"])
        response.headers = CaseInsensitiveDict(record.get("response_headers") or {})
        response.headers[REPLAY_OF] = record["id"]
        response.headers["Content-Length"] = str(len(content))
        response._content = content           # noqa: SLF001 (the documented way to preset a body)
        response._content_consumed = True     # noqa: SLF001
        response.url = request.url or ""
        response.request = request
        response.reason = "replayed"
        response.encoding = "utf-8"
        response.elapsed = datetime.timedelta(milliseconds=float(record.get("elapsed_ms") or 0))
        return response

    def close(self) -> None:
        pass


def _content(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def install(session: requests.Session, redactor: Redactor) -> None:
    """In a replay (ENV set), answer this session from the evidence; otherwise do nothing."""
    directory = os.environ.get(ENV)
    if not directory:
        return
    path = Path(directory)
    if path not in _EXCHANGES:
        _EXCHANGES[path] = Exchanges(path)
    adapter = ReplayAdapter(_EXCHANGES[path], redactor)
    for prefix in ("http://", "https://"):
        session.mount(prefix, adapter)


def read_log(directory: Path) -> list[dict[str, Any]]:
    path = directory / LOG
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
