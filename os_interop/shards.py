"""--shard K/N: split a run's targets into N disjoint parts, the same way on every machine.

Sorted round-robin: the targets are sorted by label and shard K takes every N-th one from
the K-th on. Every target is in exactly one shard for any N, the parts differ in size by
at most one, and the split depends only on the set of labels, so every shard job must see
the same clouds.yaml and the same --cloud/--region/--all-clouds selection.
"""

from __future__ import annotations

from typing import TypeVar

from os_interop.targets import Target

T = TypeVar("T", bound=Target)


def pick(targets: list[T], k: int, n: int) -> list[T]:
    """The targets of shard k of n (1-based), in the order the run was given them."""
    if not 1 <= k <= n:
        raise ValueError(f"shard {k}/{n}: needs 1 <= K <= N")
    ordered = sorted(t.label for t in targets)
    mine = set(ordered[k - 1::n])
    return [t for t in targets if t.label in mine]
