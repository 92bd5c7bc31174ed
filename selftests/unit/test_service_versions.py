"""Service version documents read by keystoneauth's discovery: the version to use, the
service root behind a project-scoped catalog URL, and refusals that stay unknown."""

import pytest

from os_interop.answers import Unknown
from os_interop.apis import services, versions
from selftests.unit.stub_cloud import StubCloud
from tests.image_api_version.test_service_versions import catalog_version


def SELF(path):  # noqa: N802 - reads like the link it builds
    return {"rel": "self", "href": f"http://v/volume/{path}/"}


@pytest.fixture
def cloud(tmp_path):
    return StubCloud({"volumev2": "http://v/volume/v2/p1", "compute": "http://c/compute/v2.1"}, tmp_path)


def _root(cloud, url, entries, status=300):
    cloud.mock.register_uri("GET", url, status_code=status, json={"versions": entries})


def test_the_newest_current_major_is_the_one_to_use(cloud):
    _root(cloud, "http://v/volume/", [{"id": "v2.0", "status": "DEPRECATED", "links": [SELF("v2")]},
                                      {"id": "v3.0", "status": "CURRENT", "version": "3.50", "links": [SELF("v3")]}])
    status, entries = versions.discovered(cloud, services.root(cloud, "http://v/volume/v2/p1"))
    assert status == 300 and versions.ids(entries) == ["v2.0", "v3.0"]
    assert versions.major_to_use(entries) == "3"


def test_no_current_version_falls_back_to_supported_then_deprecated_never_experimental():
    entry = lambda v, s: {"version": v, "status": s}  # noqa: E731
    assert versions.major_to_use([entry((1, 0), "DEPRECATED"), entry((2, 0), "SUPPORTED")]) == "2"
    assert versions.major_to_use([entry((2, 0), "DEPRECATED"), entry((3, 0), "EXPERIMENTAL")]) == "2"
    assert versions.major_to_use([entry((3, 0), "EXPERIMENTAL")]) is None


def test_the_catalog_names_a_version_by_its_url_or_its_type(cloud):
    assert catalog_version(cloud, "volumev2", "http://v/volume/v2/p1") == "2"
    assert catalog_version(cloud, "block-storage", "http://v/volume/v3/p1/") == "3"
    assert catalog_version(cloud, "volume", "http://v/volume") == "1"
    assert catalog_version(cloud, "compute", "http://c/compute/v2.1") == "2"
    assert catalog_version(cloud, "network", "http://n/network") is None
    assert services.root(cloud, "http://v/volume/v3/p1") == "http://v/volume"
    assert services.catalog_url(cloud, services.BLOCK_STORAGE_TYPES) == ("volumev2", "http://v/volume/v2/p1")


@pytest.mark.parametrize("status, body", [(500, {"versions": []}), (300, {"versions": []}), (200, {"error": "x"}),
                                          (300, {"versions": [{"id": "v2.0", "status": "CURRENT"}]})])
def test_an_unreadable_root_is_unknown_never_a_version(cloud, status, body):
    cloud.mock.register_uri("GET", "http://c/compute/", status_code=status, json=body)
    with pytest.raises(Unknown):
        versions.discovered(cloud, "http://c/compute")


def test_a_hidden_root_is_an_absence_only_where_declared(cloud):
    cloud.mock.register_uri("GET", "http://c/compute/", status_code=404, json={})
    assert versions.discovered(cloud, "http://c/compute", versions.ROOT_OR_HIDDEN) == (404, [])
    with pytest.raises(Unknown):
        versions.discovered(cloud, "http://c/compute")


IDENTITY_ROOT = {"versions": {"values": [{"id": "v3.14", "status": "stable", "links": []}]}}


def test_the_identity_root_keystoneauth_read_at_the_auth_url_is_not_asked_for_again(cloud):
    cloud.mock.register_uri("GET", "http://k/identity", status_code=300, json=IDENTITY_ROOT)
    cloud.mock.register_uri("GET", "http://k/identity/", status_code=300, json=IDENTITY_ROOT)
    cloud.get("http://k/identity")                        # what the auth's discovery sent
    cloud.conn.recorder.begin_test("probe")
    status, entries = versions.at_root(cloud, "http://k/identity")
    assert status == 300 and [e["id"] for e in entries] == ["v3.14"]
    assert [r.url for r in cloud.mock.request_history] == ["http://k/identity"]
    assert cloud.conn.recorder.used() == ["t-1"]          # the observation cites that exchange


@pytest.mark.parametrize("status, body", [(500, {"error": "boom"}), (300, {"versions": []}), (200, "not json")])
def test_an_auth_discovery_answer_that_lists_no_versions_is_not_reused(cloud, status, body):
    kwargs = {"text": body} if isinstance(body, str) else {"json": body}
    cloud.mock.register_uri("GET", "http://k/identity", status_code=status, **kwargs)
    cloud.mock.register_uri("GET", "http://k/identity/", status_code=300, json=IDENTITY_ROOT)
    cloud.get("http://k/identity")
    status, entries = versions.at_root(cloud, "http://k/identity")
    assert status == 300 and [e["id"] for e in entries] == ["v3.14"]
    assert [r.url for r in cloud.mock.request_history] == ["http://k/identity", "http://k/identity/"]
