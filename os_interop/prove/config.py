"""Which configuration `prove` gives openstacksdk: the cloud's own clouds.yaml entry, with the
vendor profile applied as openstacksdk's loader applies one, or without it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml

from os_interop.errors import UserError

PROFILE_NAME = "osi-prove"
# keys of a vendor profile that say where the cloud is, not how a client must behave
LOCATION_KEYS = frozenset({"auth", "regions", "region_name", "name", "status", "message"})


def cloud_entry(name: str) -> dict[str, Any]:
    """The raw clouds.yaml entry of `name` (secure.yaml and OS_* merged, as openstacksdk reads it);
    a label `cloud@region` gives the entry narrowed to that region."""
    from os_interop import targets
    from os_interop.errors import UserError
    config = targets.openstack_config()
    found = targets.resolve([name], config=config)   # a bad entry: a usage error, no request made
    if len(found) != 1:
        raise UserError(f"cloud {name!r} has regions {', '.join(t.region or '-' for t in found)}; "
                        f"prove one at a time: --cloud {found[0].label}")
    target = found[0]
    entry = dict(config.cloud_config["clouds"][target.cloud])
    if target.region and name != target.cloud:
        entry.pop("regions", None)
        entry["region_name"] = target.region
    return located(entry)


def located(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with where-the-cloud-is taken from the in-tree vendor profile it names (its
    auth_url, regions), since both runs replace that profile: the one proved, or none."""
    from openstack.config import vendors
    named = entry.get("profile") or entry.get("cloud")
    if not isinstance(named, str) or "://" in named or "." in named:   # a URL would be fetched
        return entry
    vendor = vendors.get_profile(named) or {}
    out = dict(entry)
    out["auth"] = {**(vendor.get("auth") or {}), **(entry.get("auth") or {})}
    for key in ("regions", "region_name"):
        if key in vendor and key not in entry:
            out[key] = vendor[key]
    return out


def profile_body(document: Any, source: str) -> dict[str, Any]:
    """The profile of a vendor file ({"name", "profile"}) or a bare profile mapping."""
    body = document.get("profile") if isinstance(document, dict) and isinstance(document.get("profile"), dict) \
        else document
    if not isinstance(body, dict):
        raise UserError(f"{source} is not an openstacksdk vendor profile (a JSON object, or "
                        "{\"name\": ..., \"profile\": {...}}); write one with `os-interop profile`")
    return body


def load_profile(path: str | None, out: Path, cloud: str) -> tuple[dict[str, Any], str]:
    """--profile FILE, else the profile the cloud's last run implies (<out>/<cloud>/results.json)."""
    if path:
        try:
            return profile_body(json.loads(Path(path).read_text(encoding="utf-8")), path), path
        except OSError as exc:
            raise UserError(f"cannot read --profile {path}: {exc.strerror}; pass an existing file") from None
        except ValueError as exc:
            raise UserError(f"--profile {path} is not JSON ({exc}); pass a vendor profile file") from None
    results = out / cloud / "results.json"
    if not results.exists():
        raise UserError(f"no profile to prove for {cloud!r}: pass --profile FILE, or run "
                        f"`os-interop run --cloud {cloud} --out {out}` first")
    from os_interop import results as results_mod
    from reporters import profile
    return profile.build(results_mod.load(results))["profile"], str(results)


def behaviour_keys(profile: dict[str, Any]) -> list[str]:
    """The profile keys that change what a client does (not where the cloud is)."""
    return sorted(k for k in profile if k not in LOCATION_KEYS)


def connect(entry: dict[str, Any], profile: dict[str, Any] | None, name: str = "prove") -> Any:
    """An openstacksdk Connection for `entry`; with `profile` it is a vendor profile the entry
    names (`profile: osi-prove` in a clouds-public.yaml), as openstacksdk's loader expands one;
    without, the entry with no profile at all. The user's own files and OS_* are not read (an
    OS_CLIENT_CONFIG_FILE would be read instead of the temporary file)."""
    import openstack
    entry = {k: v for k, v in entry.items() if k not in ("profile", "cloud")}
    vendor: dict[str, Any] = {"public-clouds": {}}
    if profile is not None:
        entry["profile"] = PROFILE_NAME
        vendor["public-clouds"][PROFILE_NAME] = profile
    with tempfile.TemporaryDirectory() as tmp:   # holds the password only while it is read
        clouds, public = Path(tmp) / "clouds.yaml", Path(tmp) / "clouds-public.yaml"
        clouds.write_text(yaml.safe_dump({"clouds": {name: entry}}), encoding="utf-8")
        public.write_text(yaml.safe_dump(vendor), encoding="utf-8")
        config = openstack.config.OpenStackConfig(config_files=[str(clouds)], vendor_files=[str(public)],
                                                  secure_files=[], load_envvars=False)
        region = config.get_one(cloud=name)
    return openstack.connection.Connection(config=region)
