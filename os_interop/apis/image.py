"""Glance: where v2 lives for this cloud, derived from the catalog, never from version links.

Version documents may name the wrong host (a proxy without public_endpoint), so the base
URL keeps the catalog's scheme, host and path prefix and only adds the version segment.
Every read is three-valued (answers.py): a fault raises Unknown, never a default.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from os_interop import answers
from os_interop.answers import EMPTY, JSON, Unknown
from os_interop.apis import versions
from os_interop.cloud import CloudUnderTest

# GET /v2/tasks: who may use the tasks API is read from the status itself
TASKS = {200: "user", 403: "admin-only", 404: "absent"}

# A URL that does not serve what was asked: glance answers unknown version paths with its
# version list (300), other proxies with 404. Both are facts; a 5xx is unknown.
ELSEWHERE = {300: EMPTY, 404: EMPTY}
LISTING_OR_ELSEWHERE = {200: JSON, **ELSEWHERE}
PAGE = 100   # images read after the first page: the public listing is that page and one more


def catalog_url(cloud: CloudUnderTest) -> str | None:
    return cloud.endpoint("image")


def root(cloud: CloudUnderTest) -> str | None:
    url = catalog_url(cloud)
    return cloud.unversioned(url) if url else None


def offered(cloud: CloudUnderTest) -> tuple[int | None, list[dict[str, Any]]]:
    """(status, version entries) at the image root; [] when the root is hidden (404) or
    there is no image service. A 5xx or an unreadable root raises Unknown."""
    base = root(cloud)
    if base is None:
        return None, []
    return versions.at_root(cloud, base, versions.ROOT_OR_HIDDEN)


def v2(cloud: CloudUnderTest, path: str = "") -> str:
    return f"{root(cloud)}/v2{path}"


def v1(cloud: CloudUnderTest, path: str = "") -> str:
    return f"{root(cloud)}/v1{path}"


def v2_offered(cloud: CloudUnderTest) -> bool:
    """v2 is listed at the root, or (root hidden) the catalog URL itself is a v2 URL."""
    status, entries = offered(cloud)
    if entries:
        return any(versions.parse(e["id"])[0] == 2 for e in entries)
    url = catalog_url(cloud) or ""
    return url.rstrip("/").endswith("/v2")


def v1_offered(cloud: CloudUnderTest) -> bool:
    """v1 is listed at the root, or (root hidden) the catalog URL itself is a v1 URL: where a
    refused v2 upload may still go (Enter Cloud Suite, 2016)."""
    status, entries = offered(cloud)
    if entries:
        return any(versions.parse(e["id"])[0] == 1 for e in entries)
    url = catalog_url(cloud) or ""
    return url.rstrip("/").endswith("/v1")


def schema(cloud: CloudUnderTest) -> dict[str, Any] | None:
    """The v2 image schema; None when v2 is not offered or the schema is absent (404)."""
    if not v2_offered(cloud):
        return None
    found = cloud.answer("GET", v2(cloud, "/schemas/image"), answers.MAYBE)
    if found.absent:
        return None
    if not isinstance(found.body, dict):
        raise Unknown("GET /v2/schemas/image answered a schema that is not an object",
                      found.evidence_id)
    return found.body


def is_listing(found: answers.Answer) -> bool:
    return found.status == 200 and isinstance(found.body, dict) and isinstance(found.body.get("images"), list)


def first_page(cloud: CloudUnderTest) -> answers.Answer:
    """GET /v2/images?visibility=public&limit=1: whether v2 lists at all, and the page whose
    next link the pagination probe follows. 300/404 are answers (not a listing); 5xx is Unknown."""
    return cloud.answer("GET", v2(cloud, "/images?visibility=public&limit=1"), LISTING_OR_ELSEWHERE)


def next_page(cloud: CloudUnderTest, first: answers.Answer) -> answers.Answer | None:
    """The first page's next link followed, asking for PAGE images; None without a next link.

    glance's next is relative to the service root (/v2/images?...&marker=...), so it joins the
    catalog's host, never a version document's. Its limit is raised so that this one request
    both tests the link and completes the public listing (first_page + this = up to 101 images):
    the marker, path and host are what a client follows, and they stay as given."""
    nxt = first.body.get("next")
    if not nxt:
        return None
    if not isinstance(nxt, str):
        raise Unknown("GET images?limit=1: its next link is not a string", first.evidence_id)
    base = urlsplit(root(cloud))
    if nxt.startswith("/"):
        target = urlsplit(f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}{nxt}")
    else:
        target = urlsplit(urljoin(v2(cloud, "/"), nxt))
    query = [(k, v) for k, v in parse_qsl(target.query, keep_blank_values=True) if k != "limit"]
    url = urlunsplit(target._replace(query=urlencode(query + [("limit", str(PAGE))])))
    return cloud.answer("GET", url, {**LISTING_OR_ELSEWHERE, 400: EMPTY})


def public_images(cloud: CloudUnderTest) -> list[dict[str, Any]]:
    """Public images (v2, or v1 detail where v2 is absent): up to 101 on v2, 100 on v1.

    On v2 the pagination probe's two pages are the listing (one request fewer); where they do
    not prove it whole (a next link that fails, a full first page without one, a first page
    that is not a listing) one page of 100 is asked for directly. A refused or unreadable
    listing is Unknown, never "no images"."""
    if v2_offered(cloud):
        first = first_page(cloud)
        if is_listing(first):
            second = next_page(cloud, first)
            if second is None and not answers.items(first, "images"):
                return []                  # an empty page: there is nothing more to list
            if second is not None and is_listing(second):
                return _public(answers.items(first, "images") + answers.items(second, "images"))
        url = v2(cloud, f"/images?visibility=public&limit={PAGE}")
    else:
        url = v1(cloud, f"/images/detail?is_public=true&limit={PAGE}")
    return _public(answers.items(cloud.answer("GET", url), "images"))


def _public(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(i, visibility=i.get("visibility", "public")) for i in images]


def import_methods(cloud: CloudUnderTest) -> list[str] | None:
    """Methods from /v2/info/import, or None when the endpoint is absent (404)."""
    found = cloud.answer("GET", v2(cloud, "/info/import"), answers.MAYBE)
    if found.absent:
        return None
    methods = answers.field(found, "import-methods", "value")
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise Unknown("GET /v2/info/import: import-methods.value is not a list of names",
                      found.evidence_id)
    return sorted(methods)


def accepted_formats(cloud: CloudUnderTest) -> list[str] | None:
    """disk_format enum of the v2 image schema (None when there is no schema)."""
    body = schema(cloud)
    if body is None:
        return None
    enum = ((body.get("properties") or {}).get("disk_format") or {}).get("enum")
    if not isinstance(enum, list):   # a schema without the list says nothing, never "none accepted"
        raise Unknown(f"GET {v2(cloud, '/schemas/image')}: no disk_format enum in the image schema")
    return sorted(f for f in enum if isinstance(f, str) and f)


def provider_images(cloud: CloudUnderTest) -> list[dict[str, Any]]:
    """Public images the project does not own: the provider's own choices."""
    project = cloud.project_id
    return [i for i in public_images(cloud) if i.get("owner") != project]


