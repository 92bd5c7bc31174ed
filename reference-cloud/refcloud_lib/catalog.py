"""The catalog's endpoint URLs, as a configuration declares them.

Every service is registered at its loopback address (addresses.CATALOG). A
configuration may give a service type another path on the same address, e.g.
image at /v2, like clouds whose catalog lists only a versioned image endpoint.
Each switch sets every endpoint (public, internal, admin) to what the new
configuration wants, so switching away restores the default.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .addresses import CATALOG

if TYPE_CHECKING:   # configuration loading needs no openstacksdk
    from openstack.connection import Connection

SERVICE_TYPES = tuple(service_type for _, service_type, _ in CATALOG)


def wanted(paths: Mapping[str, str]) -> dict[str, str]:
    """service type -> endpoint URL: the default, or its scheme://host:port plus `paths[type]`."""
    urls = {}
    for _, service_type, default in CATALOG:
        if service_type in paths:
            parts = urlsplit(default)
            urls[service_type] = f"{parts.scheme}://{parts.netloc}{paths[service_type]}"
        else:
            urls[service_type] = default
    return urls


def apply(conn: Connection, paths: Mapping[str, str]) -> list[str]:
    """Point every endpoint of refcloud's services at its wanted URL (as admin);
    return the service types whose endpoints changed."""
    urls = wanted(paths)
    changed = set()
    for service in conn.identity.services():
        want = urls.get(service.type)
        if want is None:
            continue
        for endpoint in conn.identity.endpoints(service_id=service.id):
            if endpoint.url != want:
                conn.identity.update_endpoint(endpoint, url=want)
                changed.add(service.type)
    return sorted(changed)
