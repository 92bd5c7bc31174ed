"""Image format: what glance accepts, what the provider prefers, and that an upload takes."""

from collections import Counter

import pytest

from os_interop.apis import image


def test_accepted_formats(cloud, observe):
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")
    body = image.schema(cloud)
    if body is None:
        assert not image.v2_offered(cloud), "image v2 is offered but GET /v2/schemas/image fails"
        pytest.skip("no /v2/schemas/image (image v1 only): accepted formats are not published")
    props = body.get("properties", {})
    disk = image.accepted_formats(cloud)
    assert disk, "the image schema publishes no disk_format enum"
    observe("image.disk_formats", disk)
    observe("image.container_formats",
            sorted(f for f in props.get("container_format", {}).get("enum") or [] if f))
    observe("image.qcow2_accepted", "qcow2" in disk)


def test_preferred_format(cloud, observe):
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")
    provider = image.provider_images(cloud)
    observe("image.public_formats", dict(sorted(Counter(
        i.get("disk_format") for i in provider if i.get("disk_format")).items())))
    preferred = image.preferred_format(cloud)
    assert preferred, "no disk format is both accepted and usable"
    observe("image.format", preferred)


def test_upload_becomes_active(run_upload, observe):
    if run_upload.method == "none":
        pytest.skip(f"no upload method was accepted ({run_upload.attempts}); see upload.method")
    observe("image.upload_active", run_upload.active)
