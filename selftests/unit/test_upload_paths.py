"""Upload paths as they are (issue 9.4): v1 where v2 refuses the data, why each import method
cannot take a local file, and "no working method" naming every step; over requests-mock with
the same real session, evidence recorder and journal as test_reads.py."""

import pytest
import requests

from os_interop import profile_sources
from os_interop.answers import Unknown
from os_interop.apis import image
from os_interop.flows import upload as upload_flow

from .test_reads import FAULTS, IMAGE, cloud  # noqa: F401 - the fixture: a healthy v2 cloud

V1_LISTED = {"versions": [{"id": "v2.3", "status": "CURRENT", "links": []},
                          {"id": "v1.1", "status": "SUPPORTED", "links": []}]}


def _routes(**kw):
    return upload_flow.Routes(**{"v2": True, "v1": True, "import_methods": None, "tasks": "admin-only",
                                 "object_store": False, **kw})


def _v2_refuses(cloud):
    cloud.mock.register_uri("PUT", f"{IMAGE}/v2/images/img1/file", status_code=403, json={})


def _v1_takes_it(cloud):
    return cloud.mock.register_uri("POST", f"{IMAGE}/v1/images", status_code=201, json={
        "image": {"id": "v1img", "status": "active"}})


def test_v1_is_not_offered_where_the_root_lists_only_v2(cloud):
    assert not image.v1_offered(cloud)


def test_v1_is_offered_when_listed_beside_v2(cloud):
    cloud.mock.register_uri("GET", f"{IMAGE}/", status_code=300, json=V1_LISTED)
    assert image.v1_offered(cloud) and image.v2_offered(cloud)


@pytest.mark.parametrize("catalog, offered", [(IMAGE, False), (f"{IMAGE}/v1", True)])
def test_a_hidden_root_leaves_v1_to_the_catalog_url(cloud, catalog, offered):
    cloud.mock.register_uri("GET", f"{IMAGE}/", status_code=404, json={})
    cloud.endpoints_by_type["image"] = catalog
    assert image.v1_offered(cloud) is offered


@pytest.mark.parametrize("fault", ["500", "503", "reset"])
def test_a_fault_at_the_root_is_unknown_not_v1_absent(cloud, fault):
    cloud.mock.register_uri("GET", f"{IMAGE}/", **FAULTS[fault])
    with pytest.raises(Unknown):
        image.v1_offered(cloud)


def test_v2_refusing_the_data_with_v1_listed_uploads_through_v1(cloud):
    _v2_refuses(cloud)
    v1 = _v1_takes_it(cloud)
    uploaded = upload_flow.upload(cloud, "raw", _routes())
    assert (uploaded.method, uploaded.api_version, uploaded.active) == ("v1", "1", True)
    assert uploaded.put_status == 403 and uploaded.image_id == "v1img"    # PUT stays refused
    assert uploaded.tried == ["PUT /v2/images/{id}/file answered 403", "import: /v2/info/import absent (404)",
                              "tasks: admin-only (GET /v2/tasks answered 403)",
                              "v1: POST /v1/images with the data answered 201"]
    sent = v1.last_request
    assert sent.headers["x-image-meta-disk_format"] == "raw" and sent.body == uploaded_data(sent)
    assert sent.headers["x-image-meta-name"].startswith("osi-r1-image-v1")
    # journaled before the create, with the id the cloud returned
    v1_entry = [e for e in cloud.resources.entries if e.name.endswith("image-v1")]
    assert [(e.id, e.state) for e in v1_entry] == [("v1img", "created")]


def uploaded_data(request):
    assert request.body, "the v1 POST carries the image data"
    return request.body


def test_put_accepted_never_tries_v1(cloud):
    v1 = _v1_takes_it(cloud)
    uploaded = upload_flow.upload(cloud, "raw", _routes())
    assert (uploaded.method, uploaded.api_version) == ("put", "2") and not v1.called
    assert uploaded.tried == ["PUT /v2/images/{id}/file answered 204"]


