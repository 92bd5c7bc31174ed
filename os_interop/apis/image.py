"""Glance: where v2 lives for this cloud, derived from the catalog, never from version links.

Version documents may name the wrong host (a proxy without public_endpoint), so the base
URL keeps the catalog's scheme, host and path prefix and only adds the version segment.
"""

from __future__ import annotations

from typing import Any

from os_interop.apis import versions
from os_interop.cloud import CloudUnderTest


def catalog_url(cloud: CloudUnderTest) -> str | None:
    return cloud.endpoint("image")


def root(cloud: CloudUnderTest) -> str | None:
    url = catalog_url(cloud)
    return cloud.unversioned(url) if url else None


def offered(cloud: CloudUnderTest) -> tuple[int | None, list[dict[str, Any]]]:
    """(status, version entries) at the image root."""
    base = root(cloud)
    if base is None:
        return None, []
    return versions.at_root(cloud, base)


def v2(cloud: CloudUnderTest, path: str = "") -> str:
    return f"{root(cloud)}/v2{path}"


def v1(cloud: CloudUnderTest, path: str = "") -> str:
    return f"{root(cloud)}/v1{path}"


def schema(cloud: CloudUnderTest) -> dict[str, Any] | None:
    response = cloud.get(v2(cloud, "/schemas/image"))
    return cloud.json(response) if response.status_code == 200 else None


def public_images(cloud: CloudUnderTest) -> list[dict[str, Any]]:
    """Public images (v2, or v1 detail where v2 is absent); one page of up to 100.
    A refused listing is a finding, not "no images" (which would mean "qcow2 is preferred")."""
    if v2_offered(cloud):
        url = v2(cloud, "/images?visibility=public&limit=100")
    else:
        url = v1(cloud, "/images/detail?is_public=true&limit=100")
    response = cloud.get(url)
    body = cloud.json(response)
    assert response.status_code == 200 and isinstance(body, dict) and "images" in body, \
        f"GET {url} answered HTTP {response.status_code}"
    return [dict(i, visibility=i.get("visibility", "public")) for i in body["images"]]


def import_methods(cloud: CloudUnderTest) -> list[str] | None:
    """Methods from /v2/info/import, or None when the endpoint is absent (404)."""
    response = cloud.get(v2(cloud, "/info/import"))
    if response.status_code == 404:
        return None
    assert response.status_code == 200, f"GET /v2/info/import answered HTTP {response.status_code}"
    body = cloud.json(response) or {}
    return sorted(body.get("import-methods", {}).get("value", []))


def v2_offered(cloud: CloudUnderTest) -> bool:
    """v2 is listed at the root, or (root hidden) the catalog URL itself is a v2 URL."""
    status, entries = offered(cloud)
    if entries:
        return any(versions.parse(e["id"])[0] == 2 for e in entries)
    url = catalog_url(cloud) or ""
    return url.rstrip("/").endswith("/v2")


def accepted_formats(cloud: CloudUnderTest) -> list[str] | None:
    """disk_format enum of the v2 image schema (None when there is no schema)."""
    body = schema(cloud)
    if not body:
        return None
    enum = body.get("properties", {}).get("disk_format", {}).get("enum") or []
    return sorted(f for f in enum if f)


def provider_images(cloud: CloudUnderTest) -> list[dict[str, Any]]:
    """Public images the project does not own: the provider's own choices."""
    project = cloud.project_id
    return [i for i in public_images(cloud) if i.get("owner") != project]


def preferred_format(cloud: CloudUnderTest) -> str | None:
    """Majority disk_format of the provider's images, among the accepted formats;
    qcow2 (openstacksdk's default) when the provider shows no images."""
    accepted = accepted_formats(cloud)
    counts: dict[str, int] = {}
    for img in provider_images(cloud):
        fmt = img.get("disk_format")
        if fmt and (accepted is None or fmt in accepted):
            counts[fmt] = counts.get(fmt, 0) + 1
    if counts:
        return max(sorted(counts), key=lambda f: counts[f])
    if accepted is None or "qcow2" in accepted:
        return "qcow2"
    return accepted[0] if accepted else None


def tasks_visibility(cloud: CloudUnderTest) -> str:
    """'user' (200), 'admin-only' (403) or 'absent' (404)."""
    response = cloud.get(v2(cloud, "/tasks?limit=1"))
    found = {200: "user", 403: "admin-only", 404: "absent"}.get(response.status_code)
    assert found, f"GET /v2/tasks answered HTTP {response.status_code}"
    return found
