"""Every read the image, version, compute and upload/boot paths make is three-valued: for each,
a 500, a 429, a reset, a timeout and an unparsable body are Unknown carrying the evidence id
of the failing exchange; the absences the probe declares (a 404) are absence, never a value."""

import itertools

import pytest
import requests
import requests_mock

from os_interop.answers import Unknown
from os_interop.apis import compute, image, versions
from os_interop.flows import polling
from os_interop.flows import server as server_flow
from os_interop.flows import upload as upload_flow
from selftests.unit.stub_cloud import StubCloud, serve_public_images

IMAGE, COMPUTE, IDENTITY, SWIFT = "http://i/image", "http://c/v2.1", "http://k/identity", "http://s/v1/AUTH_p"
SCHEMA = {"properties": {"disk_format": {"enum": ["qcow2", "raw"]},
                         "container_format": {"enum": ["bare"]}}}


@pytest.fixture
def cloud(tmp_path, monkeypatch):
    """A healthy v2 cloud; each test breaks one answer."""
    monkeypatch.setattr(polling, "pauses", lambda *a, **kw: itertools.repeat(0.0))
    c = StubCloud({"image": IMAGE, "compute": COMPUTE, "object-store": SWIFT}, tmp_path)
    m = c.mock
    m.register_uri("PUT", requests_mock.ANY, status_code=201)    # swift; the latest match wins
    m.register_uri("GET", f"{IMAGE}/", status_code=300, json={"versions": [
        {"id": "v2.6", "status": "CURRENT", "links": []}, {"id": "v2.0", "status": "SUPPORTED", "links": []}]})
    m.register_uri("GET", f"{IMAGE}/v2/schemas/image", json=SCHEMA)
    serve_public_images(m, IMAGE, [{"id": "pub", "disk_format": "raw", "owner": "provider", "status": "active"}])
    m.register_uri("GET", f"{IMAGE}/v2/info/import", json={"import-methods": {"value": ["glance-direct"]}})
    m.register_uri("GET", f"{IMAGE}/v2/tasks?limit=1", status_code=403, json={})
    m.register_uri("POST", f"{IMAGE}/v2/images", status_code=201, json={"id": "img1", "status": "queued"})
    m.register_uri("PUT", f"{IMAGE}/v2/images/img1/file", status_code=204)
    m.register_uri("GET", f"{IMAGE}/v2/images/img1", json={"id": "img1", "status": "active"})
    m.register_uri("POST", f"{IMAGE}/v2/tasks", status_code=201, json={"id": "t1", "status": "pending"})
    m.register_uri("GET", f"{IMAGE}/v2/tasks/t1", json={"id": "t1", "status": "success",
                                                         "result": {"image_id": "img1"}})
    m.register_uri("GET", "http://c/", json={"versions": [
        {"id": "v2.0", "status": "SUPPORTED", "version": ""},
        {"id": "v2.1", "status": "CURRENT", "version": "2.90", "min_version": "2.1"}]})
    m.register_uri("GET", f"{COMPUTE}/flavors/detail", json={"flavors": [
        {"id": "f1", "ram": 64, "disk": 1, "vcpus": 1}]})
    m.register_uri("POST", f"{COMPUTE}/servers", status_code=202, json={"server": {"id": "s1"}})
    m.register_uri("GET", f"{COMPUTE}/servers/s1", json={"server": {
        "id": "s1", "status": "ACTIVE", "addresses": {"private": [{"addr": "10.0.0.5"}]}}})
    m.register_uri("GET", f"{IDENTITY}/", status_code=300, json={"versions": {"values": [
        {"id": "v3.14", "status": "stable"}]}})
    return c


def _upload(cloud, tasks="admin-only"):
    return upload_flow.upload(cloud, "raw", upload_flow.Routes(
        v2=True, import_methods=["glance-direct"], tasks=tasks, object_store=True))


def _tasks_upload(cloud):
    cloud.mock.register_uri("PUT", f"{IMAGE}/v2/images/img1/file", status_code=403, json={})
    return upload_flow.upload(cloud, "raw", upload_flow.Routes(v2=True, tasks="user", object_store=True))


def _boot(cloud):
    return server_flow.boot(cloud, {"id": "pub"})