def test_glance_direct_is_tried_before_v1(cloud):
    _v2_refuses(cloud)
    v1 = _v1_takes_it(cloud)
    cloud.mock.register_uri("PUT", f"{IMAGE}/v2/images/img1/stage", status_code=204)
    cloud.mock.register_uri("POST", f"{IMAGE}/v2/images/img1/import", status_code=202)
    uploaded = upload_flow.upload(cloud, "raw", _routes(import_methods=["glance-direct", "web-download"]))
    assert (uploaded.method, uploaded.api_version) == ("import:glance-direct", "2") and not v1.called


def test_only_web_download_is_no_working_method_and_says_why(cloud):
    _v2_refuses(cloud)
    imported = cloud.mock.register_uri("POST", f"{IMAGE}/v2/images/img1/import", status_code=202)
    uploaded = upload_flow.upload(cloud, "raw", _routes(v1=False, import_methods=["web-download"]))
    assert (uploaded.method, uploaded.api_version, uploaded.active) == ("none", None, False)
    assert not imported.called            # never given a URL: the suite serves none
    assert uploaded.tried == [
        "PUT /v2/images/{id}/file answered 403",
        "import methods offered: web-download (needs a URL the cloud fetches); no glance-direct",
        "tasks: admin-only (GET /v2/tasks answered 403)", "v1: not offered"]
    # the failure message carries the evidence of every answer it names
    put = [i for i, r in cloud.recorded().items() if r["method"] == "PUT" and r["url"].endswith("/file")]
    assert f"PUT /v2/images/{{id}}/file answered 403 [evidence {put[0]}]" in uploaded.why_none()


def test_nothing_offered_reads_apart_from_only_web_download(cloud):
    _v2_refuses(cloud)
    none = upload_flow.upload(cloud, "raw", _routes(v1=False, import_methods=[], tasks="absent"))
    web = upload_flow.upload(cloud, "raw", _routes(v1=False, import_methods=["web-download"]))
    assert none.tried[1:3] == ["import methods offered: none", "tasks: absent (GET /v2/tasks answered 404)"]
    assert none.why_none() != web.why_none()


def test_tasks_for_users_without_object_storage_is_named(cloud):
    _v2_refuses(cloud)
    uploaded = upload_flow.upload(cloud, "raw", _routes(v1=False, tasks="user", object_store=False))
    assert "no object storage to stage the data" in uploaded.tried[2]


@pytest.mark.parametrize("method, why", [
    ("glance-direct", "takes a local file"), ("web-download", "needs a URL the cloud fetches"),
    ("glance-download", "another region's glance"), ("copy-image", "between stores"),
    ("made-up", "not tried")])
def test_each_import_method_says_what_it_does_with_a_local_file(method, why):
    assert why in upload_flow.local_file(method)


def test_a_v1_refusal_is_a_value_and_its_reserved_image_is_found_for_cleanup(cloud):
    _v2_refuses(cloud)
    cloud.mock.register_uri("POST", f"{IMAGE}/v1/images", status_code=403, text="Forbidden")
    found = []

    def requester(method, url):
        found.append(url)
        name = url.split("name=")[-1]
        return 200, {"images": [{"id": "queued1", "name": name}]}
    cloud.resources.requester = requester
    uploaded = upload_flow.upload(cloud, "raw", _routes())
    assert (uploaded.method, uploaded.tried[-1]) == ("none", "v1: POST /v1/images with the data answered 403")
    assert found and found[0].startswith(f"{IMAGE}/v1/images?name=")
    assert [e.id for e in cloud.resources.entries if e.name.endswith("image-v1")] == ["queued1"]


