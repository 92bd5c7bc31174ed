"""Personality files: every shipped one is valid and self-consistent; bad ones fail in one line."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from os_interop import schemas
from os_interop.apis import versions
from os_interop.simulator import PersonalityError, find_personality, load_personality, sections, shipped_personalities

REQUIRED = {"rackspace-2015", "hpcloud-2015", "dreamhost-2015", "citycloud-2018", "ovh-2018",
            "upstream-default", "ambiguous-networks", "wrong-host-discovery"}
PROFILE_KEYS = {  # observation -> profile key, as capabilities/*.yaml map them (reporters/profile.py composes)
    "identity.api_version": "identity_api_version", "catalog.interface": "interface",
    "image.api_version": "image_api_version", "image.endpoint_override": "image_endpoint_override",
    "image.format": "image_format", "image.disable_vendor_agent": "disable_vendor_agent",
    "image.use_tasks": "image_api_use_tasks", "network.has_network": "has_network",
    "floating_ip.source": "floating_ip_source", "floating_ip.requires": "requires_floating_ip",
    "security_group.source": "secgroup_source", "floating_ip.force_ipv4": "force_ipv4",
    "block_storage.pinned_api_version": "block_storage_api_version",
    "compute.pinned_api_version": "compute_api_version", "network.pinned_api_version": "network_api_version",
}
# observed by use (a creating capability): decides its profile key over a read-only
# observation of another value (os_interop/profile_sources.py)
PROVEN_BY_USE = {"image.upload_api_version": "image_api_version"}
NETWORK_FLAGS = {"network.default_interface": "default_interface", "floating_ip.nat_destination": "nat_destination",
                 "floating_ip.nat_source": "nat_source", "floating_ip.routes_externally": "routes_externally",
                 "floating_ip.routes_ipv6_externally": "routes_ipv6_externally",
                 "floating_ip.confirmed_nat_destination": "nat_destination",
                 "floating_ip.confirmed_nat_source": "nat_source"}


def test_the_shipped_fleet_is_complete_and_valid():
    paths = shipped_personalities()
    assert paths == sorted(paths)
    loaded = [load_personality(p) for p in paths]
    assert REQUIRED <= {p.name for p in loaded}
    for p in loaded:
        assert p.path.stem == p.name, "file name and cloud name must agree"
        assert p.expected_profile and p.expected_observations
        assert find_personality(p.name) == p.path


@pytest.mark.parametrize("path", shipped_personalities(), ids=lambda p: p.stem)
def test_expected_profile_is_composed_from_expected_observations(path):
    """The declared profile is exactly what the contract's composition rules make of the
    declared observations, so the two halves of a personality cannot drift apart."""
    p = load_personality(path)
    obs = p.expected_observations
    composed = {PROFILE_KEYS[k]: v for k, v in obs.items() if k in PROFILE_KEYS and v is not None}
    composed.update({PROVEN_BY_USE[k]: v for k, v in obs.items() if k in PROVEN_BY_USE and v is not None})
    flags: dict[str, dict[str, bool]] = {}
    for key, flag in NETWORK_FLAGS.items():
        value = obs.get(key)
        named = value if isinstance(value, dict) else dict.fromkeys([value] if isinstance(value, str) else value or [], True)
        for name, state in named.items():
            flags.setdefault(name, {})[flag] = state
    if flags:
        composed["networks"] = [{"name": n, **flags[n]} for n in sorted(flags)]
    assert composed == p.expected_profile


@pytest.mark.parametrize("path", shipped_personalities(), ids=lambda p: p.stem)
def test_expected_lists_are_sorted_like_the_probes_sort_them(path):
    obs = load_personality(path).expected_observations
    for key, value in obs.items():
        if isinstance(value, list):
            order = (lambda v: sorted(v, key=versions.parse)) if key == "image.versions" else sorted
            assert value == order(value), key


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _mutated(tmp_path: Path, edit) -> Path:
    doc = yaml.safe_load(find_personality("upstream-default").read_text())
    edit(doc)
    return _write(tmp_path, yaml.safe_dump(doc))


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["image"].update(put_upload="sometimes"), "image.put_upload"),
    (lambda d: d["network"]["networks"][0]["subnets"][0].update(cidr="not-a-cidr"),
     "network.networks[0].subnets[0].cidr"),
    (lambda d: d["identity"].update(versions=["v4"]), "identity.versions[0]"),
    (lambda d: d.pop("compute"), "(document)"),
    (lambda d: d["expected_observations"].update({"image.colour": "blue"}), "expected_observations"),
    (lambda d: d["expected_profile"].update(floating_ip_source="none"), "expected_profile.floating_ip_source"),
    (lambda d: d["image"]["public_images"][0].update(disk_format="zfs"), "image.public_images[0].disk_format"),
    (lambda d: d["network"]["networks"][0].update(router="nowhere"), "network.networks[0].router"),
    (lambda d: d["image"].update(v2_max_minor=3), "image.import_methods"),
    (lambda d: d["image"].update(put_upload="v1-only"), "image.put_upload"),   # v1: false
    (lambda d: d["security_groups"].update(default_group=["ingress IPv4 tcp:22 somewhere"]),
     "security_groups.default_group[0]"),
    (lambda d: d["expected_client_flow"].update(server="maybe"), "expected_client_flow.server"),
    (lambda d: d["expected_client_flow"].update(image="impossible"), "expected_client_flow.image"),
    (lambda d: d["expected_client_flow"].update(why={"server": "it just cannot boot"}),
     "expected_client_flow.why.server"),
])
def test_a_bad_personality_names_file_and_field_in_one_line(tmp_path, edit, field):
    path = _mutated(tmp_path, edit)
    with pytest.raises(PersonalityError) as info:
        load_personality(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {field}"), message


def test_unreadable_and_malformed_files_are_personality_errors(tmp_path):
    for path, where in ((_write(tmp_path, "name: [unclosed\n"), "line"), (tmp_path / "missing.yaml", "cannot read"),
                        (_write(tmp_path, "- a list\n", "list.yaml"), "(document)")):
        with pytest.raises(PersonalityError, match=re.escape(str(path)) + ".*" + re.escape(where)):
            load_personality(path)
    with pytest.raises(PersonalityError, match="no such personality"):
        find_personality("no-such-cloud")


@pytest.mark.parametrize("edit, line", [
    (lambda d: d["compute"].update(adress_tags=False), "compute: unknown key 'adress_tags': did you mean 'address_tags'?"),
    (lambda d: d.update(secrity_groups={}), "(document): unknown key 'secrity_groups': did you mean 'security_groups'?"),
    (lambda d: d["network"]["networks"][0]["subnets"][0].update(gateway="10.0.0.1"),
     "network.networks[0].subnets[0]: unknown key 'gateway': did you mean 'gateway_ip'?"),
])
def test_a_misspelt_key_fails_at_load_with_the_fix(tmp_path, edit, line):
    path = _mutated(tmp_path, edit)
    with pytest.raises(PersonalityError) as info:
        load_personality(path)
    assert str(info.value) == f"{path}: {line}"


def test_defaults_come_from_the_schema_alone(tmp_path):
    """A minimal personality gets every optional value from the schema's `default`s, typed."""
    doc = yaml.safe_load(find_personality("upstream-default").read_text())
    for section, key in (("compute", "flavors"), ("compute", "address_tags"), ("image", "stores")):
        doc[section].pop(key, None)
    for key in ("security_groups", "credentials", "catalog", "region", "object_store"):
        doc.pop(key, None)
    p = load_personality(_write(tmp_path, yaml.safe_dump(doc)))
    schema = schemas.load("personality")["properties"]
    assert p.region == schema["region"]["default"]
    assert p.credentials.username == schema["credentials"]["properties"]["username"]["default"]
    assert p.catalog.interfaces == schema["catalog"]["properties"]["interfaces"]["default"]
    assert [f.name for f in p.compute.flavors] == [f["name"] for f in schema["compute"]["properties"]["flavors"]["default"]]
    assert p.compute.address_tags is schema["compute"]["properties"]["address_tags"]["default"]
    assert p.security_groups.new_group == schema["security_groups"]["properties"]["new_group"]["default"]
    assert p.image.stores is None and p.object_store is False
    assert p.network.networks[0].subnets[0].gateway_ip == "auto"


def test_every_schema_key_has_a_typed_field():
    """The typed sections and the schema name the same keys (a new schema key needs a field)."""
    schema = schemas.load("personality")
    top = schema["properties"]
    defs = schema["$defs"]
    pairs = [(sections.Credentials, top["credentials"]), (sections.Identity, top["identity"]),
             (sections.Catalog, top["catalog"]), (sections.Image, top["image"]), (sections.Compute, top["compute"]),
             (sections.Networking, top["network"]), (sections.SecurityGroups, top["security_groups"]),
             (sections.PublicImage, defs["image"]), (sections.Network, defs["network"]),
             (sections.Subnet, defs["network"]["properties"]["subnets"]["items"]),
             (sections.Flavor, top["compute"]["properties"]["flavors"]["items"]),
             (sections.NovaNetworking, top["compute"]["properties"]["nova_networking"]),
             (sections.TaskDefaults, top["image"]["properties"]["task_defaults"])]
    for cls, sub in pairs:
        assert {f.name for f in dataclasses.fields(cls)} == set(sub["properties"]), cls.__name__
