"""Network domain logic shared by the neutron API and nova's networking (proxy APIs, nova-network).

One model serves both: networks, ports, floating IPs and security groups live in neutron shape in
the cloud state; nova renders them in its own shape. Failures raise :class:`NetError`, which each
API turns into its own error body.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .stamps import new_id, new_mac, now
from .state import CloudState


class NetError(Exception):
    """A neutron-style failure: HTTP status, neutron exception type, message."""

    def __init__(self, status: int, kind: str, message: str):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


# -- visibility and nova's choice of networks ------------------------------------------------------
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


def get_network(state: CloudState, project_id: str, network_id: str) -> dict[str, Any]:
    for n in visible_networks(state, project_id):
        if n["id"] == network_id:
            return n
    raise NetError(404, "NetworkNotFound", f"Network {network_id} could not be found.")


# -- addresses and ports -----------------------------------------------------------------------------
def _allocate_ip(subnet: dict[str, Any], wanted: str | None = None, gateway_ok: bool = False) -> str:
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
            allocations.append({"subnet_id": subnet["id"], "ip_address": _allocate_ip(
                subnet, wanted.get("ip_address"), gateway_ok=device_owner == "network:router_interface")})
    else:
        for version in (4, 6):
            subnet = next((s for s in subnets if s["ip_version"] == version), None)
            if subnet is not None:
                allocations.append({"subnet_id": subnet["id"], "ip_address": _allocate_ip(subnet)})
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
            _set_fip_port(fip, None, None)


# -- routers -----------------------------------------------------------------------------------------
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


# -- floating IPs ------------------------------------------------------------------------------------
def _set_fip_port(fip: dict[str, Any], port: dict[str, Any] | None, fixed_ip: str | None,
                  router_id: str | None = None) -> None:
    fip["port_id"] = port["id"] if port else None
    fip["fixed_ip_address"] = fixed_ip if port else None
    fip["router_id"] = router_id if port else None
    fip["status"] = "ACTIVE" if port else "DOWN"
    fip["updated_at"] = now()
    fip["revision_number"] += 1


def associate_floating_ip(state: CloudState, fip: dict[str, Any], port_id: str | None,
                          fixed_ip: str | None = None, nova_network: bool = False) -> None:
    """Point a floating IP at a port (or detach it with port_id None), checking reachability."""
    if port_id is None:
        _set_fip_port(fip, None, None)
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
    _set_fip_port(fip, port, chosen["ip_address"], router["id"] if router else None)


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
        "id": fid, "floating_ip_address": _allocate_ip(subnet), "floating_network_id": network_id,
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


# -- security groups ---------------------------------------------------------------------------------
def parse_rule(text: str) -> dict[str, Any]:
    """'ingress IPv4 tcp:22 0.0.0.0/0' -> neutron rule fields (remote 'self' -> the group itself)."""
    direction, ethertype, proto, remote = text.split()
    protocol, _, ports = proto.partition(":")
    low, _, high = ports.partition("-")
    return {
        "direction": direction, "ethertype": ethertype,
        "protocol": None if protocol == "any" else protocol,
        "port_range_min": int(low) if low else None,
        "port_range_max": int(high or low) if low else None,
        "remote_ip_prefix": remote if "/" in remote else None,
        "remote_group_id": "self" if remote == "self" else None,
    }


def add_rule(state: CloudState, group: dict[str, Any], fields: dict[str, Any], *,
             system: bool = False) -> dict[str, Any]:
    """Add a rule to a group; an identical rule is a 409 like neutron's SecurityGroupRuleExists."""
    rule = {
        "direction": fields.get("direction"), "ethertype": fields.get("ethertype") or "IPv4",
        "protocol": fields.get("protocol"), "port_range_min": fields.get("port_range_min"),
        "port_range_max": fields.get("port_range_max"), "remote_ip_prefix": fields.get("remote_ip_prefix"),
        "remote_group_id": fields.get("remote_group_id"),
    }
    if rule["remote_group_id"] == "self":
        rule["remote_group_id"] = group["id"]
    if rule["protocol"] is not None:
        rule["protocol"] = str(rule["protocol"]).lower()
    if rule["direction"] not in ("ingress", "egress"):
        raise NetError(400, "InvalidInput",
                       f"Invalid input for direction. Reason: {rule['direction']!r} is not in ['ingress', 'egress'].")
    if rule["ethertype"] not in ("IPv4", "IPv6"):
        raise NetError(400, "SecurityGroupRuleInvalidEtherType",
                       f"Security group rule for ethertype '{rule['ethertype']}' not supported. "
                       "Allowed values are ['IPv4', 'IPv6'].")
    if rule["remote_ip_prefix"] and rule["remote_group_id"]:
        raise NetError(400, "SecurityGroupRemoteGroupAndRemoteIpPrefix",
                       "Only remote_ip_prefix or remote_group_id may be provided.")
    for existing in state.security_group_rules.values():
        if existing["security_group_id"] == group["id"] and all(existing[k] == v for k, v in rule.items()):
            raise NetError(409, "SecurityGroupRuleExists",
                           f"Security group rule already exists. Rule id is {existing['id']}.")
    rid = new_id()
    record = {"id": rid, "security_group_id": group["id"], **rule, "remote_address_group_id": None,
              "normalized_cidr": rule["remote_ip_prefix"], "tenant_id": group["project_id"],
              "project_id": group["project_id"], "description": fields.get("description") or "",
              "created_at": now(), "updated_at": now(), "revision_number": 0, "_system": system}
    state.security_group_rules[rid] = record
    return record


