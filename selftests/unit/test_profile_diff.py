"""profile --diff: a run against a published openstacksdk profile, read as openstacksdk reads both."""

import json

import pytest

from os_interop import cli
from os_interop.errors import UserError
from reporters import profile_diff, sdk_vendors

from .profile_docs import results_doc


def statuses(document, published) -> dict[str, str]:
    return {d.key: d.status for d in profile_diff.compare(document, published).differences}


def test_the_runs_own_url_region_names_and_unobservable_keys_are_left_out_once():
    published = {"name": "v", "profile": {
        "auth": {"auth_url": "https://keystone.example/v3"}, "regions": ["RegionOne", "Two"],
        "compute_service_name": "nova", "status": "active", "block_storage_api_version": "3",
        "image_format": "raw"}}
    comparison = profile_diff.compare(results_doc(), published)
    keys = {d.key for d in comparison.differences}
    assert not keys & {"auth.auth_url", "regions", "compute_service_name", "status",
                       "block_storage_api_version"}
    assert comparison.left_out == ["auth", "block_storage_api_version", "compute_service_name",
                                   "regions[].name", "status"]
    text = profile_diff.render([comparison])
    assert sum("left out" in line for line in text.splitlines()) == 1


def test_defaults_and_discovered_versions_are_no_difference():
    """interface public, floating_ip_source neutron, has_network true (an official service),
    image_api_version "2" where the listing says discovery picks v2: same on both sides."""
    comparison = profile_diff.compare(results_doc(), {"name": "v", "profile": {}})
    by_key = {d.key: d for d in comparison.differences}
    for key in ("interface", "floating_ip_source", "secgroup_source", "has_network",
                "image_api_use_tasks", "image_api_version", "identity_api_version"):
        assert by_key[key].status == "same", key
    assert by_key["image_api_version"].note == "version discovery picks it"
    # not a default: openstacksdk discovers requires_floating_ip, qcow2 is its image format
    assert by_key["requires_floating_ip"].status == "only-observed"
    assert by_key["image_format"].status == "only-observed"
    assert profile_diff.exit_code([comparison]) == 0


def test_an_upload_only_through_v1_is_not_the_discovered_version():
    doc = results_doc(values={"image.upload_api_version": "1"})
    by_key = {d.key: d for d in profile_diff.compare(doc, {"profile": {}}).differences}
    assert (by_key["image_api_version"].status, by_key["image_api_version"].observed) == \
        ("only-observed", "1")


@pytest.mark.parametrize("published, status", [
    ({"identity_api_version": "3.0"}, "same"), ({"identity_api_version": 3}, "same"),
    ({"identity-api-version": "3"}, "same"), ({"identity_api_version": "2.0"}, "differs"),
    ({"image_api_version": 2}, "same"), ({"image_api_version": "1"}, "differs"),
])
def test_versions_and_key_spellings_compare_as_openstacksdk_reads_them(published, status):
    key = sdk_vendors.canonical_key(next(iter(published)))
    assert statuses(results_doc(), {"profile": published})[key] == status


def test_a_service_alias_is_the_official_type():
    assert sdk_vendors.canonical_key("volume_api_version") == "block_storage_api_version"
    assert sdk_vendors.canonical_key("volumev3-endpoint-override") == "block_storage_endpoint_override"
    assert sdk_vendors.canonical_key("image_format") == "image_format"


def test_booleans_are_read_by_truth_as_openstacksdk_tests_them():
    # requires_floating_ip observed true: a published "False" string is true to openstacksdk
    assert statuses(results_doc(), {"profile": {"requires_floating_ip": "False"}})[
        "requires_floating_ip"] == "same"
    assert statuses(results_doc(), {"profile": {"requires_floating_ip": False}})[
        "requires_floating_ip"] == "differs"


def test_networks_compare_by_name_and_flag_not_as_one_list():
    published = {"profile": {"networks": [
        {"name": "private", "default_interface": "true", "routes_externally": False},
        {"name": "ext-net", "routes_externally": True},
        {"name": "storage", "nat_source": True, "routes_externally": False}]}}
    got = statuses(results_doc(), published)
    assert got["networks.default_interface"] == "same"          # "true" as loader.get_boolean reads it
    assert got["networks.nat_source"] == "differs"               # ext-net observed, storage published
    assert got["networks[ext-net].routes_externally"] == "same"
    assert got["networks[private].routes_externally"] == "same"
    assert got["networks[storage].routes_externally"] == "only-published"
    assert "networks" not in got


