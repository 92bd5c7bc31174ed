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
}


def compose(observed: dict[str, Any]) -> dict[str, Any]:
    """Profile keys for every observed, non-null value, plus `networks`."""
    profile = {key: observed[obs] for key, obs in SCALARS.items() if observed.get(obs) is not None}
    flags: dict[str, dict[str, bool]] = {}
    for flag, obs in (("default_interface", "network.default_interface"),
                      ("nat_destination", "floating_ip.nat_destination"),
                      ("nat_source", "floating_ip.nat_source")):
        if observed.get(obs):
            flags.setdefault(observed[obs], {})[flag] = True
    for name in observed.get("floating_ip.routes_externally") or []:
        flags.setdefault(name, {})["routes_externally"] = True
    if flags:
        profile["networks"] = [{"name": name, **flags[name]} for name in sorted(flags)]
    return profile
