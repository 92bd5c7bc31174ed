"""Creating a configuration's networks, subnets and routers.

Networks and subnets are declared in configs/*.yaml as neutron API bodies;
`owner: admin` ones belong to the provider (external or shared networks),
`owner: member` ones are created by the member user in its own project.
"""
from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from .rest import call
from .report import RefcloudError


def create_network(conn: Connection, spec: dict[str, Any]) -> dict[str, str]:
    """Create one network and its subnets; return {subnet name: id}."""
    network = call(conn.network, "POST", "/networks",
                   {"network": spec["network"]}).json()["network"]
    subnets = {}
    for subnet in spec.get("subnets", []):
        body = {"ip_version": 4, **subnet, "network_id": network["id"]}
        created = call(conn.network, "POST", "/subnets", {"subnet": body}).json()["subnet"]
        subnets[created["name"]] = created["id"]
    return subnets


def network_id(conn: Connection, name: str) -> str:
    """The id of the one network named `name`."""
    found = call(conn.network, "GET", f"/networks?name={name}").json()["networks"]
    if len(found) != 1:
        raise RefcloudError(f"expected one network named {name!r}, found {len(found)}")
    return found[0]["id"]


def create_router(conn: Connection, spec: dict[str, Any], subnets: dict[str, str]) -> None:
    """A router with an optional external gateway and interfaces on named subnets."""
    body: dict[str, Any] = {"name": spec["name"]}
    if spec.get("external_gateway"):
        body["external_gateway_info"] = {"network_id": network_id(conn, spec["external_gateway"])}
    router = call(conn.network, "POST", "/routers", {"router": body}).json()["router"]
    for subnet in spec.get("interfaces", []):
        call(conn.network, "PUT", f"/routers/{router['id']}/add_router_interface",
             {"subnet_id": subnets[subnet]})


def build(admin: Connection, member: Connection, networks: list[dict[str, Any]],
          routers: list[dict[str, Any]]) -> None:
    """Create everything in declaration order (admin networks first, as declared)."""
    conns = {"admin": admin, "member": member}
    subnets: dict[str, str] = {}
    for spec in networks:
        subnets.update(create_network(conns[spec["owner"]], spec))
    for spec in routers:
        create_router(conns[spec["owner"]], spec, subnets)
