"""Version documents at a service root, in the shapes keystone, glance, nova and neutron use."""

from __future__ import annotations

import re
from typing import Any, Mapping

from os_interop import answers
from os_interop.answers import JSON, Unknown
from os_interop.cloud import CloudUnderTest

# A root answers its version list with 300 Multiple Choices (keystone, glance) or 200 (nova,
# neutron); anything else is unknown unless the caller declares an absence (a hidden root).
ROOT: Mapping[int, str | None] = {300: JSON, 200: JSON}
ROOT_OR_HIDDEN: Mapping[int, str | None] = {**ROOT, 404: answers.EMPTY}


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


def at_root(cloud: CloudUnderTest, url: str,
            expect: Mapping[int, str | None] = ROOT) -> tuple[int, list[dict[str, Any]]]:
    """GET a service root: (status, version entries); [] only when the root is absent (a
    status the caller declared). A root that answers but lists no versions is unknown."""
    found = cloud.answer("GET", url.rstrip("/") + "/", expect)
    if expect[found.status] != JSON:
        return found.status, []
    entries = listed(found.body)
    if not entries:
        raise Unknown(f"GET {url.rstrip('/')}/ answered HTTP {found.status} without a version list",
                      found.evidence_id)
    return found.status, entries


def parse(version_id: str) -> tuple[int, int]:
    """'v2.17' -> (2, 17); 'v3' -> (3, 0)."""
    m = re.match(r"v?(\d+)(?:\.(\d+))?", version_id or "")
    return (int(m[1]), int(m[2] or 0)) if m else (0, 0)


def microversion(text: str | None) -> tuple[int, int]:
    return parse(text) if text else (0, 0)