def create_group(state: CloudState, project_id: str, name: str, description: str = "",
                 *, default: bool = False, rules: list[str] | None = None) -> dict[str, Any]:
    gid = new_id()
    group = {"id": gid, "name": name, "description": description, "tenant_id": project_id,
             "project_id": project_id, "tags": [], "stateful": True, "shared": False,
             "created_at": now(), "updated_at": now(), "revision_number": 1, "_system": default}
    state.security_groups[gid] = group
    for text in rules or []:
        add_rule(state, group, parse_rule(text), system=True)
    return group


def ensure_default_group(state: CloudState, project_id: str) -> dict[str, Any]:
    """The project's ``default`` group, created on first touch like neutron and nova-network do."""
    for group in state.security_groups.values():
        if group["project_id"] == project_id and group["name"] == "default":
            return group
    rules = state.security_group_rules_spec.default_group
    return create_group(state, project_id, "default", "Default security group", default=True, rules=rules)


def group_rules(state: CloudState, group_id: str) -> list[dict[str, Any]]:
    return [r for r in state.security_group_rules.values() if r["security_group_id"] == group_id]


def delete_group(state: CloudState, group: dict[str, Any]) -> None:
    if group["name"] == "default" and group.get("_system"):
        raise NetError(409, "SecurityGroupCannotRemoveDefault",
                       "Insufficient rights for removing default security group.")
    if any(group["id"] in p["security_groups"] for p in state.ports.values()):
        raise NetError(409, "SecurityGroupInUse", f"Security Group {group['id']} in use.")
    for rule in group_rules(state, group["id"]):
        del state.security_group_rules[rule["id"]]
    del state.security_groups[group["id"]]


def template_rules(defaults: list[str], new: list[str]) -> list[dict[str, Any]]:
    """The default-security-group-rules template implied by the default and new group rules."""
    entries = []
    for text in dict.fromkeys(defaults + new):
        rule = parse_rule(text)
        if rule["remote_group_id"] == "self":
            rule["remote_group_id"] = "PARENT"
        entries.append({"id": new_id(), **rule, "remote_address_group_id": None, "description": "",
                        "used_in_default_sg": text in defaults, "used_in_non_default_sg": text in new})
    return entries


# -- auto-allocated topology -------------------------------------------------------------------------
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
    network = state.add_network("auto_allocated_network", project_id, False, False, False, True, [(cidr, "auto", None)])
    network["_auto_allocated"] = True
    router = state.add_router(network["name"], external["name"])
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


# -- what nova shows -----------------------------------------------------------------------------------
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
