"""One profile for several regions of one cloud, in openstacksdk's regions form, read back by
openstacksdk's own loader (its get_one lays a region's values over the top level)."""

import copy
import uuid
from pathlib import Path

import pytest
import yaml
from openstack.config import vendors
from openstack.config.loader import OpenStackConfig

from os_interop import results, targets
from os_interop.errors import UserError
from reporters import profile, profile_regions

DATA = Path(__file__).parent / "data"


def region_doc(name: str, region: str, cloud: str = "two-region") -> dict:
    doc = copy.deepcopy(results.load(DATA / f"results-{name}.json"))
    doc["cloud"].update(name=cloud, region=region, label=f"{cloud}@{region}")
    return doc


def test_common_keys_go_to_the_top_and_differing_ones_to_each_region():
    body = profile_regions.combine([
        ("b", {"image_format": "raw", "has_network": True, "floating_ip_source": "neutron"}),
        ("a", {"image_format": "qcow2", "has_network": True}),
    ])
    assert body == {"has_network": True, "regions": [
        {"name": "a", "values": {"image_format": "qcow2"}},
        {"name": "b", "values": {"floating_ip_source": "neutron", "image_format": "raw"}}]}


def test_regions_alike_are_listed_by_name_only():
    assert profile_regions.combine([("r2", {"x": 1}), ("r1", {"x": 1})]) == {"x": 1, "regions": ["r1", "r2"]}


def test_build_of_two_regions_differing_everywhere_is_valid_for_openstacksdk():
    one, two = region_doc("rackspace", "r1"), region_doc("multinet", "r2")
    vendor = profile.build([one, two])
    singles = {r: profile.build(d)["profile"] for r, d in (("r1", one), ("r2", two))}
    assert vendor["name"] == "two-region"
    regions = {r["name"]: r["values"] for r in vendor["profile"]["regions"]}
    assert set(regions) == {"r1", "r2"}
    for region, single in singles.items():
        single.pop("regions")
        merged = {k: v for k, v in vendor["profile"].items() if k != "regions"} | regions[region]
        assert merged == single, region          # what get_one would give back, key by key


def test_results_of_several_clouds_or_a_region_twice_are_one_line_user_errors():
    with pytest.raises(UserError, match="several clouds"):
        profile.build([region_doc("rackspace", "r1"), region_doc("rackspace", "r2", cloud="other")])
    twice = region_doc("rackspace", "r1")
    twice["run"]["id"] = "20990101abcdef"
    with pytest.raises(UserError, match=r"two results for region r1 \(runs .* and 20990101abcdef\)"):
        profile.build([region_doc("rackspace", "r1"), twice])


@pytest.fixture
def sdk_env(monkeypatch):
    monkeypatch.setattr(vendors, "_VENDOR_DEFAULTS", {})
    for key in ("OS_CLOUD", "OS_REGION_NAME", "OS_CLIENT_CONFIG_FILE"):
        monkeypatch.delenv(key, raising=False)


def test_openstacksdk_reads_each_region_back_and_targets_resolve_every_region(tmp_path, sdk_env, monkeypatch):
    one, two = region_doc("rackspace", "r1"), region_doc("multinet", "r2")
    vendor = profile.build([one, two], name=f"osi-test-{uuid.uuid4().hex[:8]}")
    vendor_file = tmp_path / "clouds-public.yaml"
    vendor_file.write_text(yaml.safe_dump({"public-clouds": {vendor["name"]: vendor["profile"]}}))
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(yaml.safe_dump({"clouds": {"target": {"profile": vendor["name"], "auth": {
        "auth_url": "http://127.0.0.1:1/v3", "username": "u", "password": "p", "project_name": "x"}}}}))
    config = OpenStackConfig(config_files=[str(clouds)], vendor_files=[str(vendor_file)])
    for doc in (one, two):
        single = profile.build(doc)["profile"]
        got = config.get_one(cloud="target", region_name=doc["cloud"]["region"]).config
        stated = [k for k in ("image_format", "floating_ip_source", "secgroup_source", "has_network") if k in single]
        assert stated, doc["cloud"]["region"]
        assert {k: got.get(k) for k in stated} == {k: single[k] for k in stated}, doc["cloud"]["region"]
    # an entry naming a multi-region profile is probed in every region, as get_all() walks them
    found = targets.resolve(["target"], config=config)
    assert [(t.cloud, t.region, t.label) for t in found] == [("target", "r1", "target@r1"),
                                                             ("target", "r2", "target@r2")]
