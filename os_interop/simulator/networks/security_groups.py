"""neutron security groups and rules: the lazily created default group, the rules a new group starts
with, and the default-security-group-rules template (read-only for a member)."""

from __future__ import annotations

from typing import Any

from ..http import Request, Response, json_response
from ..listing import attribute_filter, public, select_fields
from .errors import NetError
from .rules import add_rule, create_group, delete_group, ensure_default_group, group_rules, template_rules
from ..service import Part, Router
from .collection import RESERVED, Collection, policy


class SecurityGroups(Collection):
    collection, singular, kind = "security-groups", "security_group", "security_groups"
    not_found = ("SecurityGroupNotFound", "Security group {} does not exist")
    extension = "security-group"
    updatable = frozenset({"name", "description", "stateful"})

    def visible(self, project: str) -> list[dict[str, Any]]:
        ensure_default_group(self.state, project)
        return super().visible(project)

    def view(self, record: dict[str, Any]) -> dict[str, Any]:
        view = public(record)
        view["security_group_rules"] = [public(r) for r in group_rules(self.state, record["id"])]
        return view

    def new(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        project = req.auth["project_id"]
        ensure_default_group(self.state, project)
        if body.get("name") == "default":
            raise NetError(409, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
        return create_group(self.state, project, body.get("name", ""), body.get("description", ""),
                            rules=self.personality.security_groups.new_group)

    def before_update(self, record: dict[str, Any], body: dict[str, Any]) -> None:
        renamed = body.get("name", record.get("name")) != record.get("name")
        if record["name"] == "default" and renamed:
            raise NetError(409, "SecurityGroupCannotUpdateDefault", "Updating default security group not allowed.")

    def remove(self, record: dict[str, Any]) -> None:
        delete_group(self.state, record)


class SecurityGroupRules(Collection):
    collection, singular, kind = "security-group-rules", "security_group_rule", "security_group_rules"
    not_found = ("SecurityGroupRuleNotFound", "Security group rule {} does not exist")
    extension = "security-group"
    taggable = False

    def new(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        group = self.other(SecurityGroups).find(req, str(body.get("security_group_id")), owned=True)
        for key in ("port_range_min", "port_range_max"):
            if body.get(key) is not None:
                body[key] = int(body[key])
        if body.get("remote_group_id") and body["remote_group_id"] not in self.state.security_groups:
            raise NetError(404, "SecurityGroupNotFound", f"Security group {body['remote_group_id']} does not exist")
        return add_rule(self.state, group, body)


class DefaultRules(Part):
    """``/v2.0/default-security-group-rules``: the template new groups are made from, derived from the
    personality's two rule lists; a member may read it, not change it."""

    def routes(self, r: Router) -> None:
        self._template = template_rules(self.personality.security_groups.default_group,
                                        self.personality.security_groups.new_group)
        r.add("GET|POST", "/v2.0/default-security-group-rules", self.default_rules)
        r.add("GET|DELETE", "/v2.0/default-security-group-rules/{rid}", self.default_rule)

    def default_rules(self, req: Request) -> Response:
        self.service.require("security-groups-default-rules")
        if req.method == "POST":
            raise policy("rule:create_default_security_group_rule")
        rules = attribute_filter(self._template, req.query, reserved=RESERVED)
        fields = req.query.get("fields")
        return json_response(200, {"default_security_group_rules": [select_fields(r, fields) for r in rules]})

    def default_rule(self, req: Request, rid: str) -> Response:
        self.service.require("security-groups-default-rules")
        rule = next((r for r in self._template if r["id"] == rid), None)
        if rule is None:
            raise NetError(404, "DefaultSecurityGroupRuleNotFound", f"Default Security Group rule {rid} does not exist")
        if req.method == "DELETE":
            raise policy("rule:delete_default_security_group_rule")
        return json_response(200, {"default_security_group_rule": rule})
