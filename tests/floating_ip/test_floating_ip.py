"""Floating IPs: where they come from, whether a server needs one, and the full lifecycle."""

import ipaddress

import pytest

from os_interop import answers, journal
from os_interop.apis import compute, network


def _nova_pools(cloud):
    url = compute.url(cloud, "/os-floating-ip-pools")
    if url is None:
        return None
    response = cloud.get(url, headers=compute.headers(compute.LEGACY))
    if response.status_code != 200:
        return None
    return (cloud.json(response) or {}).get("floating_ip_pools", [])


def source(cloud):
    """'neutron', 'nova' or 'None' (the string openstacksdk's schema wants)."""
    extensions = network.extensions(cloud)
    if extensions is None:
        if cloud.endpoint("network") is not None:
            return "None"        # listed but broken (Rackspace): no floating IPs through it
        return "nova" if _nova_pools(cloud) else "None"
    if {"router", "external-net"} <= extensions and network.external(cloud):
        return "neutron"
    return "None"


def test_floating_ip_source(cloud, observe):
    found = source(cloud)
    observe("floating_ip.source", found)
    externals = network.external(cloud) if found == "neutron" else []
    observe("floating_ip.external_networks", network.by_name(externals))
    nat_source = None
    if len(externals) > 1:
        default = [n for n in externals if n.get("is_default")]
        nat_source = (default or sorted(externals, key=lambda n: n.get("name") or ""))[0].get("name")
    observe("floating_ip.nat_source", nat_source)


def test_public_addressing(cloud, observe):
    if network.extensions(cloud) is None:
        # No neutron: nothing to attach a floating IP through (False), or nova-network, whose
        # model is a private fixed range plus floating IPs from its pools (True).
        observe("floating_ip.requires", source(cloud) == "nova")
        return
    candidates = network.candidates(cloud)
    observe("floating_ip.routes_externally",
            network.by_name([n for n in candidates if network.routes_externally(cloud, n)]))
    # a global IPv6 subnet next to a private IPv4 one still needs a floating IP for IPv4
    direct = [n for n in candidates if network.routes_externally(cloud, n, 4)]
    observe("floating_ip.direct_public", bool(direct))
    natted = [n for n in candidates if network.nat_able(cloud, n)]
    has_source = source(cloud) != "None"
    if direct or not has_source:
        requires = False
    elif natted:
        requires = True
    else:
        requires = None      # private networks without a router: cannot tell from outside
    observe("floating_ip.requires", requires)
    choice = network.advised_network(cloud, natted) if len(natted) > 1 else None
    observe("floating_ip.nat_destination", choice.get("name") if choice else None)


def _addresses(server):
    for entries in (server.get("addresses") or {}).values():
        yield from entries


def test_server_address(run_server, observe):
    if run_server.server is None:
        pytest.skip(f"no server could be booted: {run_server.detail}")
    fixed = [a for a in _addresses(run_server.server)
             if a.get("OS-EXT-IPS:type", "fixed") == "fixed" and a.get("version", 4) == 4]
    if not fixed:
        observe("floating_ip.server_address", "none")
        return
    kinds = {"global" if ipaddress.ip_address(a["addr"]).is_global else "private" for a in fixed}
    observe("floating_ip.server_address", "global" if "global" in kinds else "private")


