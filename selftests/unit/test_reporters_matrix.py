"""The divergence matrix over three hand-written results documents (selftests/unit/data/).

devstack behaves as upstream, rackspace diverges almost everywhere, multinet ran only part of
the suite (image.api_version and security_group.source not selected, image.upload.put absent).
Synthetic documents (report_docs) cover what those three do not.
"""

import copy
import json
from pathlib import Path

import pytest

from os_interop import results, schemas
from os_interop.capabilities import GROUPS
from os_interop.errors import UserError
from reporters import matrix, matrix_text
from selftests.unit import report_docs

DATA = Path(__file__).parent / "data"
CLOUDS = ("devstack", "rackspace", "multinet")


@pytest.fixture(scope="module")
def documents():
    docs = [results.load(DATA / f"results-{name}.json") for name in CLOUDS]
    for doc in docs:
        assert schemas.first_error("results", doc) is None
    return docs


@pytest.fixture(scope="module")
def m(documents):
    return matrix.build(documents)


def test_columns_follow_document_order(m):
    assert m.clouds == list(CLOUDS)


def test_rows_grouped_by_pain_point_in_order(m):
    groups = [r.group for r in m.rows]
    assert groups == sorted(groups, key=GROUPS.index)
    # devstack lists its capabilities out of group order; first-seen order holds within a group
    assert [r.id for r in m.rows] == [
        "identity.api_version", "catalog.interface", "image.api_version", "image.format",
        "image.upload.put", "network.implicit_attach", "floating_ip.source",
        "security_group.source"]


def test_divergent_exactly_where_a_graded_capability_diverges(m):
    divergent = {r.id for r in m.rows if r.divergent}
    assert divergent == {r.id for r in m.rows if r.status != "informational" and any(
        c is not None and c.outcome == "diverge" for c in r.cells.values())}
    assert divergent == {"identity.api_version", "image.format", "image.upload.put",
                         "network.implicit_attach", "floating_ip.source",
                         "security_group.source"}
    # same outcome and value everywhere; and a cloud that did not run it does not count
    assert {"catalog.interface", "image.api_version"}.isdisjoint(divergent)
    assert m.divergent == 6 and "6 of 8 capabilities diverge" in matrix.render(m, "text")


def test_all_pass_rows_are_not_divergences_even_with_different_values():
    """catalogs listing different services both conform: no divergence, and none counted."""
    one = report_docs.document("a", [("identity.catalog", "identity", "required", "pass", ["compute"]),
                                     ("image.format", "image_format", "advisory", "pass", "qcow2")])
    two = report_docs.document("b", [("identity.catalog", "identity", "required", "pass", ["image"]),
                                     ("image.format", "image_format", "advisory", "diverge", "raw")])
    m = matrix.build([one, two])
    assert [(r.id, r.divergent) for r in m.rows] == [("identity.catalog", False), ("image.format", True)]
    assert m.divergent == 1


def test_informational_rows_show_their_value_and_are_never_divergences():
    caps = lambda *rest: [("upload.tasks", "upload_method", "informational", *rest)]
    m = matrix.build([report_docs.document("a", caps("pass", "admin-only")),
                      report_docs.document("b", caps("diverge", "user")),
                      report_docs.document("c", caps("error", None, "tasks: HTTP 500"))])
    row = m.rows[0]
    assert not row.divergent
    assert [c.shown for c in row.cells.values()] == ["info", "info", "error"]
    line = next(l for l in matrix.render(m, "text").splitlines() if "upload.tasks" in l)
    assert line.split() == ["i", "upload.tasks", "admin-only", "user", "ERROR"]
    assert "PASS" not in line.upper().replace("ADMIN", "")
    assert "| admin-only | user | **error** |" in matrix.render(m, "markdown").replace("  ", "")


