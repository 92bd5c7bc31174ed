"""floating_ip.* observations: where public addresses come from."""
from __future__ import annotations

import ipaddress
from typing import Any

from .api import Cloud
from .network import candidates, is_global, networks, routed_externally, subnets_of


def nat_able(cloud: Cloud, network: dict) -> bool:
    """A private subnet with a gateway: could sit behind a router and NAT."""
    return any(not is_global(s) and s.get("gateway_ip") for s in subnets_of(cloud, network))


def static(cloud: Cloud, extensions: list[str]) -> dict[str, Any]:
    """floating_ip.* keys that need no server."""
    nets = networks(cloud)
    external = sorted((n for n in nets if n["router:external"]), key=lambda n: n["name"])
    source = "neutron" if "router" in extensions and external else "None"
    cands = candidates(cloud, nets)
    direct = [n["name"] for n in cands if any(is_global(s) for s in subnets_of(cloud, n))]
    natted = [n for n in cands if nat_able(cloud, n)]
    nat_source = None
    if len(external) > 1:
        default = [n for n in external if n.get("is_default")]
        nat_source = (default or external)[0]["name"]
    nat_destination = None
    if len(natted) > 1:
        routed = [n for n in natted if routed_externally(cloud, n)]
        nat_destination = (routed or natted)[0]["name"]
    if direct or source == "None":
        requires = False
    else:
        requires = True if cands else None
    return {
        "floating_ip.source": source,
        "floating_ip.external_networks": [n["name"] for n in external],
        "floating_ip.nat_source": nat_source,
        "floating_ip.direct_public": bool(direct),
        "floating_ip.routes_externally": direct,
        "floating_ip.requires": requires,
        "floating_ip.nat_destination": nat_destination,
    }


def server_address(server: dict | None) -> str:
    """Kind of the fixed address of a booted server."""
    fixed = [a["addr"] for addrs in (server or {}).get("addresses", {}).values() for a in addrs
             if a.get("OS-EXT-IPS:type", "fixed") == "fixed"]
    if not fixed:
        return "none"
    return "global" if any(ipaddress.ip_address(a).is_global for a in fixed) else "private"


def lifecycle(cloud: Cloud, server: dict, external_network: str) -> bool:
    """Allocate a floating IP, associate it with the server's port, release it."""
    net_id = next(n["id"] for n in networks(cloud) if n["name"] == external_network)
    port = cloud.json("network", f"/ports?device_id={server['id']}")["ports"][0]
    made = cloud.service("network", "/floatingips", "POST",
                         json={"floatingip": {"floating_network_id": net_id}})
    if made.status_code != 201:
        return False
    fip_id = made.json()["floatingip"]["id"]
    cloud.created.append(lambda: cloud.service("network", f"/floatingips/{fip_id}", "DELETE"))
    put = cloud.service("network", f"/floatingips/{fip_id}", "PUT",
                        json={"floatingip": {"port_id": port["id"]}})
    released = cloud.service("network", f"/floatingips/{fip_id}", "DELETE")
    return put.status_code == 200 and released.status_code == 204
