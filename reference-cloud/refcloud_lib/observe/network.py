"""network.* and compute.* observations, including a real boot with no network chosen."""
from __future__ import annotations

import ipaddress
from typing import Any

from .api import Cloud, wait_for

WATCHED_EXTENSIONS = ("auto-allocated-topology", "external-net", "port-security", "router",
                      "security-group", "security-groups-default-rules")
LEGACY = {"OpenStack-API-Version": "compute 2.1", "X-OpenStack-Nova-API-Version": "2.1"}


def networks(cloud: Cloud) -> list[dict]:
    """Networks the user can see."""
    return cloud.json("network", "/networks")["networks"]


def candidates(cloud: Cloud, nets: list[dict]) -> list[dict]:
    """What nova picks from with no network requested: own non-shared
    non-external networks plus every shared network."""
    return sorted((n for n in nets if n["shared"] or (
        n["project_id"] == cloud.project_id and not n["router:external"])), key=lambda n: n["name"])


def subnets_of(cloud: Cloud, network: dict) -> list[dict]:
    """A network's subnets."""
    return cloud.json("network", f"/subnets?network_id={network['id']}")["subnets"]


def is_global(subnet: dict) -> bool:
    """True for a globally routable CIDR."""
    return ipaddress.ip_network(subnet["cidr"]).is_global


def routed_externally(cloud: Cloud, network: dict) -> bool:
    """A router with an external gateway has an interface on `network`."""
    ports = cloud.json("network", f"/ports?network_id={network['id']}"
                                  "&device_owner=network:router_interface")["ports"]
    for port in ports:
        router = cloud.json("network", f"/routers/{port['device_id']}")["router"]
        if router.get("external_gateway_info"):
            return True
    return False


def default_interface(cloud: Cloud, cands: list[dict]) -> str | None:
    """Advice when ambiguous: a global subnet first, else routed to an external net, else first."""
    if len(cands) < 2:
        return None
    for pick in (lambda n: any(is_global(s) for s in subnets_of(cloud, n)),
                 lambda n: routed_externally(cloud, n)):
        chosen = [n for n in cands if pick(n)]
        if chosen:
            return chosen[0]["name"]
    return cands[0]["name"]


def max_microversion(cloud: Cloud) -> str | None:
    """The CURRENT compute version's maximum microversion."""
    root = cloud.catalog()["compute"].rstrip("/").rsplit("/", 1)[0] + "/"
    docs = cloud.request("GET", root, authenticated=False).json()["versions"]
    current = [d for d in docs if d["status"] == "CURRENT"]
    return (current[0].get("version") or "2.0") if current else None


def static(cloud: Cloud) -> dict[str, Any]:
    """Everything that needs no server."""
    response = cloud.service("network", "/extensions")
    present = response.status_code == 200
    aliases = {e["alias"] for e in response.json()["extensions"]} if present else set()
    cands = candidates(cloud, networks(cloud))
    microversion = max_microversion(cloud)
    auto = False
    if "auto-allocated-topology" in aliases:
        dry = cloud.service("network", f"/auto-allocated-topology/{cloud.project_id}?fields=dry-run")
        auto = dry.status_code == 200 and tuple(map(int, microversion.split("."))) >= (2, 37)
    return {
        "network.service": "present" if present else "broken",
        "network.has_network": present,
        "network.extensions": sorted(a for a in WATCHED_EXTENSIONS if a in aliases),
        "network.candidates": [n["name"] for n in cands],
        "network.implicit_attach": {0: "none", 1: "single"}.get(len(cands), "ambiguous"),
        "network.default_interface": default_interface(cloud, cands),
        "network.auto_allocation": auto,
        "compute.max_microversion": microversion,
    }


def boot(cloud: Cloud, image_id: str, flavor_id: str, network_id: str | None,
         tag: str) -> tuple[int, dict]:
    """POST /servers at microversion 2.1; return (HTTP status, server or error body)."""
    server: dict[str, Any] = {"name": f"refcloud-check-{tag}", "imageRef": image_id,
                              "flavorRef": flavor_id}
    if network_id:
        server["networks"] = [{"uuid": network_id}]
    response = cloud.service("compute", "/servers", "POST", json={"server": server}, headers=LEGACY)
    if response.status_code != 202:
        return response.status_code, response.json()
    server_id = response.json()["server"]["id"]
    cloud.created.append(lambda: delete_server(cloud, server_id))

    def settled() -> dict | None:
        body = cloud.json("compute", f"/servers/{server_id}")["server"]
        return body if body["status"] in ("ACTIVE", "ERROR") else None
    return 202, wait_for(settled, 120, f"server {server_id}")


def delete_server(cloud: Cloud, server_id: str) -> None:
    """Delete a server and wait until it is gone."""
    cloud.service("compute", f"/servers/{server_id}", "DELETE")
    wait_for(lambda: cloud.service("compute", f"/servers/{server_id}").status_code == 404,
             120, f"deletion of server {server_id}")


def boot_implicit(status: int, body: dict) -> str:
    """Classify the answer to a boot with no networks requested."""
    if status == 202:
        return "ok" if body["status"] == "ACTIVE" else "error"
    message = str(body)
    if "Multiple possible networks" in message:
        return "ambiguous"
    if "network" in message.lower() and status in (400, 409):
        return "no-network"
    return "error"
