"""Tiny, valid disk images built in memory, so uploads respect the cloud (a few KiB) and
pass glance's format inspection (it refuses data that does not match disk_format)."""

from __future__ import annotations

import struct
import time
import uuid

VIRTUAL_SIZE = 1024 * 1024


def raw() -> bytes:
    return bytes(4096)


def qcow2() -> bytes:
    """qcow2 v2 with 512-byte clusters: header, refcount table, refcount block, empty L1."""
    cluster = 512
    l1_entries = VIRTUAL_SIZE // ((cluster // 8) * cluster)
    header = struct.pack(
        ">4sIQIIQIIQQIIQ", b"QFI\xfb", 2, 0, 0, 9, VIRTUAL_SIZE, 0,
        l1_entries, 3 * cluster, 1 * cluster, 1, 0, 0)
    refcount_table = struct.pack(">Q", 2 * cluster)
    refcount_block = struct.pack(">4H", 1, 1, 1, 1)   # clusters 0-3 in use once
    image = bytearray(4 * cluster)
    image[0:len(header)] = header
    image[cluster:cluster + 8] = refcount_table
    image[2 * cluster:2 * cluster + 8] = refcount_block
    return bytes(image)


VHD_GEOMETRY = (31, 4, 17)   # the VHD spec's CHS for ~1 MiB; readers size the disk from CHS


def _vhd_footer(disk_type: int, data_offset: int) -> bytes:
    cylinders, heads, sectors = VHD_GEOMETRY
    size = cylinders * heads * sectors * 512
    fields = struct.pack(
        ">8sIIQI4sI4sQQHBBII16sB", b"conectix", 2, 0x00010000, data_offset,
        int(time.time()) - 946684800, b"osi ", 0x00010000, b"Wi2k", size, size,
        cylinders, heads, sectors, disk_type, 0, uuid.uuid4().bytes, 0)
    checksum = (~sum(fields)) & 0xFFFFFFFF
    footer = fields[:64] + struct.pack(">I", checksum) + fields[68:]
    return footer.ljust(512, b"\0")


def vhd() -> bytes:
    """Dynamic VHD: footer copy, dynamic header, one-entry BAT, footer (glance reads the copy)."""
    footer = _vhd_footer(3, 512)
    bat_offset = 512 + 1024
    dyn = struct.pack(">8sQQIII", b"cxsparse", 0xFFFFFFFFFFFFFFFF, bat_offset, 0x00010000,
                      1, 2 * 1024 * 1024)
    dyn = dyn.ljust(1024, b"\0")
    dyn_checksum = (~sum(dyn)) & 0xFFFFFFFF
    dyn = dyn[:36] + struct.pack(">I", dyn_checksum) + dyn[40:]
    bat = b"\xff" * 4 + b"\0" * 508
    return footer + dyn + bat + footer


BUILDERS = {"raw": raw, "qcow2": qcow2, "vhd": vhd}


def build(disk_format: str) -> bytes:
    """Data for a tiny image of this format (raw bytes for formats without a builder)."""
    return BUILDERS.get(disk_format, raw)()
