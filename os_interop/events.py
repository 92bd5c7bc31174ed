"""What a run tells the parts that watch it: the progress display, the results writer.

A capability is settled once, when every selected probe of it has finished on a target; its
entry is the one results.json will hold, so a display never judges anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class CapabilitySettled:
    label: str                 # the target's label (results directory, report name)
    entry: dict[str, Any]      # results.capability_entry: outcome, reason, value, ...


@dataclass(frozen=True)
class TargetStarted:
    label: str
    capabilities: int          # how many capabilities will settle on it in this run


@dataclass(frozen=True)
class TargetFinished:
    label: str
    document: dict[str, Any]   # its results.json, written


class Handler(Protocol):
    def handle(self, event: CapabilitySettled | TargetStarted | TargetFinished) -> None: ...
