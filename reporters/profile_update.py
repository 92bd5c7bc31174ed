"""A published openstacksdk vendor file rewritten with what runs observed: the smallest change
openstacksdk's maintainers would take.

Only keys a run observed change (reporters/profile_diff.py decides which: `differs` and
`only-observed`, never a default, never a key of an errored capability, since those never
reach the emitted profile: profile_sources.py). Everything else stays as it is: auth, region
names, status and message, keys of services no run probed, key order, spelling (a `volume_`
alias stays one), and the file's own style: JSON indentation and final newline, YAML through a
round-trip loader with the indentation that reproduces the file. A value a region's `values`
carries is changed there; a value several regions of one vendor observed differently goes to
each region's `values`, leaving the top level to the regions not observed.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from os_interop.errors import UserError
from reporters import profile_diff, sdk_vendors
from reporters.sdk_vendors import canonical_key

CHANGING = ("differs", "only-observed")
TRAILING = ("status", "message")     # openstacksdk's files end with these: new keys go before
YAML_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (2, 2, 2), (4, 6, 4), (4, 4, 0))


@dataclass(frozen=True)
class Change:
    key: str                 # flat key, as profile_diff names it
    region: str | None       # None: the top level; else that region's values
    old: Any
    new: Any

    def line(self) -> str:
        where = f"regions[{self.region}]." if self.region else ""
        old = "(new)" if self.old is None else json.dumps(self.old)
        return f"{where}{self.key}: {old} -> {json.dumps(self.new)}"


@dataclass(frozen=True)
class Rewrite:
    text: str
    changes: list[Change]
    exact_style: bool        # the untouched file reproduces byte for byte in this style


# --- reading and writing in the file's own style --------------------------------------------

class _Json:
    def __init__(self, text: str):
        self.data = json.loads(text)
        lines = text.splitlines()
        self.indent = next((len(l) - len(l.lstrip(" ")) for l in lines[1:] if l.startswith(" ")), 2)
        self.newline = text.endswith("\n")
        self.ascii = text.isascii()
        self.exact = self.dump() == text

    def dump(self) -> str:
        out = json.dumps(self.data, indent=self.indent, ensure_ascii=self.ascii)
        return out + ("\n" if self.newline else "")


class _Yaml:
    def __init__(self, text: str):
        from ruamel.yaml import YAML   # round trip: comments, quotes and order survive
        self.exact = False
        for mapping, sequence, offset in YAML_INDENTS:
            self.yaml = YAML()
            self.yaml.preserve_quotes = True
            self.yaml.width = 4096
            self.yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
            self.yaml.explicit_start = text.lstrip().startswith("---")
            self.data = self.yaml.load(text)
            if self.dump() == text:
                self.exact = True
                break
        if not self.exact:   # keep the first style; the caller says the diff may be wider
            self.yaml.indent(mapping=2, sequence=4, offset=2)

    def dump(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()


def _load(path: Path):
    text = path.read_text(encoding="utf-8")
    sdk_vendors.load(path)    # the same one-line errors as --diff for a bad or remote file
    return _Json(text) if path.suffix == ".json" else _Yaml(text)


# --- placing a value -----------------------------------------------------------------------

def _spelling(mapping: dict, key: str) -> str:
    """The spelling the file already uses for `key` (region-name, volume_api_version), else key."""
    return next((k for k in mapping if canonical_key(str(k)) == key), key)


def _insert(mapping: dict, key: str, value: Any) -> None:
    keys = list(mapping)
    position = len(keys)
    while position and keys[position - 1] in TRAILING:
        position -= 1
    if hasattr(mapping, "insert"):           # ruamel's CommentedMap keeps its comments
        mapping.insert(position, key, value)
        return
    items = list(mapping.items())
    items.insert(position, (key, value))
    mapping.clear()
    mapping.update(items)


def _set_network(profile: dict, key: str, value: Any) -> None:
    spelling = _spelling(profile, "networks")
    if spelling not in profile:
        _insert(profile, spelling, [])
    networks = profile[spelling]
    if key.startswith("networks."):           # which network carries a flag openstacksdk takes once
        flag, name = key.split(".", 1)[1], value
        for net in networks:
            if net.get("name") != name and sdk_vendors.boolean(net.get(flag)):
                del net[flag]
        target = {"name": name, flag: True}
    else:                                     # networks[NAME].flag
        name, flag = key[len("networks["):].rsplit("].", 1)
        target = {"name": name, flag: value}
    for net in networks:
        if net.get("name") == name:
            net[flag] = target[flag]
            return
    networks.append(target)


def _set(profile: dict, key: str, value: Any) -> None:
    if profile_diff.top(key) == "networks":
        _set_network(profile, key, value)
        return
    head, _, leaf = key.partition(".")
    spelling = _spelling(profile, head)
    if leaf:
        if not isinstance(profile.get(spelling), dict):
            _insert(profile, spelling, {})
        inner = profile[spelling]
        if leaf in inner:
            inner[leaf] = value
        else:
            _insert(inner, leaf, value)
    elif spelling in profile:
        profile[spelling] = value
    else:
        _insert(profile, spelling, value)


def _region_values(profile: dict, region: str) -> dict | None:
    spelling = _spelling(profile, "regions")
    entries = profile.get(spelling) or []
    for i, entry in enumerate(entries):
        name = entry if isinstance(entry, str) else entry.get("name")
        if name != region:
            continue
        if isinstance(entry, str):
            entries[i] = entry = {"name": entry, "values": {}}
        if entry.get("values") is None:
            entry["values"] = {}
        return entry["values"]
    return None


# --- the rewrite ---------------------------------------------------------------------------

def _observed(documents: list[dict], published: dict
              ) -> dict[tuple[str, bool], dict[str | None, tuple[Any, bool]]]:
    """(flat key, lives in region values) -> {region: (observed value, differs from what the
    file gives that region)} over every document."""
    found: dict[tuple[str, bool], dict[str | None, tuple[Any, bool]]] = {}
    for document in documents:
        comparison = profile_diff.compare(document, published)
        prefix = f"regions[{comparison.region}]."
        for d in comparison.differences:
            if d.observed is profile_diff.MISSING:
                continue
            regional = d.key.startswith(prefix)
            key = d.key[len(prefix):] if regional else d.key
            found.setdefault((key, regional), {})[comparison.region] = (d.observed, d.status in CHANGING)
    return {k: v for k, v in found.items() if any(changing for _, changing in v.values())}


def _old(profile: dict, key: str, region: str | None) -> Any:
    return profile_diff.in_region(profile, region)[0].get(key)


def rewrite(path: Path, documents: list[dict]) -> Rewrite:
    """The vendor file at `path` with what `documents` (runs of that vendor's cloud) observed."""
    loaded = _load(path)
    profile = sdk_vendors.profile_of(loaded.data)
    changes: list[Change] = []
    for (key, regional), by_region in sorted(_observed(documents, loaded.data).items()):
        values = [value for value, _ in by_region.values()]
        if not regional and all(profile_diff.same(key, v, values[0]) for v in values):
            changes.append(Change(key, None, _old(profile, key, None), values[0]))
            continue
        # a region's own value, or regions that disagree: each changed region gets its own
        for region, (value, changing) in by_region.items():
            if not changing:
                continue
            if region is None or _region_values(profile, region) is None:
                raise UserError(
                    f"{path}: runs observed {key} as {', '.join(map(json.dumps, values))} but "
                    f"{region or 'a run without a region'} is not among the file's regions; "
                    "map each region's results to its vendor file or add the region first")
            changes.append(Change(key, region, _old(profile, key, region), value))
    for change in changes:
        target = profile if change.region is None else _region_values(profile, change.region)
        _set(target, change.key, change.new)
    from reporters.profile import vendor_schema
    error = jsonschema.exceptions.best_match(jsonschema.validators.validator_for(vendor_schema())(
        vendor_schema()).iter_errors(json.loads(json.dumps(loaded.data))))
    if error is not None:   # what we write must load in openstacksdk; a bug here, not the user's
        raise RuntimeError(f"internal error: {path} would not validate: {error.message}")
    return Rewrite(loaded.dump(), changes, loaded.exact)


# --- many clouds at once -------------------------------------------------------------------

def vendor_files(directory: Path) -> dict[str, Path]:
    """Vendor name (the file's `name`, else its stem) -> file, in an openstacksdk vendors/ copy."""
    if not directory.is_dir():
        raise UserError(f"{directory}: not a directory; pass a copy of openstacksdk's "
                        "openstack/config/vendors/")
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix in (".json", ".yaml") and path.is_file():
            try:
                name = sdk_vendors.load(path).get("name") or path.stem
            except UserError:
                name = path.stem     # a remote pointer or a broken file: named, rewrite says why
            found[str(name)] = path
            found.setdefault(path.stem, path)
    return found


def parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        cloud, sep, vendor = pair.partition("=")
        if not sep or not cloud or not vendor:
            raise UserError(f"--map {pair!r}: expected CLOUD=VENDOR (e.g. --map rackspace-2015=rackspace)")
        mapping[cloud] = vendor
    return mapping


def plan(documents: list[dict], directory: Path, mapping: dict[str, str]
         ) -> tuple[dict[Path, list[dict]], list[str]]:
    """Vendor file -> the documents that update it, and one line per cloud with no file."""
    files = vendor_files(directory)
    clouds = {d["cloud"].get("label") or d["cloud"]["name"] for d in documents} | \
             {d["cloud"]["name"] for d in documents}
    for cloud, vendor in mapping.items():
        if cloud not in clouds:
            raise UserError(f"--map {cloud}={vendor}: no results for cloud {cloud!r}; "
                            f"clouds: {', '.join(sorted(clouds))}")
        if vendor not in files:
            raise UserError(f"--map {cloud}={vendor}: no vendor file named {vendor!r} in "
                            f"{directory}; there: {', '.join(sorted(set(files)))}")
    grouped: dict[Path, list[dict]] = {}
    skipped = []
    for document in documents:
        label = document["cloud"].get("label") or document["cloud"]["name"]
        vendor = mapping.get(label) or mapping.get(document["cloud"]["name"]) or document["cloud"]["name"]
        if vendor in files:
            grouped.setdefault(files[vendor], []).append(document)
        else:
            skipped.append(f"{label}: no vendor file {vendor!r} in {directory} "
                           f"(map it with --map {label}=VENDOR)")
    return grouped, skipped
