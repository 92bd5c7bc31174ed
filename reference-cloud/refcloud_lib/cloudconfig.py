"""Loading a cloud configuration (reference-cloud/configs/<name>.yaml).

A configuration says what differs from upstream defaults: service settings
(glance formats, policy and public_endpoint), catalog endpoint paths, the
provider's public image, the network topology, extra (or removed) default
security group rules; and what os-interop must find there: `expected_profile` and
`expected_observations`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .catalog import SERVICE_TYPES
from .conffiles import ServiceSettings
from .paths import SOURCE_DIR
from .report import RefcloudError

CONFIG_DIR = SOURCE_DIR / "configs"
DEFAULT = "upstream"
REQUIRED = ("name", "description", "changes", "provider_image", "networks",
            "expected_profile", "expected_observations")
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class CloudConfig:
    """One configuration, as declared in its YAML file."""

    name: str
    description: str
    changes: list[str]
    settings: ServiceSettings
    image_format: str
    networks: list[dict[str, Any]]
    routers: list[dict[str, Any]] = field(default_factory=list)
    catalog_paths: dict[str, str] = field(default_factory=dict)   # service type -> URL path
    default_sg_rules: list[dict[str, Any]] = field(default_factory=list)
    removed_sg_rules: list[dict[str, Any]] = field(default_factory=list)   # shipped rules to delete
    expected_profile: dict[str, Any] = field(default_factory=dict)
    expected_observations: dict[str, Any] = field(default_factory=dict)
    expected_http: dict[str, int] = field(default_factory=dict)   # refcloud check only


def available() -> list[str]:
    """Names of the declared configurations."""
    return sorted(path.stem for path in CONFIG_DIR.glob("*.yaml"))


def checked_catalog(path: Path, catalog: dict[str, str]) -> dict[str, str]:
    """`catalog:` maps known service types to URL paths (the address stays refcloud's)."""
    bad = {t: p for t, p in catalog.items()
           if t not in SERVICE_TYPES or not str(p).startswith("/")}
    if bad:
        raise RefcloudError(f"{path}: catalog paths must be /... for one of {SERVICE_TYPES}: {bad}")
    return catalog


def checked_endpoint(path: Path, endpoint: str | None) -> str | None:
    """glance's public_endpoint may name another host, but only a loopback one."""
    if endpoint is not None and urlsplit(endpoint).hostname not in LOOPBACK_NAMES:
        raise RefcloudError(f"{path}: public_endpoint {endpoint!r} is not on {LOOPBACK_NAMES}")
    return endpoint


def load(name: str) -> CloudConfig:
    """Parse and check configs/<name>.yaml."""
    path = CONFIG_DIR / f"{name}.yaml"
    if not path.exists():
        raise RefcloudError(f"no configuration {name!r}; known: {', '.join(available())}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise RefcloudError(f"{path}: not valid YAML: {error}") from None
    missing = [key for key in REQUIRED if key not in data]
    if missing or data.get("name") != name:
        raise RefcloudError(f"{path}: missing {missing} or name is not {name!r}")
    glance = data.get("services", {}).get("glance", {})
    formats = glance.get("disk_formats")
    return CloudConfig(
        name=name, description=data["description"].strip(), changes=data["changes"],
        settings=ServiceSettings(
            glance_disk_formats=tuple(formats) if formats is not None else None,
            glance_policy=glance.get("policy", {}),
            glance_public_endpoint=checked_endpoint(path, glance.get("public_endpoint"))),
        image_format=data["provider_image"]["disk_format"],
        networks=data["networks"], routers=data.get("routers", []),
        catalog_paths=checked_catalog(path, data.get("catalog", {})),
        default_sg_rules=data.get("default_security_group_rules", []),
        removed_sg_rules=data.get("removed_default_security_group_rules", []),
        expected_profile=data["expected_profile"],
        expected_observations=data["expected_observations"],
        expected_http=data.get("expected_http", {}))
