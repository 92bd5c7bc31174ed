"""Per-process state of an os-interop pytest run: its targets, run id, connections, signals.

Every process of a run has one (the controlling process, each forked child, each xdist
worker); what the controlling process folds from reports lives in controller.Collector.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from os_interop import capabilities, targets
from os_interop.capabilities import Registry
from os_interop.cloud import CloudUnderTest
from os_interop.errors import CloudMisconfigured, CloudUnavailable, UserError
from os_interop.journal import Entry, Requester, cleanup, new_run_id, stopped
from os_interop.targets import Target


class Given:
    """Handed to pytest.main by `os-interop run` as a plugin object: the targets it resolved,
    so that no process resolves them again."""

    def __init__(self, targets: list[Target]) -> None:
        self.targets = targets
        self.documents: list[dict] = []     # filled by the results writer


class RunState:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        workerinput = getattr(config, "workerinput", None)
        self.is_worker = workerinput is not None          # an xdist worker
        self.worker = workerinput["workerid"] if workerinput else "main"
        self.run_id = (workerinput or {}).get("osi_run_id") or config.option.osi_run_id or new_run_id()
        self.out = Path(config.option.osi_out).resolve()
        self.registry: Registry = capabilities.load()
        self.given = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, Given)), None)
        self._targets: list[Target] | None = self.given.targets if self.given else None
        self.usage_error: str | None = None
        self.started = time.time()
        self.connections: dict[str, CloudUnderTest | CloudUnavailable] = {}
        # signals: the first unwinds the run (cleanup follows), one during cleanup stops it
        self.interrupted = False
        self.in_cleanup = False
        self.cleanup_stopped = False
        self.session_interrupted = False      # pytest ended the session with INTERRUPTED
        self.signal_handler: Any = None       # plugin._signal_handler(self), also a child's
        # the controlling process's parts (plugin.pytest_configure), None in an xdist worker
        self.progress: Any = None
        self.collector: Any = None
        self.writer: Any = None
        self.documents: list[dict] = []

    def targets(self) -> list[Target]:
        """The targets to probe; a configuration problem is kept for collection's end, where it
        stops the run with one line instead of one error per probe module."""
        if self._targets is None:
            try:
                self._targets = targets.resolve(self.config.option.osi_clouds)
            except UserError as exc:
                self.usage_error = str(exc)
                self._targets = [Target(cloud="(no cloud)", region=None, label="(no cloud)")]
        return self._targets

    def target(self, label: str) -> Target | None:
        return next((t for t in self.targets() if t.label == label), None)

    # -- one connection per target, made once, failures remembered -----------------------
    def cloud(self, target: Target) -> CloudUnderTest:
        if target.label not in self.connections:
            try:
                self.connections[target.label] = CloudUnderTest(target, self.run_id, self.out, self.worker)
            except UserError as exc:
                # a bad clouds.yaml entry is the user's to fix; CloudUnavailable says whose it is
                self.connections[target.label] = (exc if isinstance(exc, CloudUnavailable)
                                                  else CloudMisconfigured(str(exc)))
        found = self.connections[target.label]
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

    def clean_up_connections(self) -> None:
        """Delete what this process created, newest first (journal.cleanup)."""
        for ctx in self.connections.values():
            if isinstance(ctx, CloudUnderTest):
                try:
                    ctx.resources.close()      # background flows (the run's boot) end first
                except KeyboardInterrupt:      # a signal meanwhile: cleanup still runs
                    self.interrupted = True
                ctx.conn.recorder.begin_test("(cleanup)")
                self.clean_up(ctx.resources.entries, ctx.raw_requester())
