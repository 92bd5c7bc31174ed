"""Nova servers: create (image, flavor, security groups, nova's network choice), list, show, update, delete."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any
from urllib.parse import urlencode

from ..http import HTTPError, Request, Response, empty, json_response
from ..images.records import visible_image
from ..listing import MarkerNotFound, paginate, public
from ..networks.addresses import candidate_networks, create_port, delete_port, server_addresses
from ..networks.rules import ensure_default_group
from ..networks.topology import auto_allocate, auto_allocation_problem
from ..service import Router
from ..stamps import new_id, now
from .part import ComputePart

# what nova's API answers (servers.py turns NetworkAmbiguous into this 409), seen on nova 34 too
AMBIGUOUS = "Multiple possible networks found, use a Network ID to be more specific."
Attachment = tuple[dict[str, Any], dict[str, Any] | None]  # (network, existing port or None)


class Servers(ComputePart):
    def routes(self, r: Router) -> None:
        r.add("GET", "/servers", self.list_servers)
        r.add("GET", "/servers/detail", self.list_servers)
        r.add("POST", "/servers", self.create_server)
        r.add("GET", "/servers/{server_id}", self.show_server)
        r.add("PUT", "/servers/{server_id}", self.update_server)
        r.add("DELETE", "/servers/{server_id}", self.delete_server)

    def get(self, req: Request, server_id: str) -> dict[str, Any]:
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

    def view(self, req: Request, server: dict[str, Any]) -> dict[str, Any]:
        tags = self.personality.compute.address_tags
        addresses = server_addresses(self.state, server["id"], tags)
        view = public(server)
        view["addresses"] = addresses
        if not tags:  # nova fills accessIPv4/6 from the public addresses on such clouds
            for entry in addresses.get("public", []):
                view["accessIPv4" if entry["version"] == 4 else "accessIPv6"] = entry["addr"]
        flavor = self.state.flavors.get(server["_flavor"], {"id": server["_flavor"], "name": "deleted", "vcpus": 0,
                                                             "ram": 0, "disk": 0})
        if self.service.at_least(req, "2.47"):
            view["flavor"] = {"vcpus": flavor["vcpus"], "ram": flavor["ram"], "disk": flavor["disk"], "ephemeral": 0,
                              "swap": 0, "original_name": flavor["name"], "extra_specs": {}}
        else:
            view["flavor"] = {"id": flavor["id"],
                              "links": [{"rel": "bookmark", "href": f"{self.url}/flavors/{flavor['id']}"}]}
        view["security_groups"] = [{"name": n} for n in server["_groups"]] if self.service.feature("sg") else []
        view["links"] = [{"rel": "self", "href": f"{req.service_base}/servers/{server['id']}"},
                         {"rel": "bookmark", "href": f"{self.url}/servers/{server['id']}"}]
        if not self.service.at_least(req, "2.26"):
            view.pop("tags")
        if not self.service.at_least(req, "2.9"):
            view.pop("locked")
        if not self.service.at_least(req, "2.19"):
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
            items = [self.view(req, s) if detail else
                     {"id": s["id"], "name": s["name"], "links": self.view(req, s)["links"]} for s in page]
        body: dict[str, Any] = {"servers": items}
        if next_marker:
            params = [(k, v) for k, vs in req.query.items() if k != "marker" for v in vs] + [("marker", next_marker)]
            href = f"{req.service_base}/servers{'/detail' if detail else ''}?{urlencode(params)}"
            body["servers_links"] = [{"rel": "next", "href": href}]
        return json_response(200, body)

    def show_server(self, req: Request, server_id: str) -> Response:
        with self.state.lock:
            server = self.get(req, server_id)
            self._advance(server)
            return json_response(200, {"server": self.view(req, server)})

    def _ref(self, value: Any) -> str:
        return str(value or "").rstrip("/").rsplit("/", 1)[-1]

    def bad(self, field: str, value: Any, reason: str) -> HTTPError:
        return self.error(400, f"Invalid input for field/attribute {field}. Value: {value}. {reason}")

    def create_server(self, req: Request) -> Response:
        try:
            body = req.json()["server"]
            assert isinstance(body, dict)
        except (ValueError, KeyError, TypeError, AssertionError):
            raise self.bad("server", None, "'server' is a required property") from None
        for field in ("name", "flavorRef"):
            if not body.get(field):
                raise self.bad("server", body, f"'{field}' is a required property")
        with self.state.lock:
            image = next((i for i in self.visible_images(req) if i["id"] == self._ref(body.get("imageRef"))), None)
            if image is None:
                raise self.error(400, "Can not find requested image")
            if image["status"] != "active":
                raise self.error(400, f"Image {image['id']} is not active.")
            flavor_id = self._ref(body["flavorRef"])
            if flavor_id not in self.state.flavors:
                raise self.error(400, "Invalid flavorRef provided.")
            tags = body.get("tags") or []
            if tags and not self.service.at_least(req, "2.52"):
                raise self.bad("server", body, "Additional properties are not allowed ('tags' was unexpected)")
            metadata = body.get("metadata") or {}
            if not all(isinstance(v, str) for v in metadata.values()):
                raise self.bad("server/metadata", metadata, "metadata values must be strings")
            groups = self.resolve_groups(req, body.get("security_groups"))
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
        resp = {"id": sid, "links": self.view(req, server)["links"],
                "OS-DCF:diskConfig": server["OS-DCF:diskConfig"], "adminPass": new_id().replace("-", "")[:12]}
        if self.service.feature("sg"):
            resp["security_groups"] = [{"name": g["name"]} for g in groups]
        return json_response(202, {"server": resp}, {"Location": f"{req.service_base}/servers/{sid}"})

    def _config_drive(self, req: Request, body: dict[str, Any], image: dict[str, Any]) -> str:
        """What nova stores: "True" when asked for, forced by the operator, or required by the
        image (img_config_drive mandatory); "" otherwise (nova/virt/configdrive.py required_by)."""
        mode = self.personality.compute.config_drive
        if mode == "absent" and "config_drive" in body and not self.service.legacy:
            raise self.bad("server", body, "Additional properties are not allowed ('config_drive' was unexpected)")
        asked = bool(body.get("config_drive")) and mode != "absent"
        return "True" if asked or mode == "forced" or image.get("img_config_drive") == "mandatory" else ""

    def visible_images(self, req: Request) -> list[dict[str, Any]]:
        return [i for i in self.state.images.values() if visible_image(i, req.auth["project_id"])]

    def resolve_groups(self, req: Request, wanted: Any) -> list[dict[str, Any]]:
        if not self.service.feature("sg"):
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
        new_api = self.service.at_least(req, "2.37")
        if requested is None and new_api:
            raise self.bad("server", body, "'networks' is a required property")
        if isinstance(requested, str) and (not new_api or requested not in ("auto", "none")):
            raise self.bad("networks", requested, f"'{requested}' is not of type 'array'")
        if requested == "none":
            return []
        if not self.service.neutron:
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
            self._tear_down(self.get(req, server_id))
        return empty(204)

    def update_server(self, req: Request, server_id: str) -> Response:
        try:
            body = req.json()["server"]
        except (ValueError, KeyError, TypeError):
            raise self.error(400, "Invalid input for field/attribute server.") from None
        with self.state.lock:
            server = self.get(req, server_id)
            for key in ("name", "accessIPv4", "accessIPv6", "description"):
                if key in body:
                    server[key] = body[key]
            server["updated"] = now()
            return json_response(200, {"server": self.view(req, server)})
