"""Nova: its root versions and microversion headers."""

from __future__ import annotations

from os_interop.apis import versions
from os_interop.cloud import CloudUnderTest

LEGACY = "2.1"   # before 2.36/2.37: proxy APIs exist and `networks` may be omitted


def url(cloud: CloudUnderTest, path: str = "") -> str | None:
    base = cloud.endpoint("compute")
    return f"{base}{path}" if base else None


def max_microversion(cloud: CloudUnderTest) -> str | None:
    """The highest microversion of the v2.1 API, '2.0' when microversions are absent; None
    only when compute is not in the catalog. An unreadable version document raises Unknown
    (never a guessed "no microversions")."""
    base = cloud.endpoint("compute")
    if base is None:
        return None
    _, entries = versions.at_root(cloud, cloud.unversioned(base))
    best = None
    for entry in entries:
        candidate = entry.get("version") or (entry.get("id", "").lstrip("v") if entry.get("status") in (
            "CURRENT", "SUPPORTED", "STABLE") else None)
        if candidate and (best is None or versions.microversion(candidate) > versions.microversion(best)):
            best = candidate
    return best


def headers(microversion: str) -> dict[str, str]:
    """Both spellings, so old (X-OpenStack-Nova-API-Version) and new clouds agree."""
    return {"OpenStack-API-Version": f"compute {microversion}",
            "X-OpenStack-Nova-API-Version": microversion}
