"""The replay transport: answers from evidence per (method, URL) in order, never the network."""

import json
import socket

import pytest
import requests

from os_interop import replay
from os_interop.redaction import Redactor


def _record(i, method, url, status=200, body=None, request_body=None, **extra):
    return {"id": f"main-{i}", "method": method, "url": url, "status": status,
            "request_body": request_body, "response_body": body,
            "response_headers": {"Content-Type": "application/json"}, **extra}


@pytest.fixture
def session(tmp_path, monkeypatch):
    records = [
        _record(1, "GET", "http://127.0.0.1:9/a", body={"n": 1}),
        _record(2, "POST", "http://127.0.0.1:9/b", status=201, body={"ok": True}, request_body={"name": "x"}),
        _record(3, "GET", "http://127.0.0.1:9/a", body={"n": 2}),
        _record(4, "GET", "http://127.0.0.1:9/slow", status=None, error="ReadTimeout: read timed out"),
        _record(5, "GET", "http://127.0.0.1:9/blob", body="<12 bytes application/octet-stream>"),
        _record(7, "GET", "http://127.0.0.1:9/cut", status=None,
                error="ChunkedEncodingError: ('Connection broken: IncompleteRead(9 bytes read)',)"),
        {**_record(6, "POST", "http://127.0.0.1:9/v3/auth/tokens", status=201,
                   body={"token": {"expires_at": "2000-01-01T00:00:00.000000Z"}}),
         "response_headers": {"Content-Type": "application/json", "X-Subject-Token": "***"}},
    ]
    (tmp_path / "evidence.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    def no_network(*args, **kwargs):
        raise AssertionError("replay opened a socket")
    monkeypatch.setattr(socket.socket, "connect", no_network)
    s = requests.Session()
    s.mount("http://", replay.ReplayAdapter(replay.Exchanges(tmp_path), Redactor()))
    s.log = lambda: replay.read_log(tmp_path)
    return s


def test_same_url_is_answered_in_recorded_order(session):
    assert session.get("http://127.0.0.1:9/a").json() == {"n": 1}
    assert session.get("http://127.0.0.1:9/a").json() == {"n": 2}


def test_a_request_not_in_the_evidence_fails_without_network(session):
    session.get("http://127.0.0.1:9/a")
    session.get("http://127.0.0.1:9/a")
    with pytest.raises(requests.ConnectionError, match="call 3"):
        session.get("http://127.0.0.1:9/a")
    with pytest.raises(requests.ConnectionError, match="not in the evidence"):
        session.get("http://127.0.0.1:9/never")
    missing = [e for e in session.log() if e["event"] == "missing"]
    assert [(e["url"], e["nth"]) for e in missing] == [("http://127.0.0.1:9/a", 3), ("http://127.0.0.1:9/never", 1)]


def test_request_body_difference_is_logged_with_the_record_id(session):
    assert session.post("http://127.0.0.1:9/b", json={"name": "y"}).status_code == 201
    assert {"event": "request_body", "id": "main-2", "method": "POST",
            "url": "http://127.0.0.1:9/b"} in session.log()


def test_a_recorded_wire_failure_is_raised_again_as_the_same_class(session):
    """keystoneauth retries some classes and not others: the class decides what comes next."""
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.get("http://127.0.0.1:9/slow")
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        session.get("http://127.0.0.1:9/cut")


def test_a_body_kept_only_as_summary_is_said_so(session):
    assert session.get("http://127.0.0.1:9/blob").content == b""
    assert any(e["event"] == "not_stored" and e["id"] == "main-5" for e in session.log())


def test_a_replayed_token_does_not_expire(session):
    answer = session.post("http://127.0.0.1:9/v3/auth/tokens", json={})
    assert answer.json()["token"]["expires_at"] == replay.FAR_FUTURE
    assert answer.headers[replay.REPLAY_OF] == "main-6"


def test_a_wait_that_timed_out_when_recorded_ends_where_its_evidence_ends(tmp_path, monkeypatch):
    """The recorded run polled twice, then its deadline passed: the replay polls twice and
    reports the same timeout, without sleeping and without asking a third time."""
    from os_interop.flows.polling import wait_for
    url = "http://127.0.0.1:9/servers/1"
    (tmp_path / "evidence.jsonl").write_text("".join(
        json.dumps(_record(i, "GET", url, body={"status": "BUILD"})) + "\n" for i in (1, 2)))
    monkeypatch.setenv(replay.ENV, str(tmp_path))
    s = requests.Session()
    s.mount("http://", replay.ReplayAdapter(replay.Exchanges(tmp_path), Redactor()))
    monkeypatch.setattr("time.sleep", lambda seconds: pytest.fail("a replay slept"))
    ok, last = wait_for(lambda: s.get(url).json(), lambda b: b["status"] == "ACTIVE", timeout=600)
    assert (ok, last) == (False, {"status": "BUILD"})
    assert [e["event"] for e in replay.read_log(tmp_path)] == ["answered", "answered"]
