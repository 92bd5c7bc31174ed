"""Building networks, subnets and routers in the state (seeding, neutron creates, auto-allocation)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..stamps import new_id, now
from .addresses import delete_port
from .routing import attach_router_interface, set_router_gateway

if TYPE_CHECKING:
    from ..state import CloudState


def add_network(state: CloudState, name: str, owner: str, shared: bool, external: bool, is_default: bool,
                port_security: bool, subnets: list[tuple[str, Any, str | None]]) -> dict[str, Any]:
    """Create a network with its subnets (used for seeding and by auto-allocation)."""
    nid = new_id()
    network = {
        "id": nid, "name": name, "tenant_id": owner, "project_id": owner, "admin_state_up": True,
        "mtu": 1450, "status": "ACTIVE", "subnets": [], "shared": shared, "router:external": external,
        "is_default": is_default, "port_security_enabled": port_security,
        "availability_zone_hints": [], "availability_zones": ["nova"], "ipv4_address_scope": None,
        "ipv6_address_scope": None, "description": "", "tags": [], "l2_adjacency": True,
        "created_at": now(timedelta(days=-60)), "updated_at": now(timedelta(days=-60)), "revision_number": 1,
    }
    state.networks[nid] = network
    for cidr, gateway, subnet_name in subnets:
        add_subnet(state, network, cidr, gateway, subnet_name or f"{name}-subnet{'-v6' if ':' in cidr else ''}")
    return network

def add_subnet(state: CloudState, network: dict[str, Any], cidr: str, gateway: Any = "auto",
               name: str = "", owner: str | None = None) -> dict[str, Any]:
    net = ipaddress.ip_network(cidr, strict=False)
    if gateway == "auto":
        gateway = str(net.network_address + 1)
    first = net.network_address + (2 if gateway else 1)
    last = net.broadcast_address - (1 if net.version == 4 else 0)
    sid = new_id()
    owner = owner or network["project_id"]
    subnet = {
        "id": sid, "name": name, "network_id": network["id"], "tenant_id": owner, "project_id": owner,
        "ip_version": net.version, "cidr": str(net), "gateway_ip": gateway,
        "allocation_pools": [{"start": str(first), "end": str(last)}], "enable_dhcp": True,
        "dns_nameservers": [], "host_routes": [], "ipv6_ra_mode": "slaac" if net.version == 6 else None,
        "ipv6_address_mode": "slaac" if net.version == 6 else None, "subnetpool_id": None,
        "service_types": [], "description": "", "tags": [], "created_at": network["created_at"],
        "updated_at": network["updated_at"], "revision_number": 0, "_used": set(),
    }
    state.subnets[sid] = subnet
    network["subnets"].append(sid)
    return subnet

def add_router(state: CloudState, network_name: str, external_name: str) -> dict[str, Any]:
    """A router from ``network_name``'s subnets to ``external_name`` (seeding and auto-allocation)."""
    inner = network_by_name(state, network_name)
    rid = new_id()
    router = {
        "id": rid, "name": f"router-{network_name}", "tenant_id": inner["project_id"],
        "project_id": inner["project_id"], "admin_state_up": True, "status": "ACTIVE",
        "external_gateway_info": None, "routes": [], "description": "", "tags": [],
        "distributed": False, "ha": False, "availability_zone_hints": [], "availability_zones": ["nova"],
        "flavor_id": None, "created_at": inner["created_at"], "updated_at": inner["updated_at"],
        "revision_number": 3,
    }
    state.routers[rid] = router
    set_router_gateway(state, router, network_by_name(state, external_name)["id"])
    for sid in inner["subnets"]:
        attach_router_interface(state, router, state.subnets[sid])
    return router

def network_by_name(state: CloudState, name: str) -> dict[str, Any]:
    return next(n for n in state.networks.values() if n["name"] == name)


def auto_allocation_problem(state: CloudState, possible: bool) -> str | None:
    """Why neutron's dry-run would fail, or None when it passes."""
    if not any(n["router:external"] and n["is_default"] for n in state.networks.values()):
        return "No default router:external network"
    if not possible:
        return "No default subnetpools defined"
    return None


def auto_allocate(state: CloudState, project_id: str) -> dict[str, Any]:
    """Get or create the project's auto-allocated network (network, subnet, router to the default net)."""
    for n in state.networks.values():
        if n["project_id"] == project_id and n.get("_auto_allocated"):
            return n
    external = next(n for n in state.networks.values() if n["router:external"] and n["is_default"])
    taken = {state.subnets[s]["cidr"] for s in state.subnets}
    cidr = next(c for c in (f"10.{i}.{j}.0/26" for i in range(100, 200) for j in range(256)) if c not in taken)
    network = add_network(state, "auto_allocated_network", project_id, False, False, False, True, [(cidr, "auto", None)])
    network["_auto_allocated"] = True
    router = add_router(state, network["name"], external["name"])
    router["name"] = "auto_allocated_router"
    return network


def release_auto_allocated(state: CloudState, project_id: str) -> None:
    """Delete the project's auto-allocated network, its subnet and router (DELETE auto-allocated-topology)."""
    for router in [r for r in state.routers.values()
                   if r["name"] == "auto_allocated_router" and r["project_id"] == project_id]:
        for port in [p for p in state.ports.values() if p["device_id"] == router["id"]]:
            delete_port(state, port["id"])
        del state.routers[router["id"]]
    for network in [n for n in state.networks.values() if n["project_id"] == project_id and n.get("_auto_allocated")]:
        for sid in network["subnets"]:
            state.subnets.pop(sid, None)
        del state.networks[network["id"]]
