"""Neutron: the service (error shape, discovery, extensions, the "broken" personality) and its collections.

A "broken" network personality answers 404 to everything, like Rackspace's catalog entry did.
Each collection is a :class:`~.collection.Collection` in its own module; :attr:`NetworkService.parts`
lists them in the order ``GET /v2.0`` shows them.
"""

from __future__ import annotations

from typing import Any

from ..http import HTTPError, Request, Response, json_response, text_response
from .errors import NetError
from ..service import Service
from .auto_allocation import AutoAllocation
from .collection import Collection
from .floating_ips import FloatingIPs
from .networks import Networks, Subnets
from .ports import Ports
from .routers import Routers
from .security_groups import DefaultRules, SecurityGroupRules, SecurityGroups

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


class NetworkService(Service):
    prefix = "/network"
    name = "neutron"
    service_type = "network"
    parts = (Networks, Subnets, Ports, Routers, FloatingIPs, SecurityGroups, SecurityGroupRules, DefaultRules,
             AutoAllocation)

    @property
    def catalog_url(self) -> str:
        return self.url + "/v2.0" if self.personality.network.catalog_versioned else self.url

    def routes(self) -> None:
        r = self.router
        r.add("GET", "/", self.versions, auth=False)
        r.add("GET", "/v2.0", self.resources)
        r.add("GET", "/v2.0/extensions", self.extensions)
        r.add("GET", "/v2.0/extensions/{alias}", self.extension)

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

    def has(self, extension: str | None) -> bool:
        return extension is None or extension in self.personality.network.extensions

    def require(self, extension: str | None) -> None:
        """Paths of an extension the cloud lacks are unknown to it: neutron's plain 404."""
        if not self.has(extension):
            raise HTTPError(self.not_found())

    # -- discovery -------------------------------------------------------------------------------
    def versions(self, req: Request) -> Response:
        return json_response(200, {"versions": [{"id": "v2.0", "status": "CURRENT",
                                                 "links": [{"rel": "self", "href": f"{self.url}/v2.0/"}]}]})

    def resources(self, req: Request) -> Response:
        collections = [p for p in self.part.values() if isinstance(p, Collection)]
        return json_response(200, {"resources": [
            {"name": c.singular, "collection": c.key,
             "links": [{"rel": "self", "href": f"{self.url}/v2.0/{c.collection}"}]}
            for c in collections if self.has(c.extension)]})

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
