"""The journal proves what a run created; cleanup deletes only that, newest first.

The ambiguous creates are driven through the real probe code and CloudUnderTest.answer over
requests-mock: an unparsable answer, a reset after the cloud acted, a lost DELETE answer. Each
must end with the resource found by what the journal recorded and deleted, and with a
look-alike that the lookup cannot prove ours left alone.
"""

import importlib.util
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from os_interop import journal
from os_interop.answers import Unknown
from os_interop.flows import server as server_flow
from os_interop.flows import upload as upload_flow
from os_interop.journal import Clock, Journal, cleanup, read_journals
from selftests.unit.stub_cloud import StubCloud

ROOT = Path(__file__).resolve().parents[2]
COMPUTE, NETWORK, SWIFT = "http://nova/v2.1", "http://neutron", "http://swift/v1/AUTH_p"


def _probe_module(relative):
    spec = importlib.util.spec_from_file_location("probe_" + Path(relative).stem, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeClock(Clock):
    """Real start time, but sleeping only moves the clock."""

    def __init__(self):
        self.t = time.time()
        super().__init__(now=lambda: self.t, sleep=self._sleep)

    def _sleep(self, seconds):
        self.t += seconds


@pytest.fixture
def mocked(tmp_path):
    """CloudUnderTest's HTTP, evidence and journal over requests-mock: (cloud, its mock)."""
    cloud = StubCloud({"compute": COMPUTE, "network": NETWORK, "object-store": SWIFT, "image": "http://glance"},
                      tmp_path, project_id="proj1", run_id="run1", answer_window=1.0)
    cloud.mock.register_uri("GET", "http://nova/", json={"versions": [    # what the server flow reads first
        {"id": "v2.1", "status": "CURRENT", "version": "2.90", "min_version": "2.1"}]})
    return cloud, cloud.mock


def _deletes(m):
    return [r.url for r in m.request_history if r.method == "DELETE"]


# -- the journal and cleanup on their own --------------------------------------------------------
class FakeCloud:
    """(method, url) -> (status, body): a collection of images at http://c/img/<id>."""

    def __init__(self, existing=(), fail_delete=(), lose_delete_answer=()):
        self.existing = dict(existing)      # id -> name
        self.fail_delete = set(fail_delete)
        self.lose = set(lose_delete_answer)
        self.calls = []

    def __call__(self, method, url):
        self.calls.append((method, url))
        rid = url.rsplit("/", 1)[-1]
        if method == "GET" and "?name=" in url:
            return 200, {"images": [{"id": i, "name": n} for i, n in self.existing.items()]}
        if method == "DELETE":
            if rid in self.fail_delete:
                return 500, None
            if rid in self.existing:
                del self.existing[rid]
                if rid in self.lose:
                    raise requests.exceptions.ConnectionError("reset after the delete")
                return 204, None
            return 404, None
        return (200 if rid in self.existing else 404), None


def test_cleanup_is_reverse_order_and_404_counts_as_deleted(tmp_path):
    j = Journal(tmp_path / "j.jsonl", "run1")
    j.intend("secgroup", delete_template="http://c/sg/{id}").created("1")
    j.intend("image", delete_template="http://c/img/{id}").created("2")
    cloud = FakeCloud(existing={"2": "x"})
    assert cleanup(j.entries, cloud) == []
    assert [c for c in cloud.calls if c[0] == "DELETE"] == [("DELETE", "http://c/img/2"),
                                                            ("DELETE", "http://c/sg/1")]
    assert {e.state for e in j.entries} == {"deleted"}


def test_a_refused_delete_is_a_reported_leak_and_the_rest_still_goes(tmp_path):
    j = Journal(tmp_path / "j.jsonl", "run1")
    j.intend("image", delete_template="http://c/img/{id}").created("1")
    j.intend("image", delete_template="http://c/img/{id}", suffix="b").created("2")
    cloud = FakeCloud(existing={"1": "a", "2": "b"}, fail_delete={"2"})
    leaks = cleanup(j.entries, cloud, FakeClock())
    assert [e.id for e in leaks] == ["2"] and "still present" in leaks[0].reason
    assert "1" not in cloud.existing


def test_a_lost_delete_answer_that_succeeded_is_not_a_leak(tmp_path):
    j = Journal(tmp_path / "j.jsonl", "run1")
    j.intend("image", delete_template="http://c/img/{id}").created("1")
    cloud = FakeCloud(existing={"1": "a"}, lose_delete_answer={"1"})
    assert cleanup(j.entries, cloud, FakeClock()) == []
    assert ("GET", "http://c/img/1") in cloud.calls       # proved gone by a 404, not assumed


@pytest.mark.parametrize("status, gone", [("DELETED", True), ("deleted", True), ("ACTIVE", False),
                                           ("SOFT_DELETED", False), ("ERROR", False)])
def test_a_server_whose_status_says_deleted_is_gone(tmp_path, status, gone):
    """nova's DELETED (the server destroyed, its record not yet dropped) proves it gone, as
    openstacksdk's wait_for_delete takes it; any other status keeps cleanup waiting."""
    j = Journal(tmp_path / "j.jsonl", "run1")
    j.intend("server", delete_template="http://c/servers/{id}", wait_gone=True).created("1")
    calls = []

    def cloud(method, url):
        calls.append(method)
        return (204, None) if method == "DELETE" else (200, {"server": {"id": "1", "status": status}})
    leaks = cleanup(j.entries, cloud, FakeClock())
    assert (leaks == []) is gone and j.entries[0].state == ("deleted" if gone else "leaked")
    assert calls[:2] == ["DELETE", "GET"]
    if not gone:
        assert "still present" in leaks[0].reason


def test_an_in_flight_create_is_found_by_its_exact_name_only(tmp_path):
    j = Journal(tmp_path / "j.jsonl", "run1")
    entry = j.intend("image", journal.by_name("http://c/images?name={name}"), "http://c/img/{id}")
    assert entry.name == "osi-run1-image" and entry.lookup["url"].endswith(entry.name)
    cloud = FakeCloud(existing={"ours": entry.name, "other": entry.name + "-not-ours"})
    assert cleanup(j.entries, cloud, FakeClock()) == []
    assert cloud.existing == {"other": entry.name + "-not-ours"}


def test_an_in_flight_create_is_waited_for_until_it_appears(tmp_path):
    j = Journal(tmp_path / "j.jsonl", "run1", answer_window=30)
    entry = j.intend("server", journal.by_name("http://c/servers?name={name}"), "http://c/img/{id}")
    cloud, clock = FakeCloud(), FakeClock()
    real = cloud.__call__

    def appears_later(method, url):    # nova creates it 3 s after the client gave up
        if clock.t > entry.settle_by - 30 + 3:
            cloud.existing.setdefault("late", entry.name)
        return real(method, url)
    assert cleanup(j.entries, appears_later, clock) == []
    assert ("DELETE", "http://c/img/late") in cloud.calls and entry.state == "deleted"


def test_an_in_flight_create_never_seen_is_proved_absent_only_after_its_window(tmp_path):
    j = Journal(tmp_path / "j.jsonl", "run1", answer_window=30)
    entry = j.intend("server", journal.by_name("http://c/servers?name={name}"), "http://c/img/{id}")
    clock = FakeClock()
    assert cleanup(j.entries, FakeCloud(), clock) == []
    assert entry.state == "deleted" and "never created" in entry.reason
    assert clock.t >= entry.settle_by


def test_a_lookup_that_never_answers_is_a_leak_not_an_absence(tmp_path):
    j = Journal(tmp_path / "j.jsonl", "run1", answer_window=1)
    j.intend("server", journal.by_name("http://c/servers?name={name}"), "http://c/img/{id}")
    leaks = cleanup(j.entries, lambda method, url: (503, None), FakeClock())
    assert len(leaks) == 1 and "503" in leaks[0].reason


def test_nameless_candidates_are_reported_and_never_deleted(tmp_path):
    j = Journal(tmp_path / "j.jsonl", "run1")
    j.intend("floatingip", journal.new_ids("http://c/os-floating-ips", "floating_ips", ["1"], "public"),
             "http://c/os-floating-ips/{id}")
    calls = []

    def nova(method, url):
        calls.append(method)
        return 200, {"floating_ips": [{"id": 1, "pool": "public"}, {"id": 7, "pool": "public"},
                                      {"id": 8, "pool": "other"}]}
    leaks = cleanup(j.entries, nova, FakeClock())
    assert "DELETE" not in calls
    assert len(leaks) == 1 and "possibly left" in leaks[0].reason and "7" in leaks[0].reason \
        and "8" not in leaks[0].reason


def test_journal_survives_a_restart_and_filters_by_run(tmp_path):
    path = tmp_path / "j.jsonl"
    Journal(path, "run1").intend("image", delete_template="http://c/img/{id}").created("1")
    Journal(path, "run2").intend("image", delete_template="http://c/img/{id}").created("9")
    with open(path, "a") as f:
        f.write('{"half a line')
    entries = read_journals([path], "run1")
    assert [(e.id, e.state) for e in entries] == [("1", "created")]
    cleanup(entries, FakeCloud(existing={"1": "a"}))
    assert [e.state for e in read_journals([path], "run1")] == ["deleted"]
    assert [e.state for e in read_journals([path], "run2")] == ["created"]
    assert journal.run_ids([path]) == {"run1", "run2"}


def test_an_interrupt_during_cleanup_marks_what_is_left(tmp_path):
    j = Journal(tmp_path / "j.jsonl", "run1")
    j.intend("image", delete_template="http://c/img/{id}").created("1")
    j.intend("image", delete_template="http://c/img/{id}", suffix="b").created("2")

    def interrupted(method, url):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        cleanup(j.entries, interrupted)
    journal.stopped(j.entries)
    assert [(e.state, e.reason) for e in read_journals([tmp_path / "j.jsonl"])] == \
        [("leaked", journal.STOPPED)] * 2


# -- ambiguous creates, through the real probe code ---------------------------------------------
def test_an_unparsable_server_answer_is_looked_up_and_never_deletes_servers_none(mocked):
    cloud, m = mocked
    name = "osi-run1-server-implicit"
    m.register_uri("POST", f"{COMPUTE}/servers", status_code=202, text="<html>proxy says hi")
    listing = {"servers": [{"id": "s-ours", "name": name}, {"id": "s-look", "name": name + "x"}]}
    m.register_uri("GET", re.compile(re.escape(f"{COMPUTE}/servers?name=")), json=listing)
    with pytest.raises(Unknown, match="not JSON"):
        server_flow._create(cloud, "img", "flv", None, "implicit")
    entry = cloud.resources.entries[0]
    assert entry.id == "s-ours" and entry.state == "created"
    m.register_uri("DELETE", f"{COMPUTE}/servers/s-ours", status_code=204)
    m.register_uri("GET", f"{COMPUTE}/servers/s-ours", [{"status_code": 200, "json": {}}, {"status_code": 404}])
    assert cleanup(cloud.resources.entries, cloud.raw_requester(), FakeClock()) == []
    assert _deletes(m) == [f"{COMPUTE}/servers/s-ours"]      # not servers/None, not the look-alike


def test_a_reset_after_post_floatingips_is_found_by_description(mocked):
    cloud, m = mocked
    probes = _probe_module("tests/floating_ip/test_floating_ip.py")
    name = "osi-run1-floatingip"
    port = {"id": "p1", "network_id": "net1", "fixed_ips": [{"ip_address": "10.0.0.5", "subnet_id": "sn1"}]}
    m.register_uri("GET", f"{NETWORK}/v2.0/extensions", json={"extensions": [
        {"alias": "router"}, {"alias": "external-net"}]})
    m.register_uri("GET", f"{NETWORK}/v2.0/networks", json={"networks": [
        {"id": "net1", "name": "private"}, {"id": "ext", "name": "public", "router:external": True}]})
    m.register_uri("GET", f"{NETWORK}/v2.0/subnets", json={"subnets": [
        {"id": "sn1", "network_id": "net1", "cidr": "10.0.0.0/24", "ip_version": 4, "gateway_ip": "10.0.0.1"}]})
    m.register_uri("GET", f"{NETWORK}/v2.0/ports?device_id=srv", json={"ports": [port]})
    m.register_uri("GET", f"{NETWORK}/v2.0/ports?device_owner=network:router_interface",
                   json={"ports": [{"device_id": "r1", "fixed_ips": [{"subnet_id": "sn1"}]}]})
    m.register_uri("GET", f"{NETWORK}/v2.0/routers", json={"routers": [
        {"id": "r1", "external_gateway_info": {"network_id": "ext"}}]})
    m.register_uri("POST", f"{NETWORK}/v2.0/floatingips", exc=requests.exceptions.ConnectionError("reset"))
    m.register_uri("GET", f"{NETWORK}/v2.0/floatingips?description={name}", json={"floatingips": [
        {"id": "f-ours", "description": name}, {"id": "f-look", "description": name + "-2"}]})
    with pytest.raises(Unknown, match="connection"):
        probes._neutron_lifecycle(cloud, {"id": "srv"})
    m.register_uri("DELETE", f"{NETWORK}/v2.0/floatingips/f-ours", status_code=204)
    assert cleanup(cloud.resources.entries, cloud.raw_requester(), FakeClock()) == []
    assert _deletes(m) == [f"{NETWORK}/v2.0/floatingips/f-ours"]


def test_a_reset_after_post_os_floating_ips_reports_candidates_and_deletes_nothing(mocked):
    cloud, m = mocked
    probes = _probe_module("tests/floating_ip/test_floating_ip.py")
    m.register_uri("GET", f"{COMPUTE}/os-floating-ip-pools", json={"floating_ip_pools": [{"name": "public"}]})
    m.register_uri("GET", f"{COMPUTE}/os-floating-ips", [
        {"json": {"floating_ips": [{"id": 3, "pool": "public", "ip": "192.0.2.3"}]}},
        {"json": {"floating_ips": [{"id": 3, "pool": "public", "ip": "192.0.2.3"},
                                   {"id": 4, "pool": "public", "ip": "192.0.2.4"}]}}])
    m.register_uri("POST", f"{COMPUTE}/os-floating-ips", exc=requests.exceptions.ConnectionError("reset"))
    with pytest.raises(Unknown):
        probes._nova_lifecycle(cloud, {"id": "srv"})
    leaks = cleanup(cloud.resources.entries, cloud.raw_requester(), FakeClock())
    assert _deletes(m) == []                      # id 4 may be someone else's: never deleted
    assert len(leaks) == 1 and "possibly left" in leaks[0].reason and "4" in leaks[0].reason \
        and "3" not in leaks[0].reason.split(":")[-1]


def test_a_reset_after_the_object_put_finds_object_and_container(mocked):
    cloud, m = mocked
    container, obj = "osi-run1-container", "osi-run1-object"
    m.register_uri("PUT", f"{SWIFT}/{container}", status_code=201)
    m.register_uri("PUT", f"{SWIFT}/{container}/{obj}", exc=requests.exceptions.ConnectionError("reset"))
    m.register_uri("GET", f"{SWIFT}/{container}/{obj}",
                   [{"status_code": 200, "content": b"x"}, {"status_code": 404}])
    with pytest.raises(Unknown):
        upload_flow._tasks(cloud, upload_flow.Upload("raw"), b"data")
    assert [(e.kind, e.state) for e in cloud.resources.entries] == [("container", "created"),
                                                                      ("object", "created")]
    m.register_uri("DELETE", f"{SWIFT}/{container}/{obj}", status_code=204)
    m.register_uri("DELETE", f"{SWIFT}/{container}", status_code=204)
    assert cleanup(cloud.resources.entries, cloud.raw_requester(), FakeClock()) == []
    assert _deletes(m) == [f"{SWIFT}/{container}/{obj}", f"{SWIFT}/{container}"]


def test_a_5xx_create_not_found_need_not_wait_out_the_answer_window(mocked):
    cloud, m = mocked
    m.register_uri("POST", f"{COMPUTE}/servers", status_code=500, json={"computeFault": {"message": "boom"}})
    m.register_uri("GET", re.compile(re.escape(f"{COMPUTE}/servers?name=")), json={"servers": []})
    with pytest.raises(Unknown, match="HTTP 500"):
        server_flow._create(cloud, "img", "flv", None, "implicit")
    entry = cloud.resources.entries[0]
    assert entry.state == "intended"
    assert entry.settle_by <= time.time() + journal.SETTLE_MARGIN + 1
    assert read_journals([cloud.resources.path])[0].settle_by == entry.settle_by


def test_a_declined_create_made_nothing(mocked):
    cloud, m = mocked
    m.register_uri("POST", f"{COMPUTE}/servers", status_code=409, json={"conflictingRequest": {
        "message": "Multiple possible networks found"}})
    response, server_id = server_flow._create(cloud, "img", "flv", None, "implicit")
    assert server_id is None and response.status_code == 409
    assert cloud.resources.entries[0].state == "deleted"
    assert cleanup(cloud.resources.entries, cloud.raw_requester()) == [] and not _deletes(m)


def test_a_lost_delete_answer_is_checked_over_http_and_is_not_a_leak(mocked):
    cloud, m = mocked
    entry = cloud.resources.intend("secgroup", journal.by_name(f"{NETWORK}/v2.0/security-groups?name={{name}}"),
                                   f"{NETWORK}/v2.0/security-groups/{{id}}")
    entry.created("g1")
    m.register_uri("DELETE", f"{NETWORK}/v2.0/security-groups/g1",
                   exc=requests.exceptions.ConnectionError("reset"))
    m.register_uri("GET", f"{NETWORK}/v2.0/security-groups/g1", status_code=404)
    assert cleanup(cloud.resources.entries, cloud.raw_requester(), FakeClock()) == []
    assert entry.state == "deleted" and len(_deletes(m)) == 1     # proved by the 404, not re-sent


def test_a_lost_delete_answer_of_a_delete_that_did_not_happen_is_sent_again(mocked):
    cloud, m = mocked
    entry = cloud.resources.intend("image", None, "http://glance/v2/images/{id}")
    entry.created("i1")
    m.register_uri("DELETE", "http://glance/v2/images/i1", [{"status_code": 503}, {"status_code": 204}])
    m.register_uri("GET", "http://glance/v2/images/i1", [{"status_code": 200, "json": {}}, {"status_code": 404}])
    assert cleanup(cloud.resources.entries, cloud.raw_requester(), FakeClock()) == []
    assert len(_deletes(m)) == 2


def test_a_signal_during_a_nameless_create_waits_for_its_answer(tmp_path):
    """nova-network floating IPs cannot be found again: Ctrl-C during their create is held
    until the answer is journaled, then takes effect, so cleanup knows the id."""
    import os
    import signal as signals
    entry_journal = journal.Journal(tmp_path / "journal.jsonl", "run1")
    entry = entry_journal.intend("floatingip", journal.new_ids("http://nova/os-floating-ips",
                                                               "floating_ips", ["1"]))

    def create():
        os.kill(os.getpid(), signals.SIGINT)     # arrives while the request is out
        return SimpleNamespace(status=200, body={"floating_ip": {"id": 7}})

    before = signals.getsignal(signals.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        entry_journal.create(entry, create, id_of=lambda a: a.body["floating_ip"]["id"])
    assert (entry.state, entry.id) == ("created", "7")
    assert signals.getsignal(signals.SIGINT) is before      # the run's own handler is back


def test_a_named_create_is_interrupted_at_once(tmp_path):
    import os
    import signal as signals
    entry_journal = journal.Journal(tmp_path / "journal.jsonl", "run1")
    entry = entry_journal.intend("image", journal.by_name("http://glance/v2/images?name={name}"))

    def create():
        os.kill(os.getpid(), signals.SIGINT)
        time.sleep(1)
        return SimpleNamespace(status=201, body={"id": "i1"})

    with pytest.raises(KeyboardInterrupt):
        entry_journal.create(entry, create, id_of=lambda a: a.body["id"])
    assert entry.state == "intended"     # cleanup finds it by name
