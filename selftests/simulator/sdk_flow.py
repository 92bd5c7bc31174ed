"""The talk's flow, run by openstacksdk's own cloud layer: the proof that a profile helps a client.

Four steps, each ``ok`` or ``failed`` with the client's own error:

- ``image``: ``create_image`` from a tiny file in the format the client config names (openstacksdk's
  default is qcow2; a profile's ``image_format`` changes it), ``wait=True``;
- ``server``: ``create_server`` on the smallest flavor with ``auto_ip=True, wait=True`` (booted from
  the provider's first public image, or the uploaded one when the provider has none);
- ``floating_ip``: the server openstacksdk hands back has a public IPv4 (``public_v4``): a floating
  IP where the cloud needs one, the server's own address on a directly public network;
- ``security_group_rule``: ``create_security_group`` and an ingress tcp/22 rule in it.

Everything is named ``<prefix>-…`` and deleted again, newest first, also after a failed step.
This is the foundation of ``os-interop prove`` (issue 13); it lives with the selftests until then.
"""

from __future__ import annotations

import ipaddress
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openstack
import yaml

from os_interop import tiny_images

STEPS = ("image", "server", "floating_ip", "security_group_rule")


@dataclass
class FlowResult:
    """Per step: None (ok) or the client's error in one line; plus what cleanup could not delete."""

    errors: dict[str, str | None] = field(default_factory=dict)
    leftovers: list[str] = field(default_factory=list)

    def ok(self, step: str) -> bool:
        return step in self.errors and self.errors[step] is None

    def summary(self) -> dict[str, str]:
        return {s: "ok" if self.errors.get(s, "not run") is None else f"failed: {self.errors.get(s, 'not run')}"
                for s in STEPS}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:400]


def cloud_entry(clouds_yaml_entry: dict[str, Any], profile: dict[str, Any] | None) -> dict[str, Any]:
    """A clouds.yaml entry with a vendor profile's keys inline.

    openstacksdk's loader (``_expand_vendor_profile``) merges a ``profile:``'s body under the
    cloud's own keys; writing the same keys inline is the same configuration.
    """
    entry = dict(clouds_yaml_entry)
    for key, value in (profile or {}).items():
        if key == "auth":
            continue  # the run's own auth_url; the entry has the live one
        entry.setdefault(key, value)
    return entry


