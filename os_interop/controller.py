"""The controller's side of a run: fold worker reports, sweep leftovers, write results.

With pytest-xdist this runs in the controller process; without it, in the only one.
"""

from __future__ import annotations

import datetime
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from os_interop import results, targets
from os_interop.cloud import CloudUnderTest
from os_interop.errors import UserError
from os_interop.outcomes import Observation, TestResult
from os_interop.journal import Entry, read_journals, stopped
from os_interop.runstate import RunState

PROP = "osi"   # user_properties entries are ("osi", {...})


class ReportCollector:
    """Controller role: folds every test report into per-cloud tests and observations."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    # `os-interop run` silences pytest's terminal; what it would have said goes to stderr here
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = str(report.longrepr).strip().splitlines()
            self.state.collection_errors.append(
                f"cannot load probes in {report.nodeid or 'tests/'}: "
                f"{lines[-1].removeprefix('E   ') if lines else 'collection failed'}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        if self.state.progress.enabled and not self.state.collection_errors:
            if excinfo.errisinstance(pytest.exit.Exception):
                print(str(excinfo.value), file=sys.stderr)
            else:
                print("os-interop: interrupted; cleaning up what this run created", file=sys.stderr)

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
            state.cloud_error_kinds[cloud] = meta.get("cloud_error_kind", "unreachable")
        if "cloud_warning" in meta and meta["cloud_warning"] not in state.cloud_warnings:
            state.cloud_warnings.add(meta["cloud_warning"])    # each phase's report repeats it
            print(f"os-interop: warning: {meta['cloud_warning']}", file=sys.stderr, flush=True)
        result = state.tests.setdefault(cloud, {}).setdefault(test, TestResult(test))
        for o in observations:
            state.observations.setdefault(cloud, {})[o["key"]] = Observation(**o)
        result.add_phase(report.when, report.outcome, meta.get("kind"), meta.get("message"),
                         report.duration)
        if result.done:
            state.progress.test_done(state, cloud, test)


def _sweep(state: RunState, name: str) -> list[Entry]:
    """Journaled resources no worker proved gone (a worker killed, Ctrl-C): delete them now."""
    entries = read_journals((state.out / name).glob("journal-*.jsonl"), state.run_id)
    if any(e.state != "deleted" for e in entries) and not state.cleanup_stopped:
        try:
            conn = CloudUnderTest(name, state.run_id, state.out, "sweep")
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
    """Say what may be left on each cloud, and the exact command that finishes the job."""
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


def _default_guideline() -> str | None:
    from os_interop import guidelines
    chosen = guidelines.default(guidelines.load_all(), datetime.date.today())
    return chosen.id if chosen else None


def write_cloud_results(state: RunState, name: str, interrupted: bool) -> Path:
    cloud_dir = state.out / name
    entries = _sweep(state, name)
    requests = results.merge_evidence(cloud_dir) if cloud_dir.exists() else 0
    try:
        described = targets.target(name).describe()
    except UserError:
        described = {"name": name, "region": None, "label": name, "auth_url": None}
    option = state.config.option
    selection = [s for s in (
        "--read-only" if option.osi_read_only else "",
        f"-k {option.keyword}" if option.keyword else "",
        f"-m {option.markexpr}" if option.markexpr else "") if s]
    run = {"id": state.run_id, "started": results.iso(state.started),
           "finished": results.iso(time.time()), "selection": selection, "requests": requests,
           "interrupted": interrupted and not state.collection_errors,
           "guideline": option.osi_guideline or _default_guideline(),
           "error": state.cloud_errors.get(name) or "; ".join(state.collection_errors) or None}
    if name in state.cloud_errors:
        run["error_kind"] = state.cloud_error_kinds[name]
    document = results.build(state.registry, described, run, state.tests.get(name, {}),
                             state.observations.get(name, {}), entries)
    return results.write(cloud_dir, document)
