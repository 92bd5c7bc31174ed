"""Collection helpers shared by the services: attribute filters, marker pagination, field selection.

Every list API in OpenStack is "filter by attribute, page by marker", with small differences in
how booleans are spelled and how the next page is advertised; the services keep those differences
and share the mechanics here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class MarkerNotFound(LookupError):
    """The marker of a paginated list is not in the (filtered) collection."""


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the simulator's private keys (those starting with ``_``)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _same(actual: Any, wanted: str) -> bool:
    if isinstance(actual, bool):
        return wanted.strip().lower() in (("true", "1", "yes") if actual else ("false", "0", "no"))
    if actual is None:
        return wanted in ("", "None", "null")
    if isinstance(actual, list):
        return wanted in [str(a) for a in actual]
    return str(actual) == wanted


def attribute_filter(records: Iterable[dict[str, Any]], query: dict[str, list[str]],
                     reserved: Iterable[str] = (), aliases: dict[str, str] | None = None
                     ) -> list[dict[str, Any]]:
    """Keep records whose attributes equal one of the values given per query key.

    Like neutron: several values of one key are ORed, keys are ANDed, keys the record does not
    have are ignored, ``reserved`` keys (paging, sorting, fields) are not filters.
    """
    aliases = aliases or {}
    skip = set(reserved)
    result = []
    for record in records:
        ok = True
        for key, values in query.items():
            if key in skip:
                continue
            attr = aliases.get(key, key)
            if attr not in record or attr.startswith("_"):
                continue
            if not any(_same(record[attr], v) for v in values):
                ok = False
                break
        if ok:
            result.append(record)
    return result


def tag_filter(records: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Neutron/nova ``tags`` (all of), ``tags-any``, ``not-tags``, ``not-tags-any`` filters."""
    def wanted(key: str) -> set[str]:
        return {t for v in query.get(key, []) for t in v.split(",") if t}

    all_of, any_of, none_of, not_any = wanted("tags"), wanted("tags-any"), wanted("not-tags"), wanted("not-tags-any")
    out = []
    for r in records:
        tags = set(r.get("tags") or [])
        if all_of and not all_of <= tags:
            continue
        if any_of and not any_of & tags:
            continue
        if none_of and none_of <= tags:
            continue
        if not_any and not_any & tags:
            continue
        out.append(r)
    return out


def paginate(records: list[dict[str, Any]], limit: str | int | None, marker: str | None,
             max_limit: int = 1000) -> tuple[list[dict[str, Any]], str | None]:
    """Page after ``marker``; returns the page and the next marker when the page is full.

    Real services (glance, nova, neutron) advertise a next page whenever a page is exactly full,
    even if it was the last one; so does this.
    """
    start = 0
    if marker:
        ids = [r.get("id") for r in records]
        if marker not in ids:
            raise MarkerNotFound(marker)
        start = ids.index(marker) + 1
    size = max_limit if limit in (None, "") else max(0, min(int(limit), max_limit))
    page = records[start:start + size]
    next_marker = page[-1]["id"] if page and len(page) == size else None
    return page, next_marker


def select_fields(record: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """Neutron's ``fields=`` projection (unknown fields are ignored)."""
    if not fields:
        return record
    wanted = [f for value in fields for f in value.split(",") if f]
    return {k: v for k, v in record.items() if k in wanted}
