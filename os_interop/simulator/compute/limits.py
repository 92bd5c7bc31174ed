"""What nova tells a project about itself: absolute limits and usage, and the loaded API extensions."""

from __future__ import annotations

from ..http import Request, Response, json_response
from ..service import Router
from .part import ComputePart


class Limits(ComputePart):
    def routes(self, r: Router) -> None:
        r.add("GET", "/limits", self.limits)
        r.add("GET", "/extensions", self.list_extensions)

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
