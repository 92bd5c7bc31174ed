"""Security group rules as a client meets them, compared with neutron's upstream default.

Rules become short, comparable strings ("IPv4 tcp:22 0.0.0.0/0", "IPv6 any self"). Upstream's
default group lets in only members of the group itself and lets everything out, IPv4 and IPv6;
a new group lets everything out and nothing in. The functions here are pure: they take rules as
read and say which families can leave, which ingress comes from outside the group, which ports
the whole internet reaches, and what a rule POST's answer means.
"""

from __future__ import annotations

import hashlib
from typing import Any

FAMILIES = ("IPv4", "IPv6")
WORLD = {"IPv4": "0.0.0.0/0", "IPv6": "::/0"}
ANY_PROTOCOL = (None, "any", "0", 0)
PARENT = "PARENT"        # the template's name for "the group the rule is copied into"


def _ports(rule: dict[str, Any]) -> str:
    low, high = rule.get("port_range_min"), rule.get("port_range_max")
    return "" if low is None else f":{low}" if low == high or high is None else f":{low}-{high}"


def _from_self(rule: dict[str, Any], group_id: str | None) -> bool:
    remote = rule.get("remote_group_id")
    return remote is not None and remote in (group_id, PARENT)


def rule_text(rule: dict[str, Any], group_id: str | None = None) -> str:
    """One neutron (or normalised nova) rule as '<ethertype> <proto>[:<ports>] <remote>';
    the remote is 'self', 'group' (another group), 'address-group', a CIDR or 'any'."""
    proto = rule.get("protocol")
    proto = "any" if proto in ANY_PROTOCOL else str(proto)
    if rule.get("remote_group_id"):
        remote = "self" if _from_self(rule, group_id) else "group"
    elif rule.get("remote_address_group_id"):
        remote = "address-group"
    else:
        remote = rule.get("remote_ip_prefix") or "any"
    return f"{rule.get('ethertype', 'IPv4')} {proto}{_ports(rule)} {remote}"


def split(rules: list[dict[str, Any]], group_id: str | None) -> tuple[list[str], list[str]]:
    """(ingress, egress) rule strings, sorted."""
    ingress = sorted(rule_text(r, group_id) for r in rules if r.get("direction") == "ingress")
    egress = sorted(rule_text(r, group_id) for r in rules if r.get("direction") == "egress")
    return ingress, egress


def to_anywhere(rule: dict[str, Any]) -> bool:
    """An egress rule that lets every protocol and port of its family out to every address."""
    family = rule.get("ethertype", "IPv4")
    return (rule.get("direction") == "egress" and rule.get("protocol") in ANY_PROTOCOL
            and rule.get("port_range_min") is None and not rule.get("remote_group_id")
            and not rule.get("remote_address_group_id")
            and rule.get("remote_ip_prefix") in (None, WORLD.get(family)))


def egress_families(rules: list[dict[str, Any]]) -> list[str]:
    """The IP families a server can reach everything in; upstream: both. A family missing
    here is traffic (updates, DNS, metadata over IPv6) a client finds blocked."""
    return sorted({r.get("ethertype", "IPv4") for r in rules if to_anywhere(r)} & set(FAMILIES))


def foreign_ingress(rules: list[dict[str, Any]], group_id: str | None) -> list[str]:
    """Ingress from any remote that is not the group itself (a CIDR, another group, anywhere);
    upstream: none."""
    return sorted(rule_text(r, group_id) for r in rules
                  if r.get("direction") == "ingress" and not _from_self(r, group_id))


def open_to_world(rules: list[dict[str, Any]]) -> list[str]:
    """'<proto>[:<ports>]' of ingress rules the whole internet reaches (no remote, or
    0.0.0.0/0 / ::/0)."""
    opened = set()
    for rule in rules:
        if rule.get("direction") != "ingress" or rule.get("remote_group_id") \
                or rule.get("remote_address_group_id"):
            continue
        if rule.get("remote_ip_prefix") in (None, *WORLD.values()):
            opened.add(rule_text(rule).split()[1])
    return sorted(opened)


