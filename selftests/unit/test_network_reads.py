"""Neutron and nova-network reads, three-valued, and the topology decisions built on them
(requests-mock serves the cloud; CloudUnderTest's own answer() interprets it)."""

import pytest
from keystoneauth1 import exceptions as ks

from os_interop.answers import Unknown
from os_interop.apis import compute, network
from selftests.unit import stub_cloud
from selftests.unit.stub_cloud import StubCloud
from tests.floating_ip import test_floating_ip as fip_probe

N = "http://n/v2.0"


@pytest.fixture
def cloud(tmp_path):
    return StubCloud({"network": "http://n", "compute": "http://c/v2.1"}, tmp_path)


# -- three-valued reads ------------------------------------------------------------------------
def test_extensions_are_read_as_a_set(cloud):
    cloud.mock.register_uri("GET", f"{N}/extensions", json={"extensions": [{"alias": "router"},
                                                                          {"alias": "external-net"}]})
    assert network.extensions(cloud) == {"router", "external-net"}
    assert network.service(cloud) == network.PRESENT


def test_no_network_service_in_the_catalog_is_absent(cloud):
    del cloud.endpoints_by_type["network"]
    assert network.service(cloud) == network.ABSENT
    assert network.extensions(cloud) is None


def test_a_listed_neutron_that_404s_is_broken_not_unknown(cloud):
    """Rackspace: neutron in the catalog, 404 for its extension list: has_network false."""
    cloud.mock.register_uri("GET", f"{N}/extensions", status_code=404, text="404 Not Found")
    assert network.service(cloud) == network.BROKEN
    assert network.extensions(cloud) is None


@pytest.mark.parametrize("reply", stub_cloud.UNREADABLE + [{"status_code": 200, "json": {"extensions": "router"}}])
def test_an_unreadable_extension_list_is_unknown_never_broken(cloud, reply):
    cloud.mock.register_uri("GET", f"{N}/extensions", **reply)
    with pytest.raises(Unknown):
        network.service(cloud)
    with pytest.raises(Unknown):
        network.extensions(cloud)
    with pytest.raises(Unknown):
        fip_probe.source(cloud)         # never floating_ip_source "None"


def test_a_refused_listing_is_unknown_not_an_empty_list(cloud):
    cloud.mock.register_uri("GET", f"{N}/networks", status_code=500, json={})
    with pytest.raises(Unknown, match="HTTP 500"):
        network.listing(cloud, "networks")


def _nova_only(cloud):
    del cloud.endpoints_by_type["network"]
    return "http://c/v2.1/os-floating-ip-pools"


def test_nova_network_pools_make_nova_the_source(cloud):
    cloud.mock.register_uri("GET", _nova_only(cloud), json={"floating_ip_pools": [{"name": "public"}]})
    assert fip_probe.source(cloud) == "nova"


@pytest.mark.parametrize("status", [404, 410])
def test_nova_saying_the_pool_api_is_gone_means_no_source(cloud, status):
    cloud.mock.register_uri("GET", _nova_only(cloud), status_code=status, json={})
    assert fip_probe.source(cloud) == "None"


@pytest.mark.parametrize("reply", [{"status_code": 500, "json": {}}, {"status_code": 429},
                                   {"status_code": 200, "json": {"pools": []}}, {"exc": ks.ConnectFailure}])
def test_an_unreadable_pool_list_is_unknown(cloud, reply):
    cloud.mock.register_uri("GET", _nova_only(cloud), **reply)
    with pytest.raises(Unknown):
        fip_probe.source(cloud)


def test_the_legacy_microversion_is_sent_for_pools(cloud):
    cloud.mock.register_uri("GET", _nova_only(cloud), json={"floating_ip_pools": []})
    assert fip_probe.source(cloud) == "None"
    assert cloud.mock.last_request.headers["X-OpenStack-Nova-API-Version"] == compute.LEGACY


def test_topology_reads_routers_only_with_the_router_extension(cloud):
    cloud.mock.register_uri("GET", f"{N}/extensions", json={"extensions": [{"alias": "external-net"}]})
    cloud.mock.register_uri("GET", f"{N}/networks", json={"networks": []})
    cloud.mock.register_uri("GET", f"{N}/subnets", json={"subnets": []})
    cloud.mock.register_uri("GET", f"{N}/routers", status_code=404)     # never asked
    topo = network.topology(cloud)
    assert topo.routers == [] and topo.interfaces == []


