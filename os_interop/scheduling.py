"""pytest-xdist scheduling: every probe of one cloud runs on one worker.

One worker per cloud keeps to the cloud's quota (one server at a time), lets probes share
the run's image and server, and authenticates once. xdist's own `loadgroup` depends on
rewriting node ids, which newer pytest releases do not honour, so the grouping is made
here from the cloud parameter of each probe's node id.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling

PROBES = "tests/"


def cloud_of(nodeid: str) -> str | None:
    """The cloud parameter of a probe's node id ('tests/...::test_x[cloud]' -> 'cloud')."""
    if not nodeid.startswith(PROBES) or not nodeid.endswith("]") or "[" not in nodeid:
        return None
    return nodeid[nodeid.rindex("[") + 1:-1]


class CloudScheduling(LoadScopeScheduling):
    """Scopes are clouds; anything that is not a probe is its own scope."""

    def _split_scope(self, nodeid: str) -> str:
        cloud = cloud_of(nodeid)
        return f"cloud:{cloud}" if cloud is not None else nodeid


def make_scheduler(config: Any, log: Any) -> CloudScheduling:
    return CloudScheduling(config, log)
