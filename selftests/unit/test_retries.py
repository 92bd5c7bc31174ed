"""Retries go through keystoneauth's own options, stay bounded, and leave every try in the
evidence; creates are never retried; a connection made with admin roles says so."""

import json
import time

import pytest
import requests
import requests_mock
import yaml
from keystoneauth1 import session as ks_session

from os_interop import retries
from os_interop.errors import CloudMisconfigured, CloudUnavailable
from os_interop.evidence import EvidenceRecorder
from os_interop.redaction import Redactor

URL = "http://127.0.0.1:9/v2/images"


@pytest.fixture
def wired(tmp_path):
    """A keystoneauth session with the evidence recorder inside and the retry bounds outside,
    as session.CloudConnection wires them."""
    session = ks_session.Session(timeout=5)
    policy = retries.RetryPolicy()
    recorder = EvidenceRecorder(tmp_path / "e.jsonl", "w", Redactor(), policy.describe())
    with requests_mock.Mocker(session=session.session) as mock:   # replaces send: wire after it
        recorder.attach(session.session)
        policy.install(session)
        yield session, recorder, mock


def records(recorder):
    return [json.loads(line) for line in recorder.path.read_text().splitlines()]


def test_a_503_then_200_get_is_retried_and_both_tries_are_evidence(wired):
    session, recorder, mock = wired
    mock.get(URL, [{"status_code": 503, "headers": {"Retry-After": "0"}}, {"status_code": 200, "json": {}}])
    assert session.get(URL, authenticated=False, raise_exc=False).status_code == 200
    got = records(recorder)
    assert [(r["status"], r["try"]) for r in got] == [(503, {"try": 1, "of": 3}), (200, {"try": 2, "of": 3})]
    assert got[0]["response_headers"]["Retry-After"] == "0"


def test_a_persistent_503_stops_after_three_tries_and_the_answer_stands(wired):
    session, recorder, mock = wired
    mock.get(URL, status_code=503, headers={"Retry-After": "0"})
    assert session.get(URL, authenticated=False, raise_exc=False).status_code == 503
    assert mock.call_count == retries.MAX_TRIES == 3


def test_connection_failures_and_503s_together_stay_within_three_tries(wired):
    session, recorder, mock = wired
    mock.get(URL, [{"status_code": 503, "headers": {"Retry-After": "0"}},
                   {"exc": requests.exceptions.ConnectionError("reset by peer")},
                   {"exc": requests.exceptions.ConnectionError("reset by peer")},
                   {"status_code": 200}])
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        session.get(URL, authenticated=False)
    assert mock.call_count == 3 and "reset by peer" in str(caught.value)
    assert time.monotonic() - started < 3        # the refused 4th and 5th tries are never sent
    got = records(recorder)
    assert [r["status"] for r in got] == [503, None, None] and [r["try"]["try"] for r in got] == [1, 2, 3]
    # cloud.answer asks the recorder about keystoneauth's exception: it names the last try's record
    assert recorder.record_failure("GET", URL, caught.value) == got[-1]["id"]
    assert len(records(recorder)) == 3


def test_a_retry_after_beyond_the_budget_is_not_waited_for_nor_cut_short(wired):
    session, recorder, mock = wired
    mock.get(URL, [{"status_code": 429, "headers": {"Retry-After": "3600"}}, {"status_code": 200}])
    started = time.monotonic()
    assert session.get(URL, authenticated=False, raise_exc=False).status_code == 429
    assert time.monotonic() - started < 2 and mock.call_count == 1
    assert records(recorder)[0]["response_headers"]["Retry-After"] == "3600"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_non_idempotent_calls_are_never_retried(wired, method):
    session, recorder, mock = wired
    mock.register_uri(method, URL, [{"status_code": 503}, {"status_code": 201}])
    assert session.request(URL, method, authenticated=False, raise_exc=False).status_code == 503
    assert mock.call_count == 1 and "try" not in records(recorder)[0]


def test_the_token_request_is_retried(wired):
    session, recorder, mock = wired
    tokens = "http://127.0.0.1:9/v3/auth/tokens"
    mock.post(tokens, [{"exc": requests.exceptions.ConnectionError("refused")},
                       {"status_code": 201, "json": {"token": {}}, "headers": {"X-Subject-Token": "tok-1234"}}])
    assert session.post(tokens, json={}, authenticated=False).status_code == 201
    assert [r["status"] for r in records(recorder)] == [None, 201]