def test_routers_are_read_only_when_a_decision_needs_them(cloud):
    cloud.mock.register_uri("GET", f"{N}/extensions", json={"extensions": [{"alias": "router"}]})
    cloud.mock.register_uri("GET", f"{N}/networks", json={"networks": [_net("n1", "only", owner="p1")]})
    cloud.mock.register_uri("GET", f"{N}/subnets", json={"subnets": [_sub("n1", "10.0.0.0/24")]})
    cloud.mock.register_uri("GET", f"{N}/routers", json={"routers": []})
    cloud.mock.register_uri("GET", f"{N}/ports", json={"ports": []})
    topo = network.topology(cloud)
    one = network.candidates(topo)
    assert network.boot_network(topo, one)["id"] == "n1" and network.default_interface(topo, one) is None
    asked = lambda: [r.path for r in cloud.mock.request_history if r.path.endswith(("/routers", "/ports"))]
    assert asked() == []
    assert topo.routers == [] and topo.interfaces == []
    assert asked() == ["/v2.0/routers", "/v2.0/ports"]


def test_an_unreadable_router_listing_is_unknown(cloud):
    cloud.mock.register_uri("GET", f"{N}/extensions", json={"extensions": [{"alias": "router"}]})
    cloud.mock.register_uri("GET", f"{N}/networks", json={"networks": []})
    cloud.mock.register_uri("GET", f"{N}/subnets", json={"subnets": []})
    cloud.mock.register_uri("GET", f"{N}/routers", status_code=503)
    topo = network.topology(cloud)          # the networks and subnets are read; the routers are not yet
    with pytest.raises(Unknown, match="503"):
        topo.routers


# -- the topology decisions (pure) ---------------------------------------------------------------
def _net(nid, name, owner="provider", **kw):
    return {"id": nid, "name": name, "project_id": owner, "shared": False, "router:external": False, **kw}


def _sub(nid, cidr, version=4, gateway="x"):
    return {"id": f"s-{nid}-{version}", "network_id": nid, "cidr": cidr, "ip_version": version,
            "gateway_ip": gateway}


def _router(rid, gateway, *subnets, owner="p1"):
    router = {"id": rid, "name": rid, "project_id": owner, "admin_state_up": True,
              "external_gateway_info": {"network_id": gateway}}
    ports = [{"device_id": rid, "fixed_ips": [{"subnet_id": s}]} for s in subnets]
    return router, ports


def _topo(networks, subnets, routers=()):
    found = [r for r, _ in routers], [p for _, ports in routers for p in ports]
    return network.Topology("p1", networks, subnets, lambda: found[0], lambda: found[1])


def limestone():
    """Public Internet: shared, external, global IPv4; Floating Public: shared, private,
    behind the provider's router (invisible to the member)."""
    return _topo([_net("pub", "Public Internet", shared=True, **{"router:external": True}),
                  _net("fp", "Private Network (Floating Public)", shared=True)],
                 [_sub("pub", "216.245.200.0/24"), _sub("fp", "10.4.0.0/22")])


def two_externals():
    """The project's private network is routed to ext-b; ext-a is the default one."""
    return _topo([_net("priv", "private", owner="p1"),
                  _net("a", "ext-a", **{"router:external": True, "is_default": True}),
                  _net("b", "ext-b", **{"router:external": True})],
                 [_sub("priv", "10.0.0.0/26"), _sub("a", "172.24.4.0/24"), _sub("b", "172.24.5.0/24")],
                 [_router("r1", "b", "s-priv-4")])


def test_candidates_follow_novas_rule():
    topo = _topo([_net("1", "mine", owner="p1"), _net("2", "shared", shared=True),
                  _net("3", "ext", **{"router:external": True}), _net("4", "theirs")], [])
    assert network.by_name(network.candidates(topo)) == ["mine", "shared"]


def test_routes_per_ip_version_and_none_without_a_subnet():
    topo = _topo([_net("n", "split")], [_sub("n", "10.0.0.0/24"), _sub("n", "2001:4800:1ae1:18::/64", 6)])
    net = topo.networks[0]
    assert network.routes(topo, net, 4) is False and network.routes(topo, net, 6) is True
    ula = _topo([_net("u", "ula")], [_sub("u", "fd5e:4b6a:9e9d::/64", 6)])
    assert network.routes(ula, ula.networks[0], 6) is False and network.routes(ula, ula.networks[0], 4) is None


def test_nat_gateways_need_a_router_interface_on_the_subnet_and_an_enabled_gateway():
    topo = two_externals()
    private = topo.by_id("priv")
    assert network.nat_gateways(topo, private) == ["b"]
    topo.routers[0]["admin_state_up"] = False
    assert network.nat_gateways(topo, private) == []
    bare = _topo(topo.networks, topo.subnets)          # no router visible
    assert network.nat_gateways(bare, private) == [] and network.maybe_natted(bare, private)


