"""openstacksdk's cloud layer, unmodified, with and without the network keys a personality's
profile declares (the profile the e2e round trip proves os-interop emits): what the keys change
in create_server(auto_ip=True), the address it picks (interface_ip) and the floating IP's pool."""

from __future__ import annotations

import ipaddress
import time
import warnings

import openstack
import openstack.config.loader as loader
import pytest
import yaml

pytestmark = pytest.mark.filterwarnings("ignore")
TIMEOUT = 60


@pytest.fixture(scope="module")
def connect(fleet, personalities, tmp_path_factory):
    """connect(name, with_profile) -> Connection; the profile comes in as a vendor profile."""
    folder = tmp_path_factory.mktemp("sdk-networks")
    clouds = fleet.clouds_yaml()
    vendors = {"public-clouds": {}}
    for name in list(clouds["clouds"]):
        vendors["public-clouds"][f"{name}-profile"] = personalities[name].expected_profile
        clouds["clouds"][f"{name}+profile"] = dict(clouds["clouds"][name], profile=f"{name}-profile")
    (folder / "clouds.yaml").write_text(yaml.safe_dump(clouds))
    (folder / "vendors.yaml").write_text(yaml.safe_dump(vendors))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = loader.OpenStackConfig(config_files=[str(folder / "clouds.yaml")],
                                        vendor_files=[str(folder / "vendors.yaml")])

    def make(name: str, with_profile: bool) -> openstack.connection.Connection:
        return openstack.connection.Connection(config=config.get_one(name + ("+profile" if with_profile else "")))
    return make


def _boot(conn, name, timeout=TIMEOUT):
    """create_server(auto_ip=True)'s own steps, without its 5-second polling interval:
    create, wait for ACTIVE, then get_active_server -> add_ips_to_server as wait_for_server does."""
    image = next(iter(conn.image.images()))
    server = conn.create_server(name, image=image.id, flavor="1", auto_ip=True, wait=False)
    for _ in range(200):
        server = conn.get_server(server.id)
        if server.status == "ACTIVE" and server.addresses:
            break
        time.sleep(0.05)
    conn.get_active_server(server, auto_ip=True, wait=True, timeout=timeout)
    return conn.get_server(server.id)


def _clean(conn, fleet, cloud):
    for server in conn.list_servers():
        conn.delete_server(server.id, wait=True, delete_ips=True, timeout=TIMEOUT)
    for fip in conn.network.ips():
        conn.network.delete_ip(fip)
    assert fleet.state(cloud).created() == {}


def _in(address, cidr):
    return ipaddress.ip_address(address) in ipaddress.ip_network(cidr)


def test_two_externals_nat_source_takes_the_floating_ip_from_the_routers_gateway(fleet, connect):
    conn = connect("two-externals", True)
    try:
        server = _boot(conn, "sdk-nat-source")
        assert _in(server.public_v4, "172.24.5.0/24")          # ext-b, the router's gateway
        assert server.interface_ip == server.public_v4
    finally:
        _clean(conn, fleet, "two-externals")
    bare = connect("two-externals", False)    # told nothing: the first external network listed
    first = next(n for n in bare.network.networks() if n.is_router_external)   # neutron's order (by id)
    try:
        if first.name == "ext-a":
            with pytest.raises(openstack.exceptions.SDKException):   # the association never happens
                _boot(bare, "sdk-no-nat-source", timeout=3)
            assert [fip.floating_network_id for fip in bare.network.ips()] == [first.id]   # and it stays
        else:
            assert _in(_boot(bare, "sdk-no-nat-source").public_v4, "172.24.5.0/24")  # lucky order
    finally:
        _clean(bare, fleet, "two-externals")


def test_limestone_default_interface_boots_directly_public_and_needs_no_floating_ip(fleet, connect):
    conn = connect("limestone-2018", True)
    try:
        server = _boot(conn, "sdk-direct")
        assert list(server.addresses) == ["Public Internet"]
        assert _in(server.interface_ip, "216.245.200.0/24") and server.public_v4 == server.interface_ip
        assert list(conn.network.ips()) == []
    finally:
        _clean(conn, fleet, "limestone-2018")
    bare = connect("limestone-2018", False)
    with pytest.raises(openstack.exceptions.ConflictException, match="Multiple possible networks"):
        _boot(bare, "sdk-ambiguous")
    _clean(bare, fleet, "limestone-2018")


@pytest.mark.parametrize("cloud", ["upstream-default", "shared-ula"])
def test_force_ipv4_keeps_a_unique_local_ipv6_address_from_being_the_interface_ip(fleet, connect, cloud):
    conn = connect(cloud, True)
    try:
        server = _boot(conn, "sdk-ula")
        assert server.public_v6 == "" and server.interface_ip == server.public_v4
        assert any(a["OS-EXT-IPS:type"] == "floating" and a["addr"] == server.public_v4
                   for addrs in server.addresses.values() for a in addrs)
    finally:
        _clean(conn, fleet, cloud)
    bare = connect(cloud, False)
    if not bare._local_ipv6:
        pytest.skip("this host has no IPv6: openstacksdk would not prefer the IPv6 address anyway")
    try:
        server = _boot(bare, "sdk-ula-bare")
        assert ipaddress.ip_address(server.interface_ip).is_private and server.interface_ip == server.public_v6
    finally:
        _clean(bare, fleet, cloud)
