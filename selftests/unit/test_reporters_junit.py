"""JUnit: one testcase per cloud × capability, outcomes a CI dashboard shows, no Python reprs."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reporters import junit
from selftests.unit import report_docs

CAPS = [("identity.versions", "identity", "required", "pass", "3"),
        ("image.format.preferred", "image_format", "advisory", "diverge", "raw"),
        ("upload.tasks", "upload_method", "informational", "diverge", "user"),
        ("upload.method", "upload_method", "required", "fail", None, "PUT refused: HTTP 403"),
        ("network.service", "network_attach", "required", "error", None, "HTTP 503"),
        ("floating_ip.source", "floating_ip", "required", "skip", None, "no external network"),
        ("compute.boot", "network_attach", "required", "not-run", None),
        ("network_config.vendor_agent", "network_config", "advisory", "pass",
         {"vm_mode": "hvm", "flags": [True, None]})]


def _parse(*docs):
    return ET.fromstring(junit.render(list(docs)))


def _case(root, suite, name):
    return root.find(f"./testsuite[@name='{suite}']/testcase[@name='{name}']")


def test_one_testcase_per_cloud_and_capability():
    root = _parse(report_docs.document("a", CAPS), report_docs.document("b", CAPS[:2]))
    assert [s.get("name") for s in root.findall("testsuite")] == ["a", "b"]
    assert [len(s.findall("testcase")) for s in root.findall("testsuite")] == [8, 8]
    # b lacks six capabilities: they are there, skipped as not run
    assert _case(root, "b", "compute.boot").find("skipped").get("type") == "not-run"
    assert root.get("tests") == "16"
    assert _case(root, "a", "image.format.preferred").get("classname") == "a.image_format"


def test_outcomes_map_so_divergences_show():
    root = _parse(report_docs.document("a", CAPS))
    kinds = {}
    for case in root.iter("testcase"):
        child = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        kinds[case.get("name")] = None if child is None else (child.tag, child.get("type"))
    assert kinds == {
        "identity.versions": None,
        "image.format.preferred": ("failure", "divergence"),
        "upload.tasks": None,                                  # informational: never graded
        "upload.method": ("failure", "fail"),
        "network.service": ("error", "error"),
        "floating_ip.source": ("skipped", None),
        "compute.boot": ("skipped", "not-run"),
        "network_config.vendor_agent": None}
    suite = root.find("testsuite")
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("2", "1", "2")
    assert _case(root, "a", "upload.method").find("failure").get("message") == "PUT refused: HTTP 403"


def test_properties_are_plain_strings():
    xml = junit.render([report_docs.document("a", CAPS, guideline="2026.1")])
    root = ET.fromstring(xml)
    props = {p.get("name"): p.get("value")
             for p in _case(root, "a", "network_config.vendor_agent").iter("property")}
    assert props["value"] == '{"flags": [true, null], "vm_mode": "hvm"}'
    assert props["outcome"] == "pass" and props["status"] == "advisory"
    assert _case(root, "a", "upload.tasks").find("properties/property[@name='outcome']").get("value") == "diverge"
    suite_props = {p.get("name"): p.get("value") for p in root.find("testsuite/properties")}
    assert suite_props["run_id"] == "20260101aaaaaa" and suite_props["guideline"] == "2026.1"
    for repr_marker in ("{'", "True", "None", "[True"):
        assert repr_marker not in xml
