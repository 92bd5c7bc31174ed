"""The openstacksdk vendor profile a run implies, and its .well-known/openstack/api form.

Only what the run observed goes in: each observation whose capability maps it to a
`profile_key` (capabilities/*.yaml). A key nobody observed, or observed as null, is left to
openstacksdk's defaults and discovery. `networks` is composed: one entry per network name,
sorted, carrying the flag each observation names (default_interface, nat_destination,
nat_source; routes_externally and routes_ipv6_externally as true or false from a
{name: bool} observation). The result is checked against the vendor-schema.json of the installed
openstacksdk, so what we emit is what the SDK accepts.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from os_interop import profile_sources, results
from reporters.profile_diff import Difference, diff, load_published, render_diff

__all__ = ["build", "well_known", "vendor_schema", "Difference", "diff", "load_published",
           "render_diff"]

NETWORKS = profile_sources.NETWORKS


@lru_cache(maxsize=1)
def vendor_schema() -> dict[str, Any]:
    """openstacksdk's own vendor-schema.json, from the installed package."""
    text = resources.files("openstack.config").joinpath("vendor-schema.json").read_text("utf-8")
    return json.loads(text)


def _observed(document: dict) -> list[tuple[str, str, Any]]:
    """(observation key, profile key, value) for every observation that feeds the profile;
    observations of errored capabilities never do (os_interop/profile_sources.py)."""
    return profile_sources.deciding(document["capabilities"], results.values(document))


def _network_role(observation_key: str, profile_key: str) -> str:
    """'networks[].nat_source' / 'networks.nat_source' name the flag; bare 'networks' takes it
    from the observation key (network.default_interface -> default_interface)."""
    rest = profile_key[len(NETWORKS):].lstrip("[].")
    return rest or observation_key.rsplit(".", 1)[-1]


def _networks(flags: dict[str, dict[str, bool]]) -> list[dict[str, Any]]:
    return [{"name": name, **dict(sorted(flags[name].items()))} for name in sorted(flags)]


def _compose(observed: list[tuple[str, str, Any]]) -> dict[str, Any]:
    profile: dict[str, Any] = {}
    flags: dict[str, dict[str, bool]] = {}
    for key, profile_key, value in observed:   # null values decide nothing (profile_sources)
        if profile_sources.top_key(profile_key) == NETWORKS:
            role = _network_role(key, profile_key)
            # a name or list of names sets the flag; a {name: bool} mapping states it both ways
            named = value if isinstance(value, dict) else dict.fromkeys(
                [value] if isinstance(value, str) else value, True)
            for name, flag in named.items():
                flags.setdefault(name, {})[role] = bool(flag)
        elif profile_key in profile and profile[profile_key] != value:
            raise RuntimeError(f"internal error: {profile_key} observed as both "
                               f"{profile[profile_key]!r} and {value!r}")
        else:
            profile[profile_key] = value
    if flags:
        profile[NETWORKS] = _networks(flags)
    return profile


def build(document: dict, name: str | None = None) -> dict[str, Any]:
    """{"name", "profile"} for the document's cloud, valid for openstacksdk's vendor loader."""
    cloud = document["cloud"]
    profile = _compose(_observed(document))
    if cloud.get("auth_url"):
        profile["auth"] = {"auth_url": cloud["auth_url"]}
    if cloud.get("region"):
        profile["regions"] = [cloud["region"]]
    vendor = {"name": name or cloud["name"], "profile": dict(sorted(profile.items()))}
    schema = vendor_schema()
    error = jsonschema.exceptions.best_match(
        jsonschema.validators.validator_for(schema)(schema).iter_errors(vendor))
    if error is not None:  # the composition rules or the suite's probes are wrong, not the user
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise RuntimeError(f"internal error: emitted profile invalid at {where}: {error.message}")
    return vendor


def well_known(document: dict, name: str | None = None) -> dict[str, Any]:
    """What a vendor serves at https://<domain>/.well-known/openstack/api.

    openstacksdk's get_profile fetches exactly the {"name", "profile"} shape of an in-tree
    vendor file; the name matters, because an in-tree profile of the same name overrides it.
    """
    return build(document, name)