def template_text(rule: dict[str, Any]) -> str:
    """A default-security-group-rules entry: '<both|default|custom> <direction> <rule>'."""
    where = {(True, True): "both", (True, False): "default", (False, True): "custom",
             (False, False): "unused"}[(bool(rule.get("used_in_default_sg")),
                                        bool(rule.get("used_in_non_default_sg")))]
    return f"{where} {rule.get('direction')} {rule_text(rule, PARENT)}"


def template_for(rules: list[dict[str, Any]], default_group: bool) -> list[dict[str, Any]]:
    """The template rules neutron copies into a new default group, or into a new custom one."""
    flag = "used_in_default_sg" if default_group else "used_in_non_default_sg"
    return [r for r in rules if r.get(flag)]


def from_nova(rule: dict[str, Any], group_name: str) -> dict[str, Any]:
    """A nova-network rule in neutron's vocabulary (nova rules are ingress-only)."""
    low, high = rule.get("from_port"), rule.get("to_port")
    named_group = (rule.get("group") or {}).get("name")
    return {"direction": "ingress", "ethertype": "IPv4", "protocol": rule.get("ip_protocol"),
            "port_range_min": None if low in (None, -1) else low,
            "port_range_max": None if high in (None, -1) else high,
            "remote_ip_prefix": (rule.get("ip_range") or {}).get("cidr"),
            "remote_group_id": PARENT if named_group == group_name else named_group}


# -- probing rules --------------------------------------------------------------------------------
ADDED, PRESENT, REFUSED = "added", "already-present", "refused"


def post_outcome(status: int, body: Any) -> str:
    """What a rule POST's answer means: 201 added; 409 SecurityGroupRuleExists: the rule is
    already there (adding works, nothing new was made); any other 4xx: refused."""
    if status == 201:
        return ADDED
    error = body.get("NeutronError") if isinstance(body, dict) else None
    if status == 409 and isinstance(error, dict) and error.get("type") == "SecurityGroupRuleExists":
        return PRESENT
    return REFUSED


def refusal(status: int, body: Any) -> str:
    """'HTTP 403 PolicyNotAuthorized: <message>' for the record (no secrets in neutron faults)."""
    error = body.get("NeutronError") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"HTTP {status} {error.get('type')}: {str(error.get('message'))[:160]}"
    return f"HTTP {status}"


def probe_rule(run_id: str, existing: list[dict[str, Any]]) -> dict[str, Any]:
    """An ingress rule no group can hold before this run: a tcp port and a documentation
    address (192.0.2.0/24, RFC 5737) chosen from the run id, skipping any rule the group has."""
    taken = {rule_text(r) for r in existing}
    digest = hashlib.sha256(run_id.encode()).digest()
    for step in range(64):
        port = 20000 + (int.from_bytes(digest[:4], "big") + step * 7919) % 40000
        rule = {"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
                "port_range_min": port, "port_range_max": port,
                "remote_ip_prefix": f"192.0.2.{1 + digest[4] % 254}/32"}
        if rule_text(rule) not in taken:
            return rule
    raise AssertionError("no unused probe rule found")   # 64 taken ports: cannot happen


def ssh_state(rules: list[dict[str, Any]]) -> str:
    """'already-present' when the group's rules let tcp/22 in from anywhere over IPv4 (a tool
    adding it would meet 409 SecurityGroupRuleExists), else 'absent'. Read from the rules the
    group already shows, so knowing it costs no request."""
    for rule in rules:
        ports = (rule.get("port_range_min"), rule.get("port_range_max"))
        covers_22 = ports[0] is None or (ports[0] <= 22 <= (ports[1] if ports[1] is not None else ports[0]))
        if (rule.get("direction") == "ingress" and rule.get("ethertype", "IPv4") == "IPv4"
                and rule.get("protocol") in ("tcp", "6", None) and covers_22
                and rule.get("remote_ip_prefix") in ("0.0.0.0/0", None) and not rule.get("remote_group_id")):
            return PRESENT
    return "absent"
