"""One forked child per target, after imports and collection, its reports streamed back.

The parent has imported everything and collected every probe once; a child forked from it
shares that memory copy-on-write, runs the runtest protocol for its own target's probes
(its session holds only those), cleans up what it created, and exits. Each report travels
through pytest_report_to_serializable / pytest_report_from_serializable, the hooks
pytest-xdist uses, and the parent fires pytest_runtest_logreport with it: pytest's terminal,
--junitxml and the os-interop collector see every report as if it ran here.

The parent freezes its heap (gc.freeze) before every fork: no collection in a child walks,
and so copies, the parent's objects, including the reports replayed since the last fork (not
freezing those made every child's collections grow with the run). The heap stays frozen
after the run: the unraisable-exception plugin's collection at exit then walks only what was
made since the last fork, not the whole imported SDK (measured: 70 ms of a 1 s run).

Waits are I/O (the cloud answers slowly, a server builds), so many children sleep at once;
admission.py says how many may: memory bounds them, their demand for CPU paces them. A
child whose server builds says so and yields the CPU (critical_path.py): it no longer counts
as contending for a core. The parent sleeps in select() on their pipes. Signals: a child is
its own process group (a terminal's Ctrl-C reaches the parent only) and the parent forwards
each SIGINT/SIGTERM to every child once: the first makes them clean up, a second stops their
cleanup, as in a single process.
"""

from __future__ import annotations

import builtins
import gc
import json
import os
import selectors
import signal
import sys
import threading
import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from os_interop import critical_path
from os_interop.admission import Admission

TICK = 0.5      # seconds between progress ticks while no child speaks


@dataclass
class Child:
    label: str
    pid: int
    fd: int
    buffer: bytearray = field(default_factory=bytearray)
    finished: bool = False        # it said it was done (else: it died)
    yielded: bool = False         # its server builds: it no longer contends for a core


class Forwarder:
    """In a child: every report and test boundary goes to the parent, one JSON line each.
    The boot's thread sends too (critical_path.py): a line longer than a pipe's atomic write
    must not interleave with another, so one thread writes at a time."""

    def __init__(self, config: pytest.Config, fd: int) -> None:
        self.config, self.fd = config, fd
        self.lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        with self.lock:
            while data:
                data = data[os.write(self.fd, data):]

    def pytest_runtest_logstart(self, nodeid: str, location: tuple) -> None:
        self.send({"event": "logstart", "nodeid": nodeid, "location": location})

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple) -> None:
        self.send({"event": "logfinish", "nodeid": nodeid, "location": location})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.send({"event": "report", "data": self.config.hook.pytest_report_to_serializable(
            config=self.config, report=report)})

    def pytest_warning_recorded(self, warning_message: warnings.WarningMessage, when: str,
                                nodeid: str, location: Any) -> None:
        self.send({"event": "warning", "message": str(warning_message.message),
                   "category": warning_message.category.__name__, "filename": warning_message.filename,
                   "lineno": warning_message.lineno, "when": when, "nodeid": nodeid})


# reporters that live in the parent; in a child they would report a second time
PARENT_ONLY = ("terminalreporter", "os-interop-collector")


def _become_child(session: pytest.Session, fd: int) -> None:
    os.setpgid(0, 0)
    _die_with_parent()
    config = session.config
    pm = config.pluginmanager
    for name in PARENT_ONLY:
        plugin = pm.get_plugin(name)
        if plugin is not None:
            pm.unregister(plugin)
    from _pytest.junitxml import xml_key      # --junitxml's writer: the parent's alone
    xml = config.stash.get(xml_key, None)
    if xml is not None:
        pm.unregister(xml)
    capman = pm.get_plugin("capturemanager")
    if capman is not None and capman.is_globally_capturing():
        # the parent's capture files are shared with every child: take fresh ones
        capman.stop_global_capturing()
        capman.start_global_capturing()
        capman.suspend_global_capture()
    forwarder = Forwarder(config, fd)
    pm.register(forwarder, "os-interop-forwarder")
    critical_path.enable(lambda: forwarder.send({"event": "yielded"}))


_LIBC: list[Any] = []     # loaded before forking: ctypes costs a child 2 MiB of its own


def _die_with_parent() -> None:
    """Linux: a child whose parent was killed hard gets SIGTERM, and cleans up."""
    if _LIBC:
        _LIBC[0].prctl(1, signal.SIGTERM)      # PR_SET_PDEATHSIG


def _load_libc() -> None:
    if _LIBC or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        _LIBC.append(ctypes.CDLL(None, use_errno=True))
        _LIBC[0].prctl      # resolved here, once
    except (OSError, AttributeError):
        _LIBC.clear()


