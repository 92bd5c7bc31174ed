"""Image format: what glance accepts, what the provider prefers, and that an upload takes."""

from collections import Counter

import pytest

from os_interop.apis import image


def test_accepted_formats(cloud, observe):
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")
    if not image.v2_offered(cloud):
        pytest.skip("no /v2/schemas/image (image v1 only): accepted formats are not published")
    body = image.schema(cloud)
    assert body is not None, "image v2 is offered but GET /v2/schemas/image answers 404"
    disk = image.accepted_formats(cloud)
    assert disk, "the image schema publishes no disk_format enum"
    observe("image.disk_formats", disk)
    container = ((body.get("properties") or {}).get("container_format") or {}).get("enum") or []
    observe("image.container_formats", sorted(f for f in container if isinstance(f, str) and f))
    observe("image.qcow2_accepted", "qcow2" in disk)


def test_preferred_format(cloud, observe):
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")
    provider = image.provider_images(cloud)
    observe("image.public_formats", dict(sorted(Counter(
        i.get("disk_format") for i in provider if i.get("disk_format")).items())))
    preferred, why_not = image.preference(cloud)
    if preferred is None:   # unknown, with its reason: never openstacksdk's default as a finding
        pytest.skip(why_not)
    observe("image.format", preferred)


def test_upload_becomes_active(run_upload, observe):
    if run_upload.method == "none":
        pytest.skip(f"no upload method was accepted ({run_upload.why_none()}); see upload.method")
    observe("image.upload_active", run_upload.active)
