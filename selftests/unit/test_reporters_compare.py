"""report --compare: what changed on each cloud between two runs, regressions first."""

from __future__ import annotations

import json

import pytest

from os_interop.errors import UserError
from reporters import compare
from selftests.unit import report_docs

OLD = [("identity.versions", "identity", "required", "pass", "3"),
       ("image.format.preferred", "image_format", "advisory", "diverge", "raw"),
       ("upload.tasks", "upload_method", "informational", "pass", "admin-only"),
       ("upload.method", "upload_method", "required", "pass", "put"),
       ("network.service", "network_attach", "required", "pass", "present"),
       ("floating_ip.source", "floating_ip", "required", "pass", "neutron"),
       ("compute.boot", "network_attach", "required", "not-run", None),
       ("security_group.source", "security_groups", "required", "fail", None, "HTTP 403")]
NEW = [("identity.versions", "identity", "required", "diverge", "2.0"),       # regression
       ("image.format.preferred", "image_format", "advisory", "pass", "qcow2"),  # improvement
       ("upload.tasks", "upload_method", "informational", "diverge", "user"),  # value (never graded)
       ("upload.method", "upload_method", "required", "pass", "tasks"),        # value
       ("network.service", "network_attach", "required", "error", None, "HTTP 503"),  # regression
       ("floating_ip.source", "floating_ip", "required", "skip", None, "no external network"),
       ("compute.boot", "network_attach", "required", "pass", True),           # coverage
       ("security_group.source", "security_groups", "required", "error", None, "HTTP 500")]


@pytest.fixture
def comparison():
    old = [report_docs.document("a", OLD), report_docs.document("gone", OLD[:1])]
    new = [report_docs.document("a", NEW, run_id="20260201bbbbbb", started="2026-02-01T00:00:00Z"),
           report_docs.document("fresh", NEW[:1], run_id="20260201bbbbbb", started="2026-02-01T00:00:00Z")]
    return compare.build(old, new)


def test_changes_classified_and_ordered(comparison):
    got = [(c.kind, c.capability) for c in comparison.changes]
    assert got == [("regression", "identity.versions"), ("regression", "network.service"),
                   ("improvement", "image.format.preferred"),
                   ("outcome", "floating_ip.source"), ("outcome", "security_group.source"),
                   ("value", "upload.tasks"), ("value", "upload.method"),
                   ("coverage", "compute.boot")]
    assert comparison.unchanged == 0
    assert (comparison.only_old, comparison.only_new) == (["gone"], ["fresh"])


def test_text_names_both_runs_and_puts_regressions_first(comparison):
    text = compare.render(comparison, "text")
    assert "OLD: run 20260101aaaaaa (2026-01-01T00:00:00Z)" in text
    assert "NEW: run 20260201bbbbbb (2026-02-01T00:00:00Z)" in text
    assert text.splitlines()[5].startswith("2 regressions, 1 improvements, 2 outcome changes, "
                                           "2 value changes, 1 coverage changes")
    body = [l for l in text.splitlines() if l.startswith(("regression", "improvement", "outcome",
                                                          "value", "coverage"))]
    assert body[0].split()[:5] == ["regression", "a", "identity.versions", "pass", "3"]
    assert "only in OLD: gone" in text and "only in NEW: fresh" in text
    assert "not run in OLD: not selected in this run" in text


def test_markdown_and_json(comparison):
    md = compare.render(comparison, "markdown")
    assert md.startswith("# os-interop compare") and "| regression " in md
    data = json.loads(compare.render(comparison, "json"))
    assert data["changes"][0]["kind"] == "regression" and data["changes"][0]["new_value"] == "2.0"


def test_identical_runs_have_no_changes():
    doc = report_docs.document("a", OLD)
    result = compare.build([doc], [doc])
    assert result.changes == [] and result.unchanged == len(OLD)
    assert "no changes" in compare.render(result, "text")


def test_several_runs_of_one_cloud_on_a_side_is_a_user_error():
    one = report_docs.document("a", OLD)
    two = report_docs.document("a", OLD, run_id="20260301cccccc")
    with pytest.raises(UserError, match="OLD holds several runs of a"):
        compare.build([one, two], [one])


def test_runs_without_a_common_cloud_are_a_user_error():
    with pytest.raises(UserError, match="share no cloud"):
        compare.build([report_docs.document("a", OLD)], [report_docs.document("b", OLD)])
