"""neutron networks and subnets: who sees them (own, shared, external), creating, the in-use rules."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..http import Request
from .addresses import visible_networks
from .errors import NetError
from .topology import add_network, add_subnet
from ..stamps import now
from .collection import Collection, policy


class Networks(Collection):
    collection, singular, kind = "networks", "network", "networks"
    not_found = ("NetworkNotFound", "Network {} could not be found.")
    updatable = frozenset({"name", "description", "admin_state_up", "port_security_enabled", "mtu"})

    def visible(self, project: str) -> list[dict[str, Any]]:
        return visible_networks(self.state, project)

    def new(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("shared") or body.get("router:external"):
            raise policy("rule:create_network and rule:create_network:shared")
        network = add_network(self.state, body.get("name", ""), req.auth["project_id"], False, False, False,
                                         body.get("port_security_enabled", True), [])
        network.update(created_at=now(), updated_at=now(), description=body.get("description", ""),
                       admin_state_up=body.get("admin_state_up", True))
        return network

    def before_update(self, record: dict[str, Any], body: dict[str, Any]) -> None:
        if body.get("shared"):
            raise policy("rule:update_network and rule:update_network:shared")

    def remove(self, record: dict[str, Any]) -> None:
        s, rid = self.state, record["id"]
        if any(p["network_id"] == rid for p in s.ports.values()):
            raise NetError(409, "NetworkInUse", f"Unable to complete operation on network {rid}. "
                                                "There are one or more ports still in use on the network.")
        for sid in record["subnets"]:
            s.subnets.pop(sid, None)
        del s.networks[rid]


class Subnets(Collection):
    collection, singular, kind = "subnets", "subnet", "subnets"
    not_found = ("SubnetNotFound", "Subnet {} could not be found.")
    updatable = frozenset({"name", "description", "gateway_ip", "dns_nameservers", "enable_dhcp", "host_routes"})

    def visible(self, project: str) -> list[dict[str, Any]]:
        nets = {n["id"] for n in visible_networks(self.state, project)}
        return [x for x in self.state.subnets.values() if x["network_id"] in nets]

    def new(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        network = self.other(Networks).find(req, str(body.get("network_id")))
        if network["project_id"] != req.auth["project_id"]:
            raise policy("rule:create_subnet and rule:create_subnet:network_owner")
        try:
            cidr = ipaddress.ip_network(str(body.get("cidr")), strict=False)
        except ValueError:
            raise NetError(400, "InvalidInput",
                           f"Invalid input for cidr. Reason: '{body.get('cidr')}' is not a valid IP subnet.") from None
        if int(body.get("ip_version", cidr.version)) != cidr.version:
            raise NetError(400, "InvalidInput", "Invalid input for operation: ip_version does not match cidr.")
        for sid in network["subnets"]:
            if ipaddress.ip_network(self.state.subnets[sid]["cidr"]).overlaps(cidr):
                raise NetError(400, "InvalidInput", f"Invalid input for operation: Requested subnet with cidr: {cidr} "
                                                    f"for network: {network['id']} overlaps with another subnet.")
        subnet = add_subnet(self.state, network, str(cidr), body.get("gateway_ip", "auto"), body.get("name", ""),
                                       owner=req.auth["project_id"])
        subnet.update(created_at=now(), updated_at=now(), description=body.get("description", ""),
                      enable_dhcp=body.get("enable_dhcp", True), dns_nameservers=body.get("dns_nameservers", []))
        return subnet

    def remove(self, record: dict[str, Any]) -> None:
        s, rid = self.state, record["id"]
        if any(any(f["subnet_id"] == rid for f in p["fixed_ips"]) for p in s.ports.values()):
            raise NetError(409, "SubnetInUse", f"Unable to complete operation on subnet {rid}: "
                                               "One or more ports have an IP allocation from this subnet.")
        s.networks[record["network_id"]]["subnets"].remove(rid)
        del s.subnets[rid]
