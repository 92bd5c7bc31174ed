"""One openstacksdk profile for a cloud probed in several regions: openstacksdk's regions form.

openstacksdk's loader (get_one) lays a region's `values` over the profile's top level, key by
key. So a key every region states alike goes to the top level once; a key whose value differs,
or that only some regions state, goes into the `values` of each region that states it. The
`regions` list names every region probed (a region without its own values is a bare name, the
list form openstacksdk also reads), so that openstacksdk's get_all walks all of them.
"""

from __future__ import annotations

from typing import Any

from os_interop.errors import UserError


def _key(document: dict) -> str:
    cloud = document["cloud"]
    return cloud.get("label") or cloud["name"]


def check_one_cloud(documents: list[dict]) -> None:
    """Several documents make one profile only when they are regions of one cloud, once each."""
    clouds = sorted({d["cloud"]["name"] for d in documents})
    if len(clouds) > 1:
        raise UserError(f"these results are of several clouds ({', '.join(clouds)}); a profile is of "
                        "one cloud: pass the results of one cloud's regions")
    seen: dict[str | None, str] = {}
    for d in documents:
        region = d["cloud"].get("region")
        if region in seen:
            raise UserError(f"{_key(d)}: two results for region {region or '(none)'} (runs "
                            f"{seen[region]} and {d['run']['id']}); pass one per region")
        seen[region] = d["run"]["id"]


def combine(per_region: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """(region name, profile body without `regions`) per region -> one body in regions form."""
    per_region = sorted(per_region, key=lambda item: item[0])
    bodies = [body for _, body in per_region]
    keys = sorted({k for body in bodies for k in body})
    common = {k: bodies[0][k] for k in keys
              if all(k in body and body[k] == bodies[0][k] for body in bodies)}
    regions: list[Any] = []
    for name, body in per_region:
        values = {k: v for k, v in sorted(body.items()) if k not in common}
        regions.append({"name": name, "values": values} if values else name)
    if any(isinstance(r, dict) for r in regions):   # one shape for the whole list
        regions = [r if isinstance(r, dict) else {"name": r, "values": {}} for r in regions]
    return {**common, "regions": regions}
