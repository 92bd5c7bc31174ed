"""Glance quirks: discovery links, accepted formats, and which upload routes work where."""

from __future__ import annotations

import hashlib

import pytest
import requests


def test_wrong_host_discovery_links(client, fleet):
    c = client("wrong-host-discovery")
    assert c.url("image") == fleet.url("wrong-host-discovery") + "/image/v2"
    response = requests.get(fleet.url("wrong-host-discovery") + "/image/", timeout=5)
    assert response.status_code == 300
    hrefs = {link["href"] for v in response.json()["versions"] for link in v["links"]}
    assert hrefs == {"http://localhost/v2/", "http://localhost/v1/"}
    assert c.call("GET", c.url("image") + "/images?limit=1").status_code == 200  # the catalog URL works
    good = requests.get(fleet.url("upstream-default") + "/image/versions", timeout=5)
    assert good.status_code == 200
    assert good.json()["versions"][0] == {"id": "v2.17", "status": "CURRENT", "links": [
        {"rel": "self", "href": fleet.url("upstream-default") + "/image/v2/"}]}


@pytest.mark.parametrize("name, disk, qcow2", [("dreamhost-2015", ["raw"], False), ("rackspace-2015", ["vhd"], False),
                                               ("upstream-default", None, True)])
def test_schema_formats(client, name, disk, qcow2):
    c = client(name)
    enum = c.image("GET", "/v2/schemas/image").json()["properties"]["disk_format"]["enum"]
    assert enum[0] is None and ("qcow2" in enum) == qcow2
    if disk:
        assert enum[1:] == disk
    refused = c.image("POST", "/v2/images", json={"name": "x", "disk_format": "qcow2", "container_format": "bare"})
    assert refused.status_code == (201 if qcow2 else 400)
    if qcow2:
        assert c.image("DELETE", f"/v2/images/{refused.json()['id']}").status_code == 204


def test_put_forbidden_then_tasks_via_swift(client, fleet):
    c = client("rackspace-2015")
    created = c.image("POST", "/v2/images", json={"name": "sim-put", "disk_format": "vhd", "container_format": "ovf"})
    assert created.status_code == 201 and "OpenStack-image-import-methods" not in created.headers
    image_id = created.json()["id"]
    assert c.image("PUT", f"/v2/images/{image_id}/file", data=b"data",
                   headers={"Content-Type": "application/octet-stream"}).status_code == 403
    assert c.image("DELETE", f"/v2/images/{image_id}").status_code == 204
    assert c.image("GET", "/v2/info/import").status_code == 404
    swift = c.url("object-store")
    assert c.call("PUT", f"{swift}/sim-container").status_code == 201
    assert c.call("PUT", f"{swift}/sim-container/disk.vhd", data=b"vhd-bytes").status_code == 201
    task = c.image("POST", "/v2/tasks", json={"type": "import", "input": {
        "import_from": "sim-container/disk.vhd", "image_properties": {"name": "sim-task"}}})
    assert task.status_code == 201 and task.json()["status"] == "pending"
    done = c.image("GET", f"/v2/tasks/{task.json()['id']}").json()
    assert done["status"] == "success"
    image = c.image("GET", f"/v2/images/{done['result']['image_id']}").json()
    assert (image["status"], image["disk_format"], image["checksum"]) == (
        "active", "vhd", hashlib.md5(b"vhd-bytes").hexdigest())
    assert [t["id"] for t in c.image("GET", "/v2/tasks").json()["tasks"]] == [done["id"]]
    for url in (f"{swift}/sim-container/disk.vhd", f"{swift}/sim-container"):
        assert c.call("DELETE", url).status_code == 204
    assert c.image("DELETE", f"/v2/images/{image['id']}").status_code == 204
    assert fleet.state("rackspace-2015").created() == {}


@pytest.mark.parametrize("name, status", [("upstream-default", 403), ("hpcloud-2015", 300), ("auro-2015", 404),
                                          ("dreamhost-2015", 200)])
def test_tasks_visibility(client, name, status):
    assert client(name).image("GET", "/v2/tasks?limit=1").status_code == status


