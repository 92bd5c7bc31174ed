"""Upload method: import methods, the tasks API, direct PUT, and the method that works."""

import pytest

from os_interop.apis import image
from os_interop.flows import upload


def _needs_v2(cloud):
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")
    if not image.v2_offered(cloud):
        pytest.skip("image v1 only: no import or tasks API")


def test_import_methods(cloud, observe):
    _needs_v2(cloud)
    methods = image.import_methods(cloud) or []
    observe("image.import_methods", methods)
    # what each offered method does with a file on the client's disk: only glance-direct
    # takes one (web-download is never given a URL: the suite stays on loopback)
    observe("image.import_methods_local", {m: upload.local_file(m) for m in methods})


def test_tasks_api(cloud, observe):
    _needs_v2(cloud)
    observe("image.tasks_api", image.tasks_visibility(cloud))
    observe("image.object_store", cloud.endpoint("object-store") is not None)


def test_direct_put(run_upload, observe):
    # put_status is only ever an answer that means something (flows/upload.py STEP): a 5xx
    # or 429 on the PUT raised Unknown, so this capability is `error`, never "PUT refused"
    if run_upload.put_status is None:
        pytest.skip(f"the image could not even be created: {run_upload.why_none()}")
    observe("image.put_allowed", run_upload.put_status in (200, 201, 204))


def test_working_method(run_upload, observe):
    observe("image.upload_method", run_upload.method)
    observe("image.use_tasks", run_upload.method == "tasks")
    # the API a client must upload through: openstacksdk uses image_api_version for uploads
    # too, so "1" where v2 is listed but only v1 takes the data (null: nothing worked, or
    # the image never became active, so it decides no profile key)
    observe("image.upload_api_version", run_upload.api_version if run_upload.active else None)
    observe("image.upload_tried", run_upload.tried)
    assert run_upload.method != "none", f"no upload method worked: {run_upload.why_none()}"
    assert run_upload.active, f"the image uploaded by {run_upload.method} never became active"
