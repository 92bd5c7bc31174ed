"""The pytest plugin: clouds become parameters, capabilities become markers, results come out.

Roles follow pytest-xdist: *workers* run probes against clouds and clean up what they
created; the *controller* folds reports into one results document per cloud. Without
xdist one process plays both roles. Everything a worker tells the controller travels in
`user_properties`, the channel xdist already serialises.
"""

from __future__ import annotations

import json
import re
import signal
import threading
from typing import Any, Callable, Iterator

import pytest

from os_interop.capabilities import COSTS, GROUPS
from os_interop.cloud import CloudUnderTest
from os_interop.controller import PROP, ReportCollector, leftovers, write_cloud_results
from os_interop.answers import Unknown
from os_interop.errors import CloudUnavailable
from os_interop.outcomes import BLOCKED, Blocked
from os_interop.runstate import RunState
_NODEID = re.compile(r"^(?P<base>[^\[@]+)(\[(?P<param>[^\]]*)\])?(@.*)?$")


def parse_nodeid(nodeid: str) -> tuple[str, str | None]:
    """'tests/x/test_a.py::test_b[cloud]@cloud' -> ('tests/x/test_a.py::test_b', 'cloud')."""
    m = _NODEID.match(nodeid)
    return (m["base"], m["param"]) if m else (nodeid, None)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("os-interop", "OpenStack interoperability probes")
    group.addoption("--os-cloud", action="append", default=[], dest="osi_clouds", metavar="NAME",
                    help="cloud from clouds.yaml to probe (repeatable; default: $OS_CLOUD)")
    group.addoption("--osi-out", default="osi-results", metavar="DIR",
                    help="where <cloud>/results.json and evidence.jsonl go (default: osi-results)")
    group.addoption("--osi-run-id", default=None, metavar="ID",
                    help="run id to use (default: a new one); names are osi-<id>-...")
    group.addoption("--read-only", action="store_true", dest="osi_read_only",
                    help="run only probes that create nothing")
    group.addoption("--osi-guideline", default=None, metavar="ID",
                    help="guideline the results name (default: the newest effective one)")
    group.addoption("--osi-replay", default=None, metavar="DIR",
                    help="answer every request from DIR/evidence.jsonl, never the network (os-interop verify)")
    group.addoption("--osi-progress", action="store_true",
                    help="print one line per capability as it completes")


_STATE = pytest.StashKey["RunState"]()


def _signal_handler(state: RunState) -> Callable[[int, Any], None]:
    """SIGINT/SIGTERM: the first unwinds the run, so that cleanup runs; one arriving while
    cleanup runs stops it (results and merged evidence are still written, and what may be
    left is printed with the command that deletes it); any later one is ignored."""
    def handle(signum: int, frame: Any) -> None:
        if not state.interrupted and not state.in_cleanup:
            state.interrupted = True
            raise KeyboardInterrupt(f"signal {signum}")
        if not state.cleanup_stopped:
            state.cleanup_stopped = True
            if state.in_cleanup:
                raise KeyboardInterrupt(f"signal {signum} during cleanup")
    return handle


def pytest_configure(config: pytest.Config) -> None:
    for group in GROUPS:
        config.addinivalue_line("markers", f"{group}: probes of the {group} pain point")
    for cost in COSTS:
        config.addinivalue_line("markers", f"{cost.replace('-', '_')}: probes whose cost is {cost}")
    if config.option.osi_replay:
        from os_interop import replay
        replay.activate(config.option.osi_replay)
    state = config.stash[_STATE] = RunState(config)
    if threading.current_thread() is threading.main_thread():
        handler = _signal_handler(state)
        for signum, default in ((signal.SIGTERM, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler)):
            if signal.getsignal(signum) is default:
                signal.signal(signum, handler)
    if not state.is_worker:
        config.pluginmanager.register(ReportCollector(state), "os-interop-collector")


def state_of(config: pytest.Config) -> RunState:
    return config.stash[_STATE]


# -- collection -------------------------------------------------------------------------
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "osi_cloud_name" in metafunc.fixturenames:
        clouds = state_of(metafunc.config).clouds()
        metafunc.parametrize("osi_cloud_name", clouds, ids=clouds)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    state = state_of(config)
    if state.usage_error:
        pytest.exit(f"os-interop: {state.usage_error}", returncode=pytest.ExitCode.USAGE_ERROR)
    probes = [i for i in items if "osi_cloud_name" in getattr(i, "fixturenames", ())]
    if not probes:
        return
    registry = state.registry
    for item in probes:
        base, cloud = parse_nodeid(item.nodeid)
        caps = registry.for_test(base)
        if not caps:
            pytest.exit(f"os-interop: {base} is not listed under `tests:` of any capability in "
                        "capabilities/*.yaml; add it there", returncode=pytest.ExitCode.USAGE_ERROR)
        item.add_marker(caps[0].group)
        item.add_marker(registry.test_cost(base).replace("-", "_"))
    if config.option.osi_read_only:
        keep = [i for i in items if i not in probes or i.get_closest_marker("read_only")]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    def rank(item: pytest.Item) -> tuple[int, int]:
        base = parse_nodeid(item.nodeid)[0]
        caps = registry.for_test(base)
        if not caps:
            return (0, 0)
        return COSTS.index(registry.test_cost(base)), GROUPS.index(caps[0].group)
    items.sort(key=rank)   # read-only probes first, then by pain point (stable within)


