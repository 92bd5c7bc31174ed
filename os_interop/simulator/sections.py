"""The typed sections of a personality: one frozen dataclass per schema object.

The schema (schemas/personality.schema.json) says what is allowed and what the defaults are; these
classes only give the validated, default-filled document attribute names, so simulator code reads
``personality.image.put_upload`` and a misspelt attribute is an AttributeError (and a mypy error)
instead of a silent ``KeyError`` deep inside a request handler. Field names are the schema's keys.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, TypeVar, Union

T = TypeVar("T")


class SectionError(ValueError):
    """The schema allows a key no section declares (or the other way round): a simulator bug."""


@dataclass(frozen=True)
class Credentials:
    username: str
    project_name: str


@dataclass(frozen=True)
class Identity:
    versions: list[str]
    catalog_versioned: bool

    @property
    def offers_v3(self) -> bool:
        return any(v.startswith("v3") for v in self.versions)


@dataclass(frozen=True)
class Catalog:
    interfaces: list[str]


@dataclass(frozen=True)
class PublicImage:
    name: str
    disk_format: str
    container_format: str
    size: int
    properties: dict[str, str]


@dataclass(frozen=True)
class TaskDefaults:
    disk_format: str | None = None
    container_format: str | None = None


@dataclass(frozen=True)
class Image:
    catalog_versioned: bool
    v1: bool
    v2_max_minor: int | None
    discovery_base: str | None
    disk_formats: list[str]
    container_formats: list[str]
    public_images: list[PublicImage]
    put_upload: str
    tasks_api: str
    task_defaults: TaskDefaults
    import_methods: list[str] | None
    stores: list[str] | None


@dataclass(frozen=True)
class Flavor:
    id: str
    name: str
    vcpus: int
    ram: int
    disk: int


@dataclass(frozen=True)
class NovaNetwork:
    name: str
    cidrs: list[str]


@dataclass(frozen=True)
class FloatingPool:
    name: str
    cidr: str


@dataclass(frozen=True)
class NovaNetworking:
    networks: list[NovaNetwork]
    floating_ip_pools: list[FloatingPool]
    security_groups: bool


@dataclass(frozen=True)
class Compute:
    min_microversion: str
    max_microversion: str | None
    catalog_path: str
    config_drive: str
    address_tags: bool
    flavors: list[Flavor]
    nova_networking: NovaNetworking | None = None


@dataclass(frozen=True)
class Subnet:
    cidr: str
    gateway_ip: str | None  # "auto": the first host
    enable_dhcp: bool
    name: str | None = None


@dataclass(frozen=True)
class Network:
    name: str
    owner: str
    shared: bool
    router_external: bool
    is_default: bool
    port_security_enabled: bool
    subnets: list[Subnet]
    router: str | None = None


@dataclass(frozen=True)
class Networking:
    service: str
    catalog_versioned: bool
    extensions: list[str]
    auto_allocation: bool
    networks: list[Network]


@dataclass(frozen=True)
class SecurityGroups:
    default_group: list[str]
    new_group: list[str]
    template: bool


@dataclass(frozen=True)
class VolumeVersion:
    id: str
    status: str
    max_microversion: str | None = None


@dataclass(frozen=True)
class BlockStorage:
    catalog_major: int
    versions: list[VolumeVersion]
    catalog_type: str = "block-storage"


def build(cls: type[T], value: Any, where: str = "") -> T:
    """``cls`` from a validated mapping, recursing into nested sections and lists of sections."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(value) - names)
    if unknown:
        raise SectionError(f"{where or cls.__name__}.{unknown[0]}: allowed by the schema but not in "
                           f"{cls.__name__} (add the field to os_interop/simulator/sections.py)")
    return cls(**{k: _convert(hints[k], v, f"{where}.{k}" if where else k) for k, v in value.items()})


def _convert(hint: Any, value: Any, where: str) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner[0], value, where) if len(inner) == 1 else value
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if dataclasses.is_dataclass(hint):
        return build(hint, value, where)  # type: ignore[arg-type]
    return value