def _run_child(session: pytest.Session, items: list[pytest.Item], fd: int,
               clean_up: Callable[[], None]) -> None:
    """The child's whole life; never returns."""
    code = 0
    try:
        _become_child(session, fd)
        # code that walks session.items (the server-first fixture does) then touches, and
        # so copies, this target's items only: walking all of them cost a 200-cloud run's
        # children 12 MiB each and a 1000-cloud run minutes
        everything = session.items     # kept: freeing it would touch every item's refcount,
        session.items = items          # copying the pages of all targets' items (1 MiB at 200)
        forwarder = session.config.pluginmanager.get_plugin("os-interop-forwarder")
        interrupted = False
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
            for i, item in enumerate(items):
                nextitem = items[i + 1] if i + 1 < len(items) else None
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
                if session.shouldstop or session.shouldfail:
                    break
        except KeyboardInterrupt:
            interrupted = True
        clean_up()
        forwarder.send({"event": "done", "interrupted": interrupted})
    except BaseException:       # a bug here must not unwind into the parent's code
        import traceback
        traceback.print_exc()
        code = 70
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run(session: pytest.Session, groups: list[tuple[str, list[pytest.Item]]], admission: Admission,
        state: Any, started: Callable[[str], None], finished: Callable[[str, str | None], None],
        tick: Callable[[], None]) -> None:
    """Run each (label, items) group in its own child, as many at a time as `admission` allows."""
    config = session.config
    pending = deque(groups)
    children: dict[int, Child] = {}
    selector = selectors.DefaultSelector()
    signals_seen = 0

    def forward(signum: int, frame: Any) -> None:
        nonlocal signals_seen
        signals_seen += 1
        if signals_seen == 1:
            state.interrupted = True
        elif signals_seen == 2:
            state.cleanup_stopped = True
        if signals_seen <= 2:
            for child in children.values():
                try:
                    os.kill(child.pid, signum)
                except ProcessLookupError:
                    pass

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    _preload(state.target(groups[0][0]) if groups else None)
    try:
        while pending or children:
            stopping = state.interrupted or session.shouldstop or session.shouldfail
            room = 0 if stopping or not pending else admission.room(
                [c.pid for c in children.values()], {c.pid for c in children.values() if c.yielded})
            for _ in range(min(room, len(pending))):
                label, items = pending.popleft()
                child = _start(session, label, items, state, children)
                selector.register(child.fd, selectors.EVENT_READ, child)
                started(label)
            if not children:
                break
            again = admission.retry_in(len(children), bool(pending) and not stopping)
            for key, _ in selector.select(timeout=TICK if again is None else min(TICK, again)):
                child = key.data
                try:
                    chunk = os.read(child.fd, 1 << 16)
                except BlockingIOError:
                    continue
                if chunk:
                    child.buffer += chunk
                    *lines, rest = child.buffer.split(b"\n")
                    child.buffer = bytearray(rest)
                    for raw in lines:
                        _replay(config, child, json.loads(raw))
                    continue
                selector.unregister(child.fd)
                os.close(child.fd)
                del children[child.fd]
                _, status = os.waitpid(child.pid, 0)
                finished(child.label, None if child.finished else _death(status))
            tick()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        selector.close()


def _preload(target: Any) -> None:
    """What every child would build on its first request, built once here and shared: the
    modules requests and openstacksdk import lazily, and the caches a first Connection fills
    (measured: 1 MiB less private memory per child). No request is made."""
    _load_libc()
    import netrc  # noqa: F401  (requests reads ~/.netrc for every new session)
    try:
        import dogpile.cache  # noqa: F401  (openstacksdk's cache region)
    except ImportError:
        pass
    if target is None or target.config is None:
        return
    import openstack.connection
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            openstack.connection.Connection(config=target.fresh().config).session
    except Exception:   # only a warm-up: the child meets any real problem itself, and says so
        pass


def _start(session: pytest.Session, label: str, items: list[pytest.Item], state: Any,
           children: dict[int, Child]) -> Child:
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    held = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, held)     # no signal between fork and handler
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        for other in children:
            os.close(other)
        signal.signal(signal.SIGINT, state.signal_handler)
        signal.signal(signal.SIGTERM, state.signal_handler)
        _run_child(session, items, write_fd, state.clean_up_connections)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    child = Child(label, pid, read_fd)
    children[read_fd] = child
    signal.pthread_sigmask(signal.SIG_UNBLOCK, held)
    return child


def _replay(config: pytest.Config, child: Child, message: dict[str, Any]) -> None:
    event = message["event"]
    hook = config.hook
    if event == "report":
        report = hook.pytest_report_from_serializable(config=config, data=message["data"])
        hook.pytest_runtest_logreport(report=report)
    elif event == "logstart":
        hook.pytest_runtest_logstart(nodeid=message["nodeid"], location=tuple(message["location"]))
    elif event == "logfinish":
        hook.pytest_runtest_logfinish(nodeid=message["nodeid"], location=tuple(message["location"]))
    elif event == "warning":
        category = getattr(builtins, message["category"], None)
        category = category if isinstance(category, type) and issubclass(category, Warning) else UserWarning
        wm = warnings.WarningMessage(category(message["message"]), category, message["filename"],
                                     message["lineno"])
        hook.pytest_warning_recorded.call_historic(kwargs=dict(
            warning_message=wm, when=message["when"], nodeid=message["nodeid"], location=None))
    elif event == "yielded":
        child.yielded = True
    elif event == "done":
        child.finished = True


def _death(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"the process probing it was killed by signal {os.WTERMSIG(status)}"
    return f"the process probing it exited with status {os.waitstatus_to_exitcode(status)} before finishing"
