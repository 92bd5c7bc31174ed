"""Personalities: a simulated cloud's quirks as validated data (YAML checked against a JSON Schema).

A personality is the single source of truth for one simulated cloud: the simulator serves what it
declares, and the engine checks that it observes what the personality expects.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from keystoneauth1 import discover

from os_interop import schemas, yamlfile
from reporters.display import shorten

from . import sections

PACKAGE_DIR = Path(__file__).resolve().parent
PERSONALITY_DIR = PACKAGE_DIR / "personalities"
CLOUD_URL = "{cloud_url}"  # placeholder in expected values for the simulated cloud's base URL

class PersonalityError(ValueError):
    """A personality file is unreadable or invalid; the message is one line naming file and field."""


@dataclass
class Personality:
    """A loaded, validated personality with the schema's defaults filled in, read through typed sections.

    Expected values may contain ``{cloud_url}`` (e.g. an image endpoint override), which only
    exists once the cloud listens: :class:`Fleet` sets :attr:`cloud_url` when it starts the
    cloud, and from then on the expected values come back resolved.
    """

    name: str
    path: Path
    data: dict[str, Any] = field(repr=False)
    cloud_url: str | None = field(default=None, compare=False)
    region: str = field(init=False, repr=False)
    title: str = field(init=False, repr=False)
    credentials: sections.Credentials = field(init=False, repr=False)
    identity: sections.Identity = field(init=False, repr=False)
    catalog: sections.Catalog = field(init=False, repr=False)
    image: sections.Image = field(init=False, repr=False)
    compute: sections.Compute = field(init=False, repr=False)
    network: sections.Networking = field(init=False, repr=False)
    security_groups: sections.SecurityGroups = field(init=False, repr=False)
    object_store: bool = field(init=False, repr=False)
    block_storage: sections.BlockStorage | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        d = self.data
        self.region, self.title, self.object_store = d["region"], d.get("title", ""), d["object_store"]
        for name, cls in (("credentials", sections.Credentials), ("identity", sections.Identity),
                          ("catalog", sections.Catalog), ("image", sections.Image), ("compute", sections.Compute),
                          ("network", sections.Networking), ("security_groups", sections.SecurityGroups)):
            setattr(self, name, sections.build(cls, d[name], name))
        self.block_storage = d["block_storage"] and sections.build(sections.BlockStorage, d["block_storage"],
                                                                     "block_storage")

    @property
    def expected_profile(self) -> dict[str, Any]:
        """The openstacksdk profile body os-interop must emit for this cloud."""
        return self.resolve(self.data["expected_profile"], self.cloud_url)

    @property
    def expected_observations(self) -> dict[str, Any]:
        """Observation key -> value os-interop must report for this cloud."""
        return self.resolve(self.data["expected_observations"], self.cloud_url)

    @classmethod
    def resolve(cls, value: Any, cloud_url: str | None) -> Any:
        """A deep copy of ``value`` with {cloud_url} replaced (left as is while unknown)."""
        if isinstance(value, str):
            return value.replace(CLOUD_URL, cloud_url) if cloud_url else value
        if isinstance(value, list):
            return [cls.resolve(v, cloud_url) for v in value]
        if isinstance(value, dict):
            return {k: cls.resolve(v, cloud_url) for k, v in value.items()}
        return copy.deepcopy(value)


def shipped_personalities() -> list[Path]:
    """The personality files shipped with the simulator, sorted by file name."""
    return sorted(PERSONALITY_DIR.glob("*.yaml"))


def find_personality(name: str) -> Path:
    """A shipped personality by name (or a path to a YAML file)."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    for path in shipped_personalities():
        if path.stem == name:
            return path
    known = ", ".join(p.stem for p in shipped_personalities())
    raise PersonalityError(f"{name}: no such personality (shipped: {known})")



