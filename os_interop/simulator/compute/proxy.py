"""Nova's proxy APIs: images, floating IPs, security groups and networks in nova's own shapes.

They render the same state the image and network services use (nova proxied glance and neutron,
or did the networking itself with nova-network) and disappear from microversion 2.36 on.
"""

from __future__ import annotations

from typing import Any, Callable

from ..http import Request, Response, json_response
from ..listing import public
from ..networks.addresses import candidate_networks
from ..networks.errors import NetError
from ..networks.routing import create_floating_ip, release_floating_ip
from ..networks.rules import add_rule, create_group, delete_group, ensure_default_group, group_rules
from ..service import Router
from .part import ComputePart


class Proxy(ComputePart):
    def routes(self, r: Router) -> None:
        r.add("GET", "/images", self.proxy(self.list_images))
        r.add("GET", "/images/detail", self.proxy(self.list_images))
        r.add("GET", "/images/{image_id}", self.proxy(self.show_image))
        r.add("GET", "/os-floating-ip-pools", self.proxy(self.fip_pools, "fip"))
        r.add("GET|POST", "/os-floating-ips", self.proxy(self.floating_ips, "fip"))
        r.add("GET|DELETE", "/os-floating-ips/{fip_id}", self.proxy(self.floating_ip, "fip"))
        r.add("GET|POST", "/os-security-groups", self.proxy(self.security_groups, "sg"))
        r.add("GET|PUT|DELETE", "/os-security-groups/{group_id}", self.proxy(self.security_group, "sg"))
        r.add("POST", "/os-security-group-rules", self.proxy(self.create_group_rule, "sg"))
        r.add("DELETE", "/os-security-group-rules/{rule_id}", self.proxy(self.delete_group_rule, "sg"))
        r.add("GET", "/os-networks", self.proxy(self.list_networks))
        r.add("GET", "/os-networks/{network_id}", self.proxy(self.show_network))

    def proxy(self, handler: Callable[..., Response], feature: str = "") -> Callable[..., Response]:
        """Wrap a proxy API: 404 from microversion 2.36 on, and when the cloud lacks the feature."""
        def wrapped(req: Request, **params: str) -> Response:
            if self.service.at_least(req, "2.36") or (feature and not self.service.feature(feature)):
                raise self.error(404, "The resource could not be found.")
            return handler(req, **params)
        return wrapped

    def _image_view(self, req: Request, image: dict[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in public(image).items() if k not in ("id", "name", "status", "created_at", "updated_at",
                                                                     "size", "min_disk", "min_ram", "tags", "owner",
                                                                     "visibility", "protected", "checksum")}
        return {"id": image["id"], "name": image["name"], "status": image["status"].upper(), "progress": 100,
                "minDisk": image["min_disk"], "minRam": image["min_ram"], "created": image["created_at"],
                "updated": image["updated_at"], "OS-EXT-IMG-SIZE:size": image["size"], "metadata": meta,
                "links": [{"rel": "self", "href": f"{req.service_base}/images/{image['id']}"}]}

    def list_images(self, req: Request) -> Response:
        images = self.servers.visible_images(req)
        if req.path.endswith("/detail"):
            return json_response(200, {"images": [self._image_view(req, i) for i in images]})
        return json_response(200, {"images": [{"id": i["id"], "name": i["name"],
                                               "links": [{"rel": "self",
                                                          "href": f"{req.service_base}/images/{i['id']}"}]}
                                              for i in images]})

    def show_image(self, req: Request, image_id: str) -> Response:
        image = next((i for i in self.servers.visible_images(req) if i["id"] == image_id), None)
        if image is None:
            raise self.error(404, "Image not found.")
        return json_response(200, {"image": self._image_view(req, image)})

    def _pools(self) -> list[dict[str, Any]]:
        return sorted((n for n in self.state.networks.values() if n["router:external"]), key=lambda n: n["name"])

    def _fip_view(self, fip: dict[str, Any]) -> dict[str, Any]:
        port = self.state.ports.get(fip["port_id"] or "")
        return {"id": fip["id"], "ip": fip["floating_ip_address"], "fixed_ip": fip["fixed_ip_address"],
                "instance_id": port["device_id"] if port and port["device_owner"].startswith("compute:") else None,
                "pool": self.state.networks[fip["floating_network_id"]]["name"]}

    def fip_pools(self, req: Request) -> Response:
        return json_response(200, {"floating_ip_pools": [{"name": n["name"]} for n in self._pools()]})

    def floating_ips(self, req: Request) -> Response:
        project = req.auth["project_id"]
        with self.state.lock:
            if req.method == "GET":
                fips = [f for f in self.state.floatingips.values() if f["project_id"] == project]
                return json_response(200, {"floating_ips": [self._fip_view(f) for f in fips]})
            body = req.json() if req.body else {}
            pool_name = (body or {}).get("pool")
            pools = self._pools()
            pool = next((p for p in pools if p["name"] == pool_name), None) if pool_name else next(iter(pools), None)
            if pool is None:
                raise self.error(404, "Floating IP pool not found." if pool_name else "No more floating IPs available.")
            try:
                fip = create_floating_ip(self.state, project, pool["id"], nova_network=not self.service.neutron)
            except NetError as exc:
                raise self.error(404 if exc.status == 409 else 400, exc.message) from None
            return json_response(200, {"floating_ip": self._fip_view(fip)})

    def floating_ip(self, req: Request, fip_id: str) -> Response:
        with self.state.lock:
            fip = self.state.floatingips.get(fip_id)
            if fip is None or fip["project_id"] != req.auth["project_id"]:
                raise self.error(404, f"Floating IP not found for ID {fip_id}")
            if req.method == "DELETE":
                release_floating_ip(self.state, fip_id)
                return Response(202)
            return json_response(200, {"floating_ip": self._fip_view(fip)})

    def _rule_view(self, rule: dict[str, Any]) -> dict[str, Any]:
        other = self.state.security_groups.get(rule["remote_group_id"] or "")
        proto = rule["protocol"]
        low, high = rule["port_range_min"], rule["port_range_max"]
        if proto in ("icmp",) and low is None:
            low = high = -1
        return {"id": rule["id"], "parent_group_id": rule["security_group_id"], "ip_protocol": proto,
                "from_port": low, "to_port": high,
                "ip_range": {"cidr": rule["remote_ip_prefix"]} if rule["remote_ip_prefix"] else {},
                "group": {"name": other["name"], "tenant_id": other["project_id"]} if other else {}}

    def group_view(self, group: dict[str, Any]) -> dict[str, Any]:
        return {"id": group["id"], "name": group["name"], "description": group["description"],
                "tenant_id": group["project_id"],
                "rules": [self._rule_view(r) for r in group_rules(self.state, group["id"])
                          if r["direction"] == "ingress"]}  # nova-network groups have no egress rules

    def _own_group(self, req: Request, group_id: str) -> dict[str, Any]:
        group = self.state.security_groups.get(group_id)
        if group is None or group["project_id"] != req.auth["project_id"]:
            raise self.error(404, f"Security group {group_id} not found.")
        return group

    def security_groups(self, req: Request) -> Response:
        project = req.auth["project_id"]
        with self.state.lock:
            ensure_default_group(self.state, project)
            if req.method == "GET":
                groups = [g for g in self.state.security_groups.values() if g["project_id"] == project]
                return json_response(200, {"security_groups": [self.group_view(g) for g in groups]})
            try:
                body = req.json()["security_group"]
                name = body["name"]
            except (ValueError, KeyError, TypeError):
                raise self.error(400, "Invalid input for field/attribute security_group.") from None
            if any(g["name"] == name and g["project_id"] == project for g in self.state.security_groups.values()):
                raise self.error(400, f"Security group {name} already exists")
            group = create_group(self.state, project, name, body.get("description", ""),
                                 rules=self.personality.security_groups.new_group)
            return json_response(200, {"security_group": self.group_view(group)})

    def security_group(self, req: Request, group_id: str) -> Response:
        with self.state.lock:
            group = self._own_group(req, group_id)
            if req.method == "DELETE":
                try:
                    delete_group(self.state, group)
                except NetError as exc:
                    raise self.error(400, exc.message) from None
                return Response(202)
            if req.method == "PUT":
                body = (req.json() or {}).get("security_group", {})
                group.update({k: body[k] for k in ("name", "description") if k in body})
            return json_response(200, {"security_group": self.group_view(group)})

    def create_group_rule(self, req: Request) -> Response:
        try:
            body = req.json()["security_group_rule"]
            parent = body["parent_group_id"]
        except (ValueError, KeyError, TypeError):
            raise self.error(400, "Invalid input for field/attribute security_group_rule.") from None
        with self.state.lock:
            group = self._own_group(req, str(parent))
            proto = body.get("ip_protocol")
            low, high = body.get("from_port"), body.get("to_port")
            fields = {"direction": "ingress", "ethertype": "IPv4", "protocol": proto.lower() if proto else None,
                      "port_range_min": None if low in (None, -1, "-1") else int(low),
                      "port_range_max": None if high in (None, -1, "-1") else int(high),
                      "remote_ip_prefix": None if body.get("group_id") else (body.get("cidr") or "0.0.0.0/0"),
                      "remote_group_id": body.get("group_id")}
            try:
                rule = add_rule(self.state, group, fields)
            except NetError as exc:
                raise self.error(400, "This rule already exists in group %s" % group["id"]
                                 if exc.status == 409 else exc.message) from None
            return json_response(200, {"security_group_rule": self._rule_view(rule)})

    def delete_group_rule(self, req: Request, rule_id: str) -> Response:
        with self.state.lock:
            rule = self.state.security_group_rules.get(rule_id)
            if rule is None or rule["project_id"] != req.auth["project_id"]:
                raise self.error(404, f"Rule ({rule_id}) not found")
            del self.state.security_group_rules[rule_id]
        return Response(202)

    def _network_view(self, network: dict[str, Any]) -> dict[str, Any]:
        v4 = next((self.state.subnets[s] for s in network["subnets"] if self.state.subnets[s]["ip_version"] == 4), None)
        nova_net = not self.service.neutron
        return {"id": network["id"], "label": network["name"],
                "cidr": v4["cidr"] if v4 and nova_net else None,
                "gateway": v4["gateway_ip"] if v4 and nova_net else None,
                "project_id": network["project_id"] if nova_net else None}

    def _networks(self, req: Request) -> list[dict[str, Any]]:
        if self.service.neutron:
            return candidate_networks(self.state, req.auth["project_id"])
        return [n for n in self.state.networks.values() if not n["router:external"]]

    def list_networks(self, req: Request) -> Response:
        return json_response(200, {"networks": [self._network_view(n) for n in self._networks(req)]})

    def show_network(self, req: Request, network_id: str) -> Response:
        network = next((n for n in self._networks(req) if n["id"] == network_id), None)
        if network is None:
            raise self.error(404, f"Network {network_id} could not be found.")
        return json_response(200, {"network": self._network_view(network)})
