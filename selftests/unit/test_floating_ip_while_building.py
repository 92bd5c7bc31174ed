"""The floating IP lifecycle acts on the server as soon as neutron lists its port, but its
verdict is the finished boot's: what it met or observed meanwhile counts only once the server
is ACTIVE (tests/floating_ip/test_floating_ip.py::test_floating_ip_lifecycle). The boot's
milestone (flows/server.Ported) is set by a poll after which neutron lists an addressed port
of the server, never by ERROR, and only while a probe wants it."""

import itertools

import pytest

from os_interop.flows import polling
from os_interop.flows import server as server_flow
from os_interop.outcomes import Blocked, blocked

from .stub_cloud import StubCloud
from .test_journal import _probe_module
from .test_reads import COMPUTE

probe = _probe_module("tests/floating_ip/test_floating_ip.py")
BUILDING = {"id": "s1", "status": "BUILD", "addresses": {}}    # genuine nova: none until ACTIVE
ACTIVE = {**BUILDING, "status": "ACTIVE", "addresses": {"private": [{"addr": "10.0.0.5"}]}}
PORT = {"id": "p1", "network_id": "n1", "fixed_ips": [{"ip_address": "10.0.0.5"}]}
NETWORK = "http://n"


class Request:
    """pytest's `request`, for the one fixture the probe asks for late: the boot's verdict."""

    def __init__(self, verdict, order):
        self.verdict, self.order = verdict, order

    def getfixturevalue(self, name):
        assert name == "run_server"
        self.order.append("verdict")
        return self.verdict()


def _run(monkeypatch, found, lifecycle, verdict, ported=BUILDING, port=PORT):
    order, observed = [], []

    def fake_lifecycle(cloud, server, observe):
        order.append(("acted on", server["status"] if server else None))
        lifecycle(observe)
    monkeypatch.setattr(probe, "source", lambda cloud: found)
    monkeypatch.setattr(probe, "_lifecycle", fake_lifecycle)
    monkeypatch.setattr(probe, "_attach_port", lambda cloud, server: (port, "why"))
    monkeypatch.setattr(probe.server_flow, "ported", lambda cloud: server_flow.Ported())
    try:
        probe.test_floating_ip_lifecycle(object(), ported, Request(verdict, order),
                                         lambda key, value: (order.append("observed"),
                                                             observed.append((key, value))))
        return order, observed, None
    except BaseException as exc:   # noqa: BLE001 - the probe's outcome is what is compared
        return order, observed, exc


def _refused(observe):
    observe("floating_ip.lifecycle_port", {"network": "private"})
    raise AssertionError("allocating a floating IP on the server's port answered HTTP 404")


def test_a_lifecycle_that_failed_while_the_server_then_never_became_active_is_blocked(monkeypatch):
    order, observed, outcome = _run(monkeypatch, "neutron", _refused,
                                    lambda: blocked("no server could be booted: went ERROR"))
    assert isinstance(outcome, Blocked) and observed == []
    assert order == [("acted on", "BUILD"), "verdict"]


def test_what_the_early_lifecycle_observed_counts_once_the_boot_is_ok(monkeypatch):
    order, observed, outcome = _run(monkeypatch, "neutron",
                                    lambda observe: observe("floating_ip.lifecycle", True),
                                    lambda: server_flow.Boot("ok", ACTIVE))
    assert outcome is None and observed == [("floating_ip.lifecycle", True)]
    assert order == [("acted on", "BUILD"), "verdict", "observed"]


def test_an_early_failure_is_the_verdict_when_the_boot_is_ok(monkeypatch):
    order, observed, outcome = _run(monkeypatch, "neutron", _refused,
                                    lambda: server_flow.Boot("ok", ACTIVE))
    assert isinstance(outcome, AssertionError) and "HTTP 404" in str(outcome)
    assert observed == [("floating_ip.lifecycle_port", {"network": "private"})]


@pytest.mark.parametrize("found, ported, port", [("nova", BUILDING, PORT), ("neutron", None, PORT),
                                                 ("neutron", BUILDING, None)],
                         ids=["nova-network", "no-port-seen", "a-port-that-cannot-take-one"])
def test_otherwise_it_acts_on_the_active_server(monkeypatch, found, ported, port):
    """A port that cannot take a floating IP is judged by the server's own addresses (a public
    server needs none), which genuine nova shows only once it is ACTIVE."""
    order, observed, outcome = _run(monkeypatch, found,
                                    lambda observe: observe("floating_ip.lifecycle", True),
                                    lambda: server_flow.Boot("ok", ACTIVE), ported=ported, port=port)
    assert outcome is None and order == ["verdict", ("acted on", "ACTIVE"), "observed"]


