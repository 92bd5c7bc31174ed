"""Floating IPs: where they come from, whether a server needs one, and the full lifecycle.

Which networks route out, which take floating IPs and from which external network are decided
in os_interop/apis/network.py from what a member can read; the lifecycle confirms them."""

import ipaddress

import pytest

from os_interop import answers, journal
from os_interop.answers import Unknown
from os_interop.apis import compute, network
from os_interop.flows import server as server_flow


def _nova_pools(cloud):
    """nova-network's pools; None when nova says the API is not there (404, or 410 once
    nova-network was removed). A 5xx, 429 or unreadable body is Unknown, never "no pools"."""
    url = compute.url(cloud, "/os-floating-ip-pools")
    if url is None:
        return None
    found = cloud.answer("GET", url, {200: answers.JSON, 404: answers.EMPTY, 410: answers.EMPTY},
                         headers=compute.headers(compute.LEGACY))
    if found.status != 200:
        return None
    pools = answers.field(found, "floating_ip_pools")
    if not isinstance(pools, list):
        raise answers.Unknown(f"GET {url}: floating_ip_pools is not a list", found.evidence_id)
    return pools


def source(cloud):
    """'neutron', 'nova' or 'None' (the string openstacksdk's schema wants)."""
    service = network.service(cloud)
    if service == network.BROKEN:
        return "None"        # listed but broken (Rackspace): no floating IPs through it
    if service == network.ABSENT:
        return "nova" if _nova_pools(cloud) else "None"
    extensions = network.extensions(cloud)
    if {"router", "external-net"} <= extensions and network.topology(cloud).external:
        return "neutron"
    return "None"


def test_floating_ip_source(cloud, observe):
    found = source(cloud)
    observe("floating_ip.source", found)
    topo = network.topology(cloud) if found == "neutron" else None
    observe("floating_ip.external_networks", network.by_name(topo.external) if topo else [])
    chosen = network.nat_source(topo, network.nat_network(topo, network.candidates(topo))) if topo else None
    observe("floating_ip.nat_source", chosen.get("name") if chosen else None)


def test_public_addressing(cloud, observe):
    if network.extensions(cloud) is None:
        # No neutron: nothing to attach a floating IP through (False), or nova-network, whose
        # model is a private fixed range plus floating IPs from its pools (True).
        observe("floating_ip.requires", source(cloud) == "nova")
        return
    topo = network.topology(cloud)
    candidates = network.candidates(topo)
    stated = network.stated_networks(topo, candidates)
    observe("floating_ip.routes_externally", {
        network.name_of(n): network.routes_externally(topo, n, candidates) for n in stated})
    observe("floating_ip.routes_ipv6_externally", {
        network.name_of(n): network.routes(topo, n, 6) for n in stated if network.routes(topo, n, 6) is not None})
    # routes_ipv6_externally alone does not change openstacksdk's interface_ip; force_ipv4 does
    observe("floating_ip.force_ipv4", True if network.ipv6_unreachable(topo, candidates) else None)
    direct = [n for n in candidates if network.routes(topo, n, 4)]
    observe("floating_ip.direct_public", bool(direct))
    natted = [n for n in candidates if network.nat_gateways(topo, n)]
    has_source = source(cloud) != "None"
    if direct or not has_source:
        requires = False
    elif natted:
        requires = True
    else:
        requires = None      # private networks without a visible router: cannot tell from outside
    observe("floating_ip.requires", requires)
    choice = network.nat_destination(topo, candidates)
    observe("floating_ip.nat_destination", choice.get("name") if choice else None)


def _addresses(server):
    for entries in (server.get("addresses") or {}).values():
        yield from entries


def _fixed_ipv4_kind(server):
    """'global', 'private' or 'none': the best fixed IPv4 address the server got."""
    fixed = [a for a in _addresses(server)
             if a.get("OS-EXT-IPS:type", "fixed") == "fixed" and a.get("version", 4) == 4]
    if not fixed:
        return "none"
    kinds = {"global" if ipaddress.ip_address(a["addr"]).is_global else "private" for a in fixed}
    return "global" if "global" in kinds else "private"


