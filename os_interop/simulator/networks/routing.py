"""Routers (external gateway, interfaces) and floating IPs: what makes an address reachable from outside."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ..stamps import new_id, now
from .addresses import allocate_ip, create_port, delete_port, set_fip_port
from .errors import NetError

if TYPE_CHECKING:
    from ..state import CloudState


def set_router_gateway(state: CloudState, router: dict[str, Any], network_id: str | None) -> None:
    if network_id is None:
        for port in [p for p in state.ports.values() if p["device_id"] == router["id"]
                     and p["device_owner"] == "network:router_gateway"]:
            delete_port(state, port["id"])
        router["external_gateway_info"] = None
        return
    network = state.networks.get(network_id)
    if network is None or not network["router:external"]:
        raise NetError(400, "BadRequest",
                       f"Bad router request: Network '{network_id}' is not a valid external network.")
    port = create_port(state, network, network["project_id"], device_id=router["id"],
                       device_owner="network:router_gateway", system=True)
    router["external_gateway_info"] = {"network_id": network_id, "enable_snat": True,
                                       "external_fixed_ips": port["fixed_ips"]}


def attach_router_interface(state: CloudState, router: dict[str, Any], subnet: dict[str, Any]) -> dict[str, Any]:
    if any(p["device_id"] == router["id"] and any(f["subnet_id"] == subnet["id"] for f in p["fixed_ips"])
           for p in state.ports.values()):
        raise NetError(400, "BadRequest", f"Bad router request: Router already has a port on subnet {subnet['id']}.")
    if not subnet["gateway_ip"]:
        raise NetError(400, "BadRequest", f"Bad router request: Subnet {subnet['id']} does not have a gateway IP.")
    network = state.networks[subnet["network_id"]]
    gateway = subnet["gateway_ip"]
    return create_port(state, network, router["project_id"], device_id=router["id"],
                       device_owner="network:router_interface",
                       fixed_ips=[{"subnet_id": subnet["id"], "ip_address": gateway}], system=True)


def fip_reachable(state: CloudState, floating_network_id: str, port: dict[str, Any]) -> dict[str, Any] | None:
    """The router that joins the port's subnets to the floating network, if any."""
    port_subnets = {f["subnet_id"] for f in port["fixed_ips"]}
    for router in state.routers.values():
        gw = router["external_gateway_info"]
        if not gw or gw["network_id"] != floating_network_id:
            continue
        for p in state.ports.values():
            if p["device_id"] == router["id"] and p["device_owner"] == "network:router_interface" \
                    and port_subnets & {f["subnet_id"] for f in p["fixed_ips"]}:
                return router
    return None


def associate_floating_ip(state: CloudState, fip: dict[str, Any], port_id: str | None,
                          fixed_ip: str | None = None, nova_network: bool = False) -> None:
    """Point a floating IP at a port (or detach it with port_id None), checking reachability."""
    if port_id is None:
        set_fip_port(fip, None, None)
        return
    port = state.ports.get(port_id)
    if port is None or port["project_id"] != fip["project_id"]:
        raise NetError(404, "PortNotFound", f"Port {port_id} could not be found.")
    v4 = [f for f in port["fixed_ips"] if ipaddress.ip_address(f["ip_address"]).version == 4]
    chosen = next((f for f in v4 if f["ip_address"] == fixed_ip), None) if fixed_ip else (v4[0] if v4 else None)
    if chosen is None:
        raise NetError(400, "BadRequest", f"Bad floatingip request: Port {port_id} does not have fixed ip {fixed_ip}.")
    router = None
    if not nova_network:
        router = fip_reachable(state, fip["floating_network_id"], port)
        if router is None:
            raise NetError(404, "ExternalGatewayForFloatingIPNotFound",
                           f"External network {fip['floating_network_id']} is not reachable from subnet "
                           f"{chosen['subnet_id']}.  Therefore, cannot associate Port {port_id} with a Floating IP.")
    for other in state.floatingips.values():
        if other is not fip and other["port_id"] == port_id and other["fixed_ip_address"] == chosen["ip_address"]:
            raise NetError(409, "FloatingIPPortAlreadyAssociated",
                           f"Cannot associate floating IP {fip['floating_ip_address']} ({fip['id']}) with port "
                           f"{port_id} using fixed IP {chosen['ip_address']}, as that fixed IP already has a "
                           f"floating IP on external network {fip['floating_network_id']}.")
    set_fip_port(fip, port, chosen["ip_address"], router["id"] if router else None)


def create_floating_ip(state: CloudState, project_id: str, network_id: str, *, port_id: str | None = None,
                       fixed_ip: str | None = None, description: str = "", tags: list[str] | None = None,
                       nova_network: bool = False) -> dict[str, Any]:
    network = state.networks.get(network_id)
    if network is None:
        raise NetError(404, "NetworkNotFound", f"Network {network_id} could not be found.")
    if not network["router:external"]:
        raise NetError(400, "BadRequest",
                       f"Bad floatingip request: Network {network_id} is not a valid external network.")
    subnet = next((state.subnets[s] for s in network["subnets"] if state.subnets[s]["ip_version"] == 4), None)
    if subnet is None:
        raise NetError(400, "BadRequest",
                       f"Bad floatingip request: Network {network_id} does not contain any IPv4 subnet.")
    fid = new_id()
    fip = {
        "id": fid, "floating_ip_address": allocate_ip(subnet), "floating_network_id": network_id,
        "router_id": None, "port_id": None, "fixed_ip_address": None, "status": "DOWN",
        "tenant_id": project_id, "project_id": project_id, "description": description,
        "tags": list(tags or []), "port_details": None, "dns_domain": "", "dns_name": "",
        "created_at": now(), "updated_at": now(), "revision_number": 0, "_subnet": subnet["id"],
    }
    state.floatingips[fid] = fip
    try:
        associate_floating_ip(state, fip, port_id, fixed_ip, nova_network)
    except NetError:
        release_floating_ip(state, fid)
        raise
    return fip


def release_floating_ip(state: CloudState, fip_id: str) -> None:
    fip = state.floatingips.pop(fip_id, None)
    if fip:
        state.subnets[fip["_subnet"]]["_used"].discard(fip["floating_ip_address"])
