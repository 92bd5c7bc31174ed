"""The run's server create is issued first and builds while the read-only probes run (issue 11),
through the real CLI against a simulated cloud: a read-only probe's request is held until the
server's POST reaches the cloud, which only a run that boots in the background can satisfy;
a selection without a server-using probe boots nothing; and a signal while the background
create is in flight — the main thread inside a read-only probe — still leaves nothing.

The held read-only request waits on an Event set by the server's POST: a serial run sends
that POST only after the read-only probes, so its held request times out (api_timeout 3 s)
and its evidence shows the POST after it — the order these tests check, not a duration.
"""

import json
import re
import signal
import threading

import pytest

from .conftest import cli, documents
from .test_interrupt import _run, _wait, one_cloud, signalled_cleanly  # noqa: F401 - one_cloud is a fixture

NAME = "upstream-default"
READ_ONLY = ("GET", r"/default-security-group-rules$")      # security_group.template: read-only
SERVER_POST = ("POST", r"/compute/v2\.1/servers$")


class Until:
    """The first request matching `held` waits (at most `bound` s) until one matching `opener`
    has arrived; the opener itself may be held `opener_delay` s before the cloud acts on it."""

    def __init__(self, cloud, held, opener, bound, opener_delay=0.0):
        self.opened, self.held_arrived, self.opener_done = (threading.Event(), threading.Event(),
                                                            threading.Event())
        self.opened_first = None
        original = cloud.dispatch

        def dispatch(req):
            if (req.method, bool(re.search(opener[1], req.path))) == (opener[0], True) \
                    and not self.opened.is_set():
                self.opened.set()
                if opener_delay:
                    self.opener_done.wait(opener_delay)   # nobody sets it: a bounded hold
                return original(req)
            if (req.method, bool(re.search(held[1], req.path))) == (held[0], True) \
                    and not self.held_arrived.is_set():
                self.held_arrived.set()
                self.opened_first = self.opened.wait(bound)
            return original(req)
        cloud.dispatch = dispatch


def _evidence(out, name=NAME):
    return [json.loads(line) for line in (out / name / "evidence.jsonl").read_text().splitlines()]


