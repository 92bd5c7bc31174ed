"""Security group rules as short, comparable strings: "IPv4 tcp:22 0.0.0.0/0", "IPv6 any self"."""

from __future__ import annotations

from typing import Any

WORLD = ("0.0.0.0/0", "::/0", "any")


def rule_text(rule: dict[str, Any], group_id: str | None = None) -> str:
    """One neutron (or normalised nova) rule as '<ethertype> <proto>[:<ports>] <remote>'."""
    proto = rule.get("protocol") or "any"
    low, high = rule.get("port_range_min"), rule.get("port_range_max")
    ports = "" if low is None else f":{low}" if low == high or high is None else f":{low}-{high}"
    if rule.get("remote_group_id"):
        remote = "self" if rule["remote_group_id"] == group_id else "group"
    else:
        remote = rule.get("remote_ip_prefix") or "any"
    return f"{rule.get('ethertype', 'IPv4')} {proto}{ports} {remote}"


def split(rules: list[dict[str, Any]], group_id: str | None) -> tuple[list[str], list[str]]:
    """(ingress, egress) rule strings, sorted."""
    ingress = sorted(rule_text(r, group_id) for r in rules if r.get("direction") == "ingress")
    egress = sorted(rule_text(r, group_id) for r in rules if r.get("direction") == "egress")
    return ingress, egress


def open_to_world(ingress: list[str]) -> list[str]:
    """The protocol:ports part of ingress rules whose remote is the whole internet."""
    return sorted({r.split()[1] for r in ingress if r.split()[2] in WORLD})


def from_nova(rule: dict[str, Any], group_name: str) -> dict[str, Any]:
    """A nova-network rule in neutron's vocabulary (nova rules are ingress-only)."""
    low, high = rule.get("from_port"), rule.get("to_port")
    proto = rule.get("ip_protocol")
    named_group = (rule.get("group") or {}).get("name")
    return {"direction": "ingress", "ethertype": "IPv4", "protocol": proto,
            "port_range_min": None if low in (None, -1) else low,
            "port_range_max": None if high in (None, -1) else high,
            "remote_ip_prefix": (rule.get("ip_range") or {}).get("cidr"),
            "remote_group_id": "self" if named_group == group_name else named_group}
