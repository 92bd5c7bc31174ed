"""Capability verdicts from test outcomes and observations."""

from os_interop.capabilities import Capability
from os_interop.outcomes import Observation, TestResult, capability_outcome

CAP = Capability(id="x.y", group="identity", title="t", description="d", status="required",
                 cost="read-only", observes=({"key": "x.a", "description": ""},
                                             {"key": "x.b", "description": ""}),
                 tests=("tests/identity/test_identity.py::test_a",),
                 interoperable={"x.a": "qcow2"})
T = CAP.tests[0]


def obs(**values):
    return {k.replace("_", "."): Observation(k.replace("_", "."), v, T) for k, v in values.items()}


def test_pass_and_diverge_follow_the_interoperable_value():
    assert capability_outcome(CAP, [TestResult(T)], obs(x_a="qcow2")) == ("pass", None)
    outcome, reason = capability_outcome(CAP, [TestResult(T)], obs(x_a="raw"))
    assert outcome == "diverge" and "'raw'" in reason and "qcow2" in reason


def test_failed_assertion_is_fail_other_exceptions_are_error():
    failed = TestResult(T)
    failed.add_phase("call", "failed", "fail", "PUT answered 500", 0.1)
    assert capability_outcome(CAP, [failed], obs(x_a="qcow2"))[0] == "fail"
    broken = TestResult(T)
    broken.add_phase("setup", "failed", "error", "cannot connect", 0.1)
    assert capability_outcome(CAP, [broken], {})[0] == "error"


def test_skip_keeps_its_reason_and_unselected_is_a_skip():
    skipped = TestResult(T)
    skipped.add_phase("setup", "skipped", None, "no image service", 0)
    assert capability_outcome(CAP, [skipped], {}) == ("skip", "no image service")
    assert capability_outcome(CAP, [], {}) == ("not-run", "not selected in this run")


def test_a_passing_probe_that_observed_nothing_is_an_error_not_a_pass():
    assert capability_outcome(CAP, [TestResult(T)], {})[0] == "error"


def test_phases_fold_setup_call_teardown():
    result = TestResult(T)
    for when in ("setup", "call"):
        result.add_phase(when, "passed", None, None, 0.5)
    assert not result.done
    result.add_phase("teardown", "failed", "error", "cleanup broke", 0.1)
    assert result.done and result.outcome == "error" and abs(result.duration - 1.1) < 1e-9


def test_a_required_capability_blocked_by_a_failed_prerequisite_is_not_ok():
    """Issue 8.6: the lifecycle skipped because no server booted must not let exit 0 happen."""
    blocked = TestResult(T)
    blocked.add_phase("setup", "skipped", "blocked", "no server could be booted: HTTP 403", 0)
    assert capability_outcome(CAP, [blocked], {}) == (
        "fail", "cannot be tried: no server could be booted: HTTP 403")
    advisory = Capability(**{**CAP.__dict__, "status": "advisory"})
    assert capability_outcome(advisory, [blocked], {}) == ("skip", "no server could be booted: HTTP 403")
    not_applicable = TestResult(T)
    not_applicable.add_phase("call", "skipped", None, "the cloud has no floating IP source", 0)
    assert capability_outcome(CAP, [not_applicable], {})[0] == "skip"