def test_limestone_default_is_the_direct_network_and_the_server_goes_where_floating_ips_attach():
    topo = limestone()
    cands = network.candidates(topo)
    assert network.default_interface(topo, cands)["name"] == "Public Internet"
    assert network.boot_network(topo, cands)["name"] == "Private Network (Floating Public)"
    assert network.nat_destination(topo, cands) is None          # the provider's router is invisible
    assert network.nat_source(topo, network.nat_network(topo, cands)) is None   # one external network


def test_a_floating_ip_never_goes_to_a_port_on_a_directly_routed_network():
    topo = limestone()
    public_port = {"id": "p-pub", "network_id": "pub", "fixed_ips": [{"ip_address": "216.245.200.7"}]}
    port, why = network.port_for_floating_ip(topo, [public_port])
    assert port is None and "Public Internet" in why
    private_port = {"id": "p-fp", "network_id": "fp", "fixed_ips": [{"ip_address": "10.4.0.9"}],
                    "created_at": "2018"}
    port, why = network.port_for_floating_ip(topo, [public_port, private_port])
    assert port["id"] == "p-fp" and "no router serving it is visible" in why
    external, why = network.floating_network(topo, topo.by_id("fp"))
    assert external["name"] == "Public Internet" and "only external network" in why


def test_ipv6_only_ports_cannot_take_a_floating_ip():
    topo = limestone()
    port, _ = network.port_for_floating_ip(topo, [{"id": "v6", "network_id": "fp",
                                                   "fixed_ips": [{"ip_address": "fd00::5"}]}])
    assert port is None


def test_the_nat_source_is_the_routers_gateway_not_the_default_external_network():
    topo = two_externals()
    cands = network.candidates(topo)
    assert network.default_interface(topo, cands) is None          # one candidate: nothing to name
    assert network.nat_network(topo, cands)["name"] == "private"
    assert network.nat_source(topo, network.nat_network(topo, cands))["name"] == "ext-b"
    external, why = network.floating_network(topo, topo.by_id("priv"))
    assert external["name"] == "ext-b" and why.startswith("gateway of the router")


def test_without_a_visible_router_the_default_external_network_is_tried_and_said_so():
    topo = two_externals()
    bare = _topo(topo.networks, topo.subnets)
    external, why = network.floating_network(bare, bare.by_id("priv"))
    assert external["name"] == "ext-a" and "default external network" in why
    assert network.nat_source(bare, network.nat_network(bare, network.candidates(bare))) is None


def test_ambiguous_nat_networks_name_the_routed_one_for_both_flags():
    topo = _topo([_net("a", "alpha", owner="p1"), _net("b", "beta", owner="p1"),
                  _net("x", "ext", **{"router:external": True})],
                 [_sub("a", "10.0.0.0/24"), _sub("b", "10.0.1.0/24"), _sub("x", "172.24.4.0/24")],
                 [_router("r", "x", "s-b-4")])
    cands = network.candidates(topo)
    assert network.default_interface(topo, cands)["name"] == "beta"
    assert network.nat_destination(topo, cands)["name"] == "beta"
    assert network.boot_network(topo, cands)["name"] == "beta"


def test_no_external_network_means_no_floating_network():
    topo = _topo([_net("a", "alpha", owner="p1")], [_sub("a", "10.0.0.0/24")])
    assert network.floating_network(topo, topo.by_id("a")) == (None, "no external network is visible")
    assert network.boot_network(topo, network.candidates(topo))["name"] == "alpha"



def test_stated_networks_leave_a_projects_own_unflagged_network_out():
    two = two_externals()
    cands = network.candidates(two)
    assert [n["name"] for n in network.stated_networks(two, cands)] == ["ext-b"]   # the NAT source only
    assert network.routes_externally(two, two.by_id("b"), cands) is True
    lime = limestone()
    cands = network.candidates(lime)
    assert {n["name"]: network.routes_externally(lime, n, cands) for n in network.stated_networks(lime, cands)} \
        == {"Private Network (Floating Public)": False, "Public Internet": True}


def test_ipv6_that_routes_nowhere_asks_for_force_ipv4():
    ula = _topo([_net("u", "tenant", shared=True)], [_sub("u", "10.0.0.0/24"), _sub("u", "fd12:3456:789a::/64", 6)])
    assert network.ipv6_unreachable(ula, network.candidates(ula))
    split = _topo([_net("s", "split", shared=True)], [_sub("s", "10.0.0.0/24"), _sub("s", "2001:4800:1ae1:18::/64", 6)])
    assert not network.ipv6_unreachable(split, network.candidates(split))
    v4only = limestone()
    assert not network.ipv6_unreachable(v4only, network.candidates(v4only))
