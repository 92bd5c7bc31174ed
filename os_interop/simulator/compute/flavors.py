"""Nova flavors: the personality's flavors in the shape of the request's microversion."""

from __future__ import annotations

from typing import Any

from ..http import Request, Response, json_response
from ..service import Router
from .part import ComputePart


class Flavors(ComputePart):
    def routes(self, r: Router) -> None:
        r.add("GET", "/flavors", self.list_flavors)
        r.add("GET", "/flavors/detail", self.list_flavors)
        r.add("GET", "/flavors/{flavor_id}", self.show_flavor)
        r.add("GET", "/flavors/{flavor_id}/os-extra_specs",
              lambda req, flavor_id: json_response(200, {"extra_specs": {}}))

    def _flavor_view(self, req: Request, flavor: dict[str, Any], detail: bool) -> dict[str, Any]:
        view: dict[str, Any] = {"id": flavor["id"], "name": flavor["name"],
                                "links": [{"rel": "self", "href": f"{req.service_base}/flavors/{flavor['id']}"},
                                          {"rel": "bookmark", "href": f"{self.url}/flavors/{flavor['id']}"}]}
        if self.service.at_least(req, "2.55"):
            view["description"] = None
        if detail:
            view.update({"ram": flavor["ram"], "disk": flavor["disk"], "vcpus": flavor["vcpus"],
                         "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False,
                         "swap": 0 if self.service.at_least(req, "2.75") else "", "os-flavor-access:is_public": True,
                         "rxtx_factor": 1.0})
            if self.service.at_least(req, "2.61"):
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
