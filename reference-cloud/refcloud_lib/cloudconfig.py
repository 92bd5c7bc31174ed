"""Loading a cloud configuration (reference-cloud/configs/<name>.yaml).

A configuration says what differs from upstream defaults: service settings
(glance formats and policy), the provider's public image, the network
topology, extra default security group rules; and what os-interop must find
there: `expected_profile` and `expected_observations`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .conffiles import ServiceSettings
from .paths import SOURCE_DIR
from .report import RefcloudError

CONFIG_DIR = SOURCE_DIR / "configs"
DEFAULT = "upstream"
REQUIRED = ("name", "description", "changes", "provider_image", "networks",
            "expected_profile", "expected_observations")


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
    default_sg_rules: list[dict[str, Any]] = field(default_factory=list)
    expected_profile: dict[str, Any] = field(default_factory=dict)
    expected_observations: dict[str, Any] = field(default_factory=dict)
    expected_http: dict[str, int] = field(default_factory=dict)   # refcloud check only


def available() -> list[str]:
    """Names of the declared configurations."""
    return sorted(path.stem for path in CONFIG_DIR.glob("*.yaml"))


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
            glance_policy=glance.get("policy", {})),
        image_format=data["provider_image"]["disk_format"],
        networks=data["networks"], routers=data.get("routers", []),
        default_sg_rules=data.get("default_security_group_rules", []),
        expected_profile=data["expected_profile"],
        expected_observations=data["expected_observations"],
        expected_http=data.get("expected_http", {}))
