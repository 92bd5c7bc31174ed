"""The server boots in a background thread while probes read (issue 11): the memo makes it
once and the others wait, each exchange is evidence of its own thread's test, two threads
asking for one URL send one GET, and when the run ends the journal takes no more creates and
a background poll stops at once. Threads meet through Events here, never through sleeps."""

import threading

import pytest
import requests
import requests_mock

from os_interop import journal
from os_interop.flows import polling
from os_interop.flows import server as server_flow
from os_interop.flows.ahead import Ahead
from os_interop.memo import Interrupted
from os_interop.outcomes import Blocked, blocked
from os_interop.session import read_environment_once

from .test_reads import COMPUTE, IMAGE, cloud  # noqa: F401 - the fixture: a healthy v2 cloud

WAIT = 30   # an upper bound for a thread that should be moments away, not a timing


def _in_thread(target):
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_a_second_caller_waits_for_the_first_and_gets_the_same_value(cloud):
    started, release, calls, got = threading.Event(), threading.Event(), [], []

    def slow():
        calls.append(1)
        started.set()
        assert release.wait(WAIT)
        return "the server"
    first = _in_thread(lambda: got.append(cloud.remember("server", slow)))
    assert started.wait(WAIT)
    second = _in_thread(lambda: got.append(cloud.remember("server", lambda: calls.append(2) or "another")))
    release.set()
    first.join(WAIT), second.join(WAIT)
    assert got == ["the server", "the server"] and calls == [1]


@pytest.mark.parametrize("raise_it, outcome", [
    (lambda: blocked("no bootable image"), Blocked),
    (lambda: pytest.skip("no image service in the catalog"), pytest.skip.Exception)],
    ids=["blocked", "skipped"])
def test_a_block_or_skip_is_remembered_for_every_later_caller(cloud, raise_it, outcome):
    calls = []

    def compute():
        calls.append(1)
        raise_it()
    for _ in range(2):
        with pytest.raises(pytest.skip.Exception) as raised:
            cloud.remember("server", compute)
        assert type(raised.value) is outcome
    assert calls == [1]


def test_an_interrupted_computation_is_an_error_for_later_callers_not_a_value(cloud):
    def interrupted():
        raise KeyboardInterrupt("signal 2")
    with pytest.raises(KeyboardInterrupt):
        cloud.remember("server", interrupted)
    with pytest.raises(Interrupted):
        cloud.remember("server", lambda: "never computed again")


def test_each_exchange_is_evidence_of_the_test_of_its_own_thread(cloud):
    recorder = cloud.conn.recorder
    recorder.begin_test("probe-in-main")
    done = threading.Event()

    def boot_thread():
        recorder.begin_test("the-boot-test")
        cloud.answer("GET", f"{COMPUTE}/flavors/detail")
        done.set()
    _in_thread(boot_thread).join(WAIT)
    assert done.is_set()
    cloud.answer("GET", f"{IMAGE}/v2/schemas/image")
    tests = {r["url"]: r["test"] for r in cloud.recorded().values()}
    assert tests == {f"{COMPUTE}/flavors/detail": "the-boot-test",
                     f"{IMAGE}/v2/schemas/image": "probe-in-main"}
    assert [cloud.recorded()[i]["url"] for i in recorder.used()] == [f"{IMAGE}/v2/schemas/image"]


def test_two_threads_asking_for_one_url_send_one_get_and_both_are_credited(cloud, monkeypatch):
    url = f"{COMPUTE}/flavors/detail"
    in_flight, release, saw_busy = threading.Event(), threading.Event(), threading.Event()
    flavors = {"flavors": [{"id": "f1", "ram": 64, "disk": 1, "vcpus": 1}]}

    def held(request, context):
        in_flight.set()
        assert release.wait(WAIT)
        return flavors
    route = cloud.mock.register_uri("GET", url, json=held)

    class Spy(dict):     # sees the second thread find the URL being fetched
        def get(self, key, default=None):
            found = super().get(key, default)
            if found is not None:
                saw_busy.set()
            return found
    monkeypatch.setattr(cloud.conn.recorder, "_fetching", Spy())
    used = {}

    def read(name):
        cloud.conn.recorder.begin_test(name)
        used[name] = (cloud.answer("GET", url).body, cloud.conn.recorder.used())
    first = _in_thread(lambda: read("first"))
    assert in_flight.wait(WAIT)
    second = _in_thread(lambda: read("second"))
    assert saw_busy.wait(WAIT)
    release.set()
    first.join(WAIT), second.join(WAIT)
    assert route.call_count == 1
    assert used["first"] == used["second"] == (flavors, used["first"][1]) and len(used["first"][1]) == 1


