"""The pytest plugin: targets become parameters, capabilities become markers, reports carry
what the probes observed.

A probe's target is data: the `osi_target` parameter (a targets.Target) stashed on its item
at collection, never read back out of a node id. What a probe observed rides on its
TestReport (`report.osi`) through pytest_report_to_serializable/from_serializable, the
channel pytest-xdist and os_interop.forking use to carry reports between processes. The
controlling process folds them (controller.Collector), announces each settled capability
(events.py) to the progress display and the results writer, and prints through pytest's
terminal reporter.
"""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest

from os_interop import interrupts
from os_interop.answers import Unknown
from os_interop.capabilities import COSTS, GROUPS
from os_interop.cloud import CloudUnderTest
from os_interop.controller import Collector, ResultsWriter, leftovers
from os_interop.errors import CloudUnavailable
from os_interop.events import TargetStarted
from os_interop.outcomes import BLOCKED, Blocked
from os_interop.progress import Progress
from os_interop.runstate import RunState
from os_interop.targets import Target


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("os-interop", "OpenStack interoperability probes")
    group.addoption("--os-cloud", action="append", default=[], dest="osi_clouds", metavar="NAME",
                    help="cloud from clouds.yaml to probe (repeatable; default: $OS_CLOUD)")
    group.addoption("--osi-out", default="osi-results", metavar="DIR",
                    help="where <target>/results.json and evidence.jsonl go (default: osi-results)")
    group.addoption("--osi-run-id", default=None, metavar="ID",
                    help="run id to use (default: a new one); names are osi-<id>-...")
    group.addoption("--read-only", action="store_true", dest="osi_read_only",
                    help="run only probes that create nothing")
    group.addoption("--osi-guideline", default=None, metavar="ID",
                    help="guideline the results name (default: the newest effective one)")
    group.addoption("--osi-replay", default=None, metavar="DIR",
                    help="answer every request from DIR/evidence.jsonl, never the network (os-interop verify)")
    group.addoption("--osi-progress", action="store_true",
                    help="report each capability as it settles, and a summary at the end")
    group.addoption("--osi-processes", default=None, metavar="N|auto", type=_processes,
                    help="probe each target in its own forked process, at most N at a time "
                         "(auto: as many as memory holds; 0 or unset: in this process)")


def _processes(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise pytest.UsageError(f"--osi-processes needs a whole number or 'auto', not {text!r}")
    return value


@dataclass(frozen=True)
class Probe:
    test: str        # the capability files' name: tests/<group>/test_x.py::test_y
    target: Target


PROBE = pytest.StashKey[Probe]()
_STATE = pytest.StashKey[RunState]()
_COLLECTOR = "os-interop-collector"


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
    config.addinivalue_line("markers", "xdist_group(name): pytest-xdist's group (a probe's target)")
    state = config.stash[_STATE] = RunState(config)
    state.signal_handler = _signal_handler(state)
    if threading.current_thread() is threading.main_thread():
        for signum, default in ((signal.SIGTERM, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler)):
            if signal.getsignal(signum) is default:
                signal.signal(signum, state.signal_handler)
    if state.is_worker:
        return
    state.progress = Progress(None, live=False)
    state.collector = Collector(state, [state.progress])
    state.writer = ResultsWriter(state, state.collector, lambda: state.interrupted or state.session_interrupted)
    config.pluginmanager.register(state.collector, _COLLECTOR)


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo) -> None:
    """Before the terminal reporter renders the interrupt: no traceback entry without a line."""
    interrupts.with_line_numbers(excinfo.value)
    excinfo.traceback = type(excinfo.traceback)(excinfo.value.__traceback__)


def state_of(config: pytest.Config) -> RunState:
    return config.stash[_STATE]


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """The terminal reporter exists now: the progress display writes through it."""
    state = state_of(session.config)
    if state.is_worker or not session.config.option.osi_progress:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    state.progress.reporter = reporter
    state.progress.live = bool(reporter and reporter.isatty() and session.config.option.verbose <= 0)


