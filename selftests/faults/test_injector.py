"""Each fault kind does exactly what it says on the wire, seen by a plain socket client."""

from __future__ import annotations

import json
import socket
import socketserver
import subprocess
import sys
import time

import pytest
import yaml

from os_interop.simulator import FaultSpec, FaultSpecError, Fleet
from os_interop.simulator.faults import Injector

CLOUD = "upstream-default"
GROUPS = "/network/v2.0/security-groups"


def spec(*rules: dict, **top) -> FaultSpec:
    return FaultSpec.from_data({"faults": list(rules), **top})


def start(faults: FaultSpec, **kwargs) -> Fleet:
    return Fleet.start([CLOUD], faults=faults, **kwargs)


def token(fleet: Fleet) -> str:
    """A token issued by the cloud's keystone (plain HTTP, no fault rule matches /identity)."""
    auth = fleet.clouds_yaml()["clouds"][CLOUD]["auth"]
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": auth["username"], "password": auth["password"], "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": auth["project_name"], "domain": {"name": "Default"}}}}}
    status, headers, _, _ = exchange(fleet, "POST", "/identity/v3/auth/tokens", body=json.dumps(body).encode())
    assert status == 201
    return headers["x-subject-token"]


def exchange(fleet: Fleet, method: str, path: str, body: bytes = b"", headers: dict | None = None,
             timeout: float = 5.0):
    """One request on a fresh TCP connection: (status, headers, body bytes, how it ended).

    Reads exactly Content-Length bytes when they arrive; "eof" or "reset" says the server
    closed first. status is None when no status line arrived.
    """
    port = int(fleet.url(CLOUD).rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Accept: application/json",
             f"Content-Length: {len(body)}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    data, ended = b"", "complete"
    try:
        while True:
            if b"\r\n\r\n" in data:
                head, rest = data.split(b"\r\n\r\n", 1)
                length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n")
                               if l.lower().startswith(b"content-length:")), 0)
                if len(rest) >= length or method == "HEAD":
                    break
            chunk = sock.recv(65536)
            if not chunk:
                ended = "eof"
                break
            data += chunk
    except ConnectionResetError:
        ended = "reset"
    except TimeoutError:
        ended = "timeout"
    finally:
        sock.close()
    if b"\r\n\r\n" not in data:
        return None, {}, data, ended
    head, rest = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in header_lines)}
    return int(status_line.split()[1]), found, rest, ended


def create_group(fleet: Fleet, tok: str, name: str, timeout: float = 5.0):
    body = json.dumps({"security_group": {"name": name}}).encode()
    return exchange(fleet, "POST", GROUPS, body, {"X-Auth-Token": tok}, timeout)


def group_names(fleet: Fleet) -> list[str]:
    return fleet.state(CLOUD).names("security_groups")