def test_not_run_is_kept_apart_from_skip():
    doc = report_docs.document("a", [("compute.boot", "network_attach", "required", "not-run", None),
                                     ("network.service", "network_attach", "required", "skip", None,
                                      "no network service")])
    m = matrix.build([doc])
    cells = {r.id: r.cells["a"] for r in m.rows}
    assert (cells["compute.boot"].shown, cells["network.service"].shown) == ("not-run", "skip")
    assert m.columns[0].counts["skip"] == 1 and m.columns[0].counts["not-run"] == 1
    lines = matrix.render(m, "text").splitlines()
    assert next(l for l in lines if "compute.boot" in l).split()[-1] == "-"
    assert next(l for l in lines if "network.service" in l).split()[-1] == "skip"


def test_missing_and_unselected_capabilities_are_not_run(m):
    rows = {r.id: r for r in m.rows}
    assert rows["image.upload.put"].cells["multinet"] is None
    assert not rows["security_group.source"].cells["multinet"].ran
    assert rows["security_group.source"].cells["multinet"].shown == "not-run"
    text = matrix.render(m, "text")
    line = next(l for l in text.splitlines() if "image.upload.put" in l)
    assert line.split()[-1] == "-"


def test_summary_per_cloud(m):
    by_cloud = {c.label: c for c in m.columns}
    assert by_cloud["rackspace"].counts == {"pass": 2, "diverge": 6, "fail": 0, "skip": 0,
                                            "error": 0, "not-run": 0, "info": 0}
    assert by_cloud["rackspace"].leaked == 1
    # an older document says skip for 'not selected': counted as not run (and one absent)
    assert (by_cloud["multinet"].counts["skip"], by_cloud["multinet"].counts["not-run"]) == (0, 3)
    assert by_cloud["devstack"].region == "RegionOne"


def test_text_marks_divergent_rows_and_has_header_and_legend(m):
    text = matrix.render(m, "text")
    lines = text.splitlines()
    for row in m.rows:
        line = next(l for l in lines if f" {row.id} " in l)
        assert line.startswith(matrix.DIVERGENT) == row.divergent, line
    assert matrix.DIVERGENCE in text and "legend" in text
    for outcome in matrix.SHOWN:
        assert matrix.MEANING[outcome] in " ".join(text.split())
    assert "≠ vhd" in text and "pass qcow2" in text
    assert lines[0] == "os-interop report: 3 clouds in 1 run · suite 0.1.0 · guideline none named"
    assert "run r1: 2026-01-01 00:00Z to 2026-01-01 00:05Z" in text
    assert text.index("leaked") < text.index("security_group.source")   # header before the matrix
    assert "run r1" not in matrix.render(m, "text", header=False)


def test_text_fits_120_columns_however_many_clouds():
    caps = [("network_config.config_drive.server", "network_config", "advisory", "diverge",
             ["a-very-long-network-name-%d" % i for i in range(9)])]
    docs = [report_docs.document(f"entercloudsuite-{n:04d}-with-a-long-name", caps) for n in range(25)]
    text = matrix.render(matrix.build(docs), "text")
    assert max(map(len, text.splitlines())) <= 120
    lines = text.splitlines()
    for n in range(25):   # every cloud is named in full, wrapped at its hyphens, never cut
        label = f"entercloudsuite-{n:04d}-with-a-long-name"
        pieces = matrix_text._label_lines(label, 24)
        assert "".join(pieces) == label and len(pieces) > 1
        at = next(i for i, l in enumerate(lines) if l.startswith(pieces[0] + " "))
        assert [lines[at + k].split()[0] for k in range(len(pieces))] == pieces
    blocks = [l for l in lines if l.startswith("clouds ") and " of 25" in l]
    assert text.count("[network_config]") == len(blocks) > 1   # split into blocks


def test_guideline_named_by_the_document_is_in_the_header():
    doc = report_docs.document("a", [("identity.versions", "identity", "required", "pass", "3")],
                               guideline="2026.1")
    m = matrix.build([doc])
    assert "guideline 2026.1" in matrix.render(m, "text").splitlines()[0]
    assert "guideline 2026.1" in matrix.render(m, "markdown")


