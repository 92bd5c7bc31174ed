"""How the network_config probes read DHCP, the config drive and vendor-agent properties:
values where the cloud says so, Unknown where it answers with an error (requests-mock)."""

import pytest

from os_interop.answers import Unknown
from os_interop.apis import network_config as nc
from selftests.unit.stub_cloud import StubCloud

PROJECT = "p1"


@pytest.fixture
def cloud(tmp_path):
    return StubCloud({"network": "http://n", "compute": "http://c/v2.1"}, tmp_path, PROJECT)


def _networks(cloud, subnets, networks=None):
    cloud.mock.register_uri("GET", "http://n/v2.0/networks", json={"networks": networks or [
        {"id": "net1", "name": "private", "project_id": PROJECT, "shared": False},
        {"id": "ext", "name": "public", "project_id": "other", "shared": False, "router:external": True}]})
    cloud.mock.register_uri("GET", "http://n/v2.0/subnets", json={"subnets": subnets})


@pytest.mark.parametrize("subnet, mode", [
    ({"ip_version": 4, "enable_dhcp": True}, "dhcp"),
    ({"ip_version": 4, "enable_dhcp": False}, "static"),
    ({"ip_version": 6, "enable_dhcp": True, "ipv6_address_mode": "slaac"}, "slaac"),
    ({"ip_version": 6, "enable_dhcp": True, "ipv6_address_mode": "dhcpv6-stateless"}, "dhcpv6-stateless"),
    ({"ip_version": 6, "enable_dhcp": True, "ipv6_address_mode": None}, "dhcpv6-stateful"),
    ({"ip_version": 6, "enable_dhcp": False, "ipv6_address_mode": None}, "static"),
])
def test_subnet_modes(subnet, mode):
    assert nc.subnet_mode(subnet) == mode


def test_a_subnet_without_enable_dhcp_is_unknown_not_static():
    with pytest.raises(Unknown, match="enable_dhcp"):
        nc.subnet_mode({"id": "s1", "ip_version": 4}, "main-7")


def test_candidate_subnets_are_those_of_the_networks_nova_picks(cloud):
    _networks(cloud, [
        {"id": "s1", "network_id": "net1", "cidr": "10.0.0.0/24", "ip_version": 4, "enable_dhcp": True},
        {"id": "s2", "network_id": "net1", "cidr": "2001:db8::/64", "ip_version": 6, "enable_dhcp": False},
        {"id": "s3", "network_id": "ext", "cidr": "203.0.113.0/24", "ip_version": 4, "enable_dhcp": False}])
    modes = nc.candidate_modes(cloud)
    assert modes == {"private 10.0.0.0/24": "dhcp", "private 2001:db8::/64": "static"}
    assert nc.static(modes) == ["private 2001:db8::/64"]


@pytest.mark.parametrize("reply", [{"status_code": 500, "json": {}}, {"status_code": 200, "text": "<html>"},
                                   {"status_code": 200, "json": {"networks": []}}])
def test_a_refused_or_malformed_subnet_listing_is_unknown(cloud, reply):
    _networks(cloud, [])
    cloud.mock.register_uri("GET", "http://n/v2.0/subnets", **reply)
    with pytest.raises(Unknown):
        nc.candidate_modes(cloud)


def test_neutron_absent_or_404_is_a_reason_to_skip_and_an_error_is_unknown(cloud, tmp_path):
    cloud.mock.register_uri("GET", "http://n/v2.0/extensions", status_code=404)
    assert "404" in nc.neutron_unusable(cloud)
    cloud.mock.register_uri("GET", "http://n/v2.0/extensions", json={"extensions": []})
    cloud.forget()
    assert nc.neutron_unusable(cloud) is None
    cloud.mock.register_uri("GET", "http://n/v2.0/extensions", status_code=503, json={})
    cloud.forget()
    with pytest.raises(Unknown, match="503"):
        nc.neutron_unusable(cloud)
    assert "catalog" in nc.neutron_unusable(StubCloud({}, tmp_path / "no-neutron"))


def test_server_subnets_come_from_its_fixed_addresses(cloud):
    _networks(cloud, [
        {"id": "s1", "network_id": "net1", "cidr": "10.0.0.0/24", "ip_version": 4, "enable_dhcp": True},
        {"id": "s2", "network_id": "net1", "cidr": "10.9.0.0/24", "ip_version": 4, "enable_dhcp": False}])
    server = {"addresses": {
        "private": [{"addr": "10.0.0.5", "version": 4, "OS-EXT-IPS:type": "fixed"},
                    {"addr": "203.0.113.9", "version": 4, "OS-EXT-IPS:type": "floating"}],
        "provider": [{"addr": "198.51.100.4", "version": 4}]}}
    assert nc.server_modes(cloud, server) == {"private 10.0.0.0/24": "dhcp",
                                              "provider (address in no listed subnet)": "unlisted"}
    with pytest.raises(Unknown):
        nc.server_modes(cloud, {"id": "x"})