def test_the_server_create_is_sent_while_a_read_only_probe_is_still_running(one_cloud, tmp_path):
    fleet, cloud, clouds_yaml = one_cloud(NAME)
    until = Until(cloud, READ_ONLY, SERVER_POST, bound=20)
    done = cli("run", "--cloud", NAME, "--out", str(tmp_path / "out"), "-n", "0",
               env={"OS_CLIENT_CONFIG_FILE": str(clouds_yaml)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert until.held_arrived.is_set() and until.opened_first is True, \
        "the read-only probe's request came before the server's create"
    evidence = _evidence(tmp_path / "out")
    post = next(r for r in evidence if r["method"] == "POST" and re.search(SERVER_POST[1], r["url"]))
    held = next(r for r in evidence if r["method"] == "GET" and re.search(READ_ONLY[1], r["url"]))
    assert evidence.index(post) < evidence.index(held)
    # the boot's exchanges are evidence of the probe that would have booted in a serial run
    boot_test = "tests/network_attach/test_network_attach.py::test_boot_without_networks"
    flavors = next(r for r in evidence if r["url"].endswith("/flavors/detail"))
    assert post["test"] == flavors["test"] == boot_test
    assert held["test"] == "tests/security_groups/test_security_groups.py::test_rule_template"
    doc = documents(tmp_path / "out")[NAME]
    boots = [c for c in doc["capabilities"] if c["id"] == "compute.boot"]
    assert [c["outcome"] for c in boots] == ["pass"], boots
    assert doc["resources"]["leaked"] == 0 and cloud.state.created() == {}


@pytest.mark.parametrize("selection", [["--read-only"], ["-k", "identity or image_api_version"]],
                         ids=["read-only", "no-server-probe"])
def test_a_selection_without_a_server_probe_boots_nothing(one_cloud, tmp_path, selection):
    fleet, cloud, clouds_yaml = one_cloud(NAME)
    done = cli("run", "--cloud", NAME, "--out", str(tmp_path / "out"), "-n", "0", *selection,
               env={"OS_CLIENT_CONFIG_FILE": str(clouds_yaml)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    compute = [r["url"] for r in _evidence(tmp_path / "out") if "/compute/" in r["url"]
               and ("/servers" in r["url"] or "/flavors" in r["url"])]
    assert compute == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_background_create_is_in_flight_deletes_the_server(one_cloud, tmp_path,
                                                                              signum):
    fleet, cloud, clouds_yaml = one_cloud(NAME)
    # the main thread sits in a read-only probe's request while the server's POST is held
    # for 1 s (less than api_timeout): the create happens after the signal, in the background
    until = Until(cloud, READ_ONLY, SERVER_POST, bound=20, opener_delay=1.0)
    proc = _run(clouds_yaml, tmp_path / "out", NAME)
    _wait(proc, lambda: until.opened.is_set() and until.held_arrived.is_set(),
          "the server's POST while a read-only probe waits")
    doc = signalled_cleanly(proc, signum, tmp_path / "out", NAME)
    servers = [i for i in doc["resources"]["items"] if i["kind"] == "server"]
    assert len(servers) == 1 and servers[0]["state"] == "deleted" and servers[0]["id"], servers
    assert cloud.state.created() == {}, cloud.state.created()
    assert not any(r["method"] == "POST" and r["url"].endswith("/floatingips")
                   for r in _evidence(tmp_path / "out")), "the run went on after the signal"


SERVER_POLL = ("GET", r"/compute/v2\.1/servers/[0-9a-f-]+$")
FIP_POST = ("POST", r"/network/v2\.0/floatingips$")


def test_the_floating_ip_lifecycle_runs_while_the_server_builds(one_cloud, tmp_path):
    """neutron lists the server's port after its first poll (still BUILD); the status poll
    after it is held until the floating IP's POST arrives, which only a lifecycle that acts on
    the building server's port can send (waiting for ACTIVE, it would wait for the held poll)."""
    fleet, cloud, clouds_yaml = one_cloud(NAME)
    polls, fip_posted, held = [], threading.Event(), {}
    original = cloud.dispatch

    def dispatch(req):
        if req.method == FIP_POST[0] and re.search(FIP_POST[1], req.path):
            fip_posted.set()
        elif req.method == SERVER_POLL[0] and re.search(SERVER_POLL[1], req.path):
            polls.append(req.path)
            if len(polls) == 2:
                held["opened"] = fip_posted.wait(2.5)    # below api_timeout: a refused wait, not a timeout
        return original(req)
    cloud.dispatch = dispatch
    done = cli("run", "--cloud", NAME, "--out", str(tmp_path / "out"), "-n", "0",
               env={"OS_CLIENT_CONFIG_FILE": str(clouds_yaml)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert held.get("opened") is True, "the floating IP's POST came only after the server was ACTIVE"
    evidence = _evidence(tmp_path / "out")
    fip = next(r for r in evidence if r["method"] == "POST" and re.search(FIP_POST[1], r["url"]))
    active = next(r for r in evidence if re.search(SERVER_POLL[1], r["url"]) and r["method"] == "GET"
                  and ((r.get("response_body") or {}).get("server") or {}).get("status") == "ACTIVE")
    assert fip["time"] - fip["elapsed_ms"] / 1000 < active["time"]    # sent before ACTIVE was seen
    assert fip["test"] == "tests/floating_ip/test_floating_ip.py::test_floating_ip_lifecycle"
    # the boot's exchanges stay the evidence of the probe that boots in a serial run
    create = next(r for r in evidence if r["method"] == "POST" and re.search(SERVER_POST[1], r["url"]))
    assert create["test"] == "tests/network_attach/test_network_attach.py::test_boot_without_networks"
    doc = documents(tmp_path / "out")[NAME]
    outcomes = {c["id"]: c["outcome"] for c in doc["capabilities"]}
    assert outcomes["floating_ip.lifecycle"] == outcomes["compute.boot"] == "pass", outcomes
    assert doc["resources"]["leaked"] == 0 and cloud.state.created() == {}