def test_only_published_says_why_and_an_error_never_reads_as_same():
    published = {"profile": {"secgroup_source": "neutron", "floating_ip_source": "nova",
                             "image_api_use_tasks": False}}
    doc = results_doc(outcomes={"security_group.source": "error", "floating_ip.source": "error",
                                "upload.method": "skip"})
    by_key = {d.key: d for d in profile_diff.compare(doc, published).differences}
    assert by_key["secgroup_source"].status == "only-published"   # the default, but not observed
    assert by_key["secgroup_source"].note == "withheld: security_group.source errored"
    assert by_key["floating_ip_source"].note == "withheld: floating_ip.source errored"
    assert by_key["image_api_use_tasks"].note == "not observed: upload.method not selected"
    # networks: floating_ip.source feeds it and errored, so the whole list is withheld
    assert not any(k.startswith("networks") for k in by_key)


def test_a_published_default_against_no_observed_value_is_the_same():
    doc = results_doc(values={"floating_ip.nat_source": None})
    published = {"profile": {"disable_vendor_agent": {}}}
    assert profile_diff.compare(doc, published).left_out == ["disable_vendor_agent"]  # nothing decides it
    doc["capabilities"][3]["profile_keys"].append("disable_vendor_agent")   # image.format.preferred ran
    by_key = {d.key: d for d in profile_diff.compare(doc, published).differences}
    assert by_key["disable_vendor_agent"].status == "same"
    assert by_key["disable_vendor_agent"].note == "openstacksdk's default; the run observed no other"
    # the network flag nobody observed is no default: openstacksdk would pick no NAT source
    published = {"profile": {"networks": [{"name": "ext-net", "nat_source": True}]}}
    by_key = {d.key: d for d in profile_diff.compare(doc, published).differences}
    assert (by_key["networks.nat_source"].status, by_key["networks.nat_source"].note) == \
        ("only-published", "the run observed no value for it")


def test_region_values_are_compared_in_the_runs_region():
    published = {"profile": {"image_format": "raw", "regions": [
        "RegionOne", {"name": "Two", "values": {"image_format": "qcow2"}}]}}
    assert statuses(results_doc(region="RegionOne"), published)["image_format"] == "same"
    assert statuses(results_doc(region="Two"), published)["regions[Two].image_format"] == "differs"
    elsewhere = profile_diff.compare(results_doc(region="Three"), published)
    assert "Three is not among the published regions (RegionOne, Two)" in elsewhere.notes[0]
    unnamed = profile_diff.compare(results_doc(region=None), published)
    assert "RegionOne, openstacksdk's first" in unnamed.notes[0]


def test_exit_code_is_one_only_when_an_observed_value_contradicts(tmp_path, capsys):
    results = tmp_path / "cloud"
    results.mkdir()
    (results / "results.json").write_text(json.dumps(results_doc()))
    published = tmp_path / "v.json"
    published.write_text(json.dumps({"name": "v", "profile": {"image_format": "raw",
                                                              "compute_service_name": "x"}}))
    assert cli.main(["profile", str(results), "--diff", str(published)]) == 0
    published.write_text(json.dumps({"name": "v", "profile": {"image_format": "vhd"}}))
    assert cli.main(["profile", str(results), "--diff", str(published)]) == 1
    text = capsys.readouterr().out
    assert text.rstrip().endswith("1 key differs, 5 only observed, 0 only published, 7 same")


def test_json_output_names_each_key(tmp_path, capsys):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(results_doc()))
    published = tmp_path / "v.json"
    published.write_text(json.dumps({"name": "v", "profile": {"image_format": "vhd"}}))
    assert cli.main(["profile", str(results), "--diff", str(published), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    comparison = document["comparisons"][0]
    assert document["exit_code"] == 1
    assert {"key": "image_format", "status": "differs", "observed": "raw", "published": "vhd",
            "note": ""} in comparison["differences"]
    assert comparison["summary"]["differs"] == 1
    # an absent side is left out, not null: requires_floating_ip is only observed
    assert {"key": "requires_floating_ip", "status": "only-observed", "observed": True,
            "note": ""} in comparison["differences"]


def test_shipped_profiles_by_name_and_an_unknown_name_lists_them(tmp_path, capsys):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(results_doc(name="citycloud", region="Kna1")))
    assert sdk_vendors.resolve("openstacksdk:rackspace").name == "rackspace.json"
    assert cli.main(["profile", str(results), "--diff", "openstacksdk:citycloud"]) == 0
    assert "against openstacksdk:citycloud" in capsys.readouterr().out
    assert cli.main(["profile", str(results), "--diff", "openstacksdk:nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'nope'" in err and "rackspace" in err and "limestonenetworks" in err
    with pytest.raises(UserError, match="remote profile"):
        sdk_vendors.load(sdk_vendors.resolve("openstacksdk:vexxhost"))
