"""Image API version discovery: what the root offers, and whether its links can be followed."""

from urllib.parse import urljoin, urlsplit

import pytest

from os_interop.apis import image, versions
from os_interop.apis.image import LISTING_OR_ELSEWHERE, is_listing


def _needs_image(cloud):
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")


def test_image_versions(cloud, observe):
    _needs_image(cloud)
    status, entries = image.offered(cloud)
    ids = sorted((e["id"] for e in entries), key=versions.parse)
    if not entries:   # root hidden: the catalog's own version is the only evidence
        catalog = image.catalog_url(cloud)
        suffix = catalog.rsplit("/", 1)[-1]
        assert suffix.startswith("v"), (f"image root answered HTTP {status} with no versions and the "
                                        f"catalog URL {catalog} names none")
        ids = [suffix]
    v1 = any(versions.parse(i)[0] == 1 for i in ids)
    v2 = any(versions.parse(i)[0] == 2 for i in ids)
    observe("image.versions", ids)
    observe("image.v1", v1)
    observe("image.v2", v2)
    assert v1 or v2, f"neither image v1 nor v2 is offered: {ids}"
    # listed is not enough: the version a client is told to use must answer
    v2_answers = v2 and is_listing(image.first_page(cloud))
    assert v2_answers or v1, "image v2 is listed but GET /v2/images fails, and there is no v1"
    observe("image.api_version", "2" if v2_answers else "1")
    observe("image.import_api", any(versions.parse(i) >= (2, 6) for i in ids))


def test_catalog_entry(cloud, observe):
    _needs_image(cloud)
    url = image.catalog_url(cloud)
    observe("image.catalog_versioned", cloud.unversioned(url) != url.rstrip("/"))


def _prefix(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def test_discovery_links(cloud, observe):
    _needs_image(cloud)
    status, entries = image.offered(cloud)
    if not entries:
        pytest.skip(f"the image root lists no versions (HTTP {status}); nothing to compare")
    scheme, netloc, path = _prefix(image.root(cloud))
    bad = []
    for entry in entries:
        for link in entry.get("links") or []:
            if not isinstance(link, dict) or link.get("rel") != "self":
                continue
            s, n, p = _prefix(urljoin(image.root(cloud) + "/", str(link.get("href", ""))))
            if (s, n) != (scheme, netloc) or not p.startswith(path):
                bad.append(link["href"])
    observe("image.discovery_links_match", not bad)
    if not bad:
        observe("image.endpoint_override", None)
        return
    # the catalog's host with the discovered version works where the advertised host does not
    major = "v2" if any(versions.parse(e["id"])[0] == 2 for e in entries) else "v1"
    override = f"{image.root(cloud)}/{major}"
    probe = cloud.answer("GET", override + ("/images?limit=1" if major == "v2" else "/images/detail?limit=1"),
                         LISTING_OR_ELSEWHERE)
    observe("image.endpoint_override", override if is_listing(probe) else None)


def test_pagination(cloud, observe):
    _needs_image(cloud)
    if not image.v2_offered(cloud):
        pytest.skip("no image v2 API to paginate")
    first = image.first_page(cloud)
    assert is_listing(first), f"GET public images?limit=1 answered HTTP {first.status} without a listing"
    second = image.next_page(cloud, first)
    if second is None:
        pytest.skip("the one-image page of public images has no next link to follow")
    observe("image.pagination_usable", is_listing(second))
