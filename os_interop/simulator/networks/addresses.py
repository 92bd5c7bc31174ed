"""Which networks a project sees and nova may choose, ports and their fixed IPs, and nova's ``addresses``.

One model serves neutron and nova: networks, ports, floating IPs and security groups live in neutron
shape in the cloud state; nova renders them in its own shape. Failures raise :class:`.errors.NetError`,
which each API turns into its own error body.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ..stamps import new_id, new_mac, now
from .errors import NetError
from .rules import ensure_default_group

if TYPE_CHECKING:
    from ..state import CloudState


def visible_networks(state: CloudState, project_id: str) -> list[dict[str, Any]]:
    """Networks a project sees: its own, shared ones and external ones (RBAC access_as_external)."""
    return [n for n in state.networks.values()
            if n["project_id"] == project_id or n["shared"] or n["router:external"]]


def candidate_networks(state: CloudState, project_id: str) -> list[dict[str, Any]]:
    """What nova attaches when no network is requested: own non-shared + all shared networks.

    External networks only count when shared (nova asks neutron for project networks with
    shared=False and for shared=True networks; non-shared external ones are neither).
    """
    return sorted((n for n in state.networks.values()
                   if (n["project_id"] == project_id and not n["shared"]) or n["shared"]),
                  key=lambda n: n["name"])


def allocate_ip(subnet: dict[str, Any], wanted: str | None = None, gateway_ok: bool = False) -> str:
    net = ipaddress.ip_network(subnet["cidr"])
    used: set[str] = subnet["_used"]
    if wanted:
        if ipaddress.ip_address(wanted) not in net:
            raise NetError(400, "InvalidIpForSubnet",
                           f"IP address {wanted} is not a valid IP for the specified subnet.")
        if wanted in used or (wanted == subnet["gateway_ip"] and not gateway_ok):
            raise NetError(409, "IpAddressAlreadyAllocated",
                           f"IP address {wanted} already allocated in subnet {subnet['id']}")
        used.add(wanted)
        return wanted
    pool = subnet["allocation_pools"][0]
    address, last = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
    while address <= last:
        text = str(address)
        if text not in used and text != subnet["gateway_ip"]:
            used.add(text)
            return text
        address += 1
    raise NetError(409, "IpAddressGenerationFailure",
                   f"No more IP addresses available on network {subnet['network_id']}.")


def create_port(state: CloudState, network: dict[str, Any], project_id: str, *, device_id: str = "",
                device_owner: str = "", name: str = "", fixed_ips: list[dict[str, Any]] | None = None,
                security_groups: list[str] | None = None, system: bool = False) -> dict[str, Any]:
    """A port with one address per IP version (or the requested ones) and the default group."""
    subnets = [state.subnets[s] for s in network["subnets"]]
    allocations = []
    if fixed_ips:
        for wanted in fixed_ips:
            subnet = next((s for s in subnets if s["id"] == wanted.get("subnet_id")
                           or (wanted.get("ip_address") and ipaddress.ip_address(wanted["ip_address"])
                               in ipaddress.ip_network(s["cidr"]))), None)
            if subnet is None:
                raise NetError(400, "InvalidInput", f"Invalid input for operation: fixed_ips {wanted}.")
            allocations.append({"subnet_id": subnet["id"], "ip_address": allocate_ip(
                subnet, wanted.get("ip_address"), gateway_ok=device_owner == "network:router_interface")})
    else:
        for version in (4, 6):
            subnet = next((s for s in subnets if s["ip_version"] == version), None)
            if subnet is not None:
                allocations.append({"subnet_id": subnet["id"], "ip_address": allocate_ip(subnet)})
    secured = network["port_security_enabled"] and not device_owner.startswith("network:")
    if security_groups is None:
        security_groups = [ensure_default_group(state, project_id)["id"]] if secured else []
    pid = new_id()
    port = {
        "id": pid, "name": name, "network_id": network["id"], "tenant_id": project_id, "project_id": project_id,
        "mac_address": new_mac(), "admin_state_up": True, "status": "ACTIVE" if device_owner else "DOWN",
        "device_id": device_id, "device_owner": device_owner, "fixed_ips": allocations,
        "allowed_address_pairs": [], "extra_dhcp_opts": [], "security_groups": security_groups,
        "binding:vnic_type": "normal", "port_security_enabled": network["port_security_enabled"],
        "description": "", "tags": [], "dns_name": "", "created_at": now(), "updated_at": now(),
        "revision_number": 1, "_system": system,
    }
    state.ports[pid] = port
    return port


def delete_port(state: CloudState, port_id: str) -> None:
    """Remove a port, free its addresses and disassociate floating IPs pointing at it."""
    port = state.ports.pop(port_id, None)
    if port is None:
        return
    for alloc in port["fixed_ips"]:
        subnet = state.subnets.get(alloc["subnet_id"])
        if subnet:
            subnet["_used"].discard(alloc["ip_address"])
    for fip in state.floatingips.values():
        if fip["port_id"] == port_id:
            set_fip_port(fip, None, None)


def server_addresses(state: CloudState, server_id: str, tags: bool) -> dict[str, list[dict[str, Any]]]:
    """nova's ``addresses``: per network name, fixed then floating addresses of the server's ports."""
    out: dict[str, list[dict[str, Any]]] = {}
    for port in sorted((p for p in state.ports.values() if p["device_id"] == server_id), key=lambda p: p["created_at"]):
        name = state.networks[port["network_id"]]["name"]
        entries = out.setdefault(name, [])
        floating = [f["floating_ip_address"] for f in state.floatingips.values() if f["port_id"] == port["id"]]
        for kind, addrs in (("fixed", [f["ip_address"] for f in port["fixed_ips"]]), ("floating", floating)):
            for addr in addrs:
                entry: dict[str, Any] = {"version": ipaddress.ip_address(addr).version, "addr": addr}
                if tags:
                    entry["OS-EXT-IPS:type"] = kind
                    entry["OS-EXT-IPS-MAC:mac_addr"] = port["mac_address"]
                entries.append(entry)
    return out


def set_fip_port(fip: dict[str, Any], port: dict[str, Any] | None, fixed_ip: str | None,
                  router_id: str | None = None) -> None:
    fip["port_id"] = port["id"] if port else None
    fip["fixed_ip_address"] = fixed_ip if port else None
    fip["router_id"] = router_id if port else None
    fip["status"] = "ACTIVE" if port else "DOWN"
    fip["updated_at"] = now()
    fip["revision_number"] += 1