def preference(cloud: CloudUnderTest) -> tuple[str | None, str | None]:
    """(majority disk_format of the provider's images among the accepted formats, None) or,
    when nothing shows a preference, (None, why). Never a default: openstacksdk's qcow2
    would be a value the cloud did not give."""
    accepted = accepted_formats(cloud)
    provider = provider_images(cloud)
    counts: dict[str, int] = {}
    for img in provider:
        fmt = img.get("disk_format")
        if fmt and (accepted is None or fmt in accepted):
            counts[fmt] = counts.get(fmt, 0) + 1
    if counts:
        return max(sorted(counts), key=lambda f: counts[f]), None
    if not provider:
        return None, "no provider images: nothing shows a preference"
    return None, "no provider image has an accepted disk format: nothing shows a preference"


def preferred_format(cloud: CloudUnderTest) -> str | None:
    """The provider's preferred disk format, or None when the cloud shows none."""
    return preference(cloud)[0]


def upload_format(cloud: CloudUnderTest) -> str | None:
    """The format the run's tiny image is uploaded in: the preferred one; else, by the
    upload's own choice (not an observation of preference), qcow2 if accepted, else raw,
    else the first accepted. None when the schema accepts no format at all."""
    preferred = preferred_format(cloud)
    if preferred:
        return preferred
    accepted = accepted_formats(cloud)
    if accepted is None:          # v1: no schema publishes the formats; try what clients send
        return "qcow2"
    for fmt in ("qcow2", "raw"):
        if fmt in accepted:
            return fmt
    return accepted[0] if accepted else None


def tasks_visibility(cloud: CloudUnderTest) -> str:
    """'user' (200), 'admin-only' (403) or 'absent' (404); anything else is Unknown."""
    found = cloud.answer("GET", v2(cloud, "/tasks?limit=1"), {200: JSON, 403: EMPTY, 404: EMPTY})
    return TASKS[found.status]
