"""identity.* and catalog.* observations."""
from __future__ import annotations

from typing import Any

from .api import VERSIONED, Cloud


def observe(cloud: Cloud) -> dict[str, Any]:
    """identity.* and catalog.* keys."""
    auth_url = cloud.conn.config.config["auth"]["auth_url"]
    root = VERSIONED.sub("", auth_url.rstrip("/")) + "/"
    body = cloud.request("GET", root, authenticated=False).json()
    versions = body["versions"]
    versions = versions.get("values", versions) if isinstance(versions, dict) else versions
    ids = sorted(v["id"] for v in versions)
    stable = [v["id"] for v in versions if v.get("status") in ("stable", "CURRENT", "SUPPORTED")]
    catalog = cloud.catalog()
    return {
        "identity.versions": ids,
        "identity.api_version": "3" if any(v.startswith("v3") for v in stable) else "2.0",
        "catalog.services": sorted(catalog),
        "catalog.interface": "public",
        "catalog.versioned_services": sorted(t for t, url in catalog.items() if VERSIONED.search(url)),
    }