def test_markdown_report_has_title_runs_legend_and_a_table_per_pain_point(m):
    md = matrix.render(m, "markdown")
    assert md.startswith("# os-interop report\n")
    assert "- run `r1`: 2026-01-01 00:00Z to 2026-01-01 00:05Z · suite 0.1.0 · 3 clouds" in md
    assert "## Legend" in md and matrix.DIVERGENCE in md
    groups = list(dict.fromkeys(r.group for r in m.rows))
    assert [l[3:] for l in md.splitlines() if l.startswith("## ") and l != "## Legend"] == groups
    for group in groups:
        table = md.split(f"## {group}\n\n")[1].split("\n\n")[0].splitlines()
        cells = [line.count("|") for line in table]
        assert all(line.startswith("|") and line.endswith("|") for line in table)
        assert len(set(cells)) == 1 and cells[0] == 2 + len(CLOUDS) + 1
        assert len(table) == 2 + sum(r.group == group for r in m.rows)


def test_markdown_escapes_pipes(documents):
    doc = copy.deepcopy(documents[0])
    doc["capabilities"][0]["value"] = "a|b"
    md = matrix.render(matrix.build([doc]), "markdown")
    assert "a\\|b" in md


def test_json_round_trips_and_keeps_values_whole(m, documents):
    data = json.loads(matrix.render(m, "json"))
    assert data == json.loads(json.dumps(m.to_dict()))
    assert data["divergent"] == 6
    rows = {r["id"]: r for r in data["rows"]}
    assert rows["image.format"]["cells"]["rackspace"]["value"] == "vhd"
    assert rows["image.upload.put"]["cells"]["multinet"] is None
    long = ["net-%02d" % i for i in range(20)]
    doc = copy.deepcopy(documents[0])
    next(c for c in doc["capabilities"] if c["id"] == "floating_ip.source")["value"] = long
    short = matrix.build([doc])
    rows = {r["id"]: r for r in json.loads(matrix.render(short, "json"))["rows"]}
    assert rows["floating_ip.source"]["cells"]["devstack"]["value"] == long
    assert "…" in matrix.render(short, "text")


def test_same_cloud_name_twice_gets_distinct_columns(documents):
    other = copy.deepcopy(documents[0])
    other["cloud"]["region"] = "RegionTwo"
    assert matrix.build([documents[0], other]).clouds == ["devstack@RegionOne", "devstack@RegionTwo"]


def test_merged_runs_of_one_cloud_are_named_by_run_id(documents):
    runs = []
    for n in range(13):
        doc = copy.deepcopy(documents[0])
        doc["run"]["id"] = f"2026010{n % 9}{n:06x}"
        runs.append(doc)
    m = matrix.build(runs)
    assert m.clouds == [f"devstack run {d['run']['id']}" for d in runs]
    assert not any("#" in label for label in m.clouds)
    text = matrix.render(m, "text")
    assert text.startswith("os-interop report: 1 cloud in 13 runs")
    assert "on at least one of 13 cloud runs" in text
    with pytest.raises(UserError, match="given twice"):
        matrix.build([documents[0], documents[0]])


def test_bad_input_is_a_user_error(m):
    with pytest.raises(UserError):
        matrix.build([])
    with pytest.raises(UserError, match="unknown report format"):
        matrix.render(m, "html")


def test_a_target_in_two_results_trees_is_named_by_label_and_run_id(documents):
    first, again = copy.deepcopy(documents[0]), copy.deepcopy(documents[0])
    for doc in (first, again):
        doc["cloud"]["label"] = "devstack@RegionOne"
    again["run"]["id"] = "20990101abcdef"
    assert matrix.build([first, again]).clouds == [
        f"devstack@RegionOne run {first['run']['id']}", "devstack@RegionOne run 20990101abcdef"]
    assert matrix.build([first, documents[1]]).clouds == ["devstack@RegionOne", "rackspace"]


def test_report_finds_every_tree_under_a_directory_once(documents, tmp_path):
    for shard, doc in (("shard-1", documents[0]), ("shard-2", documents[1])):
        (tmp_path / shard / doc["cloud"]["name"]).mkdir(parents=True)
        (tmp_path / shard / doc["cloud"]["name"] / "results.json").write_text(json.dumps(doc))
    found = results.find([str(tmp_path), str(tmp_path / "shard-1")])
    assert [p.parent.name for p in found] == ["devstack", "rackspace"]
