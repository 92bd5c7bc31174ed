"""Neutron: base URL, extensions, and the project's view of networks, subnets and routers.

Reads are three-valued (answers.py): a listing either is a value or raises Unknown, never an
empty list standing in for "could not read". The topology functions below are pure: they take
what was read and say how packets flow, so probes and the run's server agree on one answer.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Callable

from os_interop import answers
from os_interop.answers import Unknown
from os_interop.cloud import CloudUnderTest

RELEVANT_EXTENSIONS = ("auto-allocated-topology", "external-net", "port-security", "router",
                       "security-group", "security-groups-default-rules")

ABSENT, BROKEN, PRESENT = "absent", "broken", "present"


def url(cloud: CloudUnderTest, path: str = "") -> str | None:
    """The v2.0 base: catalog URL plus /v2.0 unless it already ends in it (no doubling)."""
    base = cloud.endpoint("network")
    if base is None:
        return None
    base = base if base.endswith("/v2.0") else base + "/v2.0"
    return base + path


def _extension_list(cloud: CloudUnderTest) -> list[dict[str, Any]] | None:
    """The extension list; None when neutron is not in the catalog or answers 404 for it
    (listed but not working: Rackspace). A 5xx, 429, 401, timeout or bad body is Unknown."""
    where = url(cloud, "/extensions")
    if where is None:
        return None
    found = cloud.answer("GET", where, answers.MAYBE)
    if found.absent:
        return None
    items = answers.field(found, "extensions")
    if not isinstance(items, list):
        raise Unknown(f"GET {where}: 'extensions' is not a list", found.evidence_id)
    return [e for e in items if isinstance(e, dict)]


def service(cloud: CloudUnderTest) -> str:
    """'absent' (no network service in the catalog), 'broken' (listed, but its extension list
    answers 404), or 'present'. Anything unreadable raises Unknown."""
    if url(cloud) is None:
        return ABSENT
    return PRESENT if _extension_list(cloud) is not None else BROKEN


def extensions(cloud: CloudUnderTest) -> set[str] | None:
    """Extension aliases, or None when neutron is absent or broken (see service())."""
    items = _extension_list(cloud)
    return None if items is None else {e.get("alias") for e in items}


def listing(cloud: CloudUnderTest, collection: str, query: str = "",
            fresh: bool = False) -> list[dict[str, Any]]:
    """All items of a collection visible to the project (one request, cached unless `fresh`).
    A refusal or a broken answer is Unknown, never an empty list: "no networks" would be a
    false observation."""
    where = url(cloud, f"/{collection}{query}")
    found = cloud.answer("GET", where, fresh=fresh)
    items = answers.field(found, collection.replace("-", "_"))
    if not isinstance(items, list):
        raise Unknown(f"GET {where}: {collection} is not a list", found.evidence_id)
    return items


def owner(item: dict[str, Any]) -> str | None:
    return item.get("project_id") or item.get("tenant_id")


def is_global(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).is_global
    except ValueError:
        return False


def by_name(items: list[dict[str, Any]]) -> list[str]:
    return sorted(name_of(i) for i in items)


def name_of(item: dict[str, Any]) -> str:
    return item.get("name") or item.get("id") or ""


# -- the topology a member sees ------------------------------------------------------------------
Listing = Callable[[], list[dict[str, Any]]]


def _nothing() -> list[dict[str, Any]]:
    return []


@dataclass(frozen=True)
class Topology:
    """What the project can read of the network layout. Routers (and their interface ports)
    of other projects are invisible to a member: a provider's router serving a shared network
    shows up only when a floating IP is associated through it.

    Routers and interfaces are read when first asked for (each read is cached by the cloud):
    with one candidate network nothing needs them, and a read-only run or a server create
    does not wait for two listings it never uses. An unreadable one still raises Unknown,
    in the probe that needed it."""

    project_id: str | None
    networks: list[dict[str, Any]]
    subnets: list[dict[str, Any]]
    read_routers: Listing = _nothing
    read_interfaces: Listing = _nothing     # ports with device_owner network:router_interface

    @property
    def routers(self) -> list[dict[str, Any]]:
        return self.read_routers()

    @property
    def interfaces(self) -> list[dict[str, Any]]:
        return self.read_interfaces()

    def subnets_of(self, network: dict[str, Any]) -> list[dict[str, Any]]:
        return [s for s in self.subnets if s.get("network_id") == network.get("id")]

    def by_id(self, network_id: str | None) -> dict[str, Any] | None:
        return next((n for n in self.networks if n.get("id") == network_id), None)

    @property
    def external(self) -> list[dict[str, Any]]:
        return sorted((n for n in self.networks if n.get("router:external")), key=name_of)


def topology(cloud: CloudUnderTest) -> Topology:
    """Networks and subnets now; routers and router interfaces, when the router extension is
    there, on first use."""
    routed = "router" in (extensions(cloud) or set())
    return Topology(
        project_id=cloud.project_id,
        networks=listing(cloud, "networks"),
        subnets=listing(cloud, "subnets"),
        read_routers=(lambda: listing(cloud, "routers")) if routed else _nothing,
        read_interfaces=(lambda: listing(cloud, "ports", "?device_owner=network:router_interface"))
        if routed else _nothing)


def candidates(topo: Topology) -> list[dict[str, Any]]:
    """Networks nova chooses from when none is requested: the project's non-shared ones plus
    every shared one (nova/network/neutron.py _get_available_networks)."""
    return sorted((n for n in topo.networks if n.get("shared") or owner(n) == topo.project_id),
                  key=name_of)


def routes(topo: Topology, network: dict[str, Any], version: int) -> bool | None:
    """Whether addresses of this IP version on the network are globally routable (servers on
    it are reachable directly); None when the network has no subnet of that version."""
    cidrs = [s.get("cidr", "") for s in topo.subnets_of(network) if s.get("ip_version") == version]
    return any(is_global(c) for c in cidrs) if cidrs else None


def nat_gateways(topo: Topology, network: dict[str, Any]) -> list[str]:
    """External network ids reachable from the network's private IPv4 subnets through a visible,
    enabled router with an external gateway: where a floating IP for a port here can come from
    (neutron's ExternalGatewayForFloatingIPNotFound otherwise)."""
    subnet_ids = {s.get("id") for s in topo.subnets_of(network) if s.get("ip_version") == 4
                  and s.get("gateway_ip") and not is_global(s.get("cidr", ""))}
    serving = {p.get("device_id") for p in topo.interfaces
               if any(ip.get("subnet_id") in subnet_ids for ip in p.get("fixed_ips", []))}
    found = []
    for router in sorted(topo.routers, key=name_of):
        gateway = (router.get("external_gateway_info") or {}).get("network_id")
        if router.get("id") in serving and gateway and router.get("admin_state_up", True):
            found.append(gateway)
    return list(dict.fromkeys(found))


def maybe_natted(topo: Topology, network: dict[str, Any]) -> bool:
    """A private IPv4 subnet with a gateway on a network that is not itself external: a router
    nobody in this project can see (the provider's) may serve it."""
    return not network.get("router:external") and any(
        s.get("ip_version") == 4 and s.get("gateway_ip") and not is_global(s.get("cidr", ""))
        for s in topo.subnets_of(network))


# -- decisions: what a client should be told ----------------------------------------------------
def default_interface(topo: Topology, nets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The network to name when nova cannot choose (several candidates): one that routes IPv4
    directly (reachable without a floating IP; an external one first, as it is also the pool),
    else one a visible router serves, else the first by name. With one candidate nothing is
    advised: naming a NAT'd network would make openstacksdk's interface_ip its fixed address."""
    if len(nets) < 2:
        return None
    direct = [n for n in nets if routes(topo, n, 4)]
    direct.sort(key=lambda n: (not n.get("router:external"), name_of(n)))
    natted = [n for n in nets if nat_gateways(topo, n)]
    return (direct or natted or nets)[0]


def boot_network(topo: Topology, nets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Where the run's one server goes when nova cannot choose: a network that can take a
    floating IP (visibly routed, else private with a gateway), so the floating-IP lifecycle
    tests the path a client needs; the direct network's reachability is read from its subnets."""
    if len(nets) < 2:     # nova takes the one candidate itself: no router needs reading
        return nets[0] if nets else None
    visible = [n for n in nets if nat_gateways(topo, n)]
    possible = [n for n in nets if maybe_natted(topo, n)] if topo.external else []
    return (visible or possible or [default_interface(topo, nets) or nets[0]])[0]


def nat_destination(topo: Topology, nets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """With several candidates a server may have several ports, and openstacksdk needs the
    network to attach floating IPs to: the (first) candidate a visible router serves."""
    if len(nets) < 2:
        return None
    natted = [n for n in nets if nat_gateways(topo, n)]
    return natted[0] if natted else None


def nat_source(topo: Topology, nat_network: dict[str, Any] | None) -> dict[str, Any] | None:
    """With several external networks openstacksdk takes the first it lists; the right one is
    the gateway of the router serving the network floating IPs attach to. None when unknown."""
    if len(topo.external) < 2 or nat_network is None:
        return None
    gateways = nat_gateways(topo, nat_network)
    return topo.by_id(gateways[0]) if gateways else None


def nat_network(topo: Topology, nets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The network a client attaches floating IPs to: the NAT destination when several
    candidates, else the one candidate when a visible router serves it."""
    if len(nets) == 1:
        return nets[0] if nat_gateways(topo, nets[0]) else None
    return nat_destination(topo, nets)


def stated_networks(topo: Topology, nets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The networks whose routing a profile states: every candidate the provider owns (its name
    is the same for every project), every flagged candidate, and the NAT source. A project's own
    unflagged network is left out: another project has no network of that name, and openstacksdk
    refuses a configured network it cannot find."""
    flagged = {n.get("id") for n in (default_interface(topo, nets), nat_destination(topo, nets)) if n}
    stated = [n for n in nets if owner(n) != topo.project_id or n.get("id") in flagged]
    source = nat_source(topo, nat_network(topo, nets))
    return stated + ([source] if source and source not in stated else [])


def routes_externally(topo: Topology, network: dict[str, Any], nets: list[dict[str, Any]]) -> bool:
    """openstacksdk's routes_externally (routes_ipv4_externally follows it): the network's IPv4
    is global; an external network that is not a candidate carries floating IPs, which route out
    (openstacksdk's own reading of router:external, kept when the network is named)."""
    return bool((network.get("router:external") and network not in nets) or routes(topo, network, 4))


def ipv6_unreachable(topo: Topology, nets: list[dict[str, Any]]) -> bool:
    """Candidates have IPv6 but none of it is global (ULA): openstacksdk would still take such an
    address as public_v6 and interface_ip; only force_ipv4 stops that."""
    with_v6 = [n for n in nets if routes(topo, n, 6) is not None]
    return bool(with_v6) and not any(routes(topo, n, 6) for n in with_v6)


def port_for_floating_ip(topo: Topology, ports: list[dict[str, Any]]
                         ) -> tuple[dict[str, Any] | None, str]:
    """Which of the server's ports a floating IP can attach to, and why: one with an IPv4
    address on a network a visible router serves, else on a private network with a gateway
    (a router we cannot see may serve it); never on a network that routes IPv4 directly."""
    def v4(port: dict[str, Any]) -> bool:
        return any(ipaddress.ip_address(ip["ip_address"]).version == 4 for ip in port.get("fixed_ips", []))

    ranked: list[tuple[int, dict[str, Any], str]] = []
    for port in sorted((p for p in ports if v4(p)), key=lambda p: p.get("created_at", ""), reverse=True):
        net = topo.by_id(port.get("network_id")) or {"id": port.get("network_id")}
        name = name_of(net)
        if nat_gateways(topo, net):
            ranked.append((0, port, f"its network {name} is served by a router with an external gateway"))
        elif maybe_natted(topo, net):
            ranked.append((1, port, f"its network {name} is private with a gateway; no router serving it "
                                    "is visible to the project (the provider's may be)"))
    if ranked:
        _, port, why = min(ranked, key=lambda r: r[0])
        return port, why
    names = sorted({name_of(topo.by_id(p.get("network_id")) or {}) for p in ports})
    return None, (f"no IPv4 port of the server is on a network that can take a floating IP "
                  f"(its networks: {', '.join(names) or 'none'})")


def floating_network(topo: Topology, port_network: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """Which external network can serve a floating IP for a port on `port_network`, and why:
    the gateway of the router serving its subnet; else the only external network; else the
    default one (is_default), which the association then confirms or refutes."""
    gateways = [topo.by_id(g) for g in nat_gateways(topo, port_network)]
    if gateways and gateways[0] is not None:
        return gateways[0], f"gateway of the router serving {name_of(port_network)}"
    externals = topo.external
    if len(externals) == 1:
        return externals[0], "the only external network (no router serving the subnet is visible)"
    default = [n for n in externals if n.get("is_default")]
    if default:
        return default[0], "the default external network (no router serving the subnet is visible)"
    if externals:
        return externals[0], "the first external network by name (no router or default to go by)"
    return None, "no external network is visible"
