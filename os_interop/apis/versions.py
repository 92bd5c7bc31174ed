"""Version documents at a service root, in the shapes keystone, glance, nova and neutron use."""

from __future__ import annotations

from typing import Any, Mapping

from keystoneauth1 import discover

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


def parse(version_id: str | None) -> tuple[int, int]:
    """'v2.17' -> (2, 17); 'v3' -> (3, 0); (0, 0) for what is no version number (it sorts first).

    The parsing is keystoneauth's own (``discover.normalize_version_number``), the one clients use
    on the same documents; only its major.minor is kept.
    """
    try:
        parsed = discover.normalize_version_number(version_id or "")
    except TypeError:
        return (0, 0)
    if not all(isinstance(n, int) for n in parsed):  # "latest" is no version a document lists
        return (0, 0)
    major, minor = (*parsed, 0)[:2]
    return int(major), int(minor)


def microversion(text: str | None) -> tuple[int, int]:
    return parse(text) if text else (0, 0)
