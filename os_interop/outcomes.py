"""From per-test outcomes and observed values to one verdict per capability.

pass: behaves as `interoperable` · diverge: works, differently (the value is the quirk)
fail: broken where it should work · skip: not applicable, always with a reason
error: the probe or the connection broke.
not-run: none of its tests ran (not selected, or the run stopped first): never a skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from os_interop.capabilities import Capability, describe, matches

OUTCOMES = ("pass", "diverge", "fail", "skip", "error")
NOT_RUN = "not-run"      # the state of a capability none of whose tests ran; not a verdict
BLOCKED = "blocked"    # TestResult.kind of a skip whose prerequisite failed


class Blocked(pytest.skip.Exception):
    """A skip because something the probe needs could not be had (no server booted, no
    image uploaded), not because the cloud lacks the feature. For a required capability
    that is not ok: the member cannot do what the capability promises."""

    __module__ = "builtins"   # pytest prints skip exceptions by name; keep it short


def blocked(reason: str) -> None:
    """Skip the current probe because a prerequisite failed (see Blocked)."""
    raise Blocked(reason)


@dataclass
class TestResult:
    __test__ = False   # not a pytest test class, despite the name

    id: str
    outcome: str = "passed"         # passed | failed | error | skipped
    message: str | None = None
    duration: float = 0.0
    done: bool = False
    blocked: bool = False           # skipped because a prerequisite failed (outcomes.blocked)

    def add_phase(self, when: str, outcome: str, kind: str | None, message: str | None,
                  duration: float) -> None:
        """Fold one pytest phase report (setup/call/teardown) into the test's outcome."""
        self.duration += duration
        if outcome == "skipped" and self.outcome == "passed":
            self.outcome, self.message = "skipped", message
            self.blocked = kind == BLOCKED
        elif outcome == "failed" and self.outcome in ("passed", "skipped"):
            failed_in_call = when == "call" and kind == "fail"
            self.outcome = "failed" if failed_in_call else "error"
            self.message = message
        if when == "teardown":
            self.done = True


@dataclass
class Observation:
    key: str
    value: Any
    test: str
    evidence: list[str] = field(default_factory=list)


def capability_outcome(cap: Capability, tests: list[TestResult],
                       observations: dict[str, Observation]) -> tuple[str, str | None]:
    """The verdict and its reason for one capability on one cloud."""
    if not tests:
        return NOT_RUN, "not selected in this run"
    for wanted in ("error", "failed"):
        bad = [t for t in tests if t.outcome == wanted]
        if bad:
            return ("error" if wanted == "error" else "fail"), f"{bad[0].id}: {bad[0].message}"
    missing = [k for k in cap.interoperable if k not in observations]
    blocked = [t for t in tests if t.outcome == "skipped" and t.blocked]
    untried = missing or all(t.outcome == "skipped" for t in tests)
    if blocked and untried and cap.status == "required":   # a prerequisite failed: not ok
        return "fail", f"cannot be tried: {blocked[0].message}"
    if all(t.outcome == "skipped" for t in tests):
        return "skip", tests[0].message or "skipped"
    if missing:
        skipped = [t for t in tests if t.outcome == "skipped"]
        if skipped:
            return "skip", skipped[0].message
        return "error", "the probe did not observe " + ", ".join(missing)
    differences = [f"{key} is {observations[key].value!r}, interoperable: {describe(expected)}"
                   for key, expected in cap.interoperable.items()
                   if not matches(expected, observations[key].value)]
    if differences:
        return "diverge", "; ".join(differences)
    return "pass", None
