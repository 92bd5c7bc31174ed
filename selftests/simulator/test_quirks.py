"""The quirks really differ across the fleet, each the way the real service shows it."""

from __future__ import annotations

import ipaddress

import requests


def _boot(c, microversion="2.1", **server):
    body = {"name": "sim-quirk", "imageRef": _image(c), "flavorRef": _flavor(c), **server}
    return c.compute("POST", "/servers", microversion, json={"server": body})


def _image(c):
    return c.call("GET", c.root("image") + "/v2/images?visibility=public").json()["images"][0]["id"]


def _flavor(c):
    return min(c.compute("GET", "/flavors/detail").json()["flavors"], key=lambda f: f["ram"])["id"]


def _delete_server(c, server_id):
    assert c.compute("DELETE", f"/servers/{server_id}").status_code == 204
    assert c.compute("GET", f"/servers/{server_id}").status_code == 404


# -- pain point 4: network attach ----------------------------------------------------------------------
def test_ambiguous_networks_refuses_an_implicit_boot(client, fleet):
    c = client("ambiguous-networks")
    for microversion, extra in (("2.1", {}), ("2.37", {"networks": "auto"})):
        response = _boot(c, microversion, **extra)
        assert response.status_code == 409, response.text
        assert response.json() == {"conflictingRequest": {
            "code": 409, "message": "Multiple possible networks found, use a Network ID to be more specific."}}
    assert _boot(c, "2.37").status_code == 400  # networks is required from 2.37
    private = c.network("GET", "/networks?name=private").json()["networks"][0]
    response = _boot(c, "2.1", networks=[{"uuid": private["id"]}])
    assert response.status_code == 202
    _delete_server(c, response.json()["server"]["id"])
    assert fleet.state("ambiguous-networks").created() == {}


def test_single_network_boots_implicitly_and_goes_build_then_active(client):
    c = client("upstream-default")
    response = _boot(c)
    assert response.status_code == 202 and response.headers["Location"].endswith(response.json()["server"]["id"])
    url = f"/servers/{response.json()['server']['id']}"
    first, second = c.compute("GET", url).json()["server"], c.compute("GET", url).json()["server"]
    assert (first["status"], second["status"]) == ("BUILD", "ACTIVE")
    assert list(second["addresses"]) == ["private"] and second["OS-EXT-STS:vm_state"] == "active"
    _delete_server(c, second["id"])


def test_auto_allocation_dry_run_differs(client):
    assert client("upstream-default").network(
        "GET", f"/auto-allocated-topology/{client('upstream-default').project_id}?fields=dry-run").json() == \
        {"auto_allocated_topology": {"dry-run": "pass"}}
    c = client("wrong-host-discovery")
    response = c.network("GET", f"/auto-allocated-topology/{c.project_id}?fields=dry-run")
    assert response.status_code == 409 and response.json()["NeutronError"]["type"] == "AutoAllocationFailure"
    c = client("citycloud-2018")  # no such extension at all
    assert c.network("GET", f"/auto-allocated-topology/{c.project_id}?fields=dry-run").status_code == 404


def test_broken_and_absent_network_services(client, fleet):
    rackspace = client("rackspace-2015")
    assert rackspace.url("network").endswith("/network/v2.0")
    for path in ("/extensions", "/networks"):
        assert rackspace.network("GET", path).status_code == 404
    assert requests.get(fleet.url("rackspace-2015") + "/network/", timeout=5).status_code == 404
    auro = client("auro-2015")
    access = auro.session.auth.get_access(auro.session)
    assert not access.service_catalog.get_endpoints(service_type="network")


# -- pain point 5: addresses and floating IPs ------------------------------------------------------------
def test_rackspace_servers_get_public_addresses_without_ips_tags(client):
    c = client("rackspace-2015")
    assert c.url("compute").endswith(f"/compute/v2/{c.project_id}")
    response = _boot(c)  # legacy v2: no microversions, no networks key needed
    assert response.status_code == 202 and "OpenStack-API-Version" not in response.headers
    server = c.compute("GET", f"/servers/{response.json()['server']['id']}").json()["server"]
    assert sorted(server["addresses"]) == ["private", "public"]
    entries = [e for es in server["addresses"].values() for e in es]
    assert all(set(e) == {"addr", "version"} for e in entries)
    assert ipaddress.ip_address(server["accessIPv4"]).is_global and server["accessIPv6"]
    assert c.compute("GET", "/os-floating-ip-pools").status_code == 404
    assert c.compute("GET", "/os-security-groups").status_code == 404
    _delete_server(c, server["id"])


