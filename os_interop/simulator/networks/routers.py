"""neutron routers: external gateway, interfaces on subnets (add/remove_router_interface), in-use rules."""

from __future__ import annotations

from typing import Any

from ..http import Request, Response, json_response
from .addresses import delete_port
from .errors import NetError
from .routing import attach_router_interface, set_router_gateway
from ..service import Router
from ..stamps import new_id, now
from .collection import Collection
from .networks import Subnets
from .ports import Ports


class Routers(Collection):
    collection, singular, kind = "routers", "router", "routers"
    not_found = ("RouterNotFound", "Router {} could not be found")
    extension = "router"
    updatable = frozenset({"name", "description", "admin_state_up", "routes"})

    def routes(self, r: Router) -> None:
        super().routes(r)
        r.add("PUT", "/v2.0/routers/{rid}/add_router_interface", self.add_router_interface)
        r.add("PUT", "/v2.0/routers/{rid}/remove_router_interface", self.remove_router_interface)

    def new(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        rid = new_id()
        project = req.auth["project_id"]
        router = {"id": rid, "name": body.get("name", ""), "tenant_id": project, "project_id": project,
                  "admin_state_up": body.get("admin_state_up", True), "status": "ACTIVE", "external_gateway_info": None,
                  "routes": [], "description": body.get("description", ""), "tags": [], "distributed": False,
                  "ha": False, "availability_zone_hints": [], "availability_zones": ["nova"], "flavor_id": None,
                  "created_at": now(), "updated_at": now(), "revision_number": 1}
        gateway = (body.get("external_gateway_info") or {}).get("network_id")
        if gateway:
            set_router_gateway(self.state, router, gateway)
        self.state.routers[rid] = router
        return router

    def before_update(self, record: dict[str, Any], body: dict[str, Any]) -> None:
        if "external_gateway_info" in body:
            set_router_gateway(self.state, record, (body["external_gateway_info"] or {}).get("network_id"))

    def remove(self, record: dict[str, Any]) -> None:
        s, rid = self.state, record["id"]
        if any(p["device_id"] == rid and p["device_owner"] == "network:router_interface" for p in s.ports.values()):
            raise NetError(409, "RouterInUse", f"Router {rid} still has ports")
        set_router_gateway(s, record, None)
        del s.routers[rid]

    # -- interfaces ----------------------------------------------------------------------------------
    def _router_subnet(self, req: Request, rid: str) -> tuple[dict[str, Any], dict[str, Any]]:
        router = self.find(req, rid, owned=True)
        body = req.json() if req.body else {}
        if "subnet_id" in body:
            return router, self.other(Subnets).find(req, body["subnet_id"])
        if "port_id" in body:
            port = self.other(Ports).find(req, body["port_id"])
            return router, self.state.subnets[port["fixed_ips"][0]["subnet_id"]]
        raise NetError(400, "BadRequest", "Bad router request: Either subnet_id or port_id must be specified.")

    @staticmethod
    def _interface_view(router: dict[str, Any], subnet: dict[str, Any], port: dict[str, Any]) -> Response:
        return json_response(200, {"id": router["id"], "tenant_id": router["project_id"],
                                   "project_id": router["project_id"], "port_id": port["id"],
                                   "network_id": subnet["network_id"], "subnet_id": subnet["id"],
                                   "subnet_ids": [subnet["id"]]})

    def add_router_interface(self, req: Request, rid: str) -> Response:
        with self.state.lock:
            router, subnet = self._router_subnet(req, rid)
            port = attach_router_interface(self.state, router, subnet)
            return self._interface_view(router, subnet, port)

    def remove_router_interface(self, req: Request, rid: str) -> Response:
        with self.state.lock:
            router, subnet = self._router_subnet(req, rid)
            port = next((p for p in self.state.ports.values() if p["device_id"] == rid
                         and p["device_owner"] == "network:router_interface"
                         and any(f["subnet_id"] == subnet["id"] for f in p["fixed_ips"])), None)
            if port is None:
                raise NetError(404, "RouterInterfaceNotFoundForSubnet",
                               f"Router {rid} has no interface on subnet {subnet['id']}")
            if any(f["router_id"] == rid and f["port_id"] for f in self.state.floatingips.values()):
                raise NetError(409, "RouterInterfaceInUseByFloatingIP",
                               f"Router interface for subnet {subnet['id']} on router {rid} cannot be deleted, "
                               "as it is required by one or more floating IPs.")
            delete_port(self.state, port["id"])
            return self._interface_view(router, subnet, port)