def test_server_address(run_server, observe):
    if run_server.server is None:
        pytest.skip(f"no server could be booted: {run_server.detail}")
    observe("floating_ip.server_address", _fixed_ipv4_kind(run_server.server))


def _unreachable_unless_public(server, why):
    """No floating IP can serve the server: fine when it is public already (skip), a failure of
    the talk's flow ("make it reachable") when it is not."""
    if _fixed_ipv4_kind(server) == "global":
        pytest.skip(f"{why}; the server has a public IPv4 address directly, so none is needed")
    pytest.fail(f"{why}, and the run's server has no public IPv4 address: a client cannot "
                "reach it from outside", pytrace=False)


def _neutron_lifecycle(cloud, server):
    port, why = _attach_port(cloud, server)
    assert port, why
    floating_network = _floating_network(cloud, port)
    # no name: the journaled name goes into the description, and is looked up there
    entry = cloud.resources.intend("floatingip", journal.by_description(
        network.url(cloud, "/floatingips?description={name}")), network.url(cloud, "/floatingips/{id}"))
    # allocated on the port in one POST, as openstacksdk's create_floating_ip(server=...) does
    created = cloud.resources.create(entry, lambda: cloud.answer(
        "POST", network.url(cloud, "/floatingips"), {201: answers.JSON, **journal.DECLINED},
        json={"floatingip": {"floating_network_id": floating_network, "port_id": port["id"],
                             "description": entry.name}}),
        id_of=lambda a: answers.field(a, "floatingip", "id"), refused=lambda a: a.status != 201)
    # a refusal is the cloud's word (fail); a 5xx, 429 or broken answer is unknown (error)
    assert created.status == 201, f"allocating a floating IP on the server's port answered HTTP " \
        f"{created.status}: {created.response.text[:200]}"
    fip = answers.field(created, "floatingip")
    if not isinstance(fip, dict) or "id" not in fip:
        raise Unknown("POST floatingips answered 201 without a floating IP id", created.evidence_id)
    assert fip.get("port_id") == port["id"] and fip.get("fixed_ip_address"), \
        "the floating IP allocated on the server's port shows no port or fixed address"
    released = cloud.answer("DELETE", network.url(cloud, f"/floatingips/{fip['id']}"),
                            {204: answers.EMPTY, **journal.DECLINED})
    assert released.status == 204, f"releasing answered HTTP {released.status}"
    cloud.resources.mark(entry, "deleted")


def _attach_port(cloud, server):
    """(port, why): the server's port a floating IP can attach to (network.port_for_floating_ip)."""
    ports = network.listing(cloud, "ports", f"?device_id={server['id']}")
    return network.port_for_floating_ip(network.topology(cloud), ports)


def _floating_network(cloud, port):
    """The id of the external network that can serve a floating IP for the port."""
    topo = network.topology(cloud)
    chosen, why = network.floating_network(topo, topo.by_id(port["network_id"]) or {"id": port["network_id"]})
    assert chosen, why
    return chosen["id"]


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
    accepted = {202: answers.EMPTY, **journal.DECLINED}
    added = cloud.answer("POST", action, accepted, json={"addFloatingIp": {"address": fip["ip"]}},
                         headers=headers)
    assert added.status == 202, f"addFloatingIp answered HTTP {added.status}"
    removed = cloud.answer("POST", action, accepted, json={"removeFloatingIp": {"address": fip["ip"]}},
                           headers=headers)
    assert removed.status == 202, f"removeFloatingIp answered HTTP {removed.status}"
    released = cloud.answer("DELETE", compute.url(cloud, f"/os-floating-ips/{fip['id']}"), accepted,
                            headers=headers)
    assert released.status == 202, f"releasing answered HTTP {released.status}"
    cloud.resources.mark(entry, "deleted")


