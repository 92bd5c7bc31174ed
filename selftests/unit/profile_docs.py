"""Small results documents for the profile diff and update tests: one capability per pain point,
each stating what it observed, so a test changes one outcome or value and sees what follows."""

from __future__ import annotations

import copy
from typing import Any

# id, cost, [(observation key, profile key, value)]
CAPABILITIES = [
    ("identity.versions", "read-only", [("identity.api_version", "identity_api_version", "3")]),
    ("identity.catalog", "read-only", [("catalog.interface", "interface", "public")]),
    ("image.api.versions", "read-only", [("image.api_version", "image_api_version", "2")]),
    ("image.format.preferred", "read-only", [("image.format", "image_format", "raw")]),
    ("upload.method", "creates-image", [("image.use_tasks", "image_api_use_tasks", False),
                                        ("image.upload_api_version", "image_api_version", "2")]),
    ("network.service", "read-only", [("network.has_network", "has_network", True)]),
    ("network.implicit_attach", "read-only", [("network.default_interface", "networks", "private")]),
    ("floating_ip.source", "read-only", [("floating_ip.source", "floating_ip_source", "neutron"),
                                         ("floating_ip.nat_source", "networks", "ext-net")]),
    ("floating_ip.addressing", "read-only", [
        ("floating_ip.requires", "requires_floating_ip", True),
        ("floating_ip.routes_externally", "networks", {"ext-net": True, "private": False})]),
    ("security_group.source", "read-only", [("security_group.source", "secgroup_source", "neutron")]),
]


def results_doc(name: str = "cloud", region: str | None = "RegionOne",
                values: dict[str, Any] | None = None,
                outcomes: dict[str, str] | None = None) -> dict:
    """A results document; `values` overrides observations, `outcomes` capability outcomes
    ("error", or "skip" for a capability that did not run)."""
    values, outcomes = values or {}, outcomes or {}
    caps, observations = [], {}
    for cap_id, cost, observed in CAPABILITIES:
        outcome = outcomes.get(cap_id, "pass")
        ran = outcome != "skip"
        entry = {"id": cap_id, "group": cap_id.split(".")[0], "title": cap_id, "status": "advisory",
                 "cost": cost, "outcome": outcome,
                 "reason": "not selected" if not ran else "", "value": None,
                 "observations": [], "profile_keys": sorted({pk.split("[")[0].split(".")[0]
                                                             for _, pk, _ in observed}),
                 "tests": [{"id": f"tests/{cap_id}", "outcome": "passed", "message": "",
                            "duration": 0.1}] if ran else []}
        for key, profile_key, value in observed:
            if not ran:
                continue
            value = copy.deepcopy(values.get(key, value))
            entry["observations"].append({"key": key, "test": f"tests/{cap_id}",
                                          "evidence": ["e1"], "profile_key": profile_key})
            observations[key] = value
        caps.append(entry)
    summary = {o: sum(c["outcome"] == o for c in caps) for o in ("pass", "diverge", "fail", "skip", "error")}
    return {"format": "os-interop-results/1", "suite": {"version": "test", "capabilities_digest": "sha256:" + "0" * 64},
            "cloud": {"name": name, "region": region, "auth_url": "http://127.0.0.1:1/v3"},
            "run": {"id": "r1", "started": "2026-01-01T00:00:00Z", "finished": "2026-01-01T00:01:00Z",
                    "requests": 10},
            "summary": summary, "capabilities": caps, "observations": observations,
            "resources": {"created": 0, "deleted": 0, "leaked": 0, "items": []}}
