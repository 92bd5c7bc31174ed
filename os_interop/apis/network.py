"""Neutron: base URL, extensions, and the project's view of networks, subnets, routers."""

from __future__ import annotations

import ipaddress
from typing import Any

from os_interop.cloud import CloudUnderTest

RELEVANT_EXTENSIONS = ("auto-allocated-topology", "external-net", "port-security", "router",
                       "security-group", "security-groups-default-rules")


def url(cloud: CloudUnderTest, path: str = "") -> str | None:
    """The v2.0 base: catalog URL plus /v2.0 unless it already ends in it (no doubling)."""
    base = cloud.endpoint("network")
    if base is None:
        return None
    base = base if base.endswith("/v2.0") else base + "/v2.0"
    return base + path


def extensions(cloud: CloudUnderTest) -> set[str] | None:
    """Extension aliases, or None when neutron is not usable (absent or answering errors)."""
    base = url(cloud, "/extensions")
    if base is None:
        return None
    response = cloud.get(base)
    body = cloud.json(response)
    if response.status_code != 200 or not isinstance(body, dict) or "extensions" not in body:
        return None
    return {e.get("alias") for e in body["extensions"]}


def listing(cloud: CloudUnderTest, collection: str, query: str = "") -> list[dict[str, Any]]:
    """All items of a collection visible to the project (one request, cached). A refusal is
    a finding, never an empty list: "no networks" would be a false observation."""
    response = cloud.get(url(cloud, f"/{collection}{query}"))
    body = cloud.json(response)
    key = collection.replace("-", "_")
    assert response.status_code == 200 and isinstance(body, dict) and key in body, \
        f"GET /v2.0/{collection}{query} answered HTTP {response.status_code}"
    return body[key]


def owner(item: dict[str, Any]) -> str | None:
    return item.get("project_id") or item.get("tenant_id")


def candidates(cloud: CloudUnderTest) -> list[dict[str, Any]]:
    """Networks nova chooses from when none is requested: the project's non-shared ones plus
    every shared one (nova/network/neutron.py _get_available_networks)."""
    project = cloud.project_id
    return [n for n in listing(cloud, "networks") if n.get("shared") or owner(n) == project]


def subnets_of(cloud: CloudUnderTest, network: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in listing(cloud, "subnets") if s.get("network_id") == network.get("id")]


def is_global(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).is_global
    except ValueError:
        return False


def routes_externally(cloud: CloudUnderTest, network: dict[str, Any], version: int | None = None) -> bool:
    """A network with a globally routable subnet (of one IP version, if given): servers on it
    are reachable directly. Split stacks (global IPv6, private IPv4) differ per version."""
    return any(is_global(s.get("cidr", "")) and version in (None, s.get("ip_version"))
               for s in subnets_of(cloud, network))


def external(cloud: CloudUnderTest) -> list[dict[str, Any]]:
    return [n for n in listing(cloud, "networks") if n.get("router:external")]


def nat_able(cloud: CloudUnderTest, network: dict[str, Any]) -> bool:
    """A private network whose subnet has a gateway on a router with an external gateway."""
    subnet_ids = {s["id"] for s in subnets_of(cloud, network) if s.get("gateway_ip")
                  and not is_global(s.get("cidr", ""))}
    if not subnet_ids:
        return False
    routers = [r for r in listing(cloud, "routers") if r.get("external_gateway_info")]
    if not routers:
        return False
    ports = listing(cloud, "ports", "?device_owner=network:router_interface")
    router_ids = {r["id"] for r in routers}
    return any(p.get("device_id") in router_ids and any(
        ip.get("subnet_id") in subnet_ids for ip in p.get("fixed_ips", [])) for p in ports)


def by_name(items: list[dict[str, Any]]) -> list[str]:
    return sorted(i.get("name") or i.get("id") for i in items)


def advised_network(cloud: CloudUnderTest, networks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Which of several candidates a client should name: one with a global subnet, else one
    routed to an external network, else the first by name."""
    if not networks:
        return None
    ordered = sorted(networks, key=lambda n: n.get("name") or n.get("id"))
    for test in (lambda n: routes_externally(cloud, n, 4), lambda n: nat_able(cloud, n)):
        for net in ordered:
            if test(net):
                return net
    return ordered[0]