def _expect(state: RunState, nodeids: list[str]) -> None:
    for nodeid in nodeids:
        base, cloud = parse_nodeid(nodeid)
        if cloud is not None and state.registry.for_test(base):
            state.expected.setdefault(cloud, set()).add(base)


def pytest_collection_finish(session: pytest.Session) -> None:
    state = state_of(session.config)
    if not state.is_worker:
        _expect(state, [i.nodeid for i in session.items])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    _expect(state_of(node.config), ids)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Probes of one cloud stay on one worker (see scheduling.py)."""
    from os_interop.scheduling import make_scheduler
    return make_scheduler(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput["osi_run_id"] = state_of(node.config).run_id


# -- fixtures probes use ----------------------------------------------------------------
@pytest.fixture
def cloud(request: pytest.FixtureRequest, osi_cloud_name: str) -> Iterator[CloudUnderTest]:
    """The cloud under test (connection, catalog, HTTP with evidence, journal)."""
    state = state_of(request.config)
    try:
        ctx = state.cloud(osi_cloud_name)
    except CloudUnavailable as exc:
        request.node.user_properties.append((PROP, {"cloud_error": str(exc), "cloud_error_kind": exc.kind}))
        pytest.fail(str(exc), pytrace=False)
    while ctx.conn.warnings:      # told once, by the first probe on this cloud
        request.node.user_properties.append((PROP, {"cloud_warning": ctx.conn.warnings.pop(0)}))
    ctx.conn.recorder.begin_test(parse_nodeid(request.node.nodeid)[0])
    yield ctx
    ctx.conn.recorder.begin_test(None)


@pytest.fixture
def observe(request: pytest.FixtureRequest, cloud: CloudUnderTest) -> Callable[[str, Any], None]:
    """observe(key, value): record what the cloud does, with the exchanges behind it."""
    known = state_of(request.config).registry.known_keys()
    test = parse_nodeid(request.node.nodeid)[0]

    def record(key: str, value: Any) -> None:
        if key not in known:
            raise KeyError(f"observation key {key!r} is not declared by any capability")
        value = json.loads(json.dumps(value))    # JSON only, and a copy
        request.node.user_properties.append((PROP, {"observation": {
            "key": key, "value": value, "test": test, "evidence": cloud.conn.recorder.used()}}))
    return record


# -- reports: worker annotates, controller folds ------------------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if "osi_cloud_name" not in getattr(item, "fixturenames", ()):
        return
    base, cloud = parse_nodeid(item.nodeid)
    meta: dict[str, Any] = {"test": base, "cloud": cloud}
    if report.failed and call.excinfo is not None:
        assertion = call.excinfo.errisinstance((AssertionError, pytest.fail.Exception))
        meta["kind"] = "fail" if assertion and call.when == "call" else "error"
        if call.excinfo.errisinstance(Unknown):   # an answer that could not be read
            meta["message"] = _redacted(item, "unknown answer: " + str(call.excinfo.value))
        else:
            meta["message"] = _redacted(item, _first_line(call.excinfo.exconly()))
    elif report.skipped and isinstance(report.longrepr, tuple):
        message = str(report.longrepr[2]).removeprefix("Skipped: ").removeprefix("Blocked: ")
        meta["message"] = _redacted(item, message)
        if call.excinfo is not None and call.excinfo.errisinstance(Blocked):
            meta["kind"] = BLOCKED    # a prerequisite failed: not ok for a required capability
    report.user_properties = list(report.user_properties) + [(PROP, meta)]
    _scrub_report(item, report)


def _scrub_report(item: pytest.Item, report: pytest.TestReport) -> None:
    """Tracebacks and captured output go to junit and the terminal: no token the run learned."""
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        scrubbed = _redacted(item, text)
        if scrubbed != text:
            report.longrepr = scrubbed
    report.sections = [(title, _redacted(item, content)) for title, content in report.sections]


def _first_line(text: str) -> str:
    text = text.removeprefix("AssertionError: ").removeprefix("Failed: ")
    return text.strip().splitlines()[0] if text.strip() else text


def _redacted(item: pytest.Item, text: str) -> str:
    state = state_of(item.config)
    for ctx in state.connections.values():
        if isinstance(ctx, CloudUnderTest):
            text = ctx.conn.redactor.text(text)
    return text


# -- the end: workers clean up, the controller sweeps leftovers and writes results ---------
@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = state_of(session.config)
    state.clean_up_workers_clouds()
    if state.is_worker:
        return
    clouds = sorted(set(state.expected) | set(state.tests))
    if not clouds:
        return
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED or state.interrupted
    documents = [json.loads(write_cloud_results(state, name, interrupted).read_text()) for name in clouds]
    state.progress.summary(documents)
    leftovers(state, documents)