# -- collection -------------------------------------------------------------------------
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "osi_target" in metafunc.fixturenames:
        found = state_of(metafunc.config).targets()
        metafunc.parametrize("osi_target", found, ids=[t.label for t in found])


def _test_name(item: pytest.Item) -> str:
    """tests/<group>/test_x.py::test_y: the probe's name in capabilities/*.yaml."""
    return f"{item.parent.nodeid}::{getattr(item, 'originalname', item.name)}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    state = state_of(config)
    if state.usage_error:
        pytest.exit(f"os-interop: {state.usage_error}", returncode=pytest.ExitCode.USAGE_ERROR)
    registry = state.registry
    ranks: dict[pytest.Item, tuple[int, int, int]] = {}
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or "osi_target" not in callspec.params:
            continue
        test = _test_name(item)
        caps = registry.for_test(test)
        if not caps:
            pytest.exit(f"os-interop: {test} is not listed under `tests:` of any capability in "
                        "capabilities/*.yaml; add it there", returncode=pytest.ExitCode.USAGE_ERROR)
        target = callspec.params["osi_target"]
        item.stash[PROBE] = Probe(test, target)
        cost = registry.test_cost(test)
        item.add_marker(caps[0].group)
        item.add_marker(cost.replace("-", "_"))
        item.add_marker(pytest.mark.xdist_group(target.label))
        # a probe acting while the server builds (tests/conftest.py run_ported) goes before
        # those that wait for it, or it would wait too
        early = 0 if "run_ported" in getattr(item, "fixturenames", ()) else 1
        ranks[item] = (COSTS.index(cost), early, GROUPS.index(caps[0].group))
    if config.option.osi_read_only:
        keep = [i for i in items if i not in ranks or i.get_closest_marker("read_only")]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    items.sort(key=lambda i: ranks.get(i, (0, 0, 0)))   # read-only probes first, then by pain point


def pytest_collection_finish(session: pytest.Session) -> None:
    state = state_of(session.config)
    if state.is_worker:
        return
    for item in session.items:
        if PROBE in item.stash:
            probe = item.stash[PROBE]
            state.collector.expect(probe.target.label, probe.test)
    if not session.config.option.osi_processes:
        for label in state.collector.expected:
            state.progress.handle(TargetStarted(label, _settling(state, label)))


def _settling(state: RunState, label: str) -> int:
    """How many capabilities will settle on a target: those with a selected probe."""
    tests = state.collector.expected.get(label, set())
    return sum(1 for c in state.registry.capabilities if not tests.isdisjoint(c.tests))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Probes of one target stay on one worker (see scheduling.py)."""
    from os_interop.scheduling import TargetScheduling
    state = state_of(config)
    found = state.targets()
    if state.usage_error:        # no target (xdist running other tests): xdist's own choice
        return None
    return TargetScheduling(config, log, [t.label for t in found])


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput["osi_run_id"] = state_of(node.config).run_id


# -- running: in this process, or one forked child per target ---------------------------
@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    config = session.config
    processes = config.option.osi_processes
    if not processes or config.option.collectonly or (
            session.testsfailed and not config.option.continue_on_collection_errors):
        return None         # pytest's own loop (which stops on collection errors)
    state = state_of(config)
    if state.is_worker:
        return None
    from os_interop import forking
    from os_interop.admission import Admission
    groups: dict[str, list[pytest.Item]] = {}
    here: list[pytest.Item] = []
    for item in session.items:
        probe = item.stash.get(PROBE, None)
        (groups.setdefault(probe.target.label, []) if probe else here).append(item)
    for i, item in enumerate(here):   # anything that is not a probe runs in this process
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=here[i + 1] if i + 1 < len(here) else None)
    admission = Admission.for_run(processes, len(groups))

    def started(label: str) -> None:
        state.progress.handle(TargetStarted(label, _settling(state, label)))

    forking.run(session, list(groups.items()), admission, state, started,
                lambda label, died: state.writer.finish(label, died), state.progress.tick)
    if state.interrupted:
        raise session.Interrupted("os-interop: interrupted; each target cleaned up what the run created")
    return True


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple | None:
    """`os-interop run` without -v: settled capabilities are the progress, not a letter per probe."""
    if not (config.option.osi_progress and config.option.verbose <= 0 and getattr(report, "osi", None)):
        return None
    if report.when != "call" and report.passed:
        return "", "", ""             # as pytest counts: a passed setup or teardown is no result
    return ("error" if report.failed and report.when != "call" else report.outcome), "", ""


# -- fixtures probes use ----------------------------------------------------------------
def _note(request: pytest.FixtureRequest, **meta: Any) -> None:
    """Meta for this probe's next report (plugin.pytest_runtest_makereport attaches it)."""
    request.node.stash.setdefault(_PENDING, {}).update(meta)


