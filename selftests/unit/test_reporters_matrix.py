"""The divergence matrix over three hand-written results documents (selftests/unit/data/).

devstack behaves as upstream, rackspace diverges almost everywhere, multinet ran only part of
the suite (image.api_version and security_group.source not selected, image.upload.put absent).
"""

import copy
import json
from pathlib import Path

import pytest

from os_interop import results, schemas
from os_interop.capabilities import GROUPS
from os_interop.errors import UserError
from reporters import matrix

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


def test_divergent_exactly_where_clouds_disagree(m):
    divergent = {r.id for r in m.rows if r.divergent}
    assert divergent == {"identity.api_version", "image.format", "image.upload.put",
                         "network.implicit_attach", "floating_ip.source",
                         "security_group.source"}
    # same outcome and value everywhere; and a cloud that did not run it does not count
    assert {"catalog.interface", "image.api_version"}.isdisjoint(divergent)


def test_same_outcome_different_value_diverges(documents):
    one, two = copy.deepcopy(documents[0]), copy.deepcopy(documents[0])
    two["cloud"]["name"] = "other"
    cap = next(c for c in two["capabilities"] if c["id"] == "catalog.interface")
    cap["value"] = "internal"
    rows = {r.id: r for r in matrix.build([one, two]).rows}
    assert rows["catalog.interface"].divergent
    assert not rows["image.format"].divergent


def test_missing_and_unselected_capabilities_are_not_run(m):
    rows = {r.id: r for r in m.rows}
    assert rows["image.upload.put"].cells["multinet"] is None
    assert not rows["security_group.source"].cells["multinet"].ran
    text = matrix.render(m, "text")
    line = next(l for l in text.splitlines() if "image.upload.put" in l)
    assert line.split()[-1] == "-"


def test_summary_per_cloud(m):
    by_cloud = {s.cloud: s for s in m.summaries}
    assert by_cloud["rackspace"].counts == {"pass": 2, "diverge": 6, "fail": 0, "skip": 0, "error": 0}
    assert by_cloud["rackspace"].leaked == 1
    assert by_cloud["multinet"].counts["skip"] == 2
    assert by_cloud["devstack"].region == "RegionOne"


def test_text_marks_divergent_rows_and_has_legend(m):
    text = matrix.render(m, "text")
    lines = text.splitlines()
    for row in m.rows:
        line = next(l for l in lines if f" {row.id} " in l)
        assert line.startswith(matrix.DIVERGENT) == row.divergent, line
    assert matrix.LEGEND in text
    assert "diverge vhd" in text and "pass qcow2" in text
    assert text.index("leaked") > text.index("security_group.source")  # summary after the matrix


def test_markdown_is_a_valid_table(m):
    md = matrix.render(m, "markdown")
    table = md.split("\n\n")[0].splitlines()
    cells = [line.count("|") for line in table]
    assert all(line.startswith("|") and line.endswith("|") for line in table)
    assert len(set(cells)) == 1 and cells[0] == 3 + len(CLOUDS) + 1  # columns + 1
    assert set(table[1].replace("|", "").replace(":", "")) == {"-"}
    assert len(table) == 2 + len(m.rows)


def test_markdown_escapes_pipes(documents):
    doc = copy.deepcopy(documents[0])
    doc["capabilities"][0]["value"] = "a|b"
    md = matrix.render(matrix.build([doc]), "markdown")
    assert "a\\|b" in md


def test_json_round_trips_and_keeps_values_whole(m, documents):
    data = json.loads(matrix.render(m, "json"))
    assert data == json.loads(json.dumps(m.to_dict()))
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
    assert matrix.build([documents[0], other]).clouds == ["devstack/RegionOne", "devstack/RegionTwo"]


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
