"""neutron floating IPs: allocated from an external network, associated with a port, with port details."""

from __future__ import annotations

from typing import Any

from ..http import Request
from ..listing import public
from .errors import NetError
from .routing import associate_floating_ip, create_floating_ip, release_floating_ip
from .collection import Collection


class FloatingIPs(Collection):
    collection, singular, kind = "floatingips", "floatingip", "floatingips"
    not_found = ("FloatingIPNotFound", "Floating IP {} could not be found")
    extension = "router"
    updatable = frozenset({"description"})

    def view(self, record: dict[str, Any]) -> dict[str, Any]:
        view = public(record)
        port = self.state.ports.get(record["port_id"]) if record["port_id"] else None
        if port:
            view["port_details"] = {k: port[k] for k in ("name", "network_id", "mac_address", "admin_state_up",
                                                         "status", "device_id", "device_owner")}
        return view

    def new(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        network_id = body.get("floating_network_id")
        if not network_id:
            raise NetError(400, "HTTPBadRequest",
                           "Failed to parse request. Required attribute 'floating_network_id' not specified")
        return create_floating_ip(self.state, req.auth["project_id"], network_id, port_id=body.get("port_id"),
                                  fixed_ip=body.get("fixed_ip_address"), description=body.get("description", ""))

    def before_update(self, record: dict[str, Any], body: dict[str, Any]) -> None:
        if "port_id" in body:
            associate_floating_ip(self.state, record, body["port_id"], body.get("fixed_ip_address"))

    def remove(self, record: dict[str, Any]) -> None:
        release_floating_ip(self.state, record["id"])