_PENDING = pytest.StashKey[dict]()
_OBSERVED = pytest.StashKey[list]()


@pytest.fixture
def cloud(request: pytest.FixtureRequest, osi_target: Target) -> Iterator[CloudUnderTest]:
    """The cloud under test (connection, catalog, HTTP with evidence, journal)."""
    state = state_of(request.config)
    try:
        ctx = state.cloud(osi_target)
    except CloudUnavailable as exc:
        _note(request, cloud_error=str(exc), cloud_error_kind=exc.kind)
        failed = str(exc)
    else:
        failed = None
    if failed is not None:      # outside the except: pytest's report shows the line once
        pytest.fail(failed, pytrace=False)
    if ctx.conn.warnings:      # told once, by the first probe on this cloud
        _note(request, cloud_warning=ctx.conn.warnings.pop(0))
    ctx.conn.recorder.begin_test(request.node.stash[PROBE].test)
    yield ctx
    ctx.conn.recorder.begin_test(None)


@pytest.fixture
def observe(request: pytest.FixtureRequest, cloud: CloudUnderTest) -> Callable[[str, Any], None]:
    """observe(key, value): record what the cloud does, with the exchanges behind it."""
    known = state_of(request.config).registry.known_keys()
    test = request.node.stash[PROBE].test
    observed = request.node.stash.setdefault(_OBSERVED, [])

    def record(key: str, value: Any) -> None:
        if key not in known:
            raise KeyError(f"observation key {key!r} is not declared by any capability")
        value = json.loads(json.dumps(value))    # JSON only, and a copy
        observed.append({"key": key, "value": value, "test": test,
                         "evidence": cloud.conn.recorder.used()})
    return record


# -- reports: the probe's process annotates, the controlling process folds -----------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    probe = item.stash.get(PROBE, None)
    if probe is None:
        return
    meta: dict[str, Any] = {"test": probe.test, "target": probe.target.label}
    meta.update(item.stash.get(_PENDING, {}))
    item.stash[_PENDING] = {}
    observed = item.stash.get(_OBSERVED, [])
    if observed:             # each observation rides on the report of the phase that made it
        meta["observations"] = list(observed)
        observed.clear()
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
    report.osi = meta
    _scrub_report(item, report)


@pytest.hookimpl(hookwrapper=True)
def pytest_report_to_serializable(config: pytest.Config, report: Any) -> Iterator[None]:
    outcome = yield
    data = outcome.get_result()
    if data is not None and getattr(report, "osi", None) is not None:
        data["osi"] = report.osi


@pytest.hookimpl(hookwrapper=True)
def pytest_report_from_serializable(config: pytest.Config, data: dict) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report is not None and "osi" in data:
        report.osi = data["osi"]


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


# -- the end: clean up what this process created, sweep, write results, summarise --------
@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = state_of(session.config)
    state.clean_up_connections()
    if state.is_worker:
        return
    state.session_interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
    labels = state.collector.labels()
    documents = [state.writer.finish(label) for label in labels]
    if state.given is not None:
        state.given.documents[:] = documents
    state.documents = documents
    leftovers(state, documents)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = state_of(config)
    if not state.is_worker and config.option.osi_progress:
        state.progress.summary(state.documents)