def test_ovh_servers_sit_on_a_global_shared_network(client):
    c = client("ovh-2018")
    response = _boot(c, "2.38", networks="auto")
    server = c.compute("GET", f"/servers/{response.json()['server']['id']}").json()["server"]
    v4 = [e for e in server["addresses"]["Ext-Net"] if e["version"] == 4][0]
    assert ipaddress.ip_address(v4["addr"]).is_global and v4["OS-EXT-IPS:type"] == "fixed"
    assert c.network("GET", "/floatingips").status_code == 404  # no router extension
    _delete_server(c, server["id"])


def test_neutron_floating_ip_needs_a_router(client, fleet):
    c = client("upstream-default")
    public = c.network("GET", "/networks?router:external=true").json()["networks"][0]
    server_id = _boot(c).json()["server"]["id"]
    port = c.network("GET", f"/ports?device_id={server_id}").json()["ports"][0]
    fip = c.network("POST", "/floatingips", json={"floatingip": {"floating_network_id": public["id"]}})
    fip = fip.json()["floatingip"]
    associated = c.network("PUT", f"/floatingips/{fip['id']}", json={"floatingip": {"port_id": port["id"]}})
    assert associated.status_code == 200 and associated.json()["floatingip"]["fixed_ip_address"]
    addresses = c.compute("GET", f"/servers/{server_id}").json()["server"]["addresses"]["private"]
    assert {"fixed", "floating"} == {a["OS-EXT-IPS:type"] for a in addresses}
    assert c.network("DELETE", f"/floatingips/{fip['id']}").status_code == 204
    _delete_server(c, server_id)

    a = client("ambiguous-networks")  # shared-net has no router to the external network
    shared = a.network("GET", "/networks?name=shared-net").json()["networks"][0]
    ext = a.network("GET", "/networks?router:external=true").json()["networks"][0]
    server_id = _boot(a, networks=[{"uuid": shared["id"]}]).json()["server"]["id"]
    port = a.network("GET", f"/ports?device_id={server_id}").json()["ports"][0]
    response = a.network("POST", "/floatingips", json={"floatingip": {
        "floating_network_id": ext["id"], "port_id": port["id"]}})
    assert response.status_code == 404
    assert response.json()["NeutronError"]["type"] == "ExternalGatewayForFloatingIPNotFound"
    _delete_server(a, server_id)
    assert fleet.state("ambiguous-networks").created() == {}


def test_nova_network_floating_ips_and_groups(client, fleet):
    c = client("auro-2015")
    assert c.compute("GET", "/os-floating-ip-pools", "2.1").json() == {"floating_ip_pools": [{"name": "public"}]}
    assert c.compute("GET", "/os-floating-ip-pools", "2.36").status_code == 406  # auro stops at 2.12
    upstream = client("upstream-default")  # nova proxies neutron until 2.35, then the API is gone
    pools = upstream.compute("GET", "/os-floating-ip-pools", "2.35").json()
    assert pools == {"floating_ip_pools": [{"name": "public"}]}
    assert upstream.compute("GET", "/os-floating-ip-pools", "2.36").status_code == 404
    server_id = _boot(c).json()["server"]["id"]
    fip = c.compute("POST", "/os-floating-ips", "2.1", json={"pool": "public"}).json()["floating_ip"]
    action = f"/servers/{server_id}/action"
    assert c.compute("POST", action, "2.1", json={"addFloatingIp": {"address": fip["ip"]}}).status_code == 202
    addresses = c.compute("GET", f"/servers/{server_id}").json()["server"]["addresses"]["private"]
    assert [a["OS-EXT-IPS:type"] for a in addresses] == ["fixed", "floating"]
    assert c.compute("GET", "/os-floating-ips").json()["floating_ips"][0]["instance_id"] == server_id
    assert c.compute("POST", action, "2.1", json={"removeFloatingIp": {"address": fip["ip"]}}).status_code == 202
    assert c.compute("DELETE", f"/os-floating-ips/{fip['id']}").status_code == 202
    groups = c.compute("GET", "/os-security-groups").json()["security_groups"]
    assert [(g["name"], g["rules"]) for g in groups] == [("default", [])]
    _delete_server(c, server_id)
    assert fleet.state("auro-2015").created() == {}