def test_a_retry_never_starts_after_the_budget(wired, monkeypatch):
    session, recorder, mock = wired
    monkeypatch.setattr(retries, "BUDGET", 0.0)
    mock.get(URL, [{"status_code": 503, "headers": {"Retry-After": "0"}}, {"status_code": 200}])
    assert session.get(URL, authenticated=False, raise_exc=False).status_code == 503
    assert mock.call_count == 1


# -- the connection: exit codes, one-line messages, admin warning ---------------------------
IDENTITY = "http://127.0.0.1:9/identity"


def _cloud(tmp_path, monkeypatch):
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"c": {"auth": {
        "auth_url": IDENTITY + "/v3", "username": "u", "password": "secret-pw", "project_name": "p",
        "user_domain_name": "Default", "project_domain_name": "Default"}}}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    for name in ("OS_CLOUD", "OS_AUTH_URL", "OS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def _v3(mock, token_answers):
    mock.get(IDENTITY + "/v3", json={"version": {"id": "v3.14", "status": "stable", "links": [
        {"rel": "self", "href": IDENTITY + "/v3/"}]}})
    mock.post(IDENTITY + "/v3/auth/tokens", token_answers)


def _token(roles):
    return {"status_code": 201, "headers": {"X-Subject-Token": "subject-token-abcdef"}, "json": {"token": {
        "methods": ["password"], "expires_at": "2099-01-01T00:00:00Z", "catalog": [],
        "user": {"id": "u1", "name": "u", "domain": {"id": "default", "name": "Default"}},
        "project": {"id": "p1", "name": "p", "domain": {"id": "default", "name": "Default"}},
        "roles": [{"id": str(i), "name": r} for i, r in enumerate(roles)]}}}


def test_a_503_during_authentication_is_retried_and_a_member_gets_no_warning(tmp_path, monkeypatch):
    from os_interop.session import CloudConnection
    _cloud(tmp_path, monkeypatch)
    with requests_mock.Mocker() as mock:
        _v3(mock, [{"status_code": 503, "headers": {"Retry-After": "0"}}, _token(["member", "reader"])])
        conn = CloudConnection("c", tmp_path / "e.jsonl", "w")
    assert conn.warnings == []
    statuses = [r["status"] for r in records(conn.recorder)]
    assert statuses == [200, 503, 201]


def test_admin_credentials_bring_a_warning_line(tmp_path, monkeypatch):
    from os_interop.session import CloudConnection
    _cloud(tmp_path, monkeypatch)
    with requests_mock.Mocker() as mock:
        _v3(mock, [_token(["admin", "member"])])
        conn = CloudConnection("c", tmp_path / "e.jsonl", "w")
    assert len(conn.warnings) == 1
    assert "admin" in conn.warnings[0] and "differ from what a member sees" in conn.warnings[0]


@pytest.mark.parametrize("answer, kind, words", [
    ({"status_code": 401, "json": {"error": {"code": 401}}}, CloudMisconfigured, "authentication failed (401)"),
    ({"status_code": 503, "headers": {"Retry-After": "0"}}, CloudUnavailable, "HTTP 503 from POST"),
    ({"exc": requests.exceptions.ConnectTimeout("timed out")}, CloudUnavailable, "timed out after"),
    ({"exc": requests.exceptions.ConnectionError("Connection refused")}, CloudUnavailable, "refused the connection"),
])
def test_why_authentication_failed_is_one_line_with_whose_to_fix(tmp_path, monkeypatch, answer, kind, words):
    from os_interop.session import CloudConnection
    _cloud(tmp_path, monkeypatch)
    with requests_mock.Mocker() as mock, pytest.raises(CloudUnavailable) as caught:
        _v3(mock, [answer])
        CloudConnection("c", tmp_path / "e.jsonl", "w")
    assert type(caught.value) is kind and words in str(caught.value), str(caught.value)
    assert "\n" not in str(caught.value) and "secret-pw" not in str(caught.value)
    assert caught.value.exit_code == (2 if kind is CloudMisconfigured else 1)


def test_an_auth_url_that_stays_unreachable_costs_one_bounded_request(tmp_path, monkeypatch):
    """keystoneauth follows a failed discovery with the token request to the same host; while
    authenticating, that host is not tried again."""
    from os_interop.session import CloudConnection
    _cloud(tmp_path, monkeypatch)
    with requests_mock.Mocker() as mock, pytest.raises(CloudUnavailable) as caught:
        mock.get(IDENTITY + "/v3", exc=requests.exceptions.ConnectionError("Connection refused"))
        token = mock.post(IDENTITY + "/v3/auth/tokens", **_token(["member"]))
        CloudConnection("c", tmp_path / "e.jsonl", "w")
    assert token.call_count == 0 and mock.call_count == 3
    assert "refused the connection (3 tries)" in str(caught.value)
