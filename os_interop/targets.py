"""Which clouds to test: clouds.yaml / OS_CLOUD / OS_* through openstacksdk's loader.

openstacksdk silently skips a clouds.yaml it cannot parse; a conformance run must not
quietly test nothing, so the file it would read is parsed here first.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from typing import Any

from keystoneauth1 import exceptions as ks
from keystoneauth1 import loading
from openstack import exceptions as sdk_exceptions
from openstack.config import loader

from os_interop import yamlfile
from os_interop.errors import UserError


@dataclass(frozen=True)
class Target:
    """One (cloud, region) a run probes: names and URLs, never credentials.

    `label` names its results directory (`<out>/<label>/`) and its column in reports: the
    cloud's name, or `cloud@region` when the entry names several regions (or the run was
    asked for several)."""

    cloud: str
    region: str | None
    label: str
    auth_url: str | None = None
    # openstacksdk's CloudRegion, loaded once by resolve() and handed to every process of the
    # run (os-interop run forks after resolving); it holds credentials: never printed
    config: Any = field(default=None, repr=False, compare=False)

    def describe(self) -> dict[str, str | None]:
        return {"name": self.cloud, "region": self.region, "label": self.label,
                "auth_url": self.auth_url}

    def fresh(self) -> "Target":
        """The same target with a newly loaded CloudRegion: a second connection (the journal
        sweep) must not share the first one's keystone session and its evidence hooks."""
        return replace(self, config=region(self.label))


def config_files() -> list[str]:
    """The clouds.yaml candidates openstacksdk reads, most specific first."""
    override = os.environ.get("OS_CLIENT_CONFIG_FILE")
    return ([override] if override else []) + list(loader.CONFIG_FILES)


def _check_files() -> None:
    override = os.environ.get("OS_CLIENT_CONFIG_FILE")
    if override and not os.path.exists(override):
        raise UserError(f"OS_CLIENT_CONFIG_FILE={override} does not exist; "
                        "point it at your clouds.yaml or unset it")
    for path in config_files():
        if not os.path.exists(path):
            continue
        try:
            _, data = yamlfile.read(path)
        except yamlfile.YAMLFileError as exc:
            raise UserError(f"{exc}; fix the file") from None
        if not isinstance(data, dict) or not isinstance(data.get("clouds"), dict):
            raise UserError(f"{path} has no 'clouds:' mapping; see "
                            "https://docs.openstack.org/openstacksdk/latest/user/config/configuration.html")
        return


def openstack_config() -> loader.OpenStackConfig:
    _check_files()
    return loader.OpenStackConfig()


def _names(config: loader.OpenStackConfig, names: list[str], all_clouds: bool) -> tuple[list[str], list[str]]:
    """The names a run targets (given, every cloud, or OS_CLOUD), and the known cloud names."""
    known = [n for n in config.get_cloud_names() if n != "defaults"]
    if all_clouds:
        names = known
    elif not names:
        default = os.environ.get("OS_CLOUD") or ("envvars" if "envvars" in known else None)
        if not default:
            raise UserError("no cloud named: pass --cloud NAME (pytest: --os-cloud NAME), or set OS_CLOUD; "
                            f"clouds in your configuration: {', '.join(known) or 'none'}")
        names = [default]
    if not names:
        raise UserError("no clouds configured: write a clouds.yaml or set OS_* variables")
    return list(dict.fromkeys(names)), known


def split(label: str, known: list[str]) -> tuple[str, str | None]:
    """'cloud' -> (cloud, None); 'cloud@region' -> (cloud, region) when no entry is named so."""
    if label in known:
        return label, None
    cloud, at, region = label.rpartition("@")
    if at and cloud in known and region:
        return cloud, region
    where = next((p for p in config_files() if os.path.exists(p)), "no clouds.yaml found")
    raise UserError(f"unknown cloud {label!r} (config: {where}); known clouds: "
                    f"{', '.join(known) or 'none'}; add it to clouds.yaml or fix the name")


def declared_regions(config: loader.OpenStackConfig, cloud: str) -> list[str]:
    """The regions the entry names (`regions:`, `region_name`, or its vendor profile's), the
    list openstacksdk's get_all() walks; empty when it names none."""
    try:
        return [r["name"] for r in config._get_known_regions(cloud)]
    except sdk_exceptions.ConfigException as exc:
        raise UserError(f"cloud {cloud!r}: {str(exc).rstrip('.')}; fix its clouds.yaml entry") from None


