"""What a run observed against a published openstacksdk profile, key by key, read the way
openstacksdk reads both.

Only keys a run can observe are compared (the profile keys the results' capabilities can
decide); the rest (auth, region names, service names, status...) are named once as left out.
Keys and values are normalised as openstacksdk reads them (reporters/sdk_vendors.py), and a
key one side omits counts as openstacksdk's default for it: defaults.json, or for an
`*_api_version` key the version discovery picks, which is what the run's read-only
capabilities observed. `networks` compares as openstacksdk uses it: which network carries
each of default_interface, nat_destination, nat_source (the first flagged), and each named
network's routing flags. A published profile with per-region `regions[].values` is compared
in the run's region, its values laid over the top level as openstacksdk's get_one does.

A key the run did not observe says why: its capability errored (withheld, never a value:
profile_sources.py), did not run or was skipped, or ran and observed no value.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from tabulate import tabulate

from os_interop import profile_sources, results
from reporters import sdk_vendors
from reporters.display import compact, shorten
from reporters.sdk_vendors import canonical_key, load as load_published, normal

__all__ = ["Difference", "Comparison", "compare", "same", "flatten", "in_region", "top",
           "load_published", "render", "verdict", "exit_code"]

STATUSES = ("differs", "only-observed", "only-published", "same")
UNIQUE_FLAGS = ("default_interface", "nat_destination", "nat_source")
ROUTING_FLAGS = ("routes_externally", "routes_ipv4_externally", "routes_ipv6_externally")
VALUE_WIDTH = 40
MISSING = sdk_vendors.MISSING


@dataclass(frozen=True)
class Difference:
    key: str
    status: str          # one of STATUSES
    observed: Any = None   # MISSING where that side has no such key
    published: Any = None
    note: str = ""         # why a key is only published; which default made two sides the same

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not MISSING}


@dataclass
class Comparison:
    cloud: str
    region: str | None
    published: str                     # where the published profile came from
    differences: list[Difference]
    left_out: list[str]                # published keys no run can observe
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {s: sum(d.status == s for d in self.differences) for s in STATUSES}


def top(key: str) -> str:
    return profile_sources.top_key(key)


def _networks(networks: list) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    entries = [n for n in networks if isinstance(n, dict) and n.get("name")]
    for flag in UNIQUE_FLAGS:   # openstacksdk takes the first network flagged
        chosen = next((n["name"] for n in entries if sdk_vendors.boolean(n.get(flag))), None)
        if chosen is not None:
            flat[f"networks.{flag}"] = chosen
    for net in entries:
        for flag in ROUTING_FLAGS:
            if flag in net:
                flat[f"networks[{net['name']}].{flag}"] = sdk_vendors.boolean(net[flag])
    return flat


def flatten(profile: dict, prefix: str = "") -> dict[str, Any]:
    """Leaf key (canonical spelling) -> value; networks as above; regions kept whole."""
    flat: dict[str, Any] = {}
    for key, value in profile.items():
        key = prefix + (canonical_key(str(key)) if not prefix else str(key).replace("-", "_"))
        if key == "networks" and isinstance(value, list):
            flat.update(_networks(value))
        elif isinstance(value, dict) and value and key != "regions":
            flat.update(flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


def _regions(profile: dict) -> list[dict]:
    """regions as openstacksdk expands them: a name, or {name, values}."""
    listed = next((v for k, v in profile.items() if canonical_key(k) == "regions"), None) or []
    return [{"name": r, "values": {}} if isinstance(r, str) else
            {"name": r.get("name"), "values": r.get("values") or {}} for r in listed]


def in_region(profile: dict, region: str | None) -> tuple[dict, set[str], str | None]:
    """The published profile openstacksdk would use in `region`: (flat profile, the keys that
    come from that region's values, a note when the region had to be guessed)."""
    base = {k: v for k, v in profile.items() if canonical_key(k) != "regions"}
    entries = _regions(profile)
    if not any(e["values"] for e in entries):
        return flatten(base), set(), None
    names = [e["name"] for e in entries]
    note = None
    chosen = next((e for e in entries if e["name"] == region), None)
    if region is None:
        chosen = entries[0]
        note = f"the run recorded no region: compared in {chosen['name']}, openstacksdk's first"
    elif chosen is None:
        note = (f"region {region} is not among the published regions ({', '.join(names)}): "
                "compared with the top-level values")
    values = chosen["values"] if chosen else {}
    merged = {**base, **{k: v for k, v in values.items() if v is not None}}
    return flatten(merged), set(flatten(values)) if values else set(), note


@dataclass
class Observed:
    """What one results document says about each profile key."""
    cloud: str
    region: str | None
    values: dict[str, Any]           # flat key -> observed value
    observable: set[str]             # top keys the run's capabilities can decide
    unobserved: dict[str, tuple[str, str]]   # top key -> (state, why): error | not-run | no-value
    discovered: dict[str, Any]       # flat key -> the value version discovery picks


def _profile_keys(cap: dict) -> set[str]:
    keys = set(cap.get("profile_keys") or ())
    return keys | {top(o["profile_key"]) for o in cap.get("observations", ()) if "profile_key" in o}


def _why(caps: list[dict]) -> tuple[str, str]:
    errored = [c["id"] for c in caps if c["outcome"] == "error"]
    if errored:
        return "error", f"withheld: {', '.join(errored)} errored"
    ran = [c for c in caps if c["tests"] and c["outcome"] != "skip"]
    if not ran:
        first = caps[0]
        reason = first.get("reason") or ("not selected" if not first["tests"] else "skipped")
        return "not-run", f"not observed: {first['id']} {shorten(reason, 60)}"
    return "no-value", "the run observed no value for it"


def observe(document: dict) -> Observed:
    from reporters import profile as emitted
    values = results.values(document)
    built = emitted.build(document)["profile"]
    flat = flatten({k: v for k, v in built.items() if k not in ("auth", "regions")})
    caps = document["capabilities"]
    observable = set().union(*(_profile_keys(c) for c in caps)) if caps else set()
    present = {top(k) for k in flat}
    unobserved = {k: _why([c for c in caps if k in _profile_keys(c)])
                  for k in sorted(observable - present)}
    discovered: dict[str, Any] = {}
    for cap in caps:   # what a read-only listing says is what discovery would pick
        if cap.get("cost", "read-only") != "read-only" or cap["outcome"] == "error":
            continue
        for obs in cap.get("observations", ()):
            key = obs.get("profile_key", "")
            if key.endswith("_api_version") and key not in sdk_vendors.defaults() \
                    and values.get(obs["key"]) is not None:
                discovered[key] = values[obs["key"]]
    cloud = document["cloud"]
    return Observed(cloud.get("label") or cloud["name"], cloud.get("region"), flat, observable,
                    unobserved, discovered)


def same(key: str, a: Any, b: Any) -> bool:
    """Equal as openstacksdk reads them."""
    return normal(top(key), a) == normal(top(key), b)


def _published_value(flat: dict, key: str) -> Any:
    """A routing flag openstacksdk defaults from routes_externally reads as that."""
    if key in flat:
        return flat[key]
    name, _, flag = key.rpartition(".")
    if name.startswith("networks[") and flag in ("routes_ipv4_externally", "routes_ipv6_externally"):
        return flat.get(f"{name}.routes_externally", MISSING)
    return MISSING


def compare(document: dict, published: dict, source: str = "published") -> Comparison:
    """The run's observations against a published vendor file (or bare profile)."""
    run = observe(document)
    theirs, regional, note = in_region(sdk_vendors.profile_of(published), run.region)
    left_out = sorted({top(k) for k in theirs if top(k) not in run.observable}
                      | ({"regions[].name"} if _regions(sdk_vendors.profile_of(published)) else set()))
    diffs = []
    for key in sorted({k for k in run.values} | {k for k in theirs if top(k) in run.observable}):
        shown = f"regions[{run.region}].{key}" if key in regional else key
        ours, published_value = run.values.get(key, MISSING), _published_value(theirs, key)
        default = run.discovered.get(key, sdk_vendors.default(key))
        if ours is not MISSING and published_value is not MISSING:
            status = "same" if same(key, ours, published_value) else "differs"
            diffs.append(Difference(shown, status, ours, published_value))
        elif ours is not MISSING:
            if default is not MISSING and same(key, ours, default):
                diffs.append(Difference(shown, "same", ours, MISSING, _default_note(key, run)))
            else:
                diffs.append(Difference(shown, "only-observed", ours, MISSING))
        else:
            state, why = run.unobserved.get(top(key), ("no-value", _no_value(key)))
            if state == "no-value" and default is not MISSING and same(key, published_value, default):
                diffs.append(Difference(shown, "same", MISSING, published_value,
                                        "openstacksdk's default; the run observed no other"))
            else:
                diffs.append(Difference(shown, "only-published", MISSING, published_value, why))
    return Comparison(run.cloud, run.region, source, diffs, left_out, [note] if note else [])


def _no_value(key: str) -> str:
    if key.startswith("networks["):
        return "the run reported nothing about this network"
    return "the run observed no value for it"


def _default_note(key: str, run: Observed) -> str:
    return ("version discovery picks it" if key in run.discovered else "openstacksdk's default")


def exit_code(comparisons: list[Comparison]) -> int:
    """1 when an observed value contradicts a published one."""
    return 1 if any(c.counts()["differs"] for c in comparisons) else 0


def verdict(comparison: Comparison) -> str:
    """One line, the number that matters first."""
    counts = comparison.counts()
    differ = counts["differs"]
    head = f"{differ} key{'s' if differ != 1 else ''} differ{'s' if differ == 1 else ''}"
    return (f"{head}, {counts['only-observed']} only observed, "
            f"{counts['only-published']} only published, {counts['same']} same")


def _shown(value: Any) -> str:
    return "-" if value is MISSING else shorten(compact(value), VALUE_WIDTH)


def render_text(comparison: Comparison) -> str:
    where = f" ({comparison.region})" if comparison.region else ""
    lines = [f"{comparison.cloud}{where} against {comparison.published}", *comparison.notes]
    ordered = sorted(comparison.differences, key=lambda d: (STATUSES.index(d.status), d.key))
    rows = [[d.key, d.status, _shown(d.observed), _shown(d.published), d.note] for d in ordered]
    lines.append(tabulate(rows, ["key", "status", "observed", "published", "note"], tablefmt="simple"))
    if comparison.left_out:
        lines.append(f"left out, a run cannot observe them: {', '.join(comparison.left_out)}")
    lines.append(verdict(comparison))
    return "\n".join(lines) + "\n"


def render(comparisons: list[Comparison], fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps({"comparisons": [
            {**asdict(c), "differences": [d.as_dict() for d in c.differences],
             "summary": c.counts()} for c in comparisons],
            "exit_code": exit_code(comparisons)}, indent=2, default=str) + "\n"
    return "\n".join(render_text(c) for c in comparisons)
