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
    """One cloud (a clouds.yaml entry, in one region) as a run probes it, resolved once.

    `label` names its results directory and its lines in reports; `config` is openstacksdk's
    CloudRegion for it (holds credentials: never printed, never written)."""

    cloud: str
    region: str | None
    auth_url: str | None
    label: str = ""
    config: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.cloud)

    @property
    def name(self) -> str:
        return self.cloud

    def describe(self) -> dict[str, str | None]:
        return {"name": self.cloud, "region": self.region, "auth_url": self.auth_url}

    def fresh(self) -> "Target":
        """The same target with a newly loaded CloudRegion: a second connection (the journal
        sweep) must not share the first one's keystone session and its evidence hooks."""
        return replace(self, config=region(self.cloud, region_name=self.region))


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


def resolve_names(names: list[str], all_clouds: bool = False) -> list[str]:
    """The cloud names a run targets: given names, every cloud, or OS_CLOUD."""
    config = openstack_config()
    known = [n for n in config.get_cloud_names() if n != "defaults"]
    if all_clouds:
        names = known
    elif not names:
        default = os.environ.get("OS_CLOUD") or ("envvars" if "envvars" in known else None)
        if not default:
            raise UserError("no cloud named: pass --cloud NAME (pytest: --os-cloud NAME), or set OS_CLOUD; "
                            f"clouds in your configuration: {', '.join(known) or 'none'}")
        names = [default]
    for name in names:
        if name not in known:
            where = next((p for p in config_files() if os.path.exists(p)), "no clouds.yaml found")
            raise UserError(f"unknown cloud {name!r} (config: {where}); known clouds: "
                            f"{', '.join(known) or 'none'}; add it to clouds.yaml or fix the name")
    if not names:
        raise UserError("no clouds configured: write a clouds.yaml or set OS_* variables")
    return list(dict.fromkeys(names))


def region(name: str, config: loader.OpenStackConfig | None = None, region_name: str | None = None):
    """openstacksdk's CloudRegion for a cloud, with a clear error for bad entries.

    openstacksdk loads the auth plugin here (keystoneauth's loader for the entry's
    auth_type), so a missing required option is found before any request is made.
    """
    config = config or openstack_config()
    try:
        cloud = config.get_one(cloud=name, region_name=region_name)
    except ks.MissingRequiredOptions as exc:
        missing = ", ".join(o.dest for o in exc.options)
        raise UserError(f"cloud {name!r}: its auth section lacks {missing} (required by auth_type "
                        f"{_auth_type(config, name)!r}); add it to its clouds.yaml entry") from None
    except TypeError as exc:        # a plugin constructed without an argument it requires
        missing = re.findall(r"'(\w+)'", str(exc).partition("argument")[2])
        if "__init__" not in str(exc) or not missing:
            raise
        raise UserError(f"cloud {name!r}: its auth section lacks {', '.join(missing)} (required by "
                        f"auth_type {_auth_type(config, name)!r}); add it to its clouds.yaml entry") from None
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
            raise UserError(f"cloud {name!r}: its auth section lacks {', '.join(missing)} (required "
                            f"by auth_type {auth_type!r}); add it to its clouds.yaml entry")


def check(names: list[str]) -> None:
    """Every named cloud's entry is complete: one line about the first bad one, no request made."""
    config = openstack_config()
    for name in names:
        region(name, config)


def target(name: str, config: loader.OpenStackConfig | None = None) -> Target:
    cloud = region(name, config)
    return Target(cloud=name, region=cloud.region_name or None,
                  auth_url=cloud.config.get("auth", {}).get("auth_url"), config=cloud)


def resolve(names: list[str], all_clouds: bool = False) -> list[Target]:
    """The run's targets, each entry checked complete and its CloudRegion loaded: once, in the
    process that starts the run, before any cloud is touched."""
    config = openstack_config()
    return [target(name, config) for name in resolve_names(names, all_clouds)]
