"""Secrets never reach evidence: by header name, by JSON key, and by value wherever it appears."""

import json
import time

import requests
import requests_mock

from os_interop.evidence import EvidenceRecorder
from os_interop.redaction import MASK, Redactor

TOKEN = "gAAAAABsecret-token-value-123"
PASSWORD = "pa55-w0rd-never-written"


def test_redactor_masks_names_keys_and_known_values():
    r = Redactor([PASSWORD])
    assert r.headers({"X-Auth-Token": "t", "Accept": "x"}) == {"X-Auth-Token": MASK, "Accept": "x"}
    data = r.data({"auth": {"identity": {"password": {"user": {"name": "u", "password": "p"}}}},
                   "application_credential": {"secret": "s"}, "note": f"was {PASSWORD}"})
    text = json.dumps(data)
    assert '"p"' not in text and '"s"' not in text and PASSWORD not in text and '"u"' in text


def test_a_secret_learned_later_is_scrubbed_from_then_on_and_the_longest_first():
    """The redactor keeps its secrets ordered once per new secret, not per string it scrubs."""
    r = Redactor([PASSWORD])
    assert r.text(f"{TOKEN} {PASSWORD}") == f"{TOKEN} {MASK}"
    r.add(TOKEN)
    r.add(TOKEN[:12])          # a prefix of the token: the whole token goes first
    assert r.text(f"{TOKEN} {PASSWORD}") == f"{MASK} {MASK}"
    assert r.data({"links": [{"href": f"/x?t={TOKEN}"}], TOKEN[:12]: 1}) == {"links": [{"href": f"/x?t={MASK}"}], MASK: 1}


def test_recorder_learns_tokens_and_scrubs_them_everywhere(tmp_path):
    redactor = Redactor([PASSWORD])
    recorder = EvidenceRecorder(tmp_path / "e.jsonl", "w", redactor)
    session = requests.Session()
    recorder.attach(session)
    with requests_mock.Mocker(session=session) as m:
        m.post("http://127.0.0.1/v3/auth/tokens", status_code=201,
               headers={"X-Subject-Token": TOKEN, "Content-Type": "application/json"},
               json={"token": {"catalog": []}})
        m.get("http://127.0.0.1/echo", json={"seen": f"token {TOKEN}"},
              headers={"Content-Type": "application/json"})
        session.post("http://127.0.0.1/v3/auth/tokens", json={"auth": {"identity": {
            "password": {"user": {"name": "demo", "password": PASSWORD}}}}})
        session.get("http://127.0.0.1/echo", headers={"X-Auth-Token": TOKEN})
    written = (tmp_path / "e.jsonl").read_text()
    assert TOKEN not in written and PASSWORD not in written
    records = [json.loads(line) for line in written.splitlines()]
    assert [r["id"] for r in records] == ["w-1", "w-2"]
    assert records[1]["request_headers"]["X-Auth-Token"] == MASK
    assert records[1]["response_body"] == {"seen": f"token {MASK}"}
    assert records[0]["request_body"]["auth"]["identity"]["password"]["user"]["name"] == "demo"


def test_binary_bodies_are_summarised_not_written(tmp_path):
    recorder = EvidenceRecorder(tmp_path / "e.jsonl", "w", Redactor())
    session = requests.Session()
    recorder.attach(session)
    with requests_mock.Mocker(session=session) as m:
        m.put("http://127.0.0.1/v2/images/1/file", status_code=204)
        session.put("http://127.0.0.1/v2/images/1/file", data=b"\x00" * 4096,
                    headers={"Content-Type": "application/octet-stream"})
    record = json.loads((tmp_path / "e.jsonl").read_text())
    assert record["request_body"] == "<4096 bytes application/octet-stream>"


from hypothesis import given, strategies as st

secret_text = st.text(min_size=4, max_size=40).filter(lambda s: s.strip() == s and len(s) >= 4)
json_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))