def _field(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _message(error: jsonschema.ValidationError) -> str:
    """The schema error in one line, with the fix where there is an obvious one (a misspelt key)."""
    message = " ".join(error.message.split())
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        key = next(k for k in error.instance if k not in allowed)
        close = difflib.get_close_matches(key, allowed, n=1)
        message = f"unknown key {key!r}: " + (f"did you mean {close[0]!r}?" if close else
                                               f"allowed here: {', '.join(allowed)}")
    elif error.validator == "enum" and len(error.validator_value) > 6:
        message = f"{error.instance!r} is not one of the {len(error.validator_value)} allowed values"
    return shorten(message, 160)


def load_personality(path: str | Path) -> Personality:
    """Read and validate a personality file; raises PersonalityError naming the file and field."""
    path = Path(path)
    try:
        _, doc = yamlfile.read(path)
    except yamlfile.YAMLFileError as exc:
        raise PersonalityError(str(exc)) from None
    return from_document(path, doc)


def from_document(path: Path, doc: Any) -> Personality:
    """A personality from its document (as read from ``path``): validated, defaults filled, typed.

    Everything that makes a Personality goes through here, so no personality skips a check or a
    default (a region derived from another personality too).
    """
    if not isinstance(doc, dict):
        raise PersonalityError(f"{path}: (document): must be a mapping")
    data = copy.deepcopy(doc)  # the validator fills the schema's defaults in place
    error = jsonschema.exceptions.best_match(schemas.filling_validator("personality").iter_errors(data))
    if error is not None:
        raise PersonalityError(f"{path}: {_field(error.absolute_path)}: {_message(error)}")
    _check_semantics(path, data)
    return Personality(name=data["name"], path=path, data=data)


def _check_semantics(path: Path, d: dict[str, Any]) -> None:
    """Cross-field rules a JSON Schema cannot express, reported like schema errors."""
    def fail(where: str, message: str) -> None:
        raise PersonalityError(f"{path}: {where}: {message}")

    img, net, comp = d["image"], d["network"], d["compute"]
    if not img["v1"] and img["v2_max_minor"] is None:
        fail("image.v2_max_minor", "a cloud must offer image v1 or v2")
    if img["import_methods"] is not None and (img["v2_max_minor"] or 0) < 6:
        fail("image.import_methods", "interoperable import needs image API v2.6 or later")
    if img["put_upload"] == "v1-only" and not (img["v1"] and img["v2_max_minor"] is not None):
        fail("image.put_upload", "v1-only means v2 refuses the data and v1 takes it: offer both")
    for i, image in enumerate(img["public_images"]):
        if image["disk_format"] not in img["disk_formats"]:
            fail(f"image.public_images[{i}].disk_format", f"{image['disk_format']!r} is not in image.disk_formats")
        if image["container_format"] not in img["container_formats"]:
            fail(f"image.public_images[{i}].container_format",
                 f"{image['container_format']!r} is not in image.container_formats")
    if net["service"] != "present" and "nova_networking" not in comp:
        fail("compute.nova_networking", f"required when network.service is {net['service']!r}")
    if net["service"] == "present" and "nova_networking" in comp:
        fail("compute.nova_networking", "only for clouds whose network service is absent or broken")
    names = [n["name"] for n in net["networks"]]
    external = {n["name"] for n in net["networks"] if n["router_external"]}
    for i, network in enumerate(net["networks"]):
        where = f"network.networks[{i}]"
        if names.count(network["name"]) > 1:
            fail(f"{where}.name", f"duplicate network name {network['name']!r}")
        if network["is_default"] and not network["router_external"]:
            fail(f"{where}.is_default", "only an external network can be the default one")
        if "router" in network:
            if network["router"] not in external:
                fail(f"{where}.router", f"{network['router']!r} is not an external network of this personality")
            if "router" not in net["extensions"]:
                fail(f"{where}.router", "routers need the 'router' extension")
        for j, subnet in enumerate(network["subnets"]):
            try:
                cidr = ipaddress.ip_network(subnet["cidr"])
                gateway = subnet["gateway_ip"]
                if gateway not in (None, "auto") and ipaddress.ip_address(gateway) not in cidr:
                    fail(f"{where}.subnets[{j}].gateway_ip", f"{gateway} is outside {cidr}")
            except ValueError as exc:
                fail(f"{where}.subnets[{j}]", str(exc))
    if net["auto_allocation"]:
        if "auto-allocated-topology" not in net["extensions"]:
            fail("network.auto_allocation", "needs the 'auto-allocated-topology' extension")
        if not any(n["is_default"] for n in net["networks"]):
            fail("network.auto_allocation", "needs an external network with is_default: true")
    if d["security_groups"]["template"] and "security-groups-default-rules" not in net["extensions"]:
        fail("security_groups.template", "needs the 'security-groups-default-rules' extension")
    flow = d.get("expected_client_flow")
    if flow is not None:
        impossible = {step for step, value in flow.items() if value == "impossible"}
        explained = set(flow.get("why", {}))
        for step in sorted(impossible - explained):
            fail(f"expected_client_flow.{step}", "an impossible step needs a why")
        for step in sorted(explained - impossible):
            fail(f"expected_client_flow.why.{step}", "only impossible steps have a why")
    for version in (comp["min_microversion"], comp["max_microversion"]):
        if version is not None and _mv(version) < (2, 1):
            fail("compute", f"microversion {version} is below 2.1")
    if comp["max_microversion"] and _mv(comp["min_microversion"]) > _mv(comp["max_microversion"]):
        fail("compute.min_microversion", "greater than max_microversion")
    if comp["config_drive"] == "absent" and comp["max_microversion"] and _mv(comp["max_microversion"]) >= (2, 26):
        fail("compute.config_drive", "from microversion 2.26 (Newton) API extensions cannot be disabled")
    for i, nova_net in enumerate(comp.get("nova_networking", {}).get("networks", [])):
        for cidr in nova_net["cidrs"]:
            try:
                ipaddress.ip_network(cidr)
            except ValueError as exc:
                fail(f"compute.nova_networking.networks[{i}].cidrs", str(exc))


def _mv(version: str) -> tuple[int, int]:
    major, minor = discover.normalize_version_number(version)[:2]
    return int(major), int(minor)
