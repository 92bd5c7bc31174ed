"""Nova server actions: floating IPs and security groups (before 2.44), stop, start, reboot."""

from __future__ import annotations

from typing import Any

from ..http import Request, Response
from ..networks.errors import NetError
from ..networks.routing import associate_floating_ip
from ..service import Router
from .part import ComputePart


class Actions(ComputePart):
    def routes(self, r: Router) -> None:
        r.add("POST", "/servers/{server_id}/action", self.server_action)

    def server_action(self, req: Request, server_id: str) -> Response:
        try:
            body = req.json()
            action, args = next(iter(body.items()))
        except (ValueError, StopIteration, AttributeError):
            raise self.error(400, "Malformed request body") from None
        with self.state.lock:
            server = self.servers.get(req, server_id)
            if action in ("addFloatingIp", "removeFloatingIp"):
                if self.service.at_least(req, "2.44") or not self.service.feature("fip"):
                    raise self.error(404, "The resource could not be found.")
                self._floating_action(req, server, action, args or {})
            elif action in ("addSecurityGroup", "removeSecurityGroup"):
                self._group_action(req, server, action, (args or {}).get("name"))
            elif action in ("os-stop", "os-start", "reboot"):
                stopped = action == "os-stop"
                server.update({"status": "SHUTOFF" if stopped else "ACTIVE",
                               "OS-EXT-STS:vm_state": "stopped" if stopped else "active",
                               "OS-EXT-STS:power_state": 4 if stopped else 1})
            else:
                raise self.error(400, f"There is no such action: {action}")
        return Response(202)

    def _floating_action(self, req: Request, server: dict[str, Any], action: str, args: dict[str, Any]) -> None:
        address = args.get("address")
        fip = next((f for f in self.state.floatingips.values()
                    if f["floating_ip_address"] == address and f["project_id"] == req.auth["project_id"]), None)
        if fip is None:
            raise self.error(404, "floating IP not found")
        if action == "removeFloatingIp":
            port = self.state.ports.get(fip["port_id"] or "")
            if port is None or port["device_id"] != server["id"]:
                raise self.error(409, f"Floating IP {address} is not associated with instance {server['id']}.")
            associate_floating_ip(self.state, fip, None)
            return
        ports = [p for p in self.state.ports.values() if p["device_id"] == server["id"]]
        fixed = args.get("fixed_address")
        port = next((p for p in ports if not fixed or any(f["ip_address"] == fixed for f in p["fixed_ips"])), None)
        if port is None:
            raise self.error(400, f"Error. Unable to associate floating IP: instance {server['id']} "
                                  "has no fixed address"
                                  + (f" {fixed}" if fixed else ""))
        try:
            associate_floating_ip(self.state, fip, port["id"], fixed, nova_network=not self.service.neutron)
        except NetError as exc:
            raise self.error(400, f"Error. Unable to associate floating IP: {exc.message}") from None

    def _group_action(self, req: Request, server: dict[str, Any], action: str, name: str | None) -> None:
        if not self.service.feature("sg"):
            raise self.error(404, "The resource could not be found.")
        group = self.servers.resolve_groups(req, [{"name": name}])[0]
        ports = [p for p in self.state.ports.values() if p["device_id"] == server["id"]]
        if action == "addSecurityGroup":
            if group["name"] in server["_groups"]:
                raise self.error(400, f"Security group {name} is already associated with the instance {server['id']}")
            server["_groups"].append(group["name"])
            for p in ports:
                p["security_groups"] = list(dict.fromkeys(p["security_groups"] + [group["id"]]))
        else:
            if group["name"] not in server["_groups"]:
                raise self.error(400, f"Security group {name} not associated with the instance {server['id']}")
            server["_groups"].remove(group["name"])
            for p in ports:
                p["security_groups"] = [g for g in p["security_groups"] if g != group["id"]]
