"""What each personality declares is what its simulated cloud serves (read with plain HTTP).

A small, engine-independent cross-check of the declared observations that one or two requests
can establish; the engine's own end-to-end selftests check all of them.
"""

from __future__ import annotations

import re

import pytest
import requests

from os_interop.apis.versions import parse as version_key
from os_interop.simulator import shipped_personalities

NAMES = [p.stem for p in shipped_personalities()]


def _rule(rule, group_id):
    ports = "" if rule["port_range_min"] is None else f":{rule['port_range_min']}"
    remote = "self" if rule["remote_group_id"] == group_id else rule["remote_ip_prefix"] or "any"
    return f"{rule['ethertype']} {rule['protocol'] or 'any'}{ports} {remote}"


@pytest.mark.parametrize("name", NAMES)
def test_served_surface_matches_declarations(fleet, personalities, client, name):
    expected = personalities[name].expected_observations
    c = client(name)
    seen: dict[str, object] = {}

    catalog = c.session.auth.get_access(c.session).service_catalog
    urls = {t: c.session.get_endpoint(service_type=t, interface="public") for t in catalog.get_endpoints()}
    seen["catalog.versioned_services"] = sorted(t for t, u in urls.items() if re.search(r"/v\d+(\.\d+)?/?$", u))

    versions = requests.get(fleet.url(name) + "/image/", timeout=5).json()["versions"]
    seen["image.versions"] = sorted((v["id"] for v in versions), key=version_key)
    schema = c.image("GET", "/v2/schemas/image")
    if schema.status_code == 200:
        seen["image.disk_formats"] = sorted(f for f in schema.json()["properties"]["disk_format"]["enum"] if f)
        tasks = c.image("GET", "/v2/tasks").status_code
        seen["image.tasks_api"] = {200: "user", 403: "admin-only"}.get(tasks, "absent")
        info = c.image("GET", "/v2/info/import")
        seen["image.import_methods"] = info.json()["import-methods"]["value"] if info.status_code == 200 else []

    root = requests.get(fleet.url(name) + "/compute/", timeout=5).json()["versions"]
    seen["compute.max_microversion"] = max((v["version"] or v["id"][1:] for v in root),
                                           key=version_key)

    if personalities[name].network.service == "present":
        networks = c.network("GET", "/networks").json()["networks"]
        seen["network.candidates"] = sorted(n["name"] for n in networks
                                            if n["shared"] or n["project_id"] == c.project_id)
        aliases = {e["alias"] for e in c.network("GET", "/extensions").json()["extensions"]}
        if "router" in aliases:
            seen["floating_ip.external_networks"] = sorted(n["name"] for n in networks if n["router:external"])
        groups = c.network("GET", f"/security-groups?name=default&project_id={c.project_id}").json()
        group = groups["security_groups"][0]
        for direction in ("ingress", "egress"):
            seen[f"security_group.default_{direction}"] = sorted(
                _rule(r, group["id"]) for r in group["security_group_rules"] if r["direction"] == direction)

    mismatched = {k: {"served": v, "declared": expected[k]}
                  for k, v in seen.items() if k in expected and expected[k] != v}
    assert not mismatched
    assert len(set(seen) & set(expected)) >= 4
