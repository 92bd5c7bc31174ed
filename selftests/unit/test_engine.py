"""The engine's data flow: a probe's report carries what it observed across processes, and a
capability settles exactly once per target, when all its selected probes are done."""

import json
from types import SimpleNamespace

from _pytest.reports import TestReport

from os_interop.capabilities import Capability, Registry
from os_interop.controller import Collector
from os_interop.events import CapabilitySettled

A, B, C = "tests/g/test_g.py::test_a", "tests/g/test_g.py::test_b", "tests/g/test_g.py::test_c"
TWO = Capability(id="g.two", group="identity", title="two probes", description="", status="advisory",
                 cost="read-only", observes=({"key": "g.value"},), tests=(A, B),
                 interoperable={"g.value": 1})
ONE = Capability(id="g.one", group="identity", title="one probe", description="", status="required",
                 cost="read-only", observes=({"key": "g.other"},), tests=(C,))


def report(test, label, when, outcome="passed", observations=()):
    rep = TestReport(f"{test}[{label}]", ("tests/g/test_g.py", 1, test), {}, outcome, None, when)
    rep.osi = {"test": test, "target": label}
    if observations:
        rep.osi["observations"] = list(observations)
    return rep


def phases(test, label, observations=()):
    return [report(test, label, "setup"), report(test, label, "call", observations=observations),
            report(test, label, "teardown")]


class Recorder:
    def __init__(self):
        self.events = []

    def handle(self, event):
        self.events.append(event)


def collector(*expected):
    recorder = Recorder()
    c = Collector(SimpleNamespace(registry=Registry([TWO, ONE], "sha256:" + "0" * 64)), [recorder])
    for label, test in expected:
        c.expect(label, test)
    return c, recorder


def test_a_capability_settles_once_when_its_last_selected_probe_is_done():
    c, seen = collector(("x", A), ("x", B), ("x", C))
    obs = {"key": "g.value", "value": 1, "test": A, "evidence": ["main-1"]}
    for rep in phases(A, "x", [obs]):
        c.pytest_runtest_logreport(rep)
    assert seen.events == []                       # test_b of g.two has not run yet
    for rep in phases(B, "x") + phases(C, "x"):
        c.pytest_runtest_logreport(rep)
    settled = [(e.label, e.entry["id"], e.entry["outcome"]) for e in seen.events
               if isinstance(e, CapabilitySettled)]
    assert settled == [("x", "g.two", "pass"), ("x", "g.one", "pass")]
    for rep in phases(A, "x", [obs]) + phases(B, "x"):      # a report delivered twice
        c.pytest_runtest_logreport(rep)
    c.settle_rest("x")
    assert len([e for e in seen.events if isinstance(e, CapabilitySettled)]) == 2


def test_targets_settle_apart_and_a_deselected_probe_is_not_waited_for():
    c, seen = collector(("x", A), ("y", A), ("y", B))     # on x, -k deselected test_b
    for rep in phases(A, "x") + phases(A, "y"):
        c.pytest_runtest_logreport(rep)
    assert [(e.label, e.entry["id"]) for e in seen.events] == [("x", "g.two")]
    assert seen.events[0].entry["tests"] == [{"id": A, "outcome": "passed", "message": None, "duration": 0.0}]


def test_without_a_known_selection_capabilities_settle_at_the_targets_end():
    """xdist: the controlling process never collects, so settling waits for the target's end."""
    c, seen = collector()
    for rep in phases(A, "x") + phases(C, "x"):
        c.pytest_runtest_logreport(rep)
    assert seen.events == []
    c.settle_rest("x")
    assert sorted(e.entry["id"] for e in seen.events) == ["g.one", "g.two"]


def test_observations_ride_the_report_through_pytests_serialization(pytestconfig):
    rep = report(A, "lime@us-slc", "call", observations=[
        {"key": "g.value", "value": {"nested": [1, "two"]}, "test": A, "evidence": ["main-3"]}])
    data = pytestconfig.hook.pytest_report_to_serializable(config=pytestconfig, report=rep)
    wire = json.loads(json.dumps(data))                 # what a pipe or execnet carries
    back = pytestconfig.hook.pytest_report_from_serializable(config=pytestconfig, data=wire)
    assert back.osi == rep.osi
    assert back.user_properties == []                  # nothing of ours reaches JUnit properties