def connect(entry: dict[str, Any], name: str = "flow") -> openstack.connection.Connection:
    """A connection from one clouds.yaml entry, without reading the user's own files or OS_*."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clouds.yaml"
        path.write_text(yaml.safe_dump({"clouds": {name: entry}}), encoding="utf-8")
        config = openstack.config.OpenStackConfig(config_files=[str(path)], vendor_files=[], envvar_prefix="OSI_NONE_")
        region = config.get_one(cloud=name)
    return openstack.connection.Connection(config=region)


def _smallest_flavor(conn: openstack.connection.Connection) -> Any:
    return min(conn.list_flavors(get_extra=False), key=lambda f: (f.ram, f.vcpus, f.disk, f.id))


def _public_ipv4(server: Any) -> bool:
    address = getattr(server, "public_v4", None) or ""  # an attribute the cloud layer computes
    try:
        return ipaddress.ip_address(address).version == 4
    except ValueError:
        return False


def run_flow(conn: openstack.connection.Connection, prefix: str, timeout: float = 60) -> FlowResult:
    """Run the four steps on ``conn``; always cleans up what it made."""
    result = FlowResult()
    made: list[tuple[str, Any]] = []  # (kind, id), deleted newest first
    disk_format = conn.config.config["image_format"]
    with tempfile.TemporaryDirectory() as tmp:
        image_file = Path(tmp) / f"{prefix}-image.{disk_format}"
        image_file.write_bytes(tiny_images.build(disk_format) if disk_format in ("qcow2", "raw", "vhd")
                               else tiny_images.raw())
        try:
            had_container = _container_exists(conn, conn._OBJECT_AUTOCREATE_CONTAINER)
            image = None
            try:
                image = conn.create_image(f"{prefix}-image", filename=str(image_file), disk_format=disk_format,
                                          container_format="bare", wait=True, timeout=timeout)
                made.append(("image", image.id))
                result.errors["image"] = None if image.status == "active" else f"image is {image.status}"
            except Exception as exc:  # noqa: BLE001 - the client's failure is the finding
                result.errors["image"] = _one_line(exc)
            finally:
                if not had_container and _container_exists(conn, conn._OBJECT_AUTOCREATE_CONTAINER):
                    made.insert(0, ("container", conn._OBJECT_AUTOCREATE_CONTAINER))
            _server_steps(conn, prefix, image, made, result, timeout)
            try:
                group = conn.create_security_group(f"{prefix}-sg", "os-interop client flow")
                made.append(("security_group", group["id"]))
                conn.create_security_group_rule(group["id"], port_range_min=22, port_range_max=22,
                                                protocol="tcp", remote_ip_prefix="0.0.0.0/0",
                                                direction="ingress", ethertype="IPv4")
                result.errors["security_group_rule"] = None
            except Exception as exc:  # noqa: BLE001
                result.errors["security_group_rule"] = _one_line(exc)
        finally:
            result.leftovers = _clean_up(conn, made, timeout)
    return result


def _server_steps(conn: openstack.connection.Connection, prefix: str, image: Any, made: list[tuple[str, Any]],
                  result: FlowResult, timeout: float) -> None:
    name = f"{prefix}-server"
    try:
        public = [i for i in conn.list_images() if i.status == "active" and (image is None or i.id != image.id)
                  and (i.get("visibility") == "public" or i.get("is_public") is True)]
        boot_image = public[0] if public else image
        if boot_image is None:
            raise RuntimeError("no image to boot: the provider has none and the upload failed")
        server = conn.create_server(name, image=boot_image, flavor=_smallest_flavor(conn), auto_ip=True,
                                    wait=True, timeout=timeout)
        made.append(("server", server.id))
        result.errors["server"] = None
        server = conn.get_server(server.id)  # create_server hands back a bare server; this adds public_v4
        result.errors["floating_ip"] = None if _public_ipv4(server) else (
            f"no public IPv4 on the server (addresses: {sorted(server.get('addresses') or {})})")
    except Exception as exc:  # noqa: BLE001
        # create_server raises for the floating IP too; the server step itself worked if it is ACTIVE
        leftover = [s for s in conn.compute.servers(name=f"^{name}$")]
        for s in leftover:
            made.append(("server", s.id))
        if any(s.status == "ACTIVE" for s in leftover):
            result.errors["server"] = None
            result.errors["floating_ip"] = _one_line(exc)
        else:
            result.errors["server"] = _one_line(exc)
            result.errors["floating_ip"] = "not reached: no server"


def _container_exists(conn: openstack.connection.Connection, name: str) -> bool:
    if not conn.has_service("object-store"):
        return False
    try:
        return conn.get_container(name) is not None
    except Exception:  # noqa: BLE001 - then the flow cannot have made it either
        return False


def _clean_up(conn: openstack.connection.Connection, made: list[tuple[str, Any]], timeout: float) -> list[str]:
    failed = []
    for kind, rid in reversed(made):
        try:
            if kind == "server":
                conn.delete_server(rid, wait=True, timeout=timeout, delete_ips=True)
            elif kind == "image":
                conn.delete_image(rid, wait=True, timeout=timeout)
            elif kind == "security_group":
                conn.delete_security_group(rid)
            elif kind == "container":
                conn.delete_container(rid)
        except Exception as exc:  # noqa: BLE001 - report, keep cleaning
            failed.append(f"{kind} {rid}: {_one_line(exc)}")
    return failed
