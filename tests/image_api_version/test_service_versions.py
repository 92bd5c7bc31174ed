"""The API version of every other service a vendor profile can pin, from the version
document at each service's unversioned root (read by keystoneauth1.discover).

openstacksdk discovers these versions itself from the catalog's endpoint; a profile pins one
only where the catalog names another major version than the root says to use (a volumev2
entry on a cloud whose cinder is v3), so on an upstream-default cloud none is pinned."""

import re

import pytest

from os_interop.apis import services, versions

# what a catalog entry itself says about the major version: its URL's /vN, or its type
_URL_VERSION = re.compile(r"/v(\d+)(?:\.\d+)?(?:/[^/]*)?/?$")
_TYPE_VERSION = {"volumev3": "3", "volumev2": "2", "volume": "1"}


def catalog_version(cloud, service_type: str, url: str) -> str | None:
    found = _URL_VERSION.search(services.without_project(cloud, url))
    return found[1] if found else _TYPE_VERSION.get(service_type)


def _versions(cloud, observe, types: tuple[str, ...], prefix: str) -> None:
    found = services.catalog_url(cloud, types)
    if found is None:
        pytest.skip(f"no {types[0]} service in the catalog")
    service_type, url = found
    root = services.root(cloud, url)
    status, entries = versions.discovered(cloud, root, versions.ROOT_OR_HIDDEN)   # Unknown when unreadable
    if not entries:   # the cloud says there is no version document: nothing to read a version from
        pytest.skip(f"GET {root}/ answered HTTP {status}: no version document")
    observe(f"{prefix}.versions", versions.ids(entries))
    major = versions.major_to_use(entries)
    assert major is not None, f"the {types[0]} root lists only experimental versions: {versions.ids(entries)}"
    in_catalog = catalog_version(cloud, service_type, url)
    observe(f"{prefix}.api_version", major)
    observe(f"{prefix}.catalog_version", in_catalog)
    observe(f"{prefix}.pinned_api_version", major if in_catalog not in (None, major) else None)


def test_block_storage_versions(cloud, observe):
    _versions(cloud, observe, services.BLOCK_STORAGE_TYPES, "block_storage")


def test_compute_versions(cloud, observe):
    _versions(cloud, observe, ("compute",), "compute")


def test_network_versions(cloud, observe):
    _versions(cloud, observe, ("network",), "network")
