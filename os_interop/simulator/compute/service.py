"""Nova: the service (error shape, versions, microversion negotiation, URL shapes) and its parts.

Networking comes from the network model (:mod:`..networks`: addresses, routing, rules): with
neutron, nova picks networks like nova does (NetworkAmbiguous, ``networks: auto``); without a
working neutron, nova attaches every network of the personality's ``nova_networking`` section
and renders addresses in the personality's shape.
"""

from __future__ import annotations

import re
from typing import Any

from ..http import HTTPError, Request, Response, json_response
from ..networks.errors import NetError
from ..service import Service
from .actions import Actions
from .flavors import Flavors
from .limits import Limits
from .part import MV, mv
from .proxy import Proxy
from .servers import Servers
from .subresources import ServerSubresources

_FAULTS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound", 405: "badMethod",
           409: "conflictingRequest", 413: "overLimit", 415: "badMediaType", 429: "overLimit",
           501: "notImplemented", 503: "serviceUnavailable"}
_PROJECT_SEGMENT = re.compile(r"^/([0-9a-fA-F]{32})(/.*)?$")


class ComputeService(Service):
    prefix = "/compute"
    name = "nova"
    service_type = "compute"
    parts = (Flavors, Limits, Servers, Actions, ServerSubresources, Proxy)

    @property
    def servers(self) -> Servers:
        return self.part[Servers]  # type: ignore[return-value]

    @property
    def proxy(self) -> Proxy:
        return self.part[Proxy]  # type: ignore[return-value]

    # -- versions, microversions, URL shapes -------------------------------------------------------
    @property
    def legacy(self) -> bool:
        return self.personality.compute.max_microversion is None

    def error(self, status: int, message: str, kind: str | None = None) -> HTTPError:
        name = kind or _FAULTS.get(status, "computeFault")
        return HTTPError(json_response(status, {name: {"code": status, "message": message}}))

    def _version_entry(self, vid: str) -> dict[str, Any]:
        comp = self.personality.compute
        path = "v2" if vid == "v2.0" else "v2.1"
        micro = vid == "v2.1"
        return {"id": vid, "status": "CURRENT" if micro or self.legacy else "SUPPORTED",
                "version": comp.max_microversion if micro else "",
                "min_version": comp.min_microversion if micro else "",
                "updated": "2013-07-23T11:33:21Z" if micro else "2011-01-21T11:33:21Z",
                "links": [{"rel": "self", "href": f"{self.url}/{path}/"},
                          {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
                "media-types": [{"base": "application/json",
                                 "type": f"application/vnd.openstack.compute+json;version={vid[1:]}"}]}

    def _versions(self) -> list[str]:
        return ["v2.0"] if self.legacy else ["v2.0", "v2.1"]

    @property
    def catalog_url(self) -> str:
        path = self.personality.compute.catalog_path.format(project_id=self.state.project_id)
        return self.url + path

    def _negotiate(self, req: Request) -> MV:
        comp = self.personality.compute
        low, high = mv(comp.min_microversion), mv(comp.max_microversion)
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
        version = mv(wanted)
        if not low <= version <= high:
            raise self.error(406, f"Version {wanted} is not supported by the API. Minimum is "
                                  f"{comp.min_microversion} and maximum is {comp.max_microversion}.")
        return version

    def handle(self, req: Request, subpath: str) -> Response:
        if subpath in ("", "/"):
            return json_response(200, {"versions": [self._version_entry(v) for v in self._versions()]})
        m = re.match(r"^/(v2\.1|v2)(/.*)?$", subpath)
        if not m or (m.group(1) == "v2.1" and self.legacy):
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

    def at_least(self, req: Request, version: str) -> bool:
        return req.microversion is not None and req.microversion >= mv(version)

    # -- which networking nova has ------------------------------------------------------------------
    @property
    def neutron(self) -> bool:
        return self.personality.network.service == "present"

    def feature(self, kind: str) -> bool:
        net, nova = self.personality.network, self.personality.compute.nova_networking
        if kind == "fip":  # nova proxies neutron (pools: the external networks, maybe none)
            return self.neutron or bool(nova and nova.floating_ip_pools)
        if kind == "sg":
            if self.neutron:
                return "security-group" in net.extensions
            return bool(nova and nova.security_groups)
        return True

