"""openstacksdk's vendor profiles as openstacksdk reads them: its shipped files, its defaults,
and the spellings and value forms it treats as one.

A profile comparison that does not read keys and values the way the SDK does reports noise:
"2.0" against "2", `region-name` against `region_name`, `volume_api_version` against
`block_storage_api_version`, "True" against true. Everything here follows openstacksdk's
config loader (openstack/config/loader.py, _util.normalize_keys, cloud_region._get_config).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from os_interop.errors import UserError

PREFIX = "openstacksdk:"
# key suffixes openstacksdk resolves per service type, through the service type's aliases
SERVICE_SUFFIXES = ("_api_version", "_endpoint_override", "_service_name", "_service_type")


def vendors_dir() -> Path:
    """openstack/config/vendors/ of the installed openstacksdk."""
    return Path(str(resources.files("openstack.config").joinpath("vendors")))


@lru_cache(maxsize=1)
def shipped() -> dict[str, Path]:
    """Vendor name (the file's `name`, as openstacksdk indexes them) -> its file."""
    found: dict[str, Path] = {}
    for path in sorted(vendors_dir().iterdir()):
        if path.suffix in (".json", ".yaml"):
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            found[data["name"]] = path
    return found


SHIPPED_FILE = re.compile(r"(?:vendor-profiles/head/|openstack/config/vendors/)([\w-]+)\.(?:json|yaml)")


def named_in(sources: list[str]) -> str | None:
    """The shipped vendor a list of sources (a personality's `modelled_on:`) first names by its
    file, if openstacksdk still ships it with a profile of its own (not a remote pointer)."""
    by_stem = {path.stem: name for name, path in shipped().items()}
    for source in sources:
        for stem in SHIPPED_FILE.findall(str(source)):
            if stem in by_stem:
                try:
                    load(shipped()[by_stem[stem]])
                except UserError:      # a remote pointer: nothing to compare or patch
                    continue
                return by_stem[stem]
    return None


def resolve(spec: str) -> Path:
    """A path, or `openstacksdk:NAME` for the profile shipped inside the installed openstacksdk."""
    if not spec.startswith(PREFIX):
        return Path(spec)
    name = spec[len(PREFIX):]
    names = shipped()
    if name not in names:
        raise UserError(f"openstacksdk ships no vendor profile {name!r}; "
                        f"shipped: {', '.join(sorted(names))}")
    return names[name]


@lru_cache(maxsize=1)
def defaults() -> dict[str, Any]:
    """openstacksdk's defaults.json: what a profile that omits a key gets."""
    text = resources.files("openstack.config").joinpath("defaults.json").read_text("utf-8")
    return json.loads(text)


MISSING = object()
# defaults openstacksdk applies in code, not in defaults.json
CODE_DEFAULTS = {"force_ipv4": False}    # loader: client force_ipv4 unless the cloud sets it


def default(key: str) -> Any:
    """What openstacksdk uses for a profile key that is absent, MISSING when it discovers or has
    no value: defaults.json; force_ipv4 false; has_<service> true for an official service type
    (CloudRegion.has_service)."""
    if key in defaults():
        return defaults()[key]
    if key in CODE_DEFAULTS:
        return CODE_DEFAULTS[key]
    if key.startswith("has_"):
        return bool(_service_types().is_official(key[len("has_"):].replace("_", "-")))
    return MISSING


@lru_cache(maxsize=1)
def _service_types():
    import os_service_types   # an openstacksdk dependency; its data is loaded on first use
    return os_service_types.ServiceTypes()


@lru_cache(maxsize=256)
def canonical_key(key: str) -> str:
    """The one spelling of a profile key: `-` as `_` (normalize_keys), and a service alias as its
    official type (volume_api_version -> block_storage_api_version), as _get_config looks them up."""
    key = key.replace("-", "_")
    for suffix in SERVICE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            service = key[: -len(suffix)].replace("_", "-")
            official = _service_types().get_service_type(service)
            if official:
                return official.replace("-", "_") + suffix
    return key


def _schema_types(key: str) -> set[str]:
    from reporters.profile import vendor_schema
    prop = vendor_schema()["properties"]["profile"]["properties"].get(key, {})
    kind = prop.get("type", ())
    return {kind} if isinstance(kind, str) else set(kind)


def boolean(value: Any) -> bool:
    """loader.get_boolean: null is false, a string is true only as 'true'."""
    if value is None or isinstance(value, bool):
        return bool(value)
    return str(value).lower() == "true"


def normal(key: str, value: Any) -> Any:
    """The form openstacksdk acts on, for comparison only (never written back): versions as
    keystoneauth's (major, minor) tuple, numbers as strings (normalize_keys), boolean keys by
    truth (requires_floating_ip, image_api_use_tasks are tested with bool()/if); network flags
    go through loader.get_boolean in profile_diff."""
    if key.endswith("_api_version") and value is not None:
        from keystoneauth1.discover import normalize_version_number
        try:
            return normalize_version_number(str(value))
        except (TypeError, ValueError):
            return str(value)
    if "boolean" in _schema_types(key) and value is not None:
        return bool(value)   # openstacksdk tests these for truth: the string "False" is true
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def load(path: str | Path) -> dict:
    """A published profile from a JSON or YAML file: a vendor file or a bare profile."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file; pass a vendor profile (JSON or YAML) "
                        f"or {PREFIX}NAME") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise UserError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'} "
                        f"({first}); pass an openstacksdk vendor profile") from None
    if not isinstance(document, dict):
        raise UserError(f"{path}: not a vendor profile (expected a mapping, "
                        f"found {type(document).__name__})")
    inner = document.get("profile")
    if isinstance(inner, str) or (isinstance(inner, dict) and isinstance(inner.get("profile"), str)):
        remote = inner if isinstance(inner, str) else inner["profile"]
        raise UserError(f"{path}: only points to the remote profile {remote}; "
                        "fetch <that domain>/.well-known/openstack/api and pass that document instead")
    return document


def profile_of(document: dict) -> dict:
    """The profile of a vendor file {"name", "profile"}, or the document itself if bare."""
    inner = document.get("profile")
    return inner if isinstance(inner, dict) else document
