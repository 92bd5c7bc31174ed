"""Nova: versions and microversions, flavors, servers (network choice, addresses, actions).

Networking comes from :mod:`netops`: with neutron, nova picks networks like nova does
(NetworkAmbiguous, ``networks: auto``); without a working neutron, nova attaches every network of
the personality's ``nova_networking`` section and renders addresses in the personality's shape.
The proxy APIs (os-floating-ips, os-security-groups, ...) live in :mod:`compute_proxy`.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any
from urllib.parse import urlencode

from .compute_proxy import ProxyAPIs
from .http import HTTPError, Request, Response, empty, json_response
from .service import Service
from .images.records import visible_image
from .listing import MarkerNotFound, paginate, public
from .netops import (NetError, associate_floating_ip, auto_allocate, auto_allocation_problem, candidate_networks,
                     create_port, delete_port, ensure_default_group, server_addresses)
from .stamps import new_id, now

_FAULTS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound", 405: "badMethod",
           409: "conflictingRequest", 413: "overLimit", 415: "badMediaType", 429: "overLimit",
           501: "notImplemented", 503: "serviceUnavailable"}
_PROJECT_SEGMENT = re.compile(r"^/([0-9a-fA-F]{32})(/.*)?$")
# what nova's API answers (servers.py turns NetworkAmbiguous into this 409), seen on nova 34 too
AMBIGUOUS = "Multiple possible networks found, use a Network ID to be more specific."
MV = tuple[int, int]
Attachment = tuple[dict[str, Any], dict[str, Any] | None]  # (network, existing port or None)


def _mv(text: str) -> MV:
    major, minor = text.split(".")
    return int(major), int(minor)


class ComputeService(ProxyAPIs, Service):
    prefix = "/compute"
    name = "nova"

    def routes(self) -> None:
        r = self.router
        r.add("GET", "/flavors", self.list_flavors)
        r.add("GET", "/flavors/detail", self.list_flavors)
        r.add("GET", "/flavors/{flavor_id}", self.show_flavor)
        r.add("GET", "/flavors/{flavor_id}/os-extra_specs",
              lambda req, flavor_id: json_response(200, {"extra_specs": {}}))
        r.add("GET", "/limits", self.limits)
        r.add("GET", "/extensions", self.list_extensions)
        r.add("GET", "/servers", self.list_servers)
        r.add("GET", "/servers/detail", self.list_servers)
        r.add("POST", "/servers", self.create_server)
        r.add("GET", "/servers/{server_id}", self.show_server)
        r.add("PUT", "/servers/{server_id}", self.update_server)
        r.add("DELETE", "/servers/{server_id}", self.delete_server)
        r.add("POST", "/servers/{server_id}/action", self.server_action)
        r.add("GET|POST|PUT", "/servers/{server_id}/metadata", self.server_metadata)
        r.add("GET|PUT|DELETE", "/servers/{server_id}/metadata/{key}", self.server_metadata_item)
        r.add("GET|PUT|DELETE", "/servers/{server_id}/tags", self.server_tags)
        r.add("GET|PUT|DELETE", "/servers/{server_id}/tags/{tag}", self.server_tag)
        r.add("GET", "/servers/{server_id}/ips", self.server_ips)
        r.add("GET", "/servers/{server_id}/os-interface", self.server_interfaces)
        r.add("GET", "/servers/{server_id}/os-security-groups", self.server_groups)
        self.proxy_routes(r)

    def error(self, status: int, message: str, kind: str | None = None) -> HTTPError:
        name = kind or _FAULTS.get(status, "computeFault")
        return HTTPError(json_response(status, {name: {"code": status, "message": message}}))

    # -- versions, microversions, URL shapes -------------------------------------------------------
    @property
    def _legacy(self) -> bool:
        return self.personality.compute.max_microversion is None

    def _version_entry(self, vid: str) -> dict[str, Any]:
        comp = self.personality.compute
        path = "v2" if vid == "v2.0" else "v2.1"
        micro = vid == "v2.1"
        return {"id": vid, "status": "CURRENT" if micro or self._legacy else "SUPPORTED",
                "version": comp.max_microversion if micro else "",
                "min_version": comp.min_microversion if micro else "",
                "updated": "2013-07-23T11:33:21Z" if micro else "2011-01-21T11:33:21Z",
                "links": [{"rel": "self", "href": f"{self.url}/{path}/"},
                          {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
                "media-types": [{"base": "application/json",
                                 "type": f"application/vnd.openstack.compute+json;version={vid[1:]}"}]}

    def _versions(self) -> list[str]:
        return ["v2.0"] if self._legacy else ["v2.0", "v2.1"]

    @property
    def catalog_url(self) -> str:
        path = self.personality.compute.catalog_path.format(project_id=self.state.project_id)
        return self.url + path

    def _negotiate(self, req: Request) -> MV:
        comp = self.personality.compute
        low, high = _mv(comp.min_microversion), _mv(comp.max_microversion)
        header = req.headers.get("OpenStack-API-Version") or ""
        wanted = None
        for part in header.split(","):
            service, _, value = part.strip().partition(" ")
            if service.lower() == "compute" and value:
                wanted = value.strip()
        wanted = wanted or req.headers.get("X-OpenStack-Nova-API-Version")
        if not wanted:
            return low
        if wanted.lower() == "latest":
            return high
        if not re.match(r"^\d+\.\d+$", wanted):
            raise self.error(400, f"API Version String {wanted} is of invalid format. "
                                  "Must be of format MajorNum.MinorNum.")
        version = _mv(wanted)
        if not low <= version <= high:
            raise self.error(406, f"Version {wanted} is not supported by the API. Minimum is "
                                  f"{comp.min_microversion} and maximum is {comp.max_microversion}.")
        return version

    def handle(self, req: Request, subpath: str) -> Response:
        if subpath in ("", "/"):
            return json_response(200, {"versions": [self._version_entry(v) for v in self._versions()]})
        m = re.match(r"^/(v2\.1|v2)(/.*)?$", subpath)
        if not m or (m.group(1) == "v2.1" and self._legacy):
            raise self.error(404, "The resource could not be found.")
        version, rest = m.group(1), m.group(2) or ""
        pm = _PROJECT_SEGMENT.match(rest)  # nova routes every path with and without the project id
        if pm:
            if pm.group(1) != self.state.project_id:
                raise self.error(400, f"Malformed request URL: URL's project_id '{pm.group(1)}' doesn't match "
                                      f"Context's project_id '{self.state.project_id}'")
            rest = pm.group(2) or ""
        if rest in ("", "/"):
            return json_response(200, {"version": self._version_entry("v2.0" if version == "v2" else "v2.1")})
        headers: dict[str, str] = {}
        if version == "v2.1":
            req.microversion = self._negotiate(req)
            text = "%d.%d" % req.microversion
            headers = {"OpenStack-API-Version": f"compute {text}", "X-OpenStack-Nova-API-Version": text,
                       "Vary": "OpenStack-API-Version, X-OpenStack-Nova-API-Version"}
        else:
            req.microversion = (2, 0)
        req.service_base = f"{self.url}/{version}" + (f"/{pm.group(1)}" if pm else "")
        try:
            resp = super().handle(req, rest)
        except NetError as exc:
            raise self._with_headers(self.error(exc.status, exc.message), headers) from None
        except HTTPError as exc:
            raise self._with_headers(exc, headers) from None
        for name, value in headers.items():
            resp.header(name, value)
        return resp

    @staticmethod
    def _with_headers(exc: HTTPError, headers: dict[str, str]) -> HTTPError:
        for name, value in headers.items():
            exc.response.header(name, value)
        return exc

    def _at_least(self, req: Request, version: str) -> bool:
        return req.microversion is not None and req.microversion >= _mv(version)

    # -- flavors, limits -------------------------------------------------------------------
    def _flavor_view(self, req: Request, flavor: dict[str, Any], detail: bool) -> dict[str, Any]:
        view: dict[str, Any] = {"id": flavor["id"], "name": flavor["name"],
                                "links": [{"rel": "self", "href": f"{req.service_base}/flavors/{flavor['id']}"},
                                          {"rel": "bookmark", "href": f"{self.url}/flavors/{flavor['id']}"}]}
        if self._at_least(req, "2.55"):
            view["description"] = None
        if detail:
            view.update({"ram": flavor["ram"], "disk": flavor["disk"], "vcpus": flavor["vcpus"],
                         "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False,
                         "swap": 0 if self._at_least(req, "2.75") else "", "os-flavor-access:is_public": True,
                         "rxtx_factor": 1.0})
            if self._at_least(req, "2.61"):
                view["extra_specs"] = {}
        return view

    def list_flavors(self, req: Request) -> Response:
        detail = req.path.endswith("/detail")
        flavors = sorted(self.state.flavors.values(), key=lambda f: (f["ram"], f["id"]))
        return json_response(200, {"flavors": [self._flavor_view(req, f, detail) for f in flavors]})

    def show_flavor(self, req: Request, flavor_id: str) -> Response:
        flavor = self.state.flavors.get(flavor_id)
        if flavor is None:
            raise self.error(404, f"Flavor {flavor_id} could not be found.")
        return json_response(200, {"flavor": self._flavor_view(req, flavor, True)})

    def limits(self, req: Request) -> Response:
        project = req.auth["project_id"]
        servers = [s for s in self.state.servers.values() if s["tenant_id"] == project]
        return json_response(200, {"limits": {"rate": [], "absolute": {
            "maxTotalInstances": 10, "maxTotalCores": 20, "maxTotalRAMSize": 51200, "maxServerMeta": 128,
            "maxImageMeta": 128, "maxPersonality": 5, "maxPersonalitySize": 10240, "maxTotalKeypairs": 100,
            "maxServerGroups": 10, "maxServerGroupMembers": 10, "totalInstancesUsed": len(servers),
            "totalCoresUsed": sum(self.state.flavors[s["_flavor"]]["vcpus"] for s in servers),
            "totalRAMUsed": sum(self.state.flavors[s["_flavor"]]["ram"] for s in servers),
            "totalServerGroupsUsed": 0}}})

    def list_extensions(self, req: Request) -> Response:
        """The loaded API extensions nova lists (a few; os-config-drive unless not loaded)."""
        aliases = ["OS-DCF", "OS-EXT-AZ", "OS-EXT-IPS", "OS-EXT-STS", "os-keypairs"]
        if self.personality.compute.config_drive != "absent":
            aliases.append("os-config-drive")
        return json_response(200, {"extensions": [
            {"alias": a, "name": a, "namespace": f"http://docs.openstack.org/compute/ext/{a.lower()}/api/v1.1",
             "updated": "2012-01-01T00:00:00Z", "description": a, "links": []} for a in sorted(aliases)]})

    def _config_drive(self, req: Request, body: dict[str, Any], image: dict[str, Any]) -> str:
        """What nova stores: "True" when asked for, forced by the operator, or required by the
        image (img_config_drive mandatory); "" otherwise (nova/virt/configdrive.py required_by)."""
        mode = self.personality.compute.config_drive
        if mode == "absent" and "config_drive" in body and not self._legacy:
            raise self._bad("server", body, "Additional properties are not allowed ('config_drive' was unexpected)")
        asked = bool(body.get("config_drive")) and mode != "absent"
        return "True" if asked or mode == "forced" or image.get("img_config_drive") == "mandatory" else ""

    def _visible_images(self, req: Request) -> list[dict[str, Any]]:
        return [i for i in self.state.images.values() if visible_image(i, req.auth["project_id"])]

    # -- servers ---------------------------------------------------------------------------------
    def _get_server(self, req: Request, server_id: str) -> dict[str, Any]:
        server = self.state.servers.get(server_id)
        if server is None or server["tenant_id"] != req.auth["project_id"]:
            raise self.error(404, f"Instance {server_id} could not be found.")
        return server

    def _advance(self, server: dict[str, Any]) -> None:
        """A server is BUILD when first read, ACTIVE from then on once the cloud's build time is over."""
        if server["status"] == "BUILD":
            if server["_reads"] >= 1 and time.monotonic() >= server["_ready_at"]:
                server.update({"status": "ACTIVE", "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:task_state": None,
                               "OS-EXT-STS:power_state": 1, "OS-SRV-USG:launched_at": now().rstrip("Z") + ".000000",
                               "updated": now()})
            server["_reads"] += 1

    def _server_view(self, req: Request, server: dict[str, Any]) -> dict[str, Any]:
        tags = self.personality.compute.address_tags
        addresses = server_addresses(self.state, server["id"], tags)
        view = public(server)
        view["addresses"] = addresses
        if not tags:  # nova fills accessIPv4/6 from the public addresses on such clouds
            for entry in addresses.get("public", []):
                view["accessIPv4" if entry["version"] == 4 else "accessIPv6"] = entry["addr"]
        flavor = self.state.flavors.get(server["_flavor"], {"id": server["_flavor"], "name": "deleted", "vcpus": 0,
                                                             "ram": 0, "disk": 0})
        if self._at_least(req, "2.47"):
            view["flavor"] = {"vcpus": flavor["vcpus"], "ram": flavor["ram"], "disk": flavor["disk"], "ephemeral": 0,
                              "swap": 0, "original_name": flavor["name"], "extra_specs": {}}
        else:
            view["flavor"] = {"id": flavor["id"],
                              "links": [{"rel": "bookmark", "href": f"{self.url}/flavors/{flavor['id']}"}]}
        view["security_groups"] = [{"name": n} for n in server["_groups"]] if self._feature("sg") else []
        view["links"] = [{"rel": "self", "href": f"{req.service_base}/servers/{server['id']}"},
                         {"rel": "bookmark", "href": f"{self.url}/servers/{server['id']}"}]
        if not self._at_least(req, "2.26"):
            view.pop("tags")
        if not self._at_least(req, "2.9"):
            view.pop("locked")
        if not self._at_least(req, "2.19"):
            view.pop("description")
        if self.personality.compute.config_drive == "absent":
            view.pop("config_drive")
        return view

    def list_servers(self, req: Request) -> Response:
        project = req.auth["project_id"]
        with self.state.lock:
            servers = [s for s in self.state.servers.values() if s["tenant_id"] == project]
            name = req.q("name")
            if name:
                try:
                    servers = [s for s in servers if re.search(name, s["name"] or "")]
                except re.error:
                    raise self.error(400, f"Invalid filter: name {name!r} is not a regular expression") from None
            for key in ("status", "image", "flavor"):
                value = req.q(key)
                if value:
                    servers = [s for s in servers if str(s["status"] if key == "status" else
                                                         s["image"]["id"] if key == "image" else s["_flavor"]) == value]
            for tag in ",".join(req.query.get("tags", [])).split(","):
                if tag:
                    servers = [s for s in servers if tag in s["tags"]]
            servers.sort(key=lambda s: (s["created"], s["id"]), reverse=True)
            try:
                page, next_marker = paginate(servers, req.q("limit"), req.q("marker"))
            except MarkerNotFound as exc:
                raise self.error(400, f"marker [{exc}] not found") from None
            detail = req.path.endswith("/detail")
            for s in page:
                if detail:
                    self._advance(s)
            items = [self._server_view(req, s) if detail else
                     {"id": s["id"], "name": s["name"], "links": self._server_view(req, s)["links"]} for s in page]
        body: dict[str, Any] = {"servers": items}
        if next_marker:
            params = [(k, v) for k, vs in req.query.items() if k != "marker" for v in vs] + [("marker", next_marker)]
            href = f"{req.service_base}/servers{'/detail' if detail else ''}?{urlencode(params)}"
            body["servers_links"] = [{"rel": "next", "href": href}]
        return json_response(200, body)

    def show_server(self, req: Request, server_id: str) -> Response:
        with self.state.lock:
            server = self._get_server(req, server_id)
            self._advance(server)
            return json_response(200, {"server": self._server_view(req, server)})

    def _ref(self, value: Any) -> str:
        return str(value or "").rstrip("/").rsplit("/", 1)[-1]

    def _bad(self, field: str, value: Any, reason: str) -> HTTPError:
        return self.error(400, f"Invalid input for field/attribute {field}. Value: {value}. {reason}")

    def create_server(self, req: Request) -> Response:
        try:
            body = req.json()["server"]
            assert isinstance(body, dict)
        except (ValueError, KeyError, TypeError, AssertionError):
            raise self._bad("server", None, "'server' is a required property") from None
        for field in ("name", "flavorRef"):
            if not body.get(field):
                raise self._bad("server", body, f"'{field}' is a required property")
        with self.state.lock:
            image = next((i for i in self._visible_images(req) if i["id"] == self._ref(body.get("imageRef"))), None)
            if image is None:
                raise self.error(400, "Can not find requested image")
            if image["status"] != "active":
                raise self.error(400, f"Image {image['id']} is not active.")
            flavor_id = self._ref(body["flavorRef"])
            if flavor_id not in self.state.flavors:
                raise self.error(400, "Invalid flavorRef provided.")
            tags = body.get("tags") or []
            if tags and not self._at_least(req, "2.52"):
                raise self._bad("server", body, "Additional properties are not allowed ('tags' was unexpected)")
            metadata = body.get("metadata") or {}
            if not all(isinstance(v, str) for v in metadata.values()):
                raise self._bad("server/metadata", metadata, "metadata values must be strings")
            groups = self._resolve_groups(req, body.get("security_groups"))
            sid = new_id()
            networks = self._choose_networks(req, body)
            server = {
                "id": sid, "name": body["name"], "status": "BUILD", "tenant_id": req.auth["project_id"],
                "user_id": req.auth["user_id"], "metadata": dict(metadata), "tags": list(dict.fromkeys(tags)),
                "image": {"id": image["id"],
                          "links": [{"rel": "bookmark", "href": f"{self.url}/images/{image['id']}"}]},
                "created": now(), "updated": now(),
                "hostId": hashlib.sha224((req.auth["project_id"] + "sim-host").encode()).hexdigest(),
                "accessIPv4": body.get("accessIPv4", ""), "accessIPv6": body.get("accessIPv6", ""),
                "key_name": body.get("key_name"), "config_drive": self._config_drive(req, body, image),
                "progress": 0, "OS-DCF:diskConfig": body.get("OS-DCF:diskConfig", "MANUAL"),
                "OS-EXT-AZ:availability_zone": body.get("availability_zone") or "nova",
                "OS-EXT-STS:power_state": 0, "OS-EXT-STS:task_state": "spawning", "OS-EXT-STS:vm_state": "building",
                "OS-SRV-USG:launched_at": None, "OS-SRV-USG:terminated_at": None,
                "os-extended-volumes:volumes_attached": [], "locked": False, "description": body.get("description"),
                "_flavor": flavor_id, "_groups": [g["name"] for g in groups], "_reads": 0,
                "_ready_at": time.monotonic() + self.cloud.faults.spec.server_build_s, "_ports": [],
            }
            self.state.servers[sid] = server
            try:
                for network, port in networks:
                    if port is not None:
                        if port["device_id"]:
                            raise self.error(409, f"Port {port['id']} is still in use.")
                        port.update(device_id=sid, device_owner="compute:nova", status="ACTIVE")
                    else:
                        port = create_port(self.state, network, req.auth["project_id"], device_id=sid,
                                           device_owner="compute:nova", security_groups=[g["id"] for g in groups]
                                           if network["port_security_enabled"] and groups else None, system=True)
                        server["_ports"].append(port["id"])
            except Exception:
                self._tear_down(server)
                raise
        resp = {"id": sid, "links": self._server_view(req, server)["links"],
                "OS-DCF:diskConfig": server["OS-DCF:diskConfig"], "adminPass": new_id().replace("-", "")[:12]}
        if self._feature("sg"):
            resp["security_groups"] = [{"name": g["name"]} for g in groups]
        return json_response(202, {"server": resp}, {"Location": f"{req.service_base}/servers/{sid}"})

    def _resolve_groups(self, req: Request, wanted: Any) -> list[dict[str, Any]]:
        if not self._feature("sg"):
            return []
        project = req.auth["project_id"]
        default = ensure_default_group(self.state, project)
        if not wanted:
            return [default]
        groups = []
        for item in wanted:
            name = item.get("name") if isinstance(item, dict) else item
            group = next((g for g in self.state.security_groups.values()
                          if g["project_id"] == project and name in (g["name"], g["id"])), None)
            if group is None:
                raise self.error(400, f"Security group {name} not found for project {project}.")
            groups.append(group)
        return groups

    def _choose_networks(self, req: Request, body: dict[str, Any]) -> list[Attachment]:
        """(network, existing port) pairs to attach, following nova's rules for the microversion."""
        s, project = self.state, req.auth["project_id"]
        requested = body.get("networks")
        new_api = self._at_least(req, "2.37")
        if requested is None and new_api:
            raise self._bad("server", body, "'networks' is a required property")
        if isinstance(requested, str) and (not new_api or requested not in ("auto", "none")):
            raise self._bad("networks", requested, f"'{requested}' is not of type 'array'")
        if requested == "none":
            return []
        if not self._neutron:
            candidates = sorted((n for n in s.networks.values() if not n["router:external"]), key=lambda n: n["name"])
            if isinstance(requested, list) and requested:
                chosen = []
                for item in requested:
                    net = next((n for n in candidates if n["id"] == item.get("uuid")), None)
                    if net is None:
                        raise self.error(400, f"Network {item.get('uuid')} could not be found.")
                    chosen.append((net, None))
                return chosen
            return [(n, None) for n in candidates]
        if isinstance(requested, list) and requested:
            chosen = []
            for item in requested:
                if item.get("port"):
                    port = s.ports.get(item["port"])
                    if port is None or port["project_id"] != project:
                        raise self.error(404 if not new_api else 400, f"Port {item['port']} could not be found.")
                    chosen.append((s.networks[port["network_id"]], port))
                    continue
                net = next((n for n in s.networks.values() if n["id"] == item.get("uuid")
                            and (n["project_id"] == project or n["shared"])), None)
                if net is None:
                    raise self.error(400, f"Network {item.get('uuid')} could not be found.")
                if net["router:external"] and not net["shared"]:
                    raise self.error(403, f"It is not allowed to create an interface on external network {net['id']}")
                chosen.append((net, None))
            return chosen
        candidates = candidate_networks(s, project)
        if len(candidates) > 1:
            raise self.error(409, AMBIGUOUS)
        if candidates:
            return [(candidates[0], None)]
        if requested == "auto":
            problem = auto_allocation_problem(s, self.personality.network.auto_allocation) \
                if "auto-allocated-topology" in self.personality.network.extensions else "no extension"
            if problem:
                raise self.error(400, f"Unable to automatically allocate a network for project {project}")
            return [(auto_allocate(s, project), None)]
        return []

    def _tear_down(self, server: dict[str, Any]) -> None:
        for port in [p for p in self.state.ports.values() if p["device_id"] == server["id"]]:
            if port["id"] in server["_ports"]:
                delete_port(self.state, port["id"])
            else:
                port.update(device_id="", device_owner="", status="DOWN")
        self.state.servers.pop(server["id"], None)

    def delete_server(self, req: Request, server_id: str) -> Response:
        with self.state.lock:
            self._tear_down(self._get_server(req, server_id))
        return empty(204)

    def update_server(self, req: Request, server_id: str) -> Response:
        try:
            body = req.json()["server"]
        except (ValueError, KeyError, TypeError):
            raise self.error(400, "Invalid input for field/attribute server.") from None
        with self.state.lock:
            server = self._get_server(req, server_id)
            for key in ("name", "accessIPv4", "accessIPv6", "description"):
                if key in body:
                    server[key] = body[key]
            server["updated"] = now()
            return json_response(200, {"server": self._server_view(req, server)})

    # -- server actions and sub-resources -------------------------------------------------------------
    def server_action(self, req: Request, server_id: str) -> Response:
        try:
            body = req.json()
            action, args = next(iter(body.items()))
        except (ValueError, StopIteration, AttributeError):
            raise self.error(400, "Malformed request body") from None
        with self.state.lock:
            server = self._get_server(req, server_id)
            if action in ("addFloatingIp", "removeFloatingIp"):
                if self._at_least(req, "2.44") or not self._feature("fip"):
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
            associate_floating_ip(self.state, fip, port["id"], fixed, nova_network=not self._neutron)
        except NetError as exc:
            raise self.error(400, f"Error. Unable to associate floating IP: {exc.message}") from None

    def _group_action(self, req: Request, server: dict[str, Any], action: str, name: str | None) -> None:
        if not self._feature("sg"):
            raise self.error(404, "The resource could not be found.")
        group = self._resolve_groups(req, [{"name": name}])[0]
        ports = [p for p in self.state.ports.values() if p["device_id"] == server["id"]]
        if action == "addSecurityGroup":
            if group["name"] in server["_groups"]:
                raise self.error(400, f"Security group {name} is already associated with the instance {server['id']}")
            server["_groups"].append(group["name"])
            for p in ports:
                p.security_groups = list(dict.fromkeys(p.security_groups + [group["id"]]))
        else:
            if group["name"] not in server["_groups"]:
                raise self.error(400, f"Security group {name} not associated with the instance {server['id']}")
            server["_groups"].remove(group["name"])
            for p in ports:
                p.security_groups = [g for g in p.security_groups if g != group["id"]]

    def server_metadata(self, req: Request, server_id: str) -> Response:
        with self.state.lock:
            server = self._get_server(req, server_id)
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
            server = self._get_server(req, server_id)
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
        if not self._at_least(req, "2.26"):
            raise self.error(404, "The resource could not be found.")
        with self.state.lock:
            server = self._get_server(req, server_id)
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
        if not self._at_least(req, "2.26"):
            raise self.error(404, "The resource could not be found.")
        with self.state.lock:
            server = self._get_server(req, server_id)
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
        server = self._get_server(req, server_id)
        return json_response(200, {"addresses": server_addresses(self.state, server["id"],
                                                                 self.personality.compute.address_tags)})

    def server_interfaces(self, req: Request, server_id: str) -> Response:
        if not self._neutron:
            raise self.error(404, "The resource could not be found.")
        server = self._get_server(req, server_id)
        return json_response(200, {"interfaceAttachments": [
            {"port_id": p["id"], "net_id": p["network_id"], "mac_addr": p["mac_address"], "port_state": p["status"],
             "fixed_ips": p["fixed_ips"]} for p in self.state.ports.values() if p["device_id"] == server["id"]]})

    def server_groups(self, req: Request, server_id: str) -> Response:
        if not self._feature("sg"):
            raise self.error(404, "The resource could not be found.")
        with self.state.lock:
            server = self._get_server(req, server_id)
            groups = [g for g in self.state.security_groups.values()
                      if g["project_id"] == server["tenant_id"] and g["name"] in server["_groups"]]
            return json_response(200, {"security_groups": [self._group_view(g) for g in groups]})

