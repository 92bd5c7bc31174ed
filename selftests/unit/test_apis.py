"""The API helpers probes share: nova's candidate rule, URL building, and refusals that must
surface as findings rather than as empty answers (requests-mock serves the cloud)."""

import pytest

from os_interop.answers import Unknown
from os_interop.apis import image, network, versions
from selftests.unit.stub_cloud import StubCloud, serve_public_images


@pytest.fixture
def cloud(tmp_path):
    return StubCloud({"network": "http://n/v2.0", "image": "http://i/image/v2"}, tmp_path)


def test_network_url_does_not_double_the_version(cloud):
    assert network.url(cloud, "/networks") == "http://n/v2.0/networks"
    cloud.endpoints_by_type["network"] = "http://n"
    assert network.url(cloud, "/networks") == "http://n/v2.0/networks"


def _image_root(cloud, versions_listed):
    cloud.mock.register_uri("GET", "http://i/image/", status_code=300, json={"versions": [
        {"id": v, "status": "SUPPORTED", "links": []} for v in versions_listed]})


def test_image_base_keeps_the_catalog_host_and_prefix(cloud):
    assert image.root(cloud) == "http://i/image"
    assert image.v2(cloud, "/images") == "http://i/image/v2/images"


def test_preferred_format_is_the_providers_majority_among_accepted(cloud):
    _image_root(cloud, ["v2.0", "v2.6"])
    cloud.mock.register_uri("GET", "http://i/image/v2/schemas/image", json={"properties": {
        "disk_format": {"enum": [None, "raw", "qcow2", "vhd"]}}})
    serve_public_images(cloud.mock, "http://i/image", [
        {"disk_format": "raw", "owner": "provider"}, {"disk_format": "raw", "owner": "provider"},
        {"disk_format": "qcow2", "owner": "provider"}, {"disk_format": "qcow2", "owner": "p1"},
        {"disk_format": "qcow2", "owner": "p1"}, {"disk_format": "iso", "owner": "provider"}])
    assert image.preferred_format(cloud) == "raw"       # the project's own images do not count


def test_no_provider_images_means_no_preference_and_an_honest_upload_choice(cloud):
    """Issue 9.2: nothing shows a preference, so none is observed; the upload still picks a
    format (qcow2 if accepted, else raw, else the first accepted) as its own choice."""
    _image_root(cloud, ["v2.0"])
    cloud.mock.register_uri("GET", "http://i/image/v2/schemas/image", json={"properties": {
        "disk_format": {"enum": [None, "raw", "qcow2"]}}})
    serve_public_images(cloud.mock, "http://i/image", [])
    assert image.preferred_format(cloud) is None
    assert image.preference(cloud) == (None, "no provider images: nothing shows a preference")
    assert image.upload_format(cloud) == "qcow2"
    cloud.mock.register_uri("GET", "http://i/image/v2/schemas/image", json={"properties": {
        "disk_format": {"enum": ["vhd", "raw"]}}})
    cloud.forget()
    assert image.upload_format(cloud) == "raw"
    cloud.mock.register_uri("GET", "http://i/image/v2/schemas/image", json={"properties": {
        "disk_format": {"enum": ["vhd", "vmdk"]}}})
    cloud.forget()
    assert image.upload_format(cloud) == "vhd"


def test_provider_images_in_no_accepted_format_show_no_preference(cloud):
    _image_root(cloud, ["v2.0"])
    cloud.mock.register_uri("GET", "http://i/image/v2/schemas/image", json={"properties": {
        "disk_format": {"enum": ["raw"]}}})
    serve_public_images(cloud.mock, "http://i/image", [{"disk_format": "iso", "owner": "provider"}])
    preferred, why = image.preference(cloud)
    assert preferred is None and "no provider image has an accepted disk format" in why


PROVIDER = [{"id": "a", "disk_format": "raw", "owner": "provider"},
            {"id": "b", "disk_format": "qcow2", "owner": "provider"}]


@pytest.mark.parametrize("page", ["first", "second"])
def test_a_refused_image_listing_is_unknown_not_no_images(cloud, page):
    _image_root(cloud, ["v2.0"])
    serve_public_images(cloud.mock, "http://i/image", PROVIDER, status_code=503)
    if page == "first":
        cloud.mock.register_uri("GET", "http://i/image/v2/images?visibility=public&limit=1", status_code=503)
    with pytest.raises(Unknown, match="503"):
        image.public_images(cloud)


