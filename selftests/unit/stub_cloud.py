"""The one stand-in for CloudUnderTest that unit tests use.

Probes and flows run on CloudUnderTest's own HTTP and read path — a keystoneauth session, the
evidence recorder and its GET cache, answers.py, the journal and its cleanup requester — over
requests-mock. Only what needs a real cloud is stubbed: the catalog (endpoint()), the project
and the run id.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests
import requests_mock
from keystoneauth1 import exceptions as ks
from keystoneauth1 import session as ks_session

from os_interop.cloud import CloudUnderTest
from os_interop.evidence import EvidenceRecorder
from os_interop.journal import Journal, read_journals
from os_interop.memo import Memo
from os_interop.redaction import Redactor


class StubCloud:
    """CloudUnderTest with a catalog of `endpoints` (service type -> URL) and its evidence and
    journal files in `directory`; `mock` serves every request."""

    unversioned = staticmethod(CloudUnderTest.unversioned)
    request = CloudUnderTest.request
    get = CloudUnderTest.get
    already_read = CloudUnderTest.already_read
    answer = CloudUnderTest.answer
    post = CloudUnderTest.post
    put = CloudUnderTest.put
    delete = CloudUnderTest.delete
    remember = CloudUnderTest.remember
    json = CloudUnderTest.json
    raw_requester = CloudUnderTest.raw_requester

    def __init__(self, endpoints: dict[str, str], directory: Path, project_id: str = "p1",
                 run_id: str = "r1", answer_window: float = 30.0) -> None:
        raw = requests.Session()
        self.mock = requests_mock.Adapter()
        raw.mount("http://", self.mock)
        self.evidence = directory / "evidence.jsonl"
        recorder = EvidenceRecorder(self.evidence, "t", Redactor())
        recorder.attach(raw)
        self.session = ks_session.Session(session=raw)
        # polling reads its timeouts from clouds.yaml: none are set, so the defaults apply
        self.conn = SimpleNamespace(recorder=recorder, connection=SimpleNamespace(
            config=SimpleNamespace(config={})))
        self.name, self.project_id, self.run_id, self.memo = "stub", project_id, run_id, Memo()
        self.endpoints_by_type = dict(endpoints)
        self.resources = Journal(directory / "journal.jsonl", run_id, self.raw_requester(), answer_window)

    def endpoint(self, service_type: str, interface: str | None = None) -> str | None:
        return self.endpoints_by_type.get(service_type)

    def forget(self) -> None:
        """Drop the GET cache, as a test does that makes the cloud answer a URL differently."""
        self.conn.recorder.last_by_url.clear()

    def recorded(self) -> dict[str, dict[str, Any]]:
        """The evidence written so far, by id."""
        records = (json.loads(line) for line in self.evidence.read_text().splitlines())
        return {record["id"]: record for record in records}

    def journaled(self) -> list[tuple[str, str]]:
        """(kind, state) of every resource, as the journal file has it."""
        return [(entry.kind, entry.state) for entry in read_journals([self.resources.path])]


# answers no probe may read as a value: each must end as answers.Unknown
UNREADABLE = [
    {"status_code": 500, "json": {"NeutronError": {"message": "boom"}}},
    {"status_code": 503, "headers": {"Retry-After": "3"}},
    {"status_code": 429},
    {"status_code": 401},
    {"status_code": 200, "text": "{\"extensions\": [trunc"},
    {"status_code": 200, "json": {"something": []}},
    {"exc": ks.ConnectTimeout},
]


def serve_public_images(mock: requests_mock.Adapter, image_root: str, images: list[dict[str, Any]],
                        **second: Any) -> None:
    """glance's public listing as the probes read it: a one-image first page whose next link
    (relative to the service root, as glance writes it) asks for the rest; `second` replaces
    the second page's answer (requests-mock's keywords, e.g. status_code=503)."""
    marker = images[0].get("id", "m") if images else None
    first: dict[str, Any] = {"images": images[:1]}
    if marker:
        first["next"] = f"/v2/images?visibility=public&limit=1&marker={marker}"
    mock.register_uri("GET", f"{image_root}/v2/images?visibility=public&limit=1", json=first)
    mock.register_uri("GET", f"{image_root}/v2/images?visibility=public&marker={marker}&limit=100",
                      **(second or {"json": {"images": images[1:]}}))
