"""Tiny but valid disk images for the provider's public image (no qemu-img needed)."""
from __future__ import annotations

import struct

CLUSTER_BITS = 16
CLUSTER = 1 << CLUSTER_BITS
MIB = 1 << 20


def qcow2(virtual_size: int = 64 * MIB) -> bytes:
    """An empty qcow2 (version 3) image of `virtual_size` bytes, as `qemu-img create` makes.

    Layout, one 64 KiB cluster each: 0 header, 1 refcount table, 2 refcount
    block (16-bit counts: clusters 0-3 in use), 3 L1 table (all entries 0:
    nothing allocated). The file ends right after the L1 table.
    """
    l2_span = (CLUSTER // 8) * CLUSTER              # bytes mapped by one L2 table
    l1_entries = -(-virtual_size // l2_span)
    refcount_table, refcount_block, l1_table = CLUSTER, 2 * CLUSTER, 3 * CLUSTER
    header = struct.pack(
        ">4sIQIIQIIQQIIQQQQII",
        b"QFI\xfb", 3,          # magic, version
        0, 0,                   # no backing file
        CLUSTER_BITS, virtual_size,
        0,                      # no encryption
        l1_entries, l1_table,
        refcount_table, 1,      # refcount table offset, clusters
        0, 0,                   # no snapshots
        0, 0, 0,                # incompatible, compatible, autoclear features
        4, 104)                 # refcount order (16 bit), header length
    header += struct.pack(">II", 0, 0)              # end of header extensions
    image = bytearray(3 * CLUSTER + 8 * l1_entries)
    image[:len(header)] = header
    struct.pack_into(">Q", image, refcount_table, refcount_block)
    for cluster in range(4):
        struct.pack_into(">H", image, refcount_block + 2 * cluster, 1)
    return bytes(image)


def raw(size: int = MIB) -> bytes:
    """A raw image: `size` zero bytes."""
    return bytes(size)


def make(disk_format: str) -> bytes:
    """Image data for a supported `disk_format`."""
    makers = {"qcow2": qcow2, "raw": raw}
    if disk_format not in makers:
        raise ValueError(f"no tiny image maker for disk_format {disk_format!r}")
    return makers[disk_format]()
