"""Neutron: networks, subnets, routers, ports, floating IPs, security groups, auto-allocation.

The resources are served table-driven (one list/show/tag implementation for all of them) with
per-resource create/update/delete rules taken from neutron's behaviour. A "broken" network
personality answers 404 to everything, like Rackspace's catalog entry did.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Callable
from urllib.parse import urlencode

from .http import HTTPError, Request, Response, empty, json_response, text_response
from .service import Service
from .listing import MarkerNotFound, attribute_filter, paginate, public, select_fields, tag_filter
from .netops import (NetError, add_rule, associate_floating_ip, attach_router_interface, auto_allocate,
                     auto_allocation_problem, create_floating_ip, create_group, create_port, delete_group,
                     delete_port, ensure_default_group, group_rules, release_auto_allocated, release_floating_ip,
                     set_router_gateway, template_rules, visible_networks)
from .stamps import new_id, now

_RESERVED = ("fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse",
             "tags", "tags-any", "not-tags", "not-tags-any")
_EXTENSION_NAMES = {
    "auto-allocated-topology": "Auto Allocated Topology Services",
    "external-net": "Neutron external network",
    "port-security": "Port Security",
    "router": "Neutron L3 Router",
    "security-group": "security-group",
    "security-groups-default-rules": "Default rules for security groups",
    "standard-attr-tag": "Tag support for resources with standard attribute",
    "network_availability_zone": "Network Availability Zone",
    "quotas": "Quota management support",
}


def _policy(rule: str) -> NetError:
    return NetError(403, "PolicyNotAuthorized", f"({rule}) is disallowed by policy")


class Resource:
    """How one neutron collection is named, who sees its members and what 'not found' says."""

    def __init__(self, collection: str, singular: str, kind: str, not_found: tuple[str, str],
                 extension: str | None = None):
        self.collection, self.singular, self.kind = collection, singular, kind
        self.key = collection.replace("-", "_")
        self.not_found = not_found
        self.extension = extension


RESOURCES = {r.collection: r for r in (
    Resource("networks", "network", "networks", ("NetworkNotFound", "Network {} could not be found.")),
    Resource("subnets", "subnet", "subnets", ("SubnetNotFound", "Subnet {} could not be found.")),
    Resource("ports", "port", "ports", ("PortNotFound", "Port {} could not be found.")),
    Resource("routers", "router", "routers", ("RouterNotFound", "Router {} could not be found"), "router"),
    Resource("floatingips", "floatingip", "floatingips",
             ("FloatingIPNotFound", "Floating IP {} could not be found"), "router"),
    Resource("security-groups", "security_group", "security_groups",
             ("SecurityGroupNotFound", "Security group {} does not exist"), "security-group"),
    Resource("security-group-rules", "security_group_rule", "security_group_rules",
             ("SecurityGroupRuleNotFound", "Security group rule {} does not exist"), "security-group"),
)}


class NetworkService(Service):
    prefix = "/network"
    name = "neutron"

    def routes(self) -> None:
        r = self.router
        r.add("GET", "/", self.versions, auth=False)
        r.add("GET", "/v2.0", self.resources)
        r.add("GET", "/v2.0/extensions", self.extensions)
        r.add("GET", "/v2.0/extensions/{alias}", self.extension)
        for name in RESOURCES:
            r.add("GET", f"/v2.0/{name}", lambda req, n=name: self.list(req, RESOURCES[n]))
            r.add("POST", f"/v2.0/{name}", lambda req, n=name: self.create(req, RESOURCES[n]))
            r.add("GET", f"/v2.0/{name}/{{rid}}", lambda req, rid, n=name: self.show(req, RESOURCES[n], rid))
            r.add("PUT", f"/v2.0/{name}/{{rid}}", lambda req, rid, n=name: self.update(req, RESOURCES[n], rid))
            r.add("DELETE", f"/v2.0/{name}/{{rid}}", lambda req, rid, n=name: self.delete(req, RESOURCES[n], rid))
            if name != "security-group-rules":
                r.add("GET|PUT|DELETE", f"/v2.0/{name}/{{rid}}/tags",
                      lambda req, rid, n=name: self.tags(req, RESOURCES[n], rid))
                r.add("GET|PUT|DELETE", f"/v2.0/{name}/{{rid}}/tags/{{tag}}",
                      lambda req, rid, tag, n=name: self.tags(req, RESOURCES[n], rid, tag))
        r.add("PUT", "/v2.0/routers/{rid}/add_router_interface", self.add_router_interface)
        r.add("PUT", "/v2.0/routers/{rid}/remove_router_interface", self.remove_router_interface)
        r.add("GET|POST", "/v2.0/default-security-group-rules", self.default_rules)
        r.add("GET|DELETE", "/v2.0/default-security-group-rules/{rid}", self.default_rule)
        r.add("GET|DELETE", "/v2.0/auto-allocated-topology/{project_id}", self.auto_allocated_topology)
        self._template = template_rules(self.personality.security_groups.default_group,
                                        self.personality.security_groups.new_group)

    def error(self, status: int, message: str, kind: str | None = None) -> HTTPError:
        kind = kind or {400: "BadRequest", 403: "PolicyNotAuthorized", 404: "HTTPNotFound",
                        409: "Conflict"}.get(status, "HTTPError")
        return HTTPError(json_response(status, {"NeutronError": {"type": kind, "message": message, "detail": ""}}))

    def handle(self, req: Request, subpath: str) -> Response:
        if self.personality.network.service == "broken":
            return self.not_found()
        try:
            return super().handle(req, subpath[:-5] if subpath.endswith(".json") else subpath)
        except NetError as exc:
            raise self.error(exc.status, exc.message, exc.kind) from None

    def not_found(self, req: Request | None = None) -> Response:
        return text_response(404, "404 Not Found\n\nThe resource could not be found.\n\n   ")

    def _has(self, extension: str | None) -> bool:
        return extension is None or extension in self.personality.network.extensions

    def _require(self, extension: str | None) -> None:
        if not self._has(extension):
            raise HTTPError(self.not_found())

    # -- discovery -------------------------------------------------------------------------------
    def versions(self, req: Request) -> Response:
        return json_response(200, {"versions": [{"id": "v2.0", "status": "CURRENT",
                                                 "links": [{"rel": "self", "href": f"{self.url}/v2.0/"}]}]})

    def resources(self, req: Request) -> Response:
        return json_response(200, {"resources": [
            {"name": r.singular, "collection": r.key,
             "links": [{"rel": "self", "href": f"{self.url}/v2.0/{r.collection}"}]}
            for r in RESOURCES.values() if self._has(r.extension)]})

    def _extension_view(self, alias: str) -> dict[str, Any]:
        name = _EXTENSION_NAMES.get(alias, alias)
        return {"alias": alias, "name": name, "description": name, "updated": "2013-01-20T00:00:00-00:00", "links": []}

    def extensions(self, req: Request) -> Response:
        aliases = self.personality.network.extensions
        return json_response(200, {"extensions": [self._extension_view(a) for a in aliases]})

    def extension(self, req: Request, alias: str) -> Response:
        if alias not in self.personality.network.extensions:
            raise self.error(404, f"Extension with alias {alias} does not exist", "HTTPNotFound")
        return json_response(200, {"extension": self._extension_view(alias)})

    # -- generic collection handling -----------------------------------------------------------------
    def _visible(self, res: Resource, project: str) -> list[dict[str, Any]]:
        s = self.state
        if res.kind == "security_groups":
            ensure_default_group(s, project)
        if res.kind == "networks":
            return visible_networks(s, project)
        if res.kind == "subnets":
            nets = {n["id"] for n in visible_networks(s, project)}
            return [x for x in s.subnets.values() if x["network_id"] in nets]
        return [x for x in s.store[res.kind].values() if x["project_id"] == project]

    def _view(self, res: Resource, record: dict[str, Any]) -> dict[str, Any]:
        view = public(record)
        if res.kind == "security_groups":
            view["security_group_rules"] = [public(r) for r in group_rules(self.state, record["id"])]
        if res.kind == "floatingips" and record["port_id"]:
            port = self.state.ports.get(record["port_id"])
            if port:
                view["port_details"] = {k: port[k] for k in ("name", "network_id", "mac_address", "admin_state_up",
                                                             "status", "device_id", "device_owner")}
        return view

    def _find(self, req: Request, res: Resource, rid: str, owned: bool = False) -> dict[str, Any]:
        self._require(res.extension)
        project = req.auth["project_id"]
        record = next((x for x in self._visible(res, project) if x["id"] == rid), None)
        if record is None:
            kind, message = res.not_found
            raise NetError(404, kind, message.format(rid))
        if owned and record["project_id"] != project:
            raise _policy(f"rule:update_{res.singular}")
        return record

    def list(self, req: Request, res: Resource) -> Response:
        self._require(res.extension)
        with self.state.lock:
            records = self._visible(res, req.auth["project_id"])
            records = tag_filter(attribute_filter(records, req.query, reserved=_RESERVED), req.query)
            records.sort(key=lambda x: (x.get("created_at", ""), x["id"]))
            try:
                page, next_marker = paginate(records, req.q("limit"), req.q("marker"))
            except MarkerNotFound as exc:
                kind, message = res.not_found
                raise NetError(404, kind, message.format(exc)) from None
            body: dict[str, Any] = {res.key: [select_fields(self._view(res, x), req.query.get("fields")) for x in page]}
        if next_marker:
            params = [(k, v) for k, vs in req.query.items() if k != "marker" for v in vs] + [("marker", next_marker)]
            href = f"{self.url}/v2.0/{res.collection}?{urlencode(params)}"
            body[f"{res.key}_links"] = [{"rel": "next", "href": href}]
        return json_response(200, body)

    def show(self, req: Request, res: Resource, rid: str) -> Response:
        with self.state.lock:
            view = self._view(res, self._find(req, res, rid))
        return json_response(200, {res.singular: select_fields(view, req.query.get("fields"))})

    def _body(self, req: Request, res: Resource) -> dict[str, Any]:
        try:
            body = req.json()[res.singular]
            assert isinstance(body, dict)
            return body
        except (ValueError, KeyError, TypeError, AssertionError):
            raise NetError(400, "BadRequest", f"Resource body required: '{res.singular}' object expected") from None

    def create(self, req: Request, res: Resource) -> Response:
        self._require(res.extension)
        body = self._body(req, res)
        creators: dict[str, Callable[[Request, dict[str, Any]], dict[str, Any]]] = {
            "networks": self._create_network, "subnets": self._create_subnet, "routers": self._create_router,
            "ports": self._create_port, "floatingips": self._create_floatingip,
            "security_groups": self._create_group, "security_group_rules": self._create_rule,
        }
        with self.state.lock:
            record = creators[res.kind](req, body)
            if body.get("tags") and "tags" in record:
                record["tags"] = list(dict.fromkeys(body["tags"]))
            return json_response(201, {res.singular: self._view(res, record)})

    def update(self, req: Request, res: Resource, rid: str) -> Response:
        body = self._body(req, res)
        allowed = {"networks": {"name", "description", "admin_state_up", "port_security_enabled", "mtu"},
                   "subnets": {"name", "description", "gateway_ip", "dns_nameservers", "enable_dhcp", "host_routes"},
                   "routers": {"name", "description", "admin_state_up", "routes"},
                   "ports": {"name", "description", "admin_state_up", "security_groups", "port_security_enabled"},
                   "floatingips": {"description"},
                   "security_groups": {"name", "description", "stateful"},
                   "security_group_rules": set()}[res.kind]
        with self.state.lock:
            record = self._find(req, res, rid, owned=True)
            if res.kind == "networks" and body.get("shared"):
                raise _policy("rule:update_network and rule:update_network:shared")
            if res.kind == "routers" and "external_gateway_info" in body:
                set_router_gateway(self.state, record, (body["external_gateway_info"] or {}).get("network_id"))
            if res.kind == "floatingips" and "port_id" in body:
                associate_floating_ip(self.state, record, body["port_id"], body.get("fixed_ip_address"))
            renamed = body.get("name", record.get("name")) != record.get("name")
            if res.kind == "security_groups" and record["name"] == "default" and renamed:
                raise NetError(409, "SecurityGroupCannotUpdateDefault", "Updating default security group not allowed.")
            for key in set(body) & allowed:
                record[key] = body[key]
            unknown = set(body) - allowed - {"external_gateway_info", "port_id", "fixed_ip_address", "tags"}
            if unknown:
                raise NetError(400, "HTTPBadRequest", f"Cannot update read-only attribute {sorted(unknown)[0]}")
            if "updated_at" in record:
                record["updated_at"] = now()
                record["revision_number"] = record.get("revision_number", 0) + 1
            return json_response(200, {res.singular: self._view(res, record)})

    def delete(self, req: Request, res: Resource, rid: str) -> Response:
        s = self.state
        with s.lock:
            record = self._find(req, res, rid, owned=True)
            if res.kind == "networks":
                if any(p["network_id"] == rid for p in s.ports.values()):
                    raise NetError(409, "NetworkInUse", f"Unable to complete operation on network {rid}. "
                                                        "There are one or more ports still in use on the network.")
                for sid in record["subnets"]:
                    s.subnets.pop(sid, None)
                del s.networks[rid]
            elif res.kind == "subnets":
                if any(any(f["subnet_id"] == rid for f in p["fixed_ips"]) for p in s.ports.values()):
                    raise NetError(409, "SubnetInUse", f"Unable to complete operation on subnet {rid}: "
                                                       "One or more ports have an IP allocation from this subnet.")
                s.networks[record["network_id"]]["subnets"].remove(rid)
                del s.subnets[rid]
            elif res.kind == "routers":
                if any(p["device_id"] == rid and p["device_owner"] == "network:router_interface"
                       for p in s.ports.values()):
                    raise NetError(409, "RouterInUse", f"Router {rid} still has ports")
                set_router_gateway(s, record, None)
                del s.routers[rid]
            elif res.kind == "ports":
                if record["device_owner"].startswith("network:"):
                    raise NetError(409, "Conflict", f"Port {rid} cannot be deleted directly via the port API: "
                                                    f"has device owner {record['device_owner']}.")
                delete_port(s, rid)
            elif res.kind == "floatingips":
                release_floating_ip(s, rid)
            elif res.kind == "security_groups":
                delete_group(s, record)
            else:
                del s.security_group_rules[rid]
        return empty(204)

    def tags(self, req: Request, res: Resource, rid: str, tag: str | None = None) -> Response:
        with self.state.lock:
            record = self._find(req, res, rid, owned=req.method != "GET")
            tags: list[str] = record["tags"]
            if req.method == "GET":
                if tag is None:
                    return json_response(200, {"tags": list(tags)})
                if tag not in tags:
                    raise NetError(404, "TagNotFound", f"Tag {tag} could not be found for {res.singular} {rid}.")
                return empty(204)
            if req.method == "PUT" and tag is None:
                record["tags"] = list(dict.fromkeys(self._tag_list(req)))
                return json_response(200, {"tags": record["tags"]})
            if req.method == "PUT":
                if tag not in tags:
                    tags.append(tag)
                return empty(201)
            if tag is None:
                tags.clear()
            elif tag in tags:
                tags.remove(tag)
            else:
                raise NetError(404, "TagNotFound", f"Tag {tag} could not be found for {res.singular} {rid}.")
            return empty(204)

    def _tag_list(self, req: Request) -> list[str]:
        try:
            tags = req.json()["tags"]
            assert isinstance(tags, list)
            return [str(t) for t in tags]
        except (ValueError, KeyError, TypeError, AssertionError):
            raise NetError(400, "InvalidInput", "Invalid input for operation: 'tags' must be a list.") from None

    # -- per-resource creation -----------------------------------------------------------------------
    def _create_network(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("shared") or body.get("router:external"):
            raise _policy("rule:create_network and rule:create_network:shared")
        network = self.state.add_network(body.get("name", ""), req.auth["project_id"], False, False, False,
                                         body.get("port_security_enabled", True), [])
        network.update(created_at=now(), updated_at=now(), description=body.get("description", ""),
                       admin_state_up=body.get("admin_state_up", True))
        return network

    def _create_subnet(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        network = self._find(req, RESOURCES["networks"], str(body.get("network_id")))
        if network["project_id"] != req.auth["project_id"]:
            raise _policy("rule:create_subnet and rule:create_subnet:network_owner")
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
        subnet = self.state.add_subnet(network, str(cidr), body.get("gateway_ip", "auto"), body.get("name", ""),
                                       owner=req.auth["project_id"])
        subnet.update(created_at=now(), updated_at=now(), description=body.get("description", ""),
                      enable_dhcp=body.get("enable_dhcp", True), dns_nameservers=body.get("dns_nameservers", []))
        return subnet

    def _create_router(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
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

    def _create_port(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        network = self._find(req, RESOURCES["networks"], str(body.get("network_id")))
        return create_port(self.state, network, req.auth["project_id"], device_id=body.get("device_id", ""),
                           device_owner=body.get("device_owner", ""), name=body.get("name", ""),
                           fixed_ips=body.get("fixed_ips"), security_groups=body.get("security_groups"))

    def _create_floatingip(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        network_id = body.get("floating_network_id")
        if not network_id:
            raise NetError(400, "HTTPBadRequest",
                           "Failed to parse request. Required attribute 'floating_network_id' not specified")
        return create_floating_ip(self.state, req.auth["project_id"], network_id, port_id=body.get("port_id"),
                                  fixed_ip=body.get("fixed_ip_address"), description=body.get("description", ""))

    def _create_group(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        project = req.auth["project_id"]
        ensure_default_group(self.state, project)
        if body.get("name") == "default":
            raise NetError(409, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
        return create_group(self.state, project, body.get("name", ""), body.get("description", ""),
                            rules=self.personality.security_groups.new_group)

    def _create_rule(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        group = self._find(req, RESOURCES["security-groups"], str(body.get("security_group_id")), owned=True)
        for key in ("port_range_min", "port_range_max"):
            if body.get(key) is not None:
                body[key] = int(body[key])
        if body.get("remote_group_id") and body["remote_group_id"] not in self.state.security_groups:
            raise NetError(404, "SecurityGroupNotFound", f"Security group {body['remote_group_id']} does not exist")
        return add_rule(self.state, group, body)

    # -- routers, default rules, auto-allocation ---------------------------------------------------------
    def _router_subnet(self, req: Request, rid: str) -> tuple[dict[str, Any], dict[str, Any]]:
        router = self._find(req, RESOURCES["routers"], rid, owned=True)
        body = req.json() if req.body else {}
        if "subnet_id" in body:
            return router, self._find(req, RESOURCES["subnets"], body["subnet_id"])
        if "port_id" in body:
            port = self._find(req, RESOURCES["ports"], body["port_id"])
            return router, self.state.subnets[port["fixed_ips"][0]["subnet_id"]]
        raise NetError(400, "BadRequest", "Bad router request: Either subnet_id or port_id must be specified.")

    def _interface_view(self, router: dict[str, Any], subnet: dict[str, Any], port: dict[str, Any]) -> Response:
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

    def default_rules(self, req: Request) -> Response:
        self._require("security-groups-default-rules")
        if req.method == "POST":
            raise _policy("rule:create_default_security_group_rule")
        rules = attribute_filter(self._template, req.query, reserved=_RESERVED)
        fields = req.query.get("fields")
        return json_response(200, {"default_security_group_rules": [select_fields(r, fields) for r in rules]})

    def default_rule(self, req: Request, rid: str) -> Response:
        self._require("security-groups-default-rules")
        rule = next((r for r in self._template if r["id"] == rid), None)
        if rule is None:
            raise NetError(404, "DefaultSecurityGroupRuleNotFound", f"Default Security Group rule {rid} does not exist")
        if req.method == "DELETE":
            raise _policy("rule:delete_default_security_group_rule")
        return json_response(200, {"default_security_group_rule": rule})

    def auto_allocated_topology(self, req: Request, project_id: str) -> Response:
        self._require("auto-allocated-topology")
        project = req.auth["project_id"]
        if project_id != project:
            raise _policy("rule:get_auto_allocated_topology")
        s = self.state
        with s.lock:
            if req.method == "DELETE":
                release_auto_allocated(s, project)
                return empty(204)
            problem = auto_allocation_problem(s, self.personality.network.auto_allocation)
            if problem:
                raise NetError(409, "AutoAllocationFailure", f"Deployment error: {problem}.")
            if "dry-run" in [f for v in req.query.get("fields", []) for f in v.split(",")]:
                return json_response(200, {"auto_allocated_topology": {"dry-run": "pass"}})
            network = auto_allocate(s, project)
            return json_response(200, {"auto_allocated_topology": {"id": network["id"], "tenant_id": project,
                                                                   "project_id": project}})