@pytest.fixture
def neutron_cloud(tmp_path, monkeypatch):
    """The healthy v2 cloud of test_reads, with neutron: the boot's poll may list ports."""
    monkeypatch.setattr(polling, "pauses", lambda *a, **kw: itertools.repeat(0.0))
    c = StubCloud({"compute": COMPUTE, "network": NETWORK}, tmp_path)
    c.mock.register_uri("GET", "http://c/", json={"versions": [
        {"id": "v2.1", "status": "CURRENT", "version": "2.90", "min_version": "2.1"}]})
    c.mock.register_uri("GET", f"{COMPUTE}/flavors/detail", json={"flavors": [
        {"id": "f1", "ram": 64, "disk": 1, "vcpus": 1}]})
    c.mock.register_uri("POST", f"{COMPUTE}/servers", status_code=202, json={"server": {"id": "s1"}})
    c.mock.register_uri("GET", f"{NETWORK}/v2.0/extensions", json={"extensions": [{"alias": "router"}]})
    return c


def _boot(c, polls, ports, wanted=True):
    c.mock.register_uri("GET", f"{COMPUTE}/servers/s1", [{"json": {"server": p}} for p in polls])
    c.mock.register_uri("GET", f"{NETWORK}/v2.0/ports?device_id=s1", ports)
    milestone = server_flow.ported(c)
    milestone.wanted = wanted
    boot = server_flow.boot(c, {"id": "pub"})
    milestone.settle()                         # what tests/conftest.py's _boot does afterwards
    return boot, milestone.wait(), milestone


def _ports(*listings):
    return [{"json": {"ports": listing}} for listing in listings]


def _port_reads(c):
    return [r for r in c.mock.request_history if "/ports" in r.url]


@pytest.mark.parametrize("polls, ports, seen, reads", [
    ([BUILDING, BUILDING, BUILDING, ACTIVE], _ports([], [PORT]), "BUILD", 2),
    ([BUILDING, BUILDING, BUILDING, ACTIVE], _ports([{**PORT, "fixed_ips": []}], [PORT]), "BUILD", 2),
    ([BUILDING, ACTIVE], _ports([], [PORT]), None, 1),
    ([BUILDING, {**BUILDING, "status": "ERROR"}], _ports([], [PORT]), None, 1)],
    ids=["listed-while-building", "unaddressed-port-is-not-enough", "not-yet-when-active", "not-after-error"])
def test_the_boot_marks_the_look_after_which_neutron_lists_a_port(neutron_cloud, polls, ports, seen, reads):
    """The listing is read between two polls, about the server the first of them saw; once
    the server is ACTIVE the probe reads the listing itself."""
    boot, found, _ = _boot(neutron_cloud, polls, ports)
    assert (found or {}).get("status") == seen
    assert len(_port_reads(neutron_cloud)) == reads     # no more looking once seen
    assert boot.server["status"] in ("ACTIVE", "ERROR")


def test_the_poll_s_own_answer_is_the_last_request_before_each_check(neutron_cloud):
    """A replay ends a poll by the thread's last request (replay.ran_out): it must be the
    server's, never the port listing's."""
    _boot(neutron_cloud, [BUILDING, BUILDING, BUILDING, ACTIVE], _ports([], [], [PORT]))
    paths = [r.path for r in neutron_cloud.mock.request_history if "/servers/s1" in r.url or "/ports" in r.url]
    assert paths[-1].endswith("/servers/s1") and paths[0].endswith("/servers/s1")
    assert all(not (a.endswith("/ports") and b.endswith("/ports")) for a, b in zip(paths, paths[1:]))


def test_no_probe_wanting_the_port_means_no_port_reads(neutron_cloud):
    _, found, milestone = _boot(neutron_cloud, [BUILDING, ACTIVE], _ports([PORT]), wanted=False)
    assert found is None and not milestone.looked and _port_reads(neutron_cloud) == []


@pytest.mark.parametrize("answer", [{"status_code": 500, "json": {}}, {"status_code": 200, "text": "<html>"},
                                    {"status_code": 200, "json": {"ports": "many"}}],
                         ids=["500", "not-json", "not-a-list"])
def test_a_port_read_that_fails_ends_the_looking_never_the_boot(neutron_cloud, answer):
    """The probe then reads the listing itself after the boot, afresh, and meets it there."""
    boot, found, milestone = _boot(neutron_cloud, [BUILDING, BUILDING, BUILDING, ACTIVE], [answer])
    assert boot.implicit == "ok" and boot.server["status"] == "ACTIVE"
    assert found is None and milestone.looked and len(_port_reads(neutron_cloud)) == 1
