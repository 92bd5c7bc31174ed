"""pytest-xdist scheduling: every probe of one target runs on one worker.

One worker per target keeps to the cloud's quota (one server at a time), lets probes share
the run's image and server, and authenticates once. Each probe carries the `xdist_group`
mark of its target, xdist's public way to say so; but with pytest >= 9.2 `--dist loadgroup`
no longer groups (pytest-xdist issue #1386: the worker's node-id rewrite is ignored), and an
xdist scheduler is handed node ids only. So the scope here is the target whose label is the
parametrization id the plugin itself gave the probe (`[label]`), looked up among the labels
this run resolved; anything else is its own scope.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling


def scope_of(nodeid: str, suffixes: dict[str, str]) -> str:
    """A probe's target scope ('target:<label>'), found by its own parametrization id among
    `suffixes` ({'[label]': label}); any other node id is its own scope."""
    suffix = nodeid[nodeid.rfind("["):] if nodeid.endswith("]") else ""
    label = suffixes.get(suffix)
    return f"target:{label}" if label is not None else nodeid


class TargetScheduling(LoadScopeScheduling):
    def __init__(self, config: Any, log: Any, labels: list[str]) -> None:
        super().__init__(config, log)
        self.suffixes = {f"[{label}]": label for label in labels}

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid, self.suffixes)
