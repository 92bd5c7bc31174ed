"""neutron ports: created on a visible network; ports a router or DHCP owns cannot be deleted directly."""

from __future__ import annotations

from typing import Any

from ..http import Request
from .addresses import create_port, delete_port
from .errors import NetError
from .collection import Collection
from .networks import Networks


class Ports(Collection):
    collection, singular, kind = "ports", "port", "ports"
    not_found = ("PortNotFound", "Port {} could not be found.")
    updatable = frozenset({"name", "description", "admin_state_up", "security_groups", "port_security_enabled"})

    def new(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        network = self.other(Networks).find(req, str(body.get("network_id")))
        return create_port(self.state, network, req.auth["project_id"], device_id=body.get("device_id", ""),
                           device_owner=body.get("device_owner", ""), name=body.get("name", ""),
                           fixed_ips=body.get("fixed_ips"), security_groups=body.get("security_groups"))

    def remove(self, record: dict[str, Any]) -> None:
        if record["device_owner"].startswith("network:"):
            raise NetError(409, "Conflict", f"Port {record['id']} cannot be deleted directly via the port API: "
                                            f"has device owner {record['device_owner']}.")
        delete_port(self.state, record["id"])
