"""The controlling process of a run: fold probe reports, settle capabilities, write results.

Reports reach it from wherever the probes ran (this process, forked children, xdist
workers) through pytest's own report channel; each carries `report.osi` (plugin.py).
"""

from __future__ import annotations

import datetime
import shlex
import sys
import time
from typing import Any, Callable

import pytest

from os_interop import results
from os_interop.cloud import CloudUnderTest
from os_interop.events import CapabilitySettled, Handler, TargetFinished
from os_interop.journal import Entry, read_journals, stopped
from os_interop.outcomes import Observation, TestResult
from os_interop.runstate import RunState
from os_interop.targets import Target


class Collector:
    """Folds every probe report into per-target tests and observations; emits
    CapabilitySettled once per capability and target, when its selected probes are done."""

    def __init__(self, state: RunState, handlers: list[Handler]) -> None:
        self.state = state
        self.handlers = handlers
        self.tests: dict[str, dict[str, TestResult]] = {}
        self.observations: dict[str, dict[str, Observation]] = {}
        self.expected: dict[str, set[str]] = {}     # label -> selected probes (None: unknown, xdist)
        self.settled: dict[str, dict[str, dict]] = {}
        self.cloud_errors: dict[str, tuple[str, str]] = {}    # label -> (message, kind)
        self.warnings: set[str] = set()
        self.collection_errors: list[str] = []

    def emit(self, event: Any) -> None:
        for handler in self.handlers:
            handler.handle(event)

    def expect(self, label: str, test: str) -> None:
        self.expected.setdefault(label, set()).add(test)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Kept for results.json's run.error; pytest's terminal shows the error itself."""
        if report.failed:
            lines = str(report.longrepr).strip().splitlines()
            self.collection_errors.append(
                f"cannot load probes in {report.nodeid or 'tests/'}: "
                f"{lines[-1].removeprefix('E   ') if lines else 'collection failed'}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        """`os-interop run`: the reason in one line on stderr (pytest's terminal has its own)."""
        if not self.state.config.option.osi_progress or self.collection_errors:
            return
        if excinfo.errisinstance(pytest.exit.Exception):
            print(str(excinfo.value), file=sys.stderr)
        elif not excinfo.errisinstance(pytest.Session.Interrupted):
            print("os-interop: interrupted; cleaning up what this run created", file=sys.stderr)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        meta = getattr(report, "osi", None)
        if not meta:
            return
        label, test = meta["target"], meta["test"]
        if "cloud_error" in meta:
            self.cloud_errors[label] = (meta["cloud_error"], meta.get("cloud_error_kind", "unreachable"))
        warning = meta.get("cloud_warning")
        if warning and warning not in self.warnings:
            self.warnings.add(warning)
            print(f"os-interop: warning: {warning}", file=sys.stderr, flush=True)
        for o in meta.get("observations", ()):
            self.observations.setdefault(label, {})[o["key"]] = Observation(**o)
        result = self.tests.setdefault(label, {}).setdefault(test, TestResult(test))
        result.add_phase(report.when, report.outcome, meta.get("kind"), meta.get("message"),
                         report.duration)
        if result.done and label in self.expected:
            self._settle(label, self.state.registry.for_test(test))

    def _settle(self, label: str, caps: list) -> None:
        expected, finished = self.expected.get(label), self.tests.get(label, {})
        done = self.settled.setdefault(label, {})
        for cap in caps:
            mine = [t for t in cap.tests if expected is None or t in expected]
            if cap.id in done or not mine or not all(t in finished and finished[t].done for t in mine):
                continue
            done[cap.id] = results.capability_entry(cap, finished, self.observations.get(label, {}))
            self.emit(CapabilitySettled(label, done[cap.id]))

    def settle_rest(self, label: str) -> None:
        """At a target's end: what ran settles now (xdist: selection unknown until here)."""
        if label not in self.expected:
            self.expected[label] = set(self.tests.get(label, {}))
        self._settle(label, self.state.registry.capabilities)

    def labels(self) -> list[str]:
        return list(dict.fromkeys([*self.expected, *self.tests]))


class ResultsWriter:
    """Writes <out>/<label>/results.json once per target: after the journal sweep, with the
    settled entries as they were announced."""

    def __init__(self, state: RunState, collector: Collector, interrupted: Callable[[], bool]) -> None:
        self.state = state
        self.collector = collector
        self.interrupted = interrupted
        self.documents: dict[str, dict] = {}

    def finish(self, label: str, died: str | None = None) -> dict:
        """`died`: why the process that probed this target ended without finishing."""
        if label in self.documents:
            return self.documents[label]
        c, state = self.collector, self.state
        c.settle_rest(label)
        target = state.target(label) or Target(cloud=label, region=None, label=label)
        cloud_dir = state.out / label
        entries = _sweep(state, target)
        requests = results.merge_evidence(cloud_dir) if cloud_dir.exists() else 0
        option = state.config.option
        selection = [s for s in (
            "--read-only" if option.osi_read_only else "",
            f"-k {option.keyword}" if option.keyword else "",
            f"-m {option.markexpr}" if option.markexpr else "") if s]
        error, kind = c.cloud_errors.get(label, (None, None))
        error = error or "; ".join(c.collection_errors) or died
        interrupted = self.interrupted()
        run = {"id": state.run_id, "started": results.iso(state.started),
               "finished": results.iso(time.time()), "selection": selection, "requests": requests,
               "interrupted": interrupted and not c.collection_errors,
               "guideline": option.osi_guideline or _default_guideline(), "error": error or None}
        if kind:
            run["error_kind"] = kind
        elif died and not interrupted:
            run["error_kind"] = "unreachable"
        document = results.build(state.registry, target.describe(), run, c.tests.get(label, {}),
                                 c.observations.get(label, {}), entries, c.settled.get(label, {}))
        results.write(cloud_dir, document)
        self.documents[label] = document
        c.emit(TargetFinished(label, document))
        return document


def _default_guideline() -> str | None:
    """The guideline a run names when none is asked for: the newest effective one today."""
    from os_interop import guidelines
    chosen = guidelines.default(guidelines.load_all(), datetime.date.today())
    return chosen.id if chosen else None


def _sweep(state: RunState, target: Target) -> list[Entry]:
    """Journaled resources no process proved gone (one was killed, Ctrl-C): delete them now."""
    entries = read_journals((state.out / target.label).glob("journal-*.jsonl"), state.run_id)
    if any(e.state != "deleted" for e in entries) and not state.cleanup_stopped:
        try:
            conn = CloudUnderTest(target.fresh() if target.config is not None else target.label,
                                  state.run_id, state.out, "sweep")
        except Exception as exc:  # the leak is reported, never hidden
            for e in entries:
                if e.state != "deleted":
                    e.state, e.reason = "leaked", f"cleanup could not run: {exc}"
            return entries
        state.clean_up(entries, conn.raw_requester())
    elif state.cleanup_stopped:
        stopped(entries)
    return entries


def leftovers(state: RunState, documents: list[dict[str, Any]]) -> None:
    """Say what may be left on each target, and the exact command that finishes the job."""
    for doc in documents:
        left = [i for i in doc["resources"]["items"] if i["state"] != "deleted"]
        if not left:
            continue
        name = doc["cloud"].get("label", doc["cloud"]["name"])
        print(f"os-interop: {len(left)} resource(s) may be left on {name}:", file=sys.stderr)
        for item in left:
            print(f"  {item['kind']:10} {item['name']} {item.get('id') or '(id unknown)'}"
                  f"{': ' + item['reason'] if item.get('reason') else ''}", file=sys.stderr)
        print(f"os-interop: to delete them: os-interop cleanup --cloud {shlex.quote(name)} "
              f"--out {shlex.quote(str(state.out))} --run {state.run_id}", file=sys.stderr)