def test_a_plain_answer_leaves_in_one_write_on_a_no_delay_socket(monkeypatch):
    writes = []
    original = socketserver._SocketWriter.write

    def spy(self, b):
        writes.append((bytes(b), self._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
        return original(self, b)

    with start(FaultSpec()) as fleet:
        tok = token(fleet)
        writes.clear()
        monkeypatch.setattr(socketserver._SocketWriter, "write", spy)
        status, headers, body, ended = exchange(fleet, "GET", "/network/v2.0/networks", headers={"X-Auth-Token": tok})
    assert (status, ended) == (200, "complete")
    assert len(writes) == 1, [w[0][:40] for w in writes]
    assert writes[0][0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0][0].endswith(body) and body
    assert writes[0][1] != 0, "TCP_NODELAY is not set on the accepted connection"
    assert int(headers["content-length"]) == len(body)


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_status_fault_answers_in_the_service_shape_and_does_not_handle_the_request(status):
    rule = {"match": {"method": "POST", "path": "^/network/v2\\.0/security-groups$"}, "kind": status, "count": 1}
    with start(spec(rule)) as fleet:
        tok = token(fleet)
        got, headers, body, ended = create_group(fleet, tok, "faulted")
        assert (got, ended) == (status, "complete")
        assert "NeutronError" in json.loads(body)  # neutron's error shape, not a bare text page
        assert headers.get("retry-after") == ("1" if status == 429 else None)
        assert "faulted" not in group_names(fleet)
        assert fleet.server_errors(CLOUD) == []  # injected, not a simulator bug
        again, _, _, _ = create_group(fleet, tok, "second")  # count 1: the next one passes
        assert again == 201 and "second" in group_names(fleet)


def test_a_503_carries_the_retry_after_it_is_given():
    rule = {"match": {"path": "/networks$"}, "kind": 503, "retry_after": 7}
    with start(spec(rule)) as fleet:
        status, headers, _, _ = exchange(fleet, "GET", "/network/v2.0/networks", headers={"X-Auth-Token": token(fleet)})
    assert (status, headers["retry-after"]) == (503, "7")


@pytest.mark.parametrize("processed", [True, False])
def test_a_stall_never_answers_then_closes(processed):
    rule = {"match": {"method": "POST", "path": "security-groups$"}, "kind": "stall", "stall_s": 1.0,
            "processed": processed}
    with start(spec(rule)) as fleet:
        tok = token(fleet)
        assert create_group(fleet, tok, "stalled", timeout=0.3)[3] == "timeout"  # past the client's timeout
        status, _, data, ended = create_group(fleet, tok, "stalled-2", timeout=3.0)
        assert (status, data, ended) == (None, b"", "eof")  # no byte of an answer, then the close
        assert ("stalled" in group_names(fleet)) is processed


def test_a_reset_comes_after_the_request_was_processed():
    rule = {"match": {"method": "POST", "path": "security-groups$"}, "kind": "reset", "count": 1}
    with start(spec(rule)) as fleet:
        tok = token(fleet)
        status, _, data, ended = create_group(fleet, tok, "made-then-reset")
        assert (status, data, ended) == (None, b"", "reset")
        assert "made-then-reset" in group_names(fleet)  # the state changed; only the answer was lost


def test_a_truncated_body_promises_more_than_it_sends():
    rule = {"match": {"method": "POST", "path": "security-groups$"}, "kind": "truncate"}
    with start(spec(rule)) as fleet:
        tok = token(fleet)
        status, headers, body, ended = create_group(fleet, tok, "truncated")
        assert status == 201 and ended == "eof"
        assert 0 < len(body) < int(headers["content-length"])
        assert "truncated" in group_names(fleet)
        with pytest.raises(ValueError):
            json.loads(body)


def test_an_unparsable_body_is_a_complete_answer_that_does_not_decode():
    rule = {"match": {"method": "POST", "path": "security-groups$"}, "kind": "unparsable"}
    with start(spec(rule)) as fleet:
        tok = token(fleet)
        status, headers, body, ended = create_group(fleet, tok, "garbled")
        assert (status, ended) == (201, "complete")
        assert 0 < len(body) == int(headers["content-length"])
        with pytest.raises(ValueError):
            json.loads(body)
        assert "garbled" in group_names(fleet)


def test_a_delay_holds_the_request_after_it_arrived_and_then_handles_it():
    rule = {"match": {"method": "POST", "path": "security-groups$"}, "kind": "delay", "delay_ms": 1500}
    with start(spec(rule)) as fleet:
        tok = token(fleet)
        assert fleet.wait_for_fault(CLOUD, 0.01) is None
        assert create_group(fleet, tok, "delayed", timeout=0.2)[3] == "timeout"
        hit = fleet.wait_for_fault(CLOUD, 1.0)
        assert hit is not None and (hit.method, hit.path, hit.kind) == ("POST", GROUPS, "delay")
        assert "delayed" not in group_names(fleet)  # recorded on arrival; in flight, not created yet
        second = time.monotonic()
        status, _, _, _ = create_group(fleet, tok, "delayed-2")
        assert status == 201 and time.monotonic() - second >= 1.5
        assert {"delayed", "delayed-2"} <= set(group_names(fleet))  # the abandoned create happened too


def test_count_after_and_service_pick_exactly_the_requests_they_say():
    rules = ({"match": {"method": "GET", "path": "/networks$", "service": "network"}, "kind": 500,
              "after": 1, "count": 2},
             {"match": {"method": "GET", "path": "/networks$", "service": "compute"}, "kind": 503})
    with start(spec(*rules)) as fleet:
        tok = token(fleet)
        statuses = [exchange(fleet, "GET", "/network/v2.0/networks", headers={"X-Auth-Token": tok})[0]
                    for _ in range(5)]
        assert statuses == [200, 500, 500, 200, 200]
        assert [h.rule for h in fleet.fault_hits(CLOUD)] == [0, 0]


def test_a_rate_is_drawn_from_the_seed_so_the_same_seed_picks_the_same_requests():
    def picks(seed: int) -> list[bool]:
        injector = Injector(spec({"match": {"path": "x"}, "kind": 500, "rate": 0.5}, seed=seed))
        return [injector.pick("GET", "/x", None)[0] is not None for _ in range(64)]
    assert picks(3) == picks(3)
    assert picks(3) != picks(4)
    assert 16 < sum(picks(3)) < 48


def test_request_latency_and_server_build_time():
    with start(FaultSpec(request_ms=150, server_build_s=1.0)) as fleet:
        started = time.monotonic()
        tok = token(fleet)
        assert time.monotonic() - started >= 0.15
        cloud = fleet.clouds[CLOUD]
        compute = cloud.service_url("/compute")
        flavor = "/compute" + compute.split("/compute", 1)[1]
        image = next(iter(fleet.state(CLOUD).images))
        network = next(n["id"] for n in fleet.state(CLOUD).networks.values() if not n["router:external"])
        body = json.dumps({"server": {"name": "built", "flavorRef": "1", "imageRef": image,
                                      "networks": [{"uuid": network}]}}).encode()
        status, _, created, _ = exchange(fleet, "POST", flavor + "/servers", body, {"X-Auth-Token": tok})
        assert status == 202, created
        server = json.loads(created)["server"]["id"]
        seen = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (not seen or seen[-1] != "ACTIVE"):
            _, _, doc, _ = exchange(fleet, "GET", f"{flavor}/servers/{server}", headers={"X-Auth-Token": tok})
            seen.append(json.loads(doc)["server"]["status"])
        elapsed = time.monotonic() - started
        assert seen[-1] == "ACTIVE" and seen.count("BUILD") >= 2 and elapsed >= 1.0


def test_the_fault_log_gets_a_line_per_hit_and_the_clouds_yaml_the_api_timeout(tmp_path):
    log = tmp_path / "faults.jsonl"
    rule = {"match": {"path": "/networks$"}, "kind": 500}
    with start(spec(rule), api_timeout=2, fault_log=log) as fleet:
        assert fleet.clouds_yaml()["clouds"][CLOUD]["api_timeout"] == 2
        exchange(fleet, "GET", "/network/v2.0/networks", headers={"X-Auth-Token": token(fleet)})
        lines = [json.loads(l) for l in log.read_text().splitlines()]
    assert [(l["cloud"], l["kind"], l["method"], l["path"]) for l in lines] == [
        (CLOUD, 500, "GET", "/network/v2.0/networks")]


@pytest.mark.parametrize("doc, message", [
    ({"faults": [{"match": {"path": "x"}, "kind": 418}]}, "faults.0.kind"),
    ({"faults": [{"match": {"path": "("}, "kind": 500}]}, "faults.0.match.path: not a regular expression"),
    ({"faults": [{"match": {"path": "x"}, "kind": 500, "delay_ms": 5}]}, "delay_ms does not apply to kind 500"),
    ({"faults": [{"match": {"path": "x"}, "kind": "reset", "stall_s": 5}]}, "stall_s does not apply"),
    ({"faults": [{"match": {"path": "x"}, "kind": "delay"}]}, "delay_ms"),
    ({"latency": {"request_ms": -1}}, "latency.request_ms"),
    ({"fault": []}, "(document)"),
])
def test_a_bad_spec_is_one_line_naming_the_field(doc, message):
    with pytest.raises(FaultSpecError) as info:
        FaultSpec.from_data(doc, "spec.yaml")
    assert str(info.value).startswith("spec.yaml: ") and message in str(info.value)
    assert "\n" not in str(info.value)


def test_the_simulator_command_rejects_a_bad_spec_with_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "faults.yaml"
    bad.write_text(yaml.safe_dump({"faults": [{"match": {"path": "x"}, "kind": "explode"}]}))
    done = subprocess.run([sys.executable, "-m", "os_interop.simulator", CLOUD, "--faults", str(bad),
                           "--clouds-yaml", str(tmp_path / "clouds.yaml")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "faults.0.kind" in done.stderr
    assert "Traceback" not in done.stderr