def _neutron_lifecycle(cloud, server):
    ports = network.listing(cloud, "ports", f"?device_id={server['id']}")
    port = next((p for p in ports for ip in p.get("fixed_ips", [])
                 if ipaddress.ip_address(ip["ip_address"]).version == 4), None)
    assert port, "the server has no port with an IPv4 address to attach a floating IP to"
    floating_network = _floating_network(cloud, port)
    # no name: the journaled name goes into the description, and is looked up there
    entry = cloud.resources.intend("floatingip", journal.by_description(
        network.url(cloud, "/floatingips?description={name}")), network.url(cloud, "/floatingips/{id}"))
    created = cloud.resources.create(entry, lambda: cloud.answer(
        "POST", network.url(cloud, "/floatingips"), {201: answers.JSON, **journal.DECLINED},
        json={"floatingip": {"floating_network_id": floating_network, "description": entry.name}}),
        id_of=lambda a: answers.field(a, "floatingip", "id"), refused=lambda a: a.status != 201)
    assert created.status == 201, f"allocating a floating IP answered HTTP {created.status}: " \
        f"{created.response.text[:200]}"
    fip = created.body["floatingip"]
    associated = cloud.put(network.url(cloud, f"/floatingips/{fip['id']}"),
                           json={"floatingip": {"port_id": port["id"]}})
    assert associated.status_code == 200, f"associating answered HTTP {associated.status_code}: " \
        f"{associated.text[:200]}"
    assert cloud.json(associated)["floatingip"].get("fixed_ip_address"), \
        "the floating IP shows no fixed address after association"
    released = cloud.delete(network.url(cloud, f"/floatingips/{fip['id']}"))
    assert released.status_code == 204, f"releasing answered HTTP {released.status_code}"
    cloud.resources.mark(entry, "deleted")


def _floating_network(cloud, port):
    """The external network behind the router of the port's subnet, as a client picks it;
    else the default (is_default, then first by name) external network."""
    subnets = {ip["subnet_id"] for ip in port.get("fixed_ips", [])}
    interfaces = network.listing(cloud, "ports", "?device_owner=network:router_interface")
    routers = {p["device_id"] for p in interfaces
               if any(ip.get("subnet_id") in subnets for ip in p.get("fixed_ips", []))}
    for router in network.listing(cloud, "routers"):
        if router["id"] in routers and (router.get("external_gateway_info") or {}).get("network_id"):
            return router["external_gateway_info"]["network_id"]
    externals = network.external(cloud)
    default = [n for n in externals if n.get("is_default")] or sorted(
        externals, key=lambda n: n.get("name") or "")
    return default[0]["id"]


def _nova_lifecycle(cloud, server):
    pools = _nova_pools(cloud)
    headers = compute.headers(compute.LEGACY)
    pool, listing = pools[0]["name"], compute.url(cloud, "/os-floating-ips")
    # nova-network floating IPs have no name: the journal keeps the ids there before the create;
    # after an ambiguous create new ids are only candidates, never deleted
    before = answers.field(cloud.answer("GET", listing, fresh=True, headers=headers), "floating_ips")
    entry = cloud.resources.intend("floatingip", journal.new_ids(
        listing, "floating_ips", [str(f["id"]) for f in before], pool),
        compute.url(cloud, "/os-floating-ips/{id}"))
    created = cloud.resources.create(entry, lambda: cloud.answer(
        "POST", listing, {200: answers.JSON, **journal.DECLINED}, json={"pool": pool}, headers=headers),
        id_of=lambda a: answers.field(a, "floating_ip", "id"), refused=lambda a: a.status != 200)
    assert created.status == 200, f"allocating answered HTTP {created.status}"
    fip = created.body["floating_ip"]
    action = compute.url(cloud, f"/servers/{server['id']}/action")
    added = cloud.post(action, json={"addFloatingIp": {"address": fip["ip"]}}, headers=headers)
    assert added.status_code == 202, f"addFloatingIp answered HTTP {added.status_code}"
    removed = cloud.post(action, json={"removeFloatingIp": {"address": fip["ip"]}}, headers=headers)
    assert removed.status_code == 202, f"removeFloatingIp answered HTTP {removed.status_code}"
    released = cloud.delete(compute.url(cloud, f"/os-floating-ips/{fip['id']}"), headers=headers)
    assert released.status_code == 202, f"releasing answered HTTP {released.status_code}"
    cloud.resources.mark(entry, "deleted")


def test_floating_ip_lifecycle(cloud, run_server, observe):
    found = source(cloud)
    if found == "None":
        pytest.skip("the cloud has no floating IP source")
    if run_server.server is None:
        pytest.skip(f"no server could be booted: {run_server.detail}")
    (_neutron_lifecycle if found == "neutron" else _nova_lifecycle)(cloud, run_server.server)
    observe("floating_ip.lifecycle", True)
