"""Neutron's default security group rule template (/v2.0/default-security-group-rules).

Neutron copies these rules into every new security group: `used_in_default_sg`
ones into a project's `default` group (created lazily, on the project's first
use of neutron), `used_in_non_default_sg` ones into groups users create. A
configuration may add rules (open-ssh adds tcp/22 from anywhere) and remove
shipped ones (egress-less removes both egress rules); every switch first puts
the template back to neutron's own four rules.
"""
from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from .rest import call

PATH = "/default-security-group-rules"
# neutron's shipped template (neutron/db/migration: default_security_group_rules)
SHIPPED = [
    {"direction": "ingress", "ethertype": "IPv4", "remote_group_id": "PARENT",
     "used_in_default_sg": True, "used_in_non_default_sg": False},
    {"direction": "ingress", "ethertype": "IPv6", "remote_group_id": "PARENT",
     "used_in_default_sg": True, "used_in_non_default_sg": False},
    {"direction": "egress", "ethertype": "IPv4", "used_in_default_sg": True, "used_in_non_default_sg": True},
    {"direction": "egress", "ethertype": "IPv6", "used_in_default_sg": True, "used_in_non_default_sg": True},
]


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


def matches(rule: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """`rule` has every field of `wanted` (a configuration's removal: {direction, ethertype})."""
    return all(rule.get(key) == value for key, value in wanted.items())


def reset(conn: Connection) -> int:
    """Delete every template rule neutron did not ship and put back shipped ones a
    configuration removed; return how many rules changed."""
    held = rules(conn)
    extra = [rule for rule in held if not is_neutron_default(rule)]
    for rule in extra:
        call(conn.network, "DELETE", f"{PATH}/{rule['id']}")
    kept = [rule for rule in held if is_neutron_default(rule)]
    missing = [want for want in SHIPPED if not any(matches(rule, want) for rule in kept)]
    add(conn, missing)
    return len(extra) + len(missing)


def remove(conn: Connection, unwanted: list[dict[str, Any]]) -> int:
    """Delete the shipped rules a configuration removes; return how many."""
    gone = [rule for rule in rules(conn) if is_neutron_default(rule)
            and any(matches(rule, want) for want in unwanted)]
    for rule in gone:
        call(conn.network, "DELETE", f"{PATH}/{rule['id']}")
    return len(gone)


def add(conn: Connection, extra: list[dict[str, Any]]) -> None:
    """Add a configuration's rules (neutron API bodies) to the template."""
    for rule in extra:
        call(conn.network, "POST", PATH, {"default_security_group_rule": rule})