def test_the_public_listing_is_the_pagination_probes_two_pages(cloud):
    """One request fewer: the next link of the one-image page, asked for with limit=100,
    both tests pagination and completes the listing."""
    _image_root(cloud, ["v2.0"])
    serve_public_images(cloud.mock, "http://i/image", PROVIDER)
    assert [i["id"] for i in image.public_images(cloud)] == ["a", "b"]
    assert [(r.method, r.url) for r in cloud.mock.request_history if "/images?" in r.url] == [
        ("GET", "http://i/image/v2/images?visibility=public&limit=1"),
        ("GET", "http://i/image/v2/images?visibility=public&marker=a&limit=100")]


def test_a_full_first_page_without_a_next_link_is_not_the_whole_listing(cloud):
    """A listing that does not paginate (one image, no next link, on a cloud with more) must
    not pass as the public images: the page of 100 is read on its own."""
    _image_root(cloud, ["v2.0"])
    cloud.mock.register_uri("GET", "http://i/image/v2/images?visibility=public&limit=100",
                            json={"images": PROVIDER})
    cloud.mock.register_uri("GET", "http://i/image/v2/images?visibility=public&limit=1",
                            json={"images": PROVIDER[:1]})
    assert [i["id"] for i in image.public_images(cloud)] == ["a", "b"]


def test_an_empty_first_page_is_the_whole_listing(cloud):
    _image_root(cloud, ["v2.0"])
    serve_public_images(cloud.mock, "http://i/image", [])
    assert image.public_images(cloud) == []
    assert [r.url for r in cloud.mock.request_history if "/images?" in r.url] == [
        "http://i/image/v2/images?visibility=public&limit=1"]


@pytest.mark.parametrize("second", [{"status_code": 404}, {"status_code": 400},
                                    {"status_code": 300, "json": {"versions": []}}])
def test_a_next_link_that_does_not_list_is_not_the_listing(cloud, second):
    """A broken next link is the pagination probe's finding; the listing is then read as one
    page of 100 on its own, never completed from the first page alone."""
    _image_root(cloud, ["v2.0"])
    cloud.mock.register_uri("GET", "http://i/image/v2/images?visibility=public&limit=100",
                            json={"images": PROVIDER + [{"id": "c", "disk_format": "raw", "owner": "x"}]})
    serve_public_images(cloud.mock, "http://i/image", PROVIDER, **second)  # its marker page wins
    assert [i["id"] for i in image.public_images(cloud)] == ["a", "b", "c"]
    assert not image.is_listing(image.next_page(cloud, image.first_page(cloud)))


@pytest.mark.parametrize("status, expected", [(200, "user"), (403, "admin-only"), (404, "absent")])
def test_tasks_visibility(cloud, status, expected):
    cloud.mock.register_uri("GET", "http://i/image/v2/tasks?limit=1", status_code=status, json={})
    assert image.tasks_visibility(cloud) == expected


def test_version_documents_of_every_shape():
    assert [v["id"] for v in versions.listed({"versions": {"values": [{"id": "v3.14"}]}})] == ["v3.14"]
    assert [v["id"] for v in versions.listed({"versions": [{"id": "v2.1"}, {"id": "v1.0"}]})] == ["v2.1", "v1.0"]
    assert [v["id"] for v in versions.listed({"version": {"id": "v2.0"}})] == ["v2.0"]
    assert versions.parse("v2.17") > versions.parse("v2.9")


def test_the_smallest_flavor_the_image_fits_in(cloud):
    from os_interop.flows.server import smallest_flavor
    cloud.endpoints_by_type["compute"] = "http://c/v2.1"
    cloud.mock.register_uri("GET", "http://c/v2.1/flavors/detail", json={"flavors": [
        {"id": "tiny", "ram": 64, "disk": 1, "vcpus": 1},
        {"id": "small", "ram": 512, "disk": 10, "vcpus": 1},
        {"id": "volume", "ram": 256, "disk": 0, "vcpus": 1}]})
    assert smallest_flavor(cloud)["id"] == "tiny"
    assert smallest_flavor(cloud, min_disk=5)["id"] == "volume"       # disk 0: sized by the image
    assert smallest_flavor(cloud, min_ram=300, min_disk=5)["id"] == "small"
    assert smallest_flavor(cloud, min_ram=4096) is None