@pytest.mark.parametrize("status", [300, 404])
def test_v1_listed_but_not_served_is_a_value(cloud, status):
    _v2_refuses(cloud)
    cloud.mock.register_uri("POST", f"{IMAGE}/v1/images", status_code=status, json={"versions": []})
    uploaded = upload_flow.upload(cloud, "raw", _routes())
    assert uploaded.method == "none" and uploaded.tried[-1].endswith(f"answered {status}")


@pytest.mark.parametrize("fault", FAULTS)
def test_a_v1_create_fault_is_unknown_never_a_refusal(cloud, fault):
    _v2_refuses(cloud)
    answer = dict(FAULTS[fault])
    if fault in ("not JSON", "truncated"):
        answer["status_code"] = 201
    cloud.mock.register_uri("POST", f"{IMAGE}/v1/images", **answer)
    with pytest.raises(Unknown) as caught:
        upload_flow.upload(cloud, "raw", _routes())
    exchange = cloud.recorded()[caught.value.evidence_id]
    assert (exchange["method"], exchange["url"]) == ("POST", f"{IMAGE}/v1/images")


def test_a_v1_create_without_an_image_id_is_unknown(cloud):
    _v2_refuses(cloud)
    cloud.mock.register_uri("POST", f"{IMAGE}/v1/images", status_code=201, json={"image": {"status": "active"}})
    with pytest.raises(Unknown):
        upload_flow.upload(cloud, "raw", _routes())


def test_a_v2_fault_never_falls_back_to_v1(cloud):
    cloud.mock.register_uri("PUT", f"{IMAGE}/v2/images/img1/file", exc=requests.exceptions.ConnectionError("reset"))
    v1 = _v1_takes_it(cloud)
    with pytest.raises(Unknown):
        upload_flow.upload(cloud, "raw", _routes())
    assert not v1.called


# -- which observation decides image_api_version ------------------------------------------------
def _caps(discovered, uploaded, upload_outcome="diverge"):
    return [
        {"outcome": "pass", "cost": "read-only", "observations": [
            {"key": "image.api_version", "profile_key": "image_api_version"}]},
        {"outcome": upload_outcome, "cost": "creates-image", "observations": [
            {"key": "image.upload_api_version", "profile_key": "image_api_version"}]},
    ], {"image.api_version": discovered, "image.upload_api_version": uploaded}


def test_the_upload_decides_image_api_version_where_it_differs_from_discovery():
    assert profile_sources.deciding(*_caps("2", "1")) == [
        ("image.upload_api_version", "image_api_version", "1")]
    assert profile_sources.sources(*_caps("2", "1")) == {"image_api_version": ["image.upload_api_version"]}


def test_agreeing_observations_both_decide_and_no_upload_leaves_discovery():
    assert profile_sources.sources(*_caps("2", "2")) == {
        "image_api_version": ["image.api_version", "image.upload_api_version"]}
    assert profile_sources.sources(*_caps("2", None)) == {"image_api_version": ["image.api_version"]}
    # an errored upload could have decided the key otherwise (v2 listed, uploads only by v1):
    # the key is withheld whole, never left to discovery alone
    assert profile_sources.sources(*_caps("2", "1", "error")) == {}


def test_a_refused_v2_create_falls_back_to_v1_without_claiming_put_worked(cloud):
    cloud.mock.register_uri("POST", f"{IMAGE}/v2/images", status_code=403, json={"message": "no"})
    _v1_takes_it(cloud)
    uploaded = upload_flow.upload(cloud, "raw", _routes())
    assert (uploaded.method, uploaded.put_status) == ("v1", None)
    assert uploaded.tried == ["POST /v2/images answered 403", "v1: POST /v1/images with the data answered 201"]


def test_a_v1_only_cloud_uploads_by_its_post(cloud):
    _v1_takes_it(cloud)
    uploaded = upload_flow.upload(cloud, "raw", _routes(v2=False))
    assert (uploaded.method, uploaded.api_version, uploaded.put_status) == ("v1", "1", 201)