@given(secret=secret_text, prefix=st.text(max_size=10), suffix=st.text(max_size=10),
       shape=st.recursive(json_leaves, lambda inner: st.one_of(
           st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
           max_leaves=8))
def test_a_known_secret_never_survives_redaction_wherever_it_hides(secret, prefix, suffix, shape):
    redactor = Redactor([secret])
    document = {"wrapper": [shape, {"note": prefix + secret + suffix}], prefix + secret: 1}
    assert not any(secret in text for text in strings(redactor.data(document)))
    assert secret not in redactor.text(f"{prefix}{secret}{suffix}")


def strings(value):
    """Every string in a JSON-like structure, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


# -- identity answers that do not parse are sealed; time runs to the full body --------------
def test_an_unparsable_v2_token_answer_is_kept_only_as_length_and_hash(tmp_path):
    import hashlib
    broken = '{"access": {"token": {"id": "' + TOKEN + '", "expires": "2099'   # truncated
    recorder = EvidenceRecorder(tmp_path / "e.jsonl", "w", Redactor([PASSWORD]))
    session = requests.Session()
    with requests_mock.Mocker(session=session) as m:
        recorder.attach(session)
        m.post("http://127.0.0.1/v2.0/tokens", text=broken, headers={"Content-Type": "application/json"})
        session.post("http://127.0.0.1/v2.0/tokens", json={"auth": {"passwordCredentials": {
            "username": "demo", "password": PASSWORD}}})
    written = (tmp_path / "e.jsonl").read_text()
    assert TOKEN not in written and PASSWORD not in written
    record = json.loads(written.splitlines()[-1])
    assert record["response_body"] == {"unparsable": True, "length": len(broken),
                                       "content_type": "application/json",
                                       "sha256": hashlib.sha256(broken.encode()).hexdigest()}
    assert record["request_body"]["auth"]["passwordCredentials"]["password"] == MASK


def test_a_v2_token_in_a_good_answer_is_scrubbed_wherever_it_appears_later(tmp_path):
    recorder = EvidenceRecorder(tmp_path / "e.jsonl", "w", Redactor())
    session = requests.Session()
    with requests_mock.Mocker(session=session) as m:
        recorder.attach(session)
        m.post("http://127.0.0.1/v2.0/tokens", json={"access": {"token": {"id": TOKEN}}},
               headers={"Content-Type": "text/plain"})       # learned whatever the type says
        m.get(f"http://127.0.0.1/echo?t={TOKEN}", text=f"you sent {TOKEN}")
        session.post("http://127.0.0.1/v2.0/tokens", json={})
        session.get(f"http://127.0.0.1/echo?t={TOKEN}")
        recorder.record_failure("GET", f"http://x/{TOKEN}", RuntimeError(f"failed with {TOKEN}"))
    assert TOKEN not in (tmp_path / "e.jsonl").read_text()


def test_elapsed_runs_to_the_full_body_not_the_headers(tmp_path):
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer_slowly():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n")
        time.sleep(0.4)                   # headers now, the body later
        conn.sendall(b"{}")
        conn.close()
    threading.Thread(target=answer_slowly, daemon=True).start()
    recorder = EvidenceRecorder(tmp_path / "e.jsonl", "w", Redactor())
    session = requests.Session()
    recorder.attach(session)
    response = session.get(f"http://127.0.0.1:{server.getsockname()[1]}/")
    server.close()
    record = json.loads((tmp_path / "e.jsonl").read_text())
    assert response.elapsed.total_seconds() < 0.3       # requests' own figure stops at the headers
    assert record["elapsed_ms"] >= 400 and record["response_body"] == {}



def test_a_probe_report_keeps_no_learned_token_in_its_traceback_or_captured_output():
    """What junit and the terminal get from a report (longrepr, sections) is scrubbed too."""
    from types import SimpleNamespace

    from os_interop import plugin
    from os_interop.cloud import CloudUnderTest

    ctx = object.__new__(CloudUnderTest)
    ctx.conn = SimpleNamespace(redactor=Redactor([TOKEN]))
    item = SimpleNamespace(config=SimpleNamespace(stash={plugin._STATE: SimpleNamespace(connections={"c": ctx})}))
    report = SimpleNamespace(longrepr=f"E   AssertionError: got {{'token': '{TOKEN}'}}",
                             sections=[("Captured stdout call", f"echo {TOKEN}"), ("log", "clean")])
    plugin._scrub_report(item, report)
    assert TOKEN not in report.longrepr + "".join(c for _, c in report.sections)
    assert report.sections[1] == ("log", "clean") and MASK in report.longrepr
