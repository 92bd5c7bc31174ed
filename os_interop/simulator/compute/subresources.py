"""What hangs off a nova server: metadata, tags, addresses, interfaces, security groups."""

from __future__ import annotations

from ..http import Request, Response, empty, json_response
from ..networks.addresses import server_addresses
from ..service import Router
from .part import ComputePart


class ServerSubresources(ComputePart):
    def routes(self, r: Router) -> None:
        r.add("GET|POST|PUT", "/servers/{server_id}/metadata", self.server_metadata)
        r.add("GET|PUT|DELETE", "/servers/{server_id}/metadata/{key}", self.server_metadata_item)
        r.add("GET|PUT|DELETE", "/servers/{server_id}/tags", self.server_tags)
        r.add("GET|PUT|DELETE", "/servers/{server_id}/tags/{tag}", self.server_tag)
        r.add("GET", "/servers/{server_id}/ips", self.server_ips)
        r.add("GET", "/servers/{server_id}/os-interface", self.server_interfaces)
        r.add("GET", "/servers/{server_id}/os-security-groups", self.server_groups)

    def server_metadata(self, req: Request, server_id: str) -> Response:
        with self.state.lock:
            server = self.servers.get(req, server_id)
            if req.method != "GET":
                try:
                    meta = req.json()["metadata"]
                    assert isinstance(meta, dict)
                except (ValueError, KeyError, TypeError, AssertionError):
                    raise self.error(400, "Malformed request body") from None
                if req.method == "PUT":
                    server["metadata"] = dict(meta)
                else:
                    server["metadata"].update(meta)
            return json_response(200, {"metadata": dict(server["metadata"])})

    def server_metadata_item(self, req: Request, server_id: str, key: str) -> Response:
        with self.state.lock:
            server = self.servers.get(req, server_id)
            if req.method == "PUT":
                try:
                    value = req.json()["meta"][key]
                except (ValueError, KeyError, TypeError):
                    raise self.error(400, "Request body and URI mismatch") from None
                server["metadata"][key] = value
                return json_response(200, {"meta": {key: value}})
            if key not in server["metadata"]:
                raise self.error(404, "Metadata item was not found")
            if req.method == "DELETE":
                del server["metadata"][key]
                return empty(204)
            return json_response(200, {"meta": {key: server["metadata"][key]}})

    def server_tags(self, req: Request, server_id: str) -> Response:
        if not self.service.at_least(req, "2.26"):
            raise self.error(404, "The resource could not be found.")
        with self.state.lock:
            server = self.servers.get(req, server_id)
            if req.method == "PUT":
                try:
                    server["tags"] = list(dict.fromkeys(req.json()["tags"]))
                except (ValueError, KeyError, TypeError):
                    raise self.error(400, "Malformed request body") from None
            elif req.method == "DELETE":
                server["tags"] = []
                return empty(204)
            return json_response(200, {"tags": list(server["tags"])})

    def server_tag(self, req: Request, server_id: str, tag: str) -> Response:
        if not self.service.at_least(req, "2.26"):
            raise self.error(404, "The resource could not be found.")
        with self.state.lock:
            server = self.servers.get(req, server_id)
            if req.method == "PUT":
                if tag in server["tags"]:
                    return empty(204)
                server["tags"].append(tag)
                return empty(201, {"Location": f"{req.service_base}/servers/{server_id}/tags/{tag}"})
            if tag not in server["tags"]:
                raise self.error(404, f"Tag '{tag}' could not be found.")
            if req.method == "DELETE":
                server["tags"].remove(tag)
            return empty(204)

    def server_ips(self, req: Request, server_id: str) -> Response:
        server = self.servers.get(req, server_id)
        return json_response(200, {"addresses": server_addresses(self.state, server["id"],
                                                                 self.personality.compute.address_tags)})

    def server_interfaces(self, req: Request, server_id: str) -> Response:
        if not self.service.neutron:
            raise self.error(404, "The resource could not be found.")
        server = self.servers.get(req, server_id)
        return json_response(200, {"interfaceAttachments": [
            {"port_id": p["id"], "net_id": p["network_id"], "mac_addr": p["mac_address"], "port_state": p["status"],
             "fixed_ips": p["fixed_ips"]} for p in self.state.ports.values() if p["device_id"] == server["id"]]})

    def server_groups(self, req: Request, server_id: str) -> Response:
        if not self.service.feature("sg"):
            raise self.error(404, "The resource could not be found.")
        with self.state.lock:
            server = self.servers.get(req, server_id)
            groups = [g for g in self.state.security_groups.values()
                      if g["project_id"] == server["tenant_id"] and g["name"] in server["_groups"]]
            return json_response(200, {"security_groups": [self.proxy.group_view(g) for g in groups]})
