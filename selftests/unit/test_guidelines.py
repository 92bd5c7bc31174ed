"""Guidelines: the shipped files, the timeline, and grading as a pure function."""

import datetime

import pytest

from os_interop import capabilities, guidelines, schemas
from os_interop.errors import UserError
from os_interop.guidelines import Divergence, Guideline, grade

DAY = datetime.date(2027, 3, 1)


def _doc(cloud="acme-east", **outcomes):
    return {"cloud": {"name": cloud}, "capabilities": [
        {"id": cap_id.replace("_", "."), "outcome": o, "reason": f"why {o}"} for cap_id, o in outcomes.items()]}


def _guideline(**kw):
    base = dict(id="2027.01", title="t", draft=datetime.date(2027, 1, 1),
                effective=datetime.date(2027, 2, 1), deprecated=None,
                required=("compute.boot", "upload.method"), advisory=("upload.put",))
    return Guideline(**{**base, **kw})


def test_shipped_guidelines_name_only_capabilities_the_suite_has():
    known = {c.id for c in capabilities.load().capabilities}
    for g in guidelines.load_all():
        assert g.listed() - set(g.removed) <= known, f"{g.id} names unknown capabilities"


def test_first_guideline_is_todays_capability_statuses():
    first = next(g for g in guidelines.load_all() if g.id == "2026.12")
    registry = capabilities.load().capabilities
    assert set(first.required) == {c.id for c in registry if c.status == "required"}
    assert set(first.advisory) == {c.id for c in registry if c.status == "advisory"}


def test_required_fail_counts_and_advisory_fail_warns():
    g = grade(_doc(compute_boot="fail", upload_method="pass", upload_put="error"), _guideline(), DAY)
    assert not g.compliant
    assert g.failures == ("compute.boot fail: why fail",)
    assert g.warnings == ("upload.put error: why error",)


def test_diverge_and_skip_are_not_failures_but_a_missing_required_capability_is():
    g = grade(_doc(compute_boot="diverge"), _guideline(), DAY)
    assert g.failures == ("upload.method: not in the results (the suite that ran does not know it)",)


def test_required_capabilities_a_run_did_not_select_are_named_not_counted():
    doc = _doc(compute_boot="skip", upload_method="pass")
    doc["capabilities"][0]["tests"] = []
    g = grade(doc, _guideline(), DAY)
    assert g.compliant and g.not_run == ("compute.boot",)
    assert g.lines()[-1] == "  not run (required, not selected): compute.boot"


def test_flagged_capability_is_waived_with_its_code():
    g = grade(_doc(compute_boot="error", upload_method="pass"),
              _guideline(flagged={"compute.boot": ("D403", "flaky on slow clouds")}), DAY)
    assert g.compliant and "flagged D403" in g.waived[0]


@pytest.mark.parametrize("expires, waived", [(DAY + datetime.timedelta(days=1), True), (DAY, False)])
def test_known_divergence_counts_again_from_its_expiry(expires, waived):
    known = Divergence("Acme", ("acme-*",), "compute.boot", expires, "fix scheduled", "D407")
    g = grade(_doc(compute_boot="fail", upload_method="pass"), _guideline(divergences=(known,)), DAY)
    assert g.compliant is waived


def test_known_divergence_of_another_vendor_does_not_apply():
    known = Divergence("Other", ("other-*",), "compute.boot", DAY + datetime.timedelta(days=9), "x")
    assert not grade(_doc(compute_boot="fail", upload_method="pass"),
                     _guideline(divergences=(known,)), DAY).compliant


def test_timeline_and_default_choice():
    old = _guideline(id="2026.01", effective=datetime.date(2026, 2, 1), deprecated=datetime.date(2027, 2, 15))
    new = _guideline()
    draft = _guideline(id="2027.02", draft=datetime.date(2027, 2, 1), effective=datetime.date(2027, 6, 1))
    assert [g.status(DAY) for g in (old, new, draft)] == ["deprecated", "effective", "draft"]
    assert guidelines.default([old, new, draft], DAY) is new
    assert guidelines.default([old, new, draft], datetime.date(2026, 3, 1)) is old
    assert guidelines.default([draft], DAY) is None


def test_unknown_guideline_is_a_usage_error():
    with pytest.raises(UserError, match="unknown guideline '1999.01'"):
        guidelines.select("1999.01")


def test_schema_rejects_an_unknown_reason_code():
    doc = {"format": "os-interop-guideline/1", "id": "2027.01", "title": "a test",
           "timeline": {"draft": "2027-01-01", "effective": "2027-02-01"}, "required": [], "advisory": [],
           "flagged": [{"capability": "compute.boot", "reason": "D499", "note": "nope"}]}
    assert "flagged/0/reason" in schemas.first_error("guideline", doc)
    doc["flagged"][0]["reason"] = "D403"
    assert schemas.first_error("guideline", doc) is None


def test_guideline_id_must_match_its_file_name(tmp_path):
    (tmp_path / "2027.05.yaml").write_text(
        "format: os-interop-guideline/1\nid: '2027.06'\ntitle: mismatch\n"
        "timeline: {draft: 2027-05-01, effective: 2027-06-01}\nrequired: []\nadvisory: []\n")
    with pytest.raises(UserError, match="differs from the file name"):
        guidelines.load_all(tmp_path)


def test_a_run_that_errored_is_never_compliant_even_when_no_probe_ran():
    doc = _doc(compute_boot="not-run", upload_method="not-run")
    for cap in doc["capabilities"]:
        cap["tests"] = []
    doc["run"] = {"error": "cannot load probes in tests/: SyntaxError"}
    g = grade(doc, _guideline(), DAY)
    assert not g.compliant
    assert g.failures == ("the run: cannot load probes in tests/: SyntaxError",)
    doc["run"] = {"error": None}
    assert grade(doc, _guideline(), DAY).compliant