# (read, method, URL whose answer is broken, status of a good answer, call that reads it)
READS = [
    ("identity root", "GET", f"{IDENTITY}/", 300,
     lambda c: versions.at_root(c, IDENTITY, versions.ROOT_OR_HIDDEN)),
    ("image root", "GET", f"{IMAGE}/", 300, image.v2_offered),
    ("compute version document", "GET", "http://c/", 200, compute.max_microversion),
    ("image schema", "GET", f"{IMAGE}/v2/schemas/image", 200, image.accepted_formats),
    ("public images", "GET", f"{IMAGE}/v2/images?visibility=public&limit=1", 200, image.preferred_format),
    ("public images' next page", "GET", f"{IMAGE}/v2/images?visibility=public&marker=pub&limit=100", 200,
     image.preferred_format),
    ("import info", "GET", f"{IMAGE}/v2/info/import", 200, image.import_methods),
    ("tasks", "GET", f"{IMAGE}/v2/tasks?limit=1", 200, image.tasks_visibility),
    ("flavors", "GET", f"{COMPUTE}/flavors/detail", 200, _boot),
    ("server create", "POST", f"{COMPUTE}/servers", 202, _boot),
    ("server status poll", "GET", f"{COMPUTE}/servers/s1", 200, _boot),
    ("image create", "POST", f"{IMAGE}/v2/images", 201, _upload),
    ("image data PUT", "PUT", f"{IMAGE}/v2/images/img1/file", None, _upload),
    ("image status poll", "GET", f"{IMAGE}/v2/images/img1", 200, _upload),
    ("task create", "POST", f"{IMAGE}/v2/tasks", 201, _tasks_upload),
    ("task status poll", "GET", f"{IMAGE}/v2/tasks/t1", 200, _tasks_upload),
]
FAULTS = {
    "500": {"status_code": 500, "json": {"computeFault": {"code": 500, "message": "boom"}}},
    "503": {"status_code": 503, "text": "Service Unavailable"},
    "429": {"status_code": 429, "headers": {"Retry-After": "3"}, "json": {"message": "slow down"}},
    "reset": {"exc": requests.exceptions.ConnectionError("Connection reset by peer")},
    "timeout": {"exc": requests.exceptions.ReadTimeout("read timed out")},
    "not JSON": {"text": "<html>proxy error</html>", "headers": {"Content-Type": "text/html"}},
    "truncated": {"text": '{"versions": [{"id": "v2', "headers": {"Content-Type": "application/json"}},
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("read, method, url, good_status, call", READS, ids=[r[0] for r in READS])
def test_a_fault_is_unknown_with_its_evidence(cloud, read, method, url, good_status, call, fault):
    answer = dict(FAULTS[fault])
    if fault in ("not JSON", "truncated"):
        if good_status is None:
            pytest.skip(f"the {read} answer has no body to parse")
        answer["status_code"] = good_status
    cloud.mock.register_uri(method, url, **answer)
    # an ambiguous create (no answer at all) is Unknown too; the journal then looks the
    # resource up (selftests/unit/test_journal.py)
    with pytest.raises(Unknown) as caught:
        call(cloud)
    recorded = cloud.recorded()
    assert caught.value.evidence_id in recorded, caught.value
    exchange = recorded[caught.value.evidence_id]
    assert exchange["method"] == method and exchange["url"] == url
    assert exchange["status"] == answer.get("status_code")       # None: no answer at all
    if fault == "429":
        assert "Retry-After 3" in str(caught.value)


def test_the_healthy_cloud_reads_as_values(cloud):
    assert image.v2_offered(cloud) and image.accepted_formats(cloud) == ["qcow2", "raw"]
    assert compute.max_microversion(cloud) == "2.90"
    assert image.preferred_format(cloud) == "raw" and image.import_methods(cloud) == ["glance-direct"]
    assert image.tasks_visibility(cloud) == "admin-only"
    booted = _boot(cloud)
    assert (booted.implicit, booted.server["id"]) == ("ok", "s1")
    uploaded = _upload(cloud)
    assert (uploaded.method, uploaded.active, uploaded.put_status) == ("put", True, 204)
    assert _tasks_upload(cloud).method == "tasks"


# -- declared absences are absence ------------------------------------------------------------
def test_a_hidden_image_root_falls_back_to_the_catalog_version(cloud):
    cloud.mock.register_uri("GET", f"{IMAGE}/", status_code=404, json={})
    assert image.offered(cloud) == (404, [])
    assert not image.v2_offered(cloud)             # the catalog URL names no version
    cloud.endpoints_by_type["image"] = f"{IMAGE}/v2"
    assert image.v2_offered(cloud)


def test_absent_import_info_and_schema_are_none(cloud):
    cloud.mock.register_uri("GET", f"{IMAGE}/v2/info/import", status_code=404, json={})
    cloud.mock.register_uri("GET", f"{IMAGE}/v2/schemas/image", status_code=404, json={})
    assert image.import_methods(cloud) is None
    assert image.schema(cloud) is None and image.accepted_formats(cloud) is None


@pytest.mark.parametrize("status, expected", [(200, "user"), (403, "admin-only"), (404, "absent")])
def test_tasks_statuses_are_values_even_without_a_body(cloud, status, expected):
    body = {"json": {"tasks": []}} if status == 200 else {"text": "Forbidden"}
    cloud.mock.register_uri("GET", f"{IMAGE}/v2/tasks?limit=1", status_code=status, **body)
    assert image.tasks_visibility(cloud) == expected


def test_a_v1_only_cloud_reads_no_schema(cloud):
    cloud.mock.register_uri("GET", f"{IMAGE}/", status_code=300, json={"versions": [
        {"id": "v1.1", "status": "CURRENT", "links": []}]})
    schema = cloud.mock.register_uri("GET", f"{IMAGE}/v2/schemas/image", json=SCHEMA)
    assert image.accepted_formats(cloud) is None and not schema.called


def test_a_root_that_lists_no_versions_is_unknown(cloud):
    cloud.mock.register_uri("GET", "http://c/", json={"hello": "world"})
    with pytest.raises(Unknown, match="without a version list"):
        compute.max_microversion(cloud)


# -- refusals a member can get stay values ------------------------------------------------------
def test_a_put_refused_by_policy_is_a_value_and_import_is_tried(cloud):
    cloud.mock.register_uri("PUT", f"{IMAGE}/v2/images/img1/file", status_code=403, json={})
    cloud.mock.register_uri("PUT", f"{IMAGE}/v2/images/img1/stage", status_code=204)
    cloud.mock.register_uri("POST", f"{IMAGE}/v2/images/img1/import", status_code=202)
    uploaded = _upload(cloud)
    assert (uploaded.put_status, uploaded.method, uploaded.active) == (403, "import:glance-direct", True)


def test_a_staging_fault_is_unknown_not_import_refused(cloud):
    cloud.mock.register_uri("PUT", f"{IMAGE}/v2/images/img1/file", status_code=403, json={})
    cloud.mock.register_uri("PUT", f"{IMAGE}/v2/images/img1/stage", status_code=502)
    with pytest.raises(Unknown, match="HTTP 502"):
        _upload(cloud)


def test_an_image_create_refused_for_its_format_is_a_value(cloud):
    cloud.mock.register_uri("POST", f"{IMAGE}/v2/images", status_code=400, json={"message": "bad format"})
    uploaded = _upload(cloud)
    assert uploaded.tried == ["POST /v2/images answered 400"] and uploaded.put_status is None


def test_network_ambiguous_and_quota_refusals_are_values(cloud):
    cloud.mock.register_uri("POST", f"{COMPUTE}/servers", status_code=409, json={"conflictingRequest": {
        "code": 409, "message": "Multiple possible networks found, use a Network ID to be more specific."}})
    assert _boot(cloud).implicit == "ambiguous"
    cloud.mock.register_uri("POST", f"{COMPUTE}/servers", status_code=403, json={"forbidden": {
        "code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 0 of 0 instances"}})
    refused = _boot(cloud)
    assert refused.implicit == "error" and refused.server is None and "Quota exceeded" in refused.detail


def test_no_fitting_flavor_is_a_value_only_when_the_listing_says_so(cloud):
    cloud.mock.register_uri("GET", f"{COMPUTE}/flavors/detail", json={"flavors": []})
    assert _boot(cloud).detail == "no flavor visible to the project fits the image"


def test_a_server_that_never_settles_is_a_value_after_the_bounded_wait(cloud, monkeypatch):
    monkeypatch.setattr(server_flow, "BOOT_TIMEOUT", 0)
    cloud.mock.register_uri("GET", f"{COMPUTE}/servers/s1", json={"server": {"id": "s1", "status": "BUILD"}})
    booted = _boot(cloud)
    assert booted.implicit == "error" and "went BUILD" in booted.detail
