"""Neutron's default security group rule template (/v2.0/default-security-group-rules).

Neutron copies these rules into every new security group: `used_in_default_sg`
ones into a project's `default` group (created lazily, on the project's first
use of neutron), `used_in_non_default_sg` ones into groups users create. A
configuration may add rules (open-ssh adds tcp/22 from anywhere); every
switch first puts the template back to neutron's own four rules.
"""
from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from .rest import call

PATH = "/default-security-group-rules"


def is_neutron_default(rule: dict[str, Any]) -> bool:
    """One of the four rules neutron ships: ingress from the group itself, egress anywhere."""
    if rule.get("protocol") or rule.get("remote_ip_prefix") or rule.get("port_range_min"):
        return False
    if rule["direction"] == "ingress":
        return (rule.get("remote_group_id") == "PARENT" and rule["used_in_default_sg"]
                and not rule["used_in_non_default_sg"])
    return (not rule.get("remote_group_id") and rule["used_in_default_sg"]
            and rule["used_in_non_default_sg"])


def rules(conn: Connection) -> list[dict[str, Any]]:
    """The template's rules."""
    return call(conn.network, "GET", PATH).json()["default_security_group_rules"]


def reset(conn: Connection) -> int:
    """Delete every template rule neutron did not ship; return how many."""
    extra = [rule for rule in rules(conn) if not is_neutron_default(rule)]
    for rule in extra:
        call(conn.network, "DELETE", f"{PATH}/{rule['id']}")
    return len(extra)


def add(conn: Connection, extra: list[dict[str, Any]]) -> None:
    """Add a configuration's rules (neutron API bodies) to the template."""
    for rule in extra:
        call(conn.network, "POST", PATH, {"default_security_group_rule": rule})
