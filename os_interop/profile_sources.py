"""Which observations decide which openstacksdk profile keys.

An observation decides the `profile_key` its capability maps it to (capabilities/*.yaml)
unless its capability errored (an error is never a profile key: answers.py) or it observed
nothing usable (null, or no network names): then openstacksdk's defaults apply. A key that an
errored capability could have decided is withheld whole, also where other capabilities feed
it (the composed `networks` list): a partial composite would be a value nobody observed.
Where two observations give one profile key different values, the one proven by use (its
capability creates something) decides and the read-only one does not: what works end to end
beats what is listed (glance v2 listed, yet uploads work only through v1: image_api_version
"1"). Results
documents record the answer (`profile_sources`); reporters/profile.py composes the profile
from the very same list, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

NETWORKS = "networks"


def top_key(profile_key: str) -> str:
    """'networks[].nat_source' -> 'networks'; 'image_format' -> 'image_format'."""
    return profile_key.split("[")[0].split(".")[0]


def deciding(capabilities: list[dict[str, Any]], values: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(observation key, profile key, value) of every observation that decides a profile key,
    from a results document's capability entries and its values (results.values)."""
    found: dict[str, tuple[str, str, Any, bool]] = {}   # ..., proven by use
    withheld = {k for cap in capabilities if cap["outcome"] == "error"
                for k in cap.get("profile_keys", ()) or
                {top_key(o["profile_key"]) for o in cap["observations"] if "profile_key" in o}}
    for cap in capabilities:
        if cap["outcome"] == "error":
            continue
        for obs in cap["observations"]:
            key = obs["key"]
            if "profile_key" not in obs or key in found or top_key(obs["profile_key"]) in withheld:
                continue
            value = values.get(key)
            if value is None or (top_key(obs["profile_key"]) == NETWORKS and not value):
                continue
            found[key] = (key, obs["profile_key"], value, cap.get("cost", "read-only") != "read-only")
    return [(key, profile_key, value) for key, profile_key, value, used in found.values()
            if used or not _overridden(found.values(), profile_key, value)]


def _overridden(found: Iterable[tuple[str, str, Any, bool]], profile_key: str, value: Any) -> bool:
    """A creating capability's observation gives `profile_key` another value."""
    return any(used and pk == profile_key and v != value for _, pk, v, used in found
               if top_key(pk) != NETWORKS)


def sources(capabilities: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, list[str]]:
    """profile key -> the observation keys that decided it."""
    out: dict[str, list[str]] = {}
    for key, profile_key, _ in deciding(capabilities, values):
        out.setdefault(top_key(profile_key), []).append(key)
    return {k: sorted(v) for k, v in sorted(out.items())}
