"""Composing the openstacksdk profile body from observations (contract, last section)."""
from __future__ import annotations

from typing import Any

SCALARS = {
    "identity_api_version": "identity.api_version",
    "interface": "catalog.interface",
    "image_api_version": "image.api_version",
    "image_endpoint_override": "image.endpoint_override",
    "image_format": "image.format",
    "disable_vendor_agent": "image.disable_vendor_agent",
    "image_api_use_tasks": "image.use_tasks",
    "has_network": "network.has_network",
    "floating_ip_source": "floating_ip.source",
    "requires_floating_ip": "floating_ip.requires",
    "secgroup_source": "security_group.source",
    "force_ipv4": "floating_ip.force_ipv4",
}


def compose(observed: dict[str, Any]) -> dict[str, Any]:
    """Profile keys for every observed, non-null value, plus `networks`."""
    profile = {key: observed[obs] for key, obs in SCALARS.items() if observed.get(obs) is not None}
    flags: dict[str, dict[str, bool]] = {}
    for flag, obs in (("default_interface", "network.default_interface"),
                      ("nat_destination", "floating_ip.nat_destination"),
                      ("nat_destination", "floating_ip.confirmed_nat_destination"),
                      ("nat_source", "floating_ip.nat_source"),
                      ("nat_source", "floating_ip.confirmed_nat_source")):
        if observed.get(obs):
            flags.setdefault(observed[obs], {})[flag] = True
    for flag in ("routes_externally", "routes_ipv6_externally"):   # {name: bool}, or a list of names
        value = observed.get(f"floating_ip.{flag}") or {}
        for name, state in (value.items() if isinstance(value, dict) else dict.fromkeys(value, True).items()):
            flags.setdefault(name, {})[flag] = bool(state)
    if flags:
        profile["networks"] = [{"name": name, **flags[name]} for name in sorted(flags)]
    return profile
