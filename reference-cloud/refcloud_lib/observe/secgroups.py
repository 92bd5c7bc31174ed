"""security_group.* observations, rules written as "<IPv4|IPv6> <proto>[:<ports>] <remote>"."""
from __future__ import annotations

from typing import Any

import requests

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


def egress_families(rules: list[dict]) -> list[str]:
    """Families with an egress rule for every protocol and port to every address."""
    out = set()
    for rule in rules:
        world = {"IPv4": "0.0.0.0/0", "IPv6": "::/0"}.get(rule["ethertype"])
        if (rule["direction"] == "egress" and not rule.get("protocol") and rule.get("port_range_min") is None
                and not rule.get("remote_group_id") and not rule.get("remote_address_group_id")
                and rule.get("remote_ip_prefix") in (None, world)):
            out.add(rule["ethertype"])
    return sorted(out)


def foreign(rules: list[dict], group_id: str) -> list[str]:
    """Ingress rule texts from any remote but the group itself."""
    return sorted(rule_text(r, group_id) for r in rules
                  if r["direction"] == "ingress" and r.get("remote_group_id") != group_id)


def template(cloud: Cloud, extensions: list[str]) -> dict[str, Any]:
    """The default security group rule template: its rules as texts, and per subject
    (default groups, custom groups) what comes in from outside and which families get out."""
    if "security-groups-default-rules" not in extensions:
        return {"security_group.template": None}
    rules = cloud.json("network", "/default-security-group-rules")["default_security_group_rules"]
    out = []
    for rule in rules:
        where = {(True, True): "both", (True, False): "default", (False, True): "custom"}[
            (bool(rule["used_in_default_sg"]), bool(rule["used_in_non_default_sg"]))]
        out.append(f"{where} {rule['direction']} {rule_text(rule, 'PARENT')}")
    observed: dict[str, Any] = {"security_group.template": sorted(out)}
    for subject, flag in (("default", "used_in_default_sg"), ("custom", "used_in_non_default_sg")):
        used = [r for r in rules if r[flag]]
        observed[f"security_group.template_{subject}_ingress_foreign"] = foreign(used, "PARENT")
        observed[f"security_group.template_{subject}_egress_families"] = egress_families(used)
    return observed


def not_enforced(items: list[dict], extensions: list[str]) -> list[dict]:
    """Items (networks, ports) with port security switched off."""
    return [i for i in items if "port-security" in extensions and i["port_security_enabled"] is False]


def server_not_enforced_on(cloud: Cloud, server: dict, extensions: list[str]) -> list[str]:
    """Networks of the server's ports that filter nothing."""
    ports = cloud.json("network", f"/ports?device_id={server['id']}")["ports"]
    names = {n["id"]: n["name"] for n in cloud.json("network", "/networks")["networks"]}
    return sorted(names[p["network_id"]] for p in not_enforced(ports, extensions))


def add_rule(cloud: Cloud, group_id: str, body: dict) -> tuple[str, requests.Response]:
    """added | already-present (409 SecurityGroupRuleExists) | refused, and the answer."""
    made = cloud.service("network", "/security-group-rules", "POST",
                         json={"security_group_rule": {"security_group_id": group_id, **body}})
    if made.status_code == 201:
        return "added", made
    if made.status_code == 409 and made.json()["NeutronError"]["type"] == "SecurityGroupRuleExists":
        return "already-present", made
    assert made.status_code < 500, f"POST security-group-rules: HTTP {made.status_code}"
    return "refused", made


def delete_rule(cloud: Cloud, made: requests.Response) -> bool:
    rule_id = made.json()["security_group_rule"]["id"]
    return cloud.service("network", f"/security-group-rules/{rule_id}", "DELETE").status_code == 204


def observe(cloud: Cloud, extensions: list[str]) -> dict[str, Any]:
    """security_group.* keys (creates and deletes one group)."""
    if "security-group" not in extensions:
        return {"security_group.source": "None"}
    groups = cloud.json("network", f"/security-groups?name=default&project_id={cloud.project_id}")
    default = groups["security_groups"][0]
    d_rules = default["security_group_rules"]
    d_in, d_out = split(d_rules, default["id"])
    made = cloud.service("network", "/security-groups", "POST",
                         json={"security_group": {"name": "refcloud-check-sg"}})
    assert made.status_code == 201, f"creating a security group: HTTP {made.status_code}"
    group = made.json()["security_group"]
    cloud.created.append(lambda: cloud.service("network", f"/security-groups/{group['id']}", "DELETE"))
    n_rules = group["security_group_rules"]
    n_in, n_out = split(n_rules, group["id"])
    # a rule no template holds (port 47321 from a documentation address)
    outcome, rule = add_rule(cloud, group["id"], {
        "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 47321,
        "port_range_max": 47321, "remote_ip_prefix": "192.0.2.7/32"})
    removed = outcome == "added" and delete_rule(cloud, rule)
    # tcp/22 from anywhere already in the new group (adding it again would answer 409)?
    ssh = "already-present" if any(
        r["direction"] == "ingress" and r["ethertype"] == "IPv4" and r.get("protocol") in ("tcp", None)
        and (r.get("port_range_min") is None or r["port_range_min"] <= 22 <= (r.get("port_range_max") or 65535))
        and r.get("remote_ip_prefix") in ("0.0.0.0/0", None) and not r.get("remote_group_id")
        for r in n_rules) else "absent"
    nets = cloud.json("network", "/networks")["networks"]
    attachable = [n for n in nets if n["shared"] or n["project_id"] == cloud.project_id]
    return {
        "security_group.source": "neutron",
        "security_group.default_ingress": d_in,
        "security_group.default_ingress_foreign": foreign(d_rules, default["id"]),
        "security_group.default_egress": d_out,
        "security_group.default_egress_families": egress_families(d_rules),
        "security_group.default_open_ports": open_ports(d_rules),
        "security_group.new_group_ingress": n_in,
        "security_group.new_group_ingress_foreign": foreign(n_rules, group["id"]),
        "security_group.new_group_egress": n_out,
        "security_group.new_group_egress_families": egress_families(n_rules),
        **template(cloud, extensions),
        "security_group.rule_add_remove": removed,
        "security_group.new_group_ssh": ssh,
        "security_group.not_enforced_on": sorted(n["name"] for n in not_enforced(attachable, extensions)),
    }