def test_interoperable_import(client, fleet):
    c = client("upstream-default")
    created = c.image("POST", "/v2/images", json={"name": "sim-import", "disk_format": "qcow2",
                                                  "container_format": "bare", "tags": ["sim"]})
    assert created.headers["OpenStack-image-import-methods"] == "glance-direct,web-download"
    image_id = created.json()["id"]
    direct = {"method": {"name": "glance-direct"}}
    assert c.image("POST", f"/v2/images/{image_id}/import", json=direct).status_code == 409
    assert c.image("PUT", f"/v2/images/{image_id}/stage", data=b"staged",
                   headers={"Content-Type": "application/octet-stream"}).status_code == 204
    assert c.image("GET", f"/v2/images/{image_id}").json()["status"] == "uploading"
    assert c.image("POST", f"/v2/images/{image_id}/import", json=direct).status_code == 202
    image = c.image("GET", f"/v2/images/{image_id}").json()
    assert image["status"] == "active" and image["tags"] == ["sim"] and image["size"] == 6
    assert c.image("GET", "/v2/info/import").json()["import-methods"]["value"] == ["glance-direct", "web-download"]
    assert c.image("GET", "/v2/info/stores").status_code == 404
    patched = c.image("PATCH", f"/v2/images/{image_id}", json=[{"op": "add", "path": "/os_distro", "value": "cirros"}],
                      headers={"Content-Type": "application/openstack-images-v2.1-json-patch"})
    assert patched.status_code == 200 and patched.json()["os_distro"] == "cirros"
    assert c.image("DELETE", f"/v2/images/{image_id}").status_code == 204
    assert fleet.state("upstream-default").created() == {}


def test_pagination_links_are_relative_to_the_service_root(client, fleet):
    c = client("rackspace-2015")  # versioned catalog URL, three provider images
    first = c.call("GET", c.url("image") + "/images?limit=1").json()
    assert first["next"].startswith("/v2/images?limit=1&marker=")
    second = c.call("GET", fleet.url("rackspace-2015") + "/image" + first["next"])
    assert second.status_code == 200 and len(second.json()["images"]) == 1
    assert second.json()["images"][0]["id"] != first["images"][0]["id"]


def test_v1_only_cloud(client):
    c = client("hpcloud-2015")
    assert c.image("GET", "/v2/images").status_code == 300  # glance's answer for a version it does not run
    listed = c.image("GET", "/v1/images/detail?is_public=true").json()["images"]
    assert {i["disk_format"] for i in listed} == {"qcow2"} and all(i["is_public"] for i in listed)
    created = c.image("POST", "/v1/images", data=b"qcow2-bytes", headers={
        "Content-Type": "application/octet-stream", "x-image-meta-name": "sim-v1", "x-image-meta-disk_format": "qcow2",
        "x-image-meta-container_format": "bare", "x-image-meta-property-purpose": "selftest"})
    assert created.status_code == 201
    image = created.json()["image"]
    assert image["status"] == "active" and image["properties"] == {"purpose": "selftest"}
    head = c.image("HEAD", f"/v1/images/{image['id']}")
    assert head.headers["x-image-meta-status"] == "active"
    assert head.headers["x-image-meta-property-purpose"] == "selftest"
    assert c.image("DELETE", f"/v1/images/{image['id']}").status_code == 200
    assert c.image("HEAD", f"/v1/images/{image['id']}").status_code == 404


def test_v1_reads_metadata_from_headers_only(client, fleet):
    """A JSON body is image data to glance v1: the image is reserved, then refused for its format."""
    c = client("hpcloud-2015")
    refused = c.image("POST", "/v1/images", json={"name": "sim-json", "disk_format": "qcow2",
                                                  "container_format": "bare"})
    assert refused.status_code == 400 and refused.json()["message"] == "Disk format is not specified."
    leftover = fleet.state("hpcloud-2015").created()["images"]
    assert [(i["name"], i["status"], i["checksum"]) for i in leftover] == [(None, "queued", None)]
    assert c.image("DELETE", f"/v1/images/{leftover[0]['id']}").status_code == 200
    headers_only = c.image("POST", "/v1/images", headers={"x-image-meta-name": "sim-queued",
                                                          "x-image-meta-disk_format": "qcow2"})
    image = headers_only.json()["image"]
    assert headers_only.status_code == 201 and (image["name"], image["status"]) == ("sim-queued", "queued")
    put = c.image("PUT", f"/v1/images/{image['id']}", data=b"qcow2-bytes",
                  headers={"x-image-meta-container_format": "bare"})
    assert put.status_code == 200 and put.json()["image"]["status"] == "active"
    assert c.image("DELETE", f"/v1/images/{image['id']}").status_code == 200
    assert fleet.state("hpcloud-2015").created() == {}


def test_swift_info_has_the_slo_section_clients_read(client):
    c = client("rackspace-2015")
    info = c.call("GET", c.fleet.url(c.name) + "/object-store/info").json()
    assert info["slo"]["min_segment_size"] == 1 and info["swift"]["max_file_size"] > 0
