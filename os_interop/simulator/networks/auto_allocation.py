"""neutron's get-me-a-network: ``/v2.0/auto-allocated-topology/{project_id}`` (dry-run, allocate, release)."""

from __future__ import annotations

from ..http import Request, Response, empty, json_response
from .errors import NetError
from .topology import auto_allocate, auto_allocation_problem, release_auto_allocated
from ..service import Part, Router
from .collection import policy


class AutoAllocation(Part):
    def routes(self, r: Router) -> None:
        r.add("GET|DELETE", "/v2.0/auto-allocated-topology/{project_id}", self.auto_allocated_topology)

    def auto_allocated_topology(self, req: Request, project_id: str) -> Response:
        self.service.require("auto-allocated-topology")  # type: ignore[attr-defined]
        project = req.auth["project_id"]
        if project_id != project:
            raise policy("rule:get_auto_allocated_topology")
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
