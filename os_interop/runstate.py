"""Per-process state of an os-interop pytest run: its clouds, run id, and what it learned.

Workers keep their cloud connections here; the controller keeps tests and observations.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from os_interop import capabilities, targets
from os_interop.capabilities import Registry
from os_interop.cloud import CloudUnderTest
from os_interop.errors import CloudMisconfigured, CloudUnavailable, UserError
from os_interop.outcomes import Observation, TestResult
from os_interop.progress import Progress
from os_interop.journal import Entry, Requester, cleanup, new_run_id, stopped


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
        self.cloud_error_kinds: dict[str, str] = {}     # errors.CloudUnavailable.kind
        self.cloud_warnings: set[str] = set()           # told once (admin role)
        self.collection_errors: list[str] = []
        self.expected: dict[str, set[str]] = {}
        self.progress = Progress(enabled=config.option.osi_progress)
        # signals: the first unwinds the run (cleanup follows), one during cleanup stops it
        self.interrupted = False
        self.in_cleanup = False
        self.cleanup_stopped = False

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
                # a bad clouds.yaml entry is the user's to fix; CloudUnavailable says whose it is
                self.connections[name] = exc if isinstance(exc, CloudUnavailable) else CloudMisconfigured(str(exc))
        found = self.connections[name]
        if isinstance(found, CloudUnavailable):
            raise found
        return found

    def clean_up(self, entries: list[Entry], requester: Requester) -> None:
        """Cleanup that a signal may stop: then what is not proved gone is marked leaked."""
        if self.cleanup_stopped:
            stopped(entries)
            return
        self.in_cleanup = True
        try:
            cleanup(entries, requester)
        except KeyboardInterrupt:
            self.cleanup_stopped = True
            stopped(entries)
        finally:
            self.in_cleanup = False

    def clean_up_workers_clouds(self) -> None:
        for ctx in self.connections.values():
            if isinstance(ctx, CloudUnderTest):
                try:
                    ctx.resources.close()      # background flows (the run's boot) end first
                except KeyboardInterrupt:      # a signal meanwhile: cleanup still runs
                    self.interrupted = True
                ctx.conn.recorder.begin_test("(cleanup)")
                self.clean_up(ctx.resources.entries, ctx.raw_requester())
