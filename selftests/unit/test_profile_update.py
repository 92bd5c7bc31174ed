"""profile --update: a published vendor file rewritten with what runs observed, nothing else."""

import json
import shutil

import pytest
import yaml

from os_interop import cli
from os_interop.errors import UserError
from reporters import profile_diff, profile_update, sdk_vendors

from .profile_docs import results_doc

SHIPPED = sorted(sdk_vendors.shipped().items())


@pytest.mark.parametrize("name, path", SHIPPED, ids=[n for n, _ in SHIPPED])
def test_every_shipped_file_keeps_its_exact_style(name, path, tmp_path):
    """Untouched, each file openstacksdk ships is reproduced byte for byte (indentation, key
    order, quotes, final newline or its absence): only observed keys can show in a git diff."""
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    published = sdk_vendors.profile_of(json.loads(path.read_text()) if path.suffix == ".json"
                                       else yaml.safe_load(path.read_text()))
    if isinstance(published.get("profile"), str):
        with pytest.raises(UserError, match="remote profile"):
            profile_update.rewrite(copy, [results_doc()])
        return
    done = profile_update.rewrite(copy, [])
    assert done.exact_style and not done.changes
    assert done.text == path.read_text()


def vendor_file(tmp_path, profile, name="v.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"name": "v", "profile": profile}, indent=2) + "\n")
    return path


def test_only_observed_keys_change_and_new_ones_go_before_status(tmp_path):
    path = vendor_file(tmp_path, {"auth": {"auth_url": "https://x.example:5000"},
                                  "regions": ["RegionOne"], "identity_api_version": "3",
                                  "image_format": "qcow2", "block_storage_api_version": "3",
                                  "status": "deprecated", "message": "going"})
    done = profile_update.rewrite(path, [results_doc()])
    written = json.loads(done.text)["profile"]
    assert list(written) == ["auth", "regions", "identity_api_version", "image_format",
                             "block_storage_api_version", "networks", "requires_floating_ip",
                             "status", "message"]
    assert written["image_format"] == "raw"
    assert written["auth"] == {"auth_url": "https://x.example:5000"}
    assert written["networks"] == [{"name": "private", "default_interface": True,
                                    "routes_externally": False},
                                   {"name": "ext-net", "nat_source": True, "routes_externally": True}]
    assert [c.key for c in done.changes] == [
        "image_format", "networks.default_interface", "networks.nat_source",
        "networks[ext-net].routes_externally", "networks[private].routes_externally",
        "requires_floating_ip"]
    assert profile_update.rewrite(path, [results_doc()]).changes != []   # not written yet
    path.write_text(done.text)
    assert profile_update.rewrite(path, [results_doc()]).changes == []   # idempotent
    comparison = profile_diff.compare(results_doc(), json.loads(done.text))
    assert comparison.counts()["differs"] == comparison.counts()["only-observed"] == 0


def test_networks_merge_by_name(tmp_path):
    path = vendor_file(tmp_path, {"networks": [
        {"name": "ext-net", "routes_externally": True},
        {"name": "storage", "nat_source": True, "routes_externally": False}]})
    written = json.loads(profile_update.rewrite(path, [results_doc()]).text)["profile"]["networks"]
    assert written == [{"name": "ext-net", "routes_externally": True, "nat_source": True},
                       {"name": "storage", "routes_externally": False},     # nat_source moved off
                       {"name": "private", "default_interface": True, "routes_externally": False}]


def test_an_errored_capability_never_changes_a_key(tmp_path):
    path = vendor_file(tmp_path, {"image_format": "qcow2", "floating_ip_source": "nova"})
    doc = results_doc(outcomes={"image.format.preferred": "error", "floating_ip.source": "error"})
    done = profile_update.rewrite(path, [doc])
    written = json.loads(done.text)["profile"]
    assert written["image_format"] == "qcow2" and written["floating_ip_source"] == "nova"
    assert "networks" not in written               # floating_ip.source feeds networks: withheld
    assert {c.key for c in done.changes} == {"requires_floating_ip"}


def test_the_files_spelling_of_a_key_stays(tmp_path):
    path = vendor_file(tmp_path, {"image-format": "qcow2", "identity_api_version": "3.0"})
    written = json.loads(profile_update.rewrite(path, [results_doc()]).text)["profile"]
    assert written["image-format"] == "raw" and "image_format" not in written
    assert written["identity_api_version"] == "3.0"      # the same version: not rewritten


def test_a_value_in_region_values_changes_there_and_regions_that_disagree_get_their_own(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("---\nname: v\nprofile:\n  regions:\n    - one\n    - name: two\n      values:\n"
                    "        image_format: vhd\n  image_format: qcow2  # the default one\n")
    done = profile_update.rewrite(path, [results_doc(region="two")])
    assert "image_format: raw\n" in done.text and "# the default one" in done.text
    assert yaml.safe_load(done.text)["profile"]["image_format"] == "qcow2"
    assert [c.region for c in done.changes if c.key == "image_format"] == ["two"]
    # region one inherits the top level; two keeps its own value, observed the same
    one, two = results_doc(region="one"), results_doc(region="two", values={"image.format": "vhd"})
    written = yaml.safe_load(profile_update.rewrite(path, [one, two]).text)["profile"]
    assert written["image_format"] == "raw"
    assert written["regions"] == ["one", {"name": "two", "values": {"image_format": "vhd"}}]


def test_regions_that_disagree_on_a_top_level_key_each_get_their_own_value(tmp_path):
    path = vendor_file(tmp_path, {"regions": ["one", "three"], "image_format": "qcow2"})
    one, three = results_doc(region="one"), results_doc(region="three", values={"image.format": "vhd"})
    written = json.loads(profile_update.rewrite(path, [one, three]).text)["profile"]
    assert written["image_format"] == "qcow2"
    assert written["regions"] == [{"name": "one", "values": {"image_format": "raw"}},
                                  {"name": "three", "values": {"image_format": "vhd"}}]
    # one region as published, the other not: only that entry changes (openstacksdk reads a
    # list of names and {name, values} alike)
    one, three = results_doc(region="one", values={"image.format": "qcow2"}), three
    written = json.loads(profile_update.rewrite(path, [one, three]).text)["profile"]
    assert written["image_format"] == "qcow2"
    assert written["regions"] == ["one", {"name": "three", "values": {"image_format": "vhd"}}]
    with pytest.raises(UserError, match="four is not among the file's regions"):
        profile_update.rewrite(path, [one, results_doc(region="four", values={"image.format": "vhd"})])


def write_results(tmp_path, *docs):
    for doc in docs:
        (tmp_path / "tree" / doc["cloud"]["name"]).mkdir(parents=True)
        (tmp_path / "tree" / doc["cloud"]["name"] / "results.json").write_text(json.dumps(doc))
    return str(tmp_path / "tree")


def test_update_dir_maps_clouds_to_vendor_files(tmp_path, capsys):
    tree = write_results(tmp_path, results_doc("sim-a"), results_doc("b"), results_doc("c"))
    vendors = tmp_path / "vendors"
    vendors.mkdir()
    vendor_file(vendors, {"image_format": "qcow2"}, "a-file.json")   # its name: "v"
    (vendors / "b.json").write_text(json.dumps({"name": "b", "profile": {"image_format": "raw"}}))
    before = (vendors / "b.json").read_text()
    assert cli.main(["profile", tree, "--update-dir", str(vendors), "--map", "sim-a=v"]) == 0
    out = capsys.readouterr().out
    assert json.loads((vendors / "a-file.json").read_text())["profile"]["image_format"] == "raw"
    assert "skipped c: no vendor file 'c'" in out and "--map c=VENDOR" in out
    assert (vendors / "b.json").read_text() != before     # b's own name matched
    for bad, message in ((["--map", "nope=v"], "no results for cloud 'nope'"),
                         (["--map", "c=missing"], "no vendor file named 'missing'"),
                         (["--map", "c"], "expected CLOUD=VENDOR")):
        assert cli.main(["profile", tree, "--update-dir", str(vendors), *bad]) == 2
        assert message in capsys.readouterr().err
    for bad, message in ((["--update", "openstacksdk:rackspace"], "never rewritten"),
                         (["--update", str(vendors / "b.json"), "--diff", "x"], "exclude each other"),
                         (["--map", "c=b"], "pass --update-dir DIR too")):
        assert cli.main(["profile", tree, *bad]) == 2
        assert message in capsys.readouterr().err
