"""Security groups and their rules: parsing the personality's rule strings, the default group, templates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..stamps import new_id, now
from .errors import NetError

if TYPE_CHECKING:
    from ..state import CloudState


def parse_rule(text: str) -> dict[str, Any]:
    """'ingress IPv4 tcp:22 0.0.0.0/0' -> neutron rule fields (remote 'self' -> the group itself)."""
    direction, ethertype, proto, remote = text.split()
    protocol, _, ports = proto.partition(":")
    low, _, high = ports.partition("-")
    return {
        "direction": direction, "ethertype": ethertype,
        "protocol": None if protocol == "any" else protocol,
        "port_range_min": int(low) if low else None,
        "port_range_max": int(high or low) if low else None,
        "remote_ip_prefix": remote if "/" in remote else None,
        "remote_group_id": "self" if remote == "self" else None,
    }


def add_rule(state: CloudState, group: dict[str, Any], fields: dict[str, Any], *,
             system: bool = False) -> dict[str, Any]:
    """Add a rule to a group; an identical rule is a 409 like neutron's SecurityGroupRuleExists."""
    rule = {
        "direction": fields.get("direction"), "ethertype": fields.get("ethertype") or "IPv4",
        "protocol": fields.get("protocol"), "port_range_min": fields.get("port_range_min"),
        "port_range_max": fields.get("port_range_max"), "remote_ip_prefix": fields.get("remote_ip_prefix"),
        "remote_group_id": fields.get("remote_group_id"),
    }
    if rule["remote_group_id"] == "self":
        rule["remote_group_id"] = group["id"]
    if rule["protocol"] is not None:
        rule["protocol"] = str(rule["protocol"]).lower()
    if rule["direction"] not in ("ingress", "egress"):
        raise NetError(400, "InvalidInput",
                       f"Invalid input for direction. Reason: {rule['direction']!r} is not in ['ingress', 'egress'].")
    if rule["ethertype"] not in ("IPv4", "IPv6"):
        raise NetError(400, "SecurityGroupRuleInvalidEtherType",
                       f"Security group rule for ethertype '{rule['ethertype']}' not supported. "
                       "Allowed values are ['IPv4', 'IPv6'].")
    if rule["remote_ip_prefix"] and rule["remote_group_id"]:
        raise NetError(400, "SecurityGroupRemoteGroupAndRemoteIpPrefix",
                       "Only remote_ip_prefix or remote_group_id may be provided.")
    for existing in state.security_group_rules.values():
        if existing["security_group_id"] == group["id"] and all(existing[k] == v for k, v in rule.items()):
            raise NetError(409, "SecurityGroupRuleExists",
                           f"Security group rule already exists. Rule id is {existing['id']}.")
    rid = new_id()
    record = {"id": rid, "security_group_id": group["id"], **rule, "remote_address_group_id": None,
              "normalized_cidr": rule["remote_ip_prefix"], "tenant_id": group["project_id"],
              "project_id": group["project_id"], "description": fields.get("description") or "",
              "created_at": now(), "updated_at": now(), "revision_number": 0, "_system": system}
    state.security_group_rules[rid] = record
    return record


def create_group(state: CloudState, project_id: str, name: str, description: str = "",
                 *, default: bool = False, rules: list[str] | None = None) -> dict[str, Any]:
    gid = new_id()
    group = {"id": gid, "name": name, "description": description, "tenant_id": project_id,
             "project_id": project_id, "tags": [], "stateful": True, "shared": False,
             "created_at": now(), "updated_at": now(), "revision_number": 1, "_system": default}
    state.security_groups[gid] = group
    for text in rules or []:
        add_rule(state, group, parse_rule(text), system=True)
    return group


def ensure_default_group(state: CloudState, project_id: str) -> dict[str, Any]:
    """The project's ``default`` group, created on first touch like neutron and nova-network do."""
    for group in state.security_groups.values():
        if group["project_id"] == project_id and group["name"] == "default":
            return group
    rules = state.security_group_rules_spec.default_group
    return create_group(state, project_id, "default", "Default security group", default=True, rules=rules)


def group_rules(state: CloudState, group_id: str) -> list[dict[str, Any]]:
    return [r for r in state.security_group_rules.values() if r["security_group_id"] == group_id]


def delete_group(state: CloudState, group: dict[str, Any]) -> None:
    if group["name"] == "default" and group.get("_system"):
        raise NetError(409, "SecurityGroupCannotRemoveDefault",
                       "Insufficient rights for removing default security group.")
    if any(group["id"] in p["security_groups"] for p in state.ports.values()):
        raise NetError(409, "SecurityGroupInUse", f"Security Group {group['id']} in use.")
    for rule in group_rules(state, group["id"]):
        del state.security_group_rules[rule["id"]]
    del state.security_groups[group["id"]]


def template_rules(defaults: list[str], new: list[str]) -> list[dict[str, Any]]:
    """The default-security-group-rules template implied by the default and new group rules."""
    entries = []
    for text in dict.fromkeys(defaults + new):
        rule = parse_rule(text)
        if rule["remote_group_id"] == "self":
            rule["remote_group_id"] = "PARENT"
        entries.append({"id": new_id(), **rule, "remote_address_group_id": None, "description": "",
                        "used_in_default_sg": text in defaults, "used_in_non_default_sg": text in new})
    return entries