def _compute_root(cloud, maximum):
    cloud.mock.register_uri("GET", "http://c/", json={"versions": [
        {"id": "v2.0", "status": "SUPPORTED", "version": "", "links": []},
        {"id": "v2.1", "status": "CURRENT", "version": maximum, "links": []}]})


def test_config_drive_is_always_accepted_from_newton_without_a_request(cloud):
    _compute_root(cloud, "2.26")
    extensions = cloud.mock.register_uri("GET", "http://c/v2.1/extensions", status_code=500)
    assert nc.config_drive_offered(cloud) is True
    assert not extensions.called


@pytest.mark.parametrize("aliases, offered", [(["OS-DCF", "os-config-drive"], True), (["OS-DCF"], False)])
def test_before_newton_the_extension_list_decides(cloud, aliases, offered):
    _compute_root(cloud, "2.12")
    cloud.mock.register_uri("GET", "http://c/v2.1/extensions",
                            json={"extensions": [{"alias": a} for a in aliases]})
    assert nc.config_drive_offered(cloud) is offered
    assert nc.config_drive_request(cloud) == ({"config_drive": True} if offered else {})


def test_legacy_v2_reads_its_extensions_too(tmp_path):
    cloud = StubCloud({"compute": "http://c/v2/p1"}, tmp_path)   # the project id keeps the URL versioned
    cloud.mock.register_uri("GET", "http://c/v2/p1/", json={"version": {"id": "v2.0", "status": "CURRENT",
                                                                         "version": "", "links": []}})
    cloud.mock.register_uri("GET", "http://c/v2/p1/extensions", json={"extensions": [{"alias": "os-config-drive"}]})
    assert nc.config_drive_offered(cloud) is True


@pytest.mark.parametrize("where", ["root", "extensions"])
def test_an_error_is_unknown_and_the_boot_then_asks_for_no_drive(cloud, where):
    _compute_root(cloud, "2.12")
    if where == "root":
        cloud.mock.register_uri("GET", "http://c/", status_code=500, json={})
    else:
        cloud.mock.register_uri("GET", "http://c/v2.1/extensions", status_code=500, json={})
    with pytest.raises(Unknown, match="500"):
        nc.config_drive_offered(cloud)
    assert nc.config_drive_request(cloud) == {}


@pytest.mark.parametrize("server, has", [({"config_drive": "True"}, True), ({"config_drive": ""}, False),
                                         ({"config_drive": True}, True), ({}, None)])
def test_server_detail_says_whether_it_has_a_drive(server, has):
    assert nc.server_has_config_drive(server) is has


def test_an_unreadable_config_drive_value_is_unknown():
    with pytest.raises(Unknown, match="maybe"):
        nc.server_has_config_drive({"config_drive": "maybe"})


def test_vendor_agent_properties_from_v2_and_v1_images():
    images = [{"name": "a", "vm_mode": "hvm", "xenapi_use_agent": "True"},              # glance v2
              {"name": "b", "properties": {"vm_mode": "hvm", "xenapi_use_agent": "True"}},  # glance v1
              {"name": "c", "img_config_drive": "mandatory", "hw_rng_model": "virtio"}]
    assert nc.agent_properties(images) == {"img_config_drive": {"mandatory": 1}, "vm_mode": {"hvm": 2},
                                           "xenapi_use_agent": {"True": 2}}
    assert nc.disable_vendor_agent(images) == {"vm_mode": "hvm", "xenapi_use_agent": "False"}


def test_vm_mode_is_named_only_when_the_agent_images_agree_on_one():
    mixed = [{"vm_mode": "hvm", "xenapi_use_agent": "True"}, {"vm_mode": "xen", "xenapi_use_agent": "True"}]
    assert nc.disable_vendor_agent(mixed) == {"xenapi_use_agent": "False"}
    partial = [{"vm_mode": "hvm", "xenapi_use_agent": "True"}, {"xenapi_use_agent": "True"}]
    assert nc.disable_vendor_agent(partial) == {"xenapi_use_agent": "False"}
    assert nc.disable_vendor_agent([{"hw_qemu_guest_agent": "yes"}]) is None
    assert nc.agent_properties([]) == {}
