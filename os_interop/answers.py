"""Reading a cloud's answer three ways: a value, absent, or unknown.

This is the one place where an HTTP answer is interpreted. A probe says which statuses it
can read (`expect`); anything else — a 5xx, a 429 that outlived the retries, a 401/403 a
member should not get, a reset, a timeout, a body that does not parse — is *unknown* and
raises :class:`Unknown`, which makes the capability `error` with the exchange's evidence id.
Unknown is never turned into a value, a default or a profile key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import requests

JSON = "json"    # the status carries a JSON body the probe reads
EMPTY = None     # the status is read as a fact; the body does not matter

# The usual readings: a listing or document that must be there, or may be absent (404).
DOCUMENT: Mapping[int, str | None] = {200: JSON}
MAYBE: Mapping[int, str | None] = {200: JSON, 404: EMPTY}


class Unknown(Exception):
    """An answer that cannot be interpreted; the capability that needed it is `error`."""

    def __init__(self, what: str, evidence_id: str | None = None) -> None:
        self.what = what
        self.evidence_id = evidence_id
        super().__init__(f"{what} [evidence {evidence_id}]" if evidence_id else what)


class NoAnswer(Unknown):
    """No answer arrived at all (reset, timeout): the cloud may still be acting on the request."""


@dataclass(frozen=True)
class Answer:
    """An answer that was read: its status, its parsed body (JSON statuses), its evidence."""

    status: int
    body: Any
    evidence_id: str | None
    response: requests.Response

    @property
    def absent(self) -> bool:
        """The cloud said "not here" (a 404, or whatever the caller listed as absence)."""
        return self.status == 404


def evidence_of(response: requests.Response) -> str | None:
    return getattr(response, "osi_evidence_id", None)


def _summary(response: requests.Response) -> str:
    """A short, secret-free reason: the fault message of an OpenStack error body if any."""
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"][:160]
        if isinstance(body.get("message"), str):
            return body["message"][:160]
    return ""


def interpret(method: str, url: str, response: requests.Response,
              expect: Mapping[int, str | None]) -> Answer:
    """Read `response` as `expect` says, or raise Unknown naming the exchange."""
    evidence_id = evidence_of(response)
    status = response.status_code
    where = f"{method} {url}"
    if status not in expect:
        retry = response.headers.get("Retry-After")
        detail = _summary(response)
        extra = f" (Retry-After {retry})" if status in (429, 503) and retry else ""
        raise Unknown(f"{where} answered HTTP {status}{extra}"
                      f"{': ' + detail if detail else ''}", evidence_id)
    body: Any = None
    if expect[status] == JSON:
        try:
            body = response.json()
        except (ValueError, requests.exceptions.RequestException):
            raise Unknown(f"{where} answered HTTP {status} with a body that is not JSON "
                          f"({len(response.content or b'')} bytes)", evidence_id) from None
    return Answer(status, body, evidence_id, response)


def field(answer: Answer, *path: str) -> Any:
    """A nested member of a JSON body, or Unknown when the body does not have that shape."""
    value = answer.body
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise Unknown(f"HTTP {answer.status} answer has no {'.'.join(path)!r}",
                          answer.evidence_id)
        value = value[key]
    return value


def items(answer: Answer, *path: str) -> list[dict[str, Any]]:
    """A listing's members (``items(answer, "images")``), or Unknown when the member is not a
    list of JSON objects: a truncated or foreign body is never read as "no items"."""
    value = field(answer, *path)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Unknown(f"HTTP {answer.status} answer: {'.'.join(path)!r} is not a list of objects",
                      answer.evidence_id)
    return value