def resolve(names: list[str], all_clouds: bool = False, regions: list[str] | None = None,
            config: loader.OpenStackConfig | None = None) -> list[Target]:
    """Every (cloud, region) the run probes, each entry checked complete before any request.

    A name is a clouds.yaml entry (all the regions it names) or a label `cloud@region`;
    `regions` (--region) picks regions of every named entry, and one the entry does not
    name is refused. An entry that names no region is probed once, as openstacksdk would.
    """
    config = config or openstack_config()
    names, known = _names(config, names, all_clouds)
    found: dict[str, Target] = {}
    for name in names:
        cloud, picked = split(name, known)
        declared = declared_regions(config, cloud)
        wanted: list[str | None] = [picked] if picked else list(regions or []) or list(declared) or [None]
        for region_name in wanted:
            if declared and region_name is not None and region_name not in declared:
                raise UserError(f"cloud {cloud!r} has no region {region_name!r}; its regions: "
                                f"{', '.join(declared)} (clouds.yaml `regions:`); pick one of them")
            several = len(declared) > 1 or len(wanted) > 1
            label = name if picked else f"{cloud}@{region_name}" if region_name and several else cloud
            cloud_region = _cloud_region(config, cloud, region_name)
            found.setdefault(label, Target(cloud, cloud_region.region_name or None, label,
                                           cloud_region.config.get("auth", {}).get("auth_url"),
                                           cloud_region))
    return list(found.values())


def resolve_names(names: list[str], all_clouds: bool = False) -> list[str]:
    """The labels a run targets (see resolve)."""
    return [t.label for t in resolve(names, all_clouds)]


def _lacks(cloud: str, missing: list[str], auth_type: str) -> UserError:
    return UserError(f"cloud {cloud!r}: its auth section lacks {', '.join(missing)} (required by "
                     f"auth_type {auth_type!r}); add it to its clouds.yaml entry")


def region(label: str, config: loader.OpenStackConfig | None = None):
    """openstacksdk's CloudRegion for a label (`cloud` or `cloud@region`), with a clear error
    for bad entries."""
    config = config or openstack_config()
    cloud, region_name = split(label, [n for n in config.get_cloud_names() if n != "defaults"])
    return _cloud_region(config, cloud, region_name)


def _cloud_region(config: loader.OpenStackConfig, name: str, region_name: str | None):
    """openstacksdk loads the auth plugin here (keystoneauth's loader for the entry's
    auth_type), so a missing required option is found before any request is made."""
    try:
        cloud = config.get_one(cloud=name, region_name=region_name or "")
    except ks.MissingRequiredOptions as exc:
        raise _lacks(name, [o.dest for o in exc.options], _auth_type(config, name)) from None
    except TypeError as exc:        # a plugin constructed without an argument it requires
        missing = re.findall(r"'(\w+)'", str(exc).partition("argument")[2])
        if "__init__" not in str(exc) or not missing:
            raise
        raise _lacks(name, missing, _auth_type(config, name)) from None
    except (sdk_exceptions.ConfigException, ks.AuthPluginException) as exc:
        raise UserError(f"cloud {name!r}: {str(exc).rstrip('.')}; fix its clouds.yaml entry") from None
    _check_user(name, cloud)
    return cloud


def _auth_type(config: loader.OpenStackConfig, name: str) -> str:
    entry = config.cloud_config.get("clouds", {}).get(name) or {}
    return entry.get("auth_type") or "password"


def _check_user(name: str, cloud) -> None:
    """keystoneauth's loaders mark only auth_url required; its password methods also need a
    user and a password, which they would only find missing after talking to the cloud."""
    auth_type = cloud.config.get("auth_type") or "password"
    try:
        options = {o.dest for o in loading.get_plugin_loader(auth_type).get_options()}
    except ks.NoMatchingPlugin:
        return                      # openstacksdk already accepted it
    auth = cloud.config.get("auth") or {}
    if {"username", "user_id", "password"} <= options:
        missing = [] if auth.get("username") or auth.get("user_id") else ["username (or user_id)"]
        missing += [] if auth.get("password") else ["password"]
        if missing:
            raise _lacks(name, missing, auth_type)


def target(label: str, cloud_region=None) -> Target:
    """The Target of a label, from its CloudRegion (looked up when not given)."""
    cloud_region = cloud_region or region(label)
    return Target(cloud=cloud_region.name, region=cloud_region.region_name or None, label=label,
                  auth_url=cloud_region.config.get("auth", {}).get("auth_url"), config=cloud_region)