# what ends a probe: a failure, a skip, an unknown answer (never Ctrl-C)
OUTCOMES = (Exception, pytest.skip.Exception, pytest.fail.Exception)


def test_floating_ip_lifecycle(cloud, run_ported, request, observe):
    """On neutron it acts as soon as neutron lists the server's port with an address that can
    take a floating IP: the floating IP's create and delete overlap the rest of the build.
    Its verdict waits for the boot: a server that never becomes ACTIVE leaves it blocked,
    whatever it met meanwhile, and what it observed counts only then. Anything that needs the
    server's own addresses (a port that cannot take one), and nova-network, act on the ACTIVE
    server."""
    seen, problem, acted = [], None, False
    try:
        if _acts_early(cloud, run_ported):
            acted = True
            _lifecycle(cloud, run_ported, lambda key, value: seen.append((key, value)))
    except OUTCOMES as exc:
        problem, acted = exc, True
    run_server = request.getfixturevalue("run_server")    # the boot's verdict
    if not acted:
        if server_flow.ported(cloud).looked and source(cloud) == "neutron":
            # the port listing cached is the build's; read it as the ACTIVE server has it
            network.listing(cloud, "ports", f"?device_id={run_server.server['id']}", fresh=True)
        _lifecycle(cloud, run_server.server, observe)
        return
    for key, value in seen:
        observe(key, value)
    if problem is not None:
        raise problem


def _acts_early(cloud, server):
    """Whether the lifecycle can act on the building server: neutron, and a port of it that
    can take a floating IP (deciding otherwise needs the server's addresses, which genuine
    nova shows only once it is ACTIVE)."""
    return server is not None and source(cloud) == "neutron" and _attach_port(cloud, server)[0] is not None


def _lifecycle(cloud, server, observe):
    found = source(cloud)
    if server is None:
        pytest.skip("no server could be booted")
    if found == "None":
        _unreachable_unless_public(server, "the cloud has no floating IP source")
    if found == "neutron":
        _observe_choice(cloud, server, observe)
    (_neutron_lifecycle if found == "neutron" else _nova_lifecycle)(cloud, server)
    observe("floating_ip.lifecycle", True)
    if found == "neutron":
        _observe_confirmed(cloud, server, observe)


def _observe_choice(cloud, server, observe):
    """Which port and which external network the lifecycle uses, and why (before it acts)."""
    port, why = _attach_port(cloud, server)
    topo = network.topology(cloud)
    port_net = topo.by_id(port["network_id"]) if port else None
    observe("floating_ip.lifecycle_port", {"network": network.name_of(port_net) if port_net else None,
                                           "why": why})
    if port is None:
        _unreachable_unless_public(server, f"the run's server cannot take a floating IP: {why}")
    external, reason = network.floating_network(topo, port_net or {"id": port["network_id"]})
    observe("floating_ip.lifecycle_external", {"network": external.get("name") if external else None,
                                               "why": reason})


def _observe_confirmed(cloud, server, observe):
    """What the association proved and the read-only reading could not see (a provider's
    router): the NAT destination among several candidates, the NAT source among several
    external networks. Only where the read-only observation was undecided."""
    topo = network.topology(cloud)
    candidates = network.candidates(topo)
    port, _ = _attach_port(cloud, server)
    port_net = topo.by_id(port["network_id"]) or {"id": port["network_id"]}
    destination = None
    if len(candidates) > 1 and network.nat_destination(topo, candidates) is None:
        destination = network.name_of(port_net)
    observe("floating_ip.confirmed_nat_destination", destination)
    external, _ = network.floating_network(topo, port_net)
    nat_net = network.nat_network(topo, candidates)
    undecided = len(topo.external) > 1 and network.nat_source(topo, nat_net) is None
    observe("floating_ip.confirmed_nat_source", external.get("name") if undecided else None)