# -- pain point 6: security groups ---------------------------------------------------------------------
def _rules(c, group):
    return sorted(((r["direction"], r["ethertype"], r["protocol"], r["port_range_min"], r["remote_ip_prefix"],
                    "self" if r["remote_group_id"] == group["id"] else r["remote_group_id"])
                   for r in group["security_group_rules"]), key=repr)


def test_default_groups_differ(client):
    upstream = client("upstream-default")
    query = f"/security-groups?name=default&project_id={upstream.project_id}"
    group = upstream.network("GET", query).json()["security_groups"][0]
    assert _rules(upstream, group) == [
        ("egress", "IPv4", None, None, None, None), ("egress", "IPv6", None, None, None, None),
        ("ingress", "IPv4", None, None, None, "self"), ("ingress", "IPv6", None, None, None, "self")]
    dream = client("dreamhost-2015")
    group = dream.network("GET", "/security-groups?name=default").json()["security_groups"][0]
    assert ("ingress", "IPv4", "tcp", 22, "0.0.0.0/0", None) in _rules(dream, group)
    empty = client("ambiguous-networks")
    emptied = empty.network("GET", "/security-groups?name=default").json()["security_groups"][0]
    assert emptied["security_group_rules"] == []
    template = upstream.network("GET", "/default-security-group-rules").json()["default_security_group_rules"]
    assert sorted((t["direction"], t["remote_group_id"], t["used_in_default_sg"], t["used_in_non_default_sg"])
                  for t in template)[-1] == ("ingress", "PARENT", True, False)
    assert dream.network("GET", "/default-security-group-rules").status_code == 404


def test_group_and_rule_lifecycle(client, fleet):
    c = client("upstream-default")
    group = c.network("POST", "/security-groups", json={"security_group": {"name": "sim-sg"}}).json()["security_group"]
    assert _rules(c, group) == [("egress", "IPv4", None, None, None, None), ("egress", "IPv6", None, None, None, None)]
    rule = {"security_group_id": group["id"], "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
            "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"}
    created = c.network("POST", "/security-group-rules", json={"security_group_rule": rule})
    assert created.status_code == 201
    duplicate = c.network("POST", "/security-group-rules", json={"security_group_rule": rule})
    assert duplicate.status_code == 409 and duplicate.json()["NeutronError"]["type"] == "SecurityGroupRuleExists"
    rule_id = created.json()["security_group_rule"]["id"]
    assert c.network("DELETE", f"/security-group-rules/{rule_id}").status_code == 204
    default = c.network("GET", "/security-groups?name=default").json()["security_groups"][0]
    assert c.network("DELETE", f"/security-groups/{default['id']}").status_code == 409
    assert c.network("DELETE", f"/security-groups/{group['id']}").status_code == 204
    assert fleet.state("upstream-default").created() == {}


# -- microversions -----------------------------------------------------------------------------------
def test_microversions_are_negotiated_and_echoed(client, fleet):
    c = client("upstream-default")
    response = c.compute("GET", "/flavors", "2.60")
    assert response.headers["OpenStack-API-Version"] == "compute 2.60"
    assert response.headers["X-OpenStack-Nova-API-Version"] == "2.60"
    assert c.compute("GET", "/flavors", "latest").headers["OpenStack-API-Version"] == "compute 2.96"
    assert c.compute("GET", "/flavors").headers["OpenStack-API-Version"] == "compute 2.1"
    refused = c.compute("GET", "/flavors", "2.200")
    assert refused.status_code == 406 and refused.json()["computeFault"]["code"] == 406
    root = requests.get(fleet.url("upstream-default") + "/compute/", timeout=5).json()["versions"]
    assert [(v["id"], v["version"], v["min_version"]) for v in root] == [("v2.0", "", ""), ("v2.1", "2.96", "2.1")]
    city = client("citycloud-2018")
    assert city.url("compute").endswith(f"/v2.1/{city.project_id}")
    assert city.call("GET", city.url("compute") + "/").json()["version"]["version"] == "2.53"