def test_a_closed_journal_takes_no_create(cloud):
    cloud.resources.close()
    with pytest.raises(journal.Closed):
        cloud.resources.intend("server")
    assert cloud.resources.entries == []


def test_a_wait_whose_stop_is_set_ends_at_once_with_stopped():
    stop, polls = threading.Event(), []
    stop.set()
    with pytest.raises(polling.Stopped):
        polling.wait_for(lambda: polls.append(1), lambda _: False, timeout=3600, stop=stop)
    assert polls == [1]


def test_the_pause_starts_short_and_grows_to_its_cap():
    pauses = polling.pauses(0.05, 2.0)
    assert [next(pauses) for _ in range(8)] == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]


def test_stopping_a_background_boot_leaves_its_server_journaled_and_creates_nothing_more(cloud):
    """The boot polls a server that never settles; stop() ends the poll, the server's create
    stays journaled for cleanup, and the boot's outcome is the stop, not a verdict."""
    cloud.mock.register_uri("GET", f"{COMPUTE}/servers/s1", json={"server": {"id": "s1", "status": "BUILD"}})
    polled = threading.Event()
    real_poll = server_flow._poll

    def poll(c, url):
        polled.set()
        return real_poll(c, url)
    server_flow_poll = pytest.MonkeyPatch()
    server_flow_poll.setattr(server_flow, "_poll", poll)
    try:
        ahead = Ahead(cloud, "server", lambda: server_flow.boot(cloud, {"id": "pub"}),
                      "tests/network_attach/test_server_boot.py::test_a_server_boots_on_a_network").start()
        assert polled.wait(WAIT)
        assert ahead.stop()
    finally:
        server_flow_poll.undo()
    assert [(e.kind, e.state, e.id) for e in cloud.resources.entries] == [("server", "created", "s1")]
    with pytest.raises(polling.Stopped):
        cloud.remember("server", lambda: "not booted again")
    records = cloud.recorded().values()
    assert {r["test"] for r in records} == {ahead.test_id}


def test_an_environment_changing_while_requests_reads_it_is_read_again(monkeypatch):
    """pytest removes PYTEST_CURRENT_TEST in the main thread while the boot's thread has
    requests iterate os.environ for proxies: the KeyError that race raises is read past."""
    http = requests.Session()
    adapter = requests_mock.Adapter()
    http.mount("http://", adapter)
    adapter.register_uri("GET", "http://x/", text="ok")
    real, reads = requests.sessions.get_environ_proxies, []

    def racing(url, no_proxy=None):
        reads.append(url)
        if len(reads) == 1:
            raise KeyError("PYTEST_CURRENT_TEST")
        return real(url, no_proxy=no_proxy)
    monkeypatch.setattr(requests.sessions, "get_environ_proxies", racing)
    read_environment_once(http)
    assert http.get("http://x/").text == "ok"
    assert (len(reads), adapter.call_count) == (2, 1)


def test_the_environment_is_read_once_per_origin_and_each_request_gets_its_own_settings(monkeypatch):
    """requests would iterate os.environ for proxies before every request: a run reads each
    origin's settings once (no_proxy decides per host), and no request can change another's."""
    http = requests.Session()
    adapter = requests_mock.Adapter()
    http.mount("http://", adapter)
    adapter.register_uri("GET", requests_mock.ANY, text="ok")
    real, reads = requests.sessions.get_environ_proxies, []

    def counted(url, no_proxy=None):
        reads.append(url)
        return real(url, no_proxy=no_proxy)
    monkeypatch.setattr(requests.sessions, "get_environ_proxies", counted)
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("no_proxy", "near")
    read_environment_once(http)
    for url in ("http://far/a", "http://far/b?x=1", "http://near/c", "http://far:8080/d", "http://far/e"):
        http.get(url)
    assert [u.split("/")[2] for u in reads] == ["far", "near", "far:8080"]
    first = http.merge_environment_settings("http://far/f", {}, None, None, None)
    first["proxies"]["http"] = "changed"
    again = http.merge_environment_settings("http://far/g", {}, None, None, None)
    assert again["proxies"]["http"] == "http://proxy.invalid:3128"
    assert http.merge_environment_settings("http://near/h", {}, None, None, None)["proxies"] == {}
    assert len(reads) == 3
