"""security_group.* observations, rules written as "<IPv4|IPv6> <proto>[:<ports>] <remote>"."""
from __future__ import annotations

from typing import Any

from .api import Cloud

WORLD = ("0.0.0.0/0", "::/0")


def rule_text(rule: dict, group_id: str) -> str:
    """A rule as "<ethertype> <proto>[:<ports>] <remote>"."""
    proto = rule.get("protocol") or "any"
    low, high = rule.get("port_range_min"), rule.get("port_range_max")
    if low is not None:
        proto += f":{low}" if high in (None, low) else f":{low}-{high}"
    remote_group = rule.get("remote_group_id")
    if remote_group:
        remote = "self" if remote_group == group_id else "group"
    else:
        remote = rule.get("remote_ip_prefix") or "any"
    return f"{rule['ethertype']} {proto} {remote}"


def split(rules: list[dict], group_id: str) -> tuple[list[str], list[str]]:
    """(ingress, egress) rule strings, each sorted."""
    ingress = sorted(rule_text(r, group_id) for r in rules if r["direction"] == "ingress")
    egress = sorted(rule_text(r, group_id) for r in rules if r["direction"] == "egress")
    return ingress, egress


def open_ports(rules: list[dict]) -> list[str]:
    """Ingress reachable from anywhere: "tcp:22", or "any" for every protocol."""
    opened = set()
    for rule in rules:
        if rule["direction"] != "ingress" or rule.get("remote_group_id"):
            continue
        if (rule.get("remote_ip_prefix") or "0.0.0.0/0") in WORLD:
            text = rule.get("protocol") or "any"
            if rule.get("port_range_min") is not None:
                low, high = rule["port_range_min"], rule.get("port_range_max")
                text += f":{low}" if high in (None, low) else f":{low}-{high}"
            opened.add(text)
    return sorted(opened)


def template(cloud: Cloud, extensions: list[str]) -> list[str] | None:
    """The default security group rule template, as rule texts."""
    if "security-groups-default-rules" not in extensions:
        return None
    out = []
    for rule in cloud.json("network", "/default-security-group-rules")["default_security_group_rules"]:
        where = {(True, True): "both", (True, False): "default", (False, True): "custom"}[
            (bool(rule["used_in_default_sg"]), bool(rule["used_in_non_default_sg"]))]
        out.append(f"{where} {rule['direction']} {rule_text(rule, 'PARENT')}")
    return sorted(out)


def observe(cloud: Cloud, extensions: list[str]) -> dict[str, Any]:
    """security_group.* keys (creates and deletes one group)."""
    if "security-group" not in extensions:
        return {"security_group.source": "None"}
    groups = cloud.json("network", f"/security-groups?name=default&project_id={cloud.project_id}")
    default = groups["security_groups"][0]
    d_in, d_out = split(default["security_group_rules"], default["id"])
    made = cloud.service("network", "/security-groups", "POST",
                         json={"security_group": {"name": "refcloud-check-sg"}})
    assert made.status_code == 201, f"creating a security group: HTTP {made.status_code}"
    group = made.json()["security_group"]
    cloud.created.append(lambda: cloud.service("network", f"/security-groups/{group['id']}", "DELETE"))
    n_in, n_out = split(group["security_group_rules"], group["id"])
    rule = cloud.service("network", "/security-group-rules", "POST", json={"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "ethertype": "IPv4",
        "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
        "remote_ip_prefix": "0.0.0.0/0"}})
    removed = rule.status_code == 201 and cloud.service(
        "network", f"/security-group-rules/{rule.json()['security_group_rule']['id']}",
        "DELETE").status_code == 204
    return {
        "security_group.source": "neutron",
        "security_group.default_ingress": d_in,
        "security_group.default_egress": d_out,
        "security_group.default_open_ports": open_ports(default["security_group_rules"]),
        "security_group.new_group_ingress": n_in,
        "security_group.new_group_egress": n_out,
        "security_group.template": template(cloud, extensions),
        "security_group.rule_add_remove": removed,
    }
