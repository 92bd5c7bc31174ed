"""Several regions of one simulated cloud: one keystone, one project, a catalog per region.

A personality's top level describes its first region (`region:`); each entry of `regions:`
names a further region and the personality sections that differ there. Each further region
is a cloud of its own (own port, own resources) sharing the first one's user, project and
tokens, so one token works in every region, as with a real keystone; the first region's
identity service lists every region's endpoints in the one catalog.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .personality import Personality, PersonalityError, from_document
from .state import CloudState

if TYPE_CHECKING:
    from .cloud import Cloud

SHARED = ("username", "project_name", "password", "user_id", "project_id", "provider_project_id",
          "domain", "tokens")


def _merged(base: Any, values: Any) -> Any:
    """Mappings merge key by key; anything else in `values` replaces what `base` had."""
    if isinstance(base, dict) and isinstance(values, dict):
        out = copy.deepcopy(base)
        for key, value in values.items():
            out[key] = _merged(base.get(key), value)
        return out
    return copy.deepcopy(values)


def region_names(personality: Personality) -> list[str]:
    return [personality.region, *(r["name"] for r in personality.data.get("regions", []))]


def region_personality(personality: Personality, name: str) -> Personality:
    """The personality as served in one region, its expected observations included."""
    if name == personality.region:
        return personality
    entry = next((r for r in personality.data.get("regions", []) if r["name"] == name), None)
    if entry is None:
        raise PersonalityError(f"{personality.path}: regions: no region {name!r} "
                               f"(has {', '.join(region_names(personality))})")
    data = _merged({k: v for k, v in personality.data.items() if k != "regions"}, entry.get("values", {}))
    data["region"] = name
    data["expected_observations"] = {**personality.data["expected_observations"],
                                     **entry.get("expected_observations", {})}
    region = from_document(personality.path, data)   # validated and default-filled like any personality
    region.cloud_url = personality.cloud_url
    return region


class RegionState(CloudState):
    """A further region's resources, with the first region's user, project and tokens."""

    def __init__(self, personality: Personality, first: CloudState):
        self._first = first
        super().__init__(personality)

    def _seed(self, p: Personality) -> None:
        for attr in SHARED:       # before seeding: project-owned resources carry the project id
            setattr(self, attr, getattr(self._first, attr))
        super()._seed(p)


def attach(first: Cloud) -> list[Cloud]:
    """Start every further region of `first`'s personality; `first.stop()` stops them."""
    from .cloud import Cloud
    for name in region_names(first.personality)[1:]:
        personality = region_personality(first.personality, name)
        region = Cloud(personality, api_timeout=first.api_timeout,
                       state=RegionState(personality, first.state)).start()
        first.regions.append(region)
    return first.regions


def regional_catalog(first: Cloud) -> list[dict[str, Any]]:
    """Every service once, with its URL in each region ([(region, url)], first region first).
    Identity is the first region's keystone everywhere: one auth_url, one set of tokens."""
    services: dict[str, dict[str, Any]] = {}
    identity = next((e["url"] for e in first.catalog() if e["type"] == "identity"), None)
    for cloud in (first, *first.regions):
        for entry in cloud.catalog():
            service = services.setdefault(entry["type"], {**entry, "urls": []})
            url = identity if entry["type"] == "identity" and identity else entry["url"]
            service["urls"].append((cloud.personality.region, url))
    return sorted(services.values(), key=lambda s: s["type"])
