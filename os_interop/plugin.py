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
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from os_interop import capabilities, results, suite, targets
from os_interop.capabilities import COSTS, GROUPS, Registry
from os_interop.cloud import CloudUnderTest
from os_interop.errors import CloudUnavailable, UserError
from os_interop.outcomes import Observation, TestResult
from os_interop.progress import Progress
from os_interop.resources import cleanup, new_run_id, read_journals
from os_interop.session import CloudConnection

PROP = "osi"   # user_properties entries are ("osi", {...})
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
    group.addoption("--osi-progress", action="store_true",
                    help="print one line per capability as it completes")


_STATE = pytest.StashKey["RunState"]()


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    for group in GROUPS:
        config.addinivalue_line("markers", f"{group}: probes of the {group} pain point")
    for cost in COSTS:
        config.addinivalue_line("markers", f"{cost.replace('-', '_')}: probes whose cost is {cost}")
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)   # so teardown cleans up
    state = config.stash[_STATE] = RunState(config)
    if not state.is_worker:
        config.pluginmanager.register(ReportCollector(state), "os-interop-collector")


def state_of(config: pytest.Config) -> "RunState":
    return config.stash[_STATE]


class RunState:
    """Per-process state of an os-interop run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        workerinput = getattr(config, "workerinput", None)
        self.is_worker = workerinput is not None
        self.worker = workerinput["workerid"] if workerinput else "main"
        self.run_id = (workerinput or {}).get("osi_run_id") or config.option.osi_run_id or new_run_id()
        self.out = Path(config.option.osi_out).resolve()
        self._registry: Registry | None = None
        self._clouds: list[str] | None = None
        self.usage_error: str | None = None
        self.started = time.time()
        # worker side
        self.connections: dict[str, CloudUnderTest | CloudUnavailable] = {}
        # controller side
        self.tests: dict[str, dict[str, TestResult]] = {}
        self.observations: dict[str, dict[str, Observation]] = {}
        self.cloud_errors: dict[str, str] = {}
        self.expected: dict[str, set[str]] = {}
        self.progress = Progress(enabled=config.option.osi_progress)

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = capabilities.load()
        return self._registry

    def clouds(self) -> list[str]:
        """The clouds to probe; a configuration problem is kept for collection's end, where it
        stops the run with one line instead of one error per probe module."""
        if self._clouds is None:
            try:
                self._clouds = targets.resolve_names(self.config.option.osi_clouds)
            except UserError as exc:
                self.usage_error = str(exc)
                self._clouds = ["(no cloud)"]
        return self._clouds

    # -- worker: one connection per cloud, made once, failures remembered ---------------
    def cloud(self, name: str) -> CloudUnderTest:
        if name not in self.connections:
            try:
                self.connections[name] = CloudUnderTest(name, self.run_id, self.out, self.worker)
            except UserError as exc:
                self.connections[name] = exc if isinstance(exc, CloudUnavailable) else CloudUnavailable(str(exc))
        found = self.connections[name]
        if isinstance(found, CloudUnavailable):
            raise found
        return found

    def clean_up_workers_clouds(self) -> None:
        for ctx in self.connections.values():
            if isinstance(ctx, CloudUnderTest):
                ctx.conn.recorder.begin_test("(cleanup)")
                cleanup(ctx.resources.entries, ctx.raw_requester())


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
        item.add_marker(pytest.mark.xdist_group(cloud))
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
        request.node.user_properties.append((PROP, {"cloud_error": str(exc)}))
        pytest.fail(str(exc), pytrace=False)
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


@pytest.fixture
def run_id(request: pytest.FixtureRequest) -> str:
    return state_of(request.config).run_id


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
        meta["message"] = _redacted(item, _first_line(call.excinfo.exconly()))
    elif report.skipped and isinstance(report.longrepr, tuple):
        meta["message"] = _redacted(item, str(report.longrepr[2]).removeprefix("Skipped: "))
    report.user_properties = list(report.user_properties) + [(PROP, meta)]


def _first_line(text: str) -> str:
    text = text.removeprefix("AssertionError: ").removeprefix("Failed: ")
    return text.strip().splitlines()[0] if text.strip() else text


def _redacted(item: pytest.Item, text: str) -> str:
    state = state_of(item.config)
    for ctx in state.connections.values():
        if isinstance(ctx, CloudUnderTest):
            text = ctx.conn.redactor.text(text)
    return text


class ReportCollector:
    """Controller role: folds every test report into per-cloud tests and observations."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        meta: dict[str, Any] = {}
        observations: list[dict] = []
        for name, value in report.user_properties:
            if name == PROP and "observation" in value:
                observations.append(value["observation"])
            elif name == PROP:
                meta.update(value)
        if "test" not in meta:
            return
        state, cloud, test = self.state, meta["cloud"], meta["test"]
        if "cloud_error" in meta:
            state.cloud_errors[cloud] = meta["cloud_error"]
        result = state.tests.setdefault(cloud, {}).setdefault(test, TestResult(test))
        for o in observations:
            state.observations.setdefault(cloud, {})[o["key"]] = Observation(**o)
        result.add_phase(report.when, report.outcome, meta.get("kind"), meta.get("message"),
                         report.duration)
        if result.done:
            state.progress.test_done(state, cloud, test)


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
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
    paths = [write_cloud_results(state, name, interrupted) for name in clouds]
    state.progress.summary([json.loads(p.read_text()) for p in paths])


def _sweep(state: RunState, name: str) -> list:
    """Journaled resources no worker deleted (a worker killed, Ctrl-C): delete them now."""
    entries = read_journals((state.out / name).glob("journal-*.jsonl"), state.run_id)
    if any(e.state in ("intended", "created", "leaked") for e in entries):
        try:
            conn = CloudUnderTest(name, state.run_id, state.out, "sweep")
            cleanup(entries, conn.raw_requester())
        except (UserError, Exception) as exc:  # the leak is reported, never hidden
            for e in entries:
                if e.state in ("intended", "created"):
                    e.state, e.reason = "leaked", f"cleanup could not run: {exc}"
    return entries


def write_cloud_results(state: RunState, name: str, interrupted: bool) -> Path:
    cloud_dir = state.out / name
    entries = _sweep(state, name)
    requests = results.merge_evidence(cloud_dir) if cloud_dir.exists() else 0
    try:
        described = targets.target(name).describe()
    except UserError:
        described = {"name": name, "region": None, "auth_url": None}
    option = state.config.option
    selection = [s for s in (
        "--read-only" if option.osi_read_only else "",
        f"-k {option.keyword}" if option.keyword else "",
        f"-m {option.markexpr}" if option.markexpr else "") if s]
    run = {"id": state.run_id, "started": results.iso(state.started),
           "finished": results.iso(time.time()), "selection": selection, "requests": requests,
           "interrupted": interrupted, "error": state.cloud_errors.get(name)}
    document = results.build(state.registry, described, run, state.tests.get(name, {}),
                             state.observations.get(name, {}), entries)
    return results.write(cloud_dir, document)
