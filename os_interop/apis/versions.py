"""Version documents at a service root, in the shapes keystone, glance, nova and neutron use."""

from __future__ import annotations

import re
from typing import Any

from os_interop.cloud import CloudUnderTest


def listed(body: Any) -> list[dict[str, Any]]:
    """The version entries of a root document: {"versions": [...]} or {"versions": {"values": [...]}}."""
    if not isinstance(body, dict):
        return []
    versions = body.get("versions")
    if isinstance(versions, dict):
        versions = versions.get("values")
    if isinstance(body.get("version"), dict) and not versions:
        versions = [body["version"]]
    return [v for v in versions or [] if isinstance(v, dict) and "id" in v]


def at_root(cloud: CloudUnderTest, url: str) -> tuple[int, list[dict[str, Any]]]:
    """GET a service root: (status, version entries); 300 is the usual answer."""
    response = cloud.get(url.rstrip("/") + "/")
    return response.status_code, listed(cloud.json(response))


def parse(version_id: str) -> tuple[int, int]:
    """'v2.17' -> (2, 17); 'v3' -> (3, 0)."""
    m = re.match(r"v?(\d+)(?:\.(\d+))?", version_id or "")
    return (int(m[1]), int(m[2] or 0)) if m else (0, 0)


def microversion(text: str | None) -> tuple[int, int]:
    return parse(text) if text else (0, 0)
