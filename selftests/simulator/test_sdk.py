"""openstacksdk, unmodified, against simulated clouds: the full client stack must just work."""

from __future__ import annotations

import openstack
import pytest

from os_interop import tiny_images

pytestmark = pytest.mark.filterwarnings("ignore")  # openstacksdk's own deprecation chatter


@pytest.fixture(scope="module")
def sdk(fleet, tmp_path_factory, monkeypatch_module):
    path = fleet.write_clouds_yaml(tmp_path_factory.mktemp("sdk") / "clouds.yaml")
    monkeypatch_module.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    for key in [k for k in __import__("os").environ if k.startswith("OS_") and k != "OS_CLIENT_CONFIG_FILE"]:
        monkeypatch_module.delenv(key)

    def connect(name: str) -> openstack.connection.Connection:
        return openstack.connect(cloud=name)
    return connect


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_upstream_default_lists_and_boots(fleet, sdk):
    conn = sdk("upstream-default")
    images = list(conn.image.images())
    assert [i.name for i in images] == ["cirros-0.6.2-x86_64-disk"] and images[0].disk_format == "qcow2"
    assert sorted(n.name for n in conn.network.networks()) == ["private", "public"]
    assert "m1.tiny" in [f.name for f in conn.compute.flavors()]
    assert [s.name for s in conn.network.security_groups()] == ["default"]

    server = conn.compute.create_server(name="sim-sdk", image_id=images[0].id, flavor_id="1",
                                        networks="auto", metadata={"purpose": "selftest"})
    server = conn.compute.wait_for_server(server, interval=0.05, wait=10)
    assert server.status == "ACTIVE"
    assert list(server.addresses) == ["private"]
    assert server.addresses["private"][0]["OS-EXT-IPS:type"] == "fixed"
    assert conn.compute.fetch_server_metadata(server).metadata == {"purpose": "selftest"}
    assert [p.device_id for p in conn.network.ports(device_id=server.id)] == [server.id]
    assert [s.id for s in conn.compute.servers(name="^sim-sdk$")] == [server.id]
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=10)
    assert list(conn.network.ports(device_id=server.id)) == []
    assert fleet.state("upstream-default").created() == {}


def test_upstream_default_cloud_layer_image_and_floating_ip(fleet, sdk):
    conn = sdk("upstream-default")
    image = conn.create_image("sim-sdk-image", data=b"\0" * 512, disk_format="qcow2",
                              container_format="bare", wait=True, timeout=10)
    assert image.status == "active" and image.checksum
    assert fleet.state("upstream-default").images[image.id]["owner"] == conn.current_project_id
    conn.delete_image(image.id, wait=True, timeout=10)
    fip = conn.network.create_ip(floating_network_id=conn.network.find_network("public").id)
    assert fip.floating_ip_address.startswith("172.24.4.")
    conn.network.delete_ip(fip)
    assert fleet.state("upstream-default").created() == {}


def test_rackspace_task_upload_through_openstacksdk(fleet, sdk):
    """With the profile's image_api_use_tasks the SDK uploads through swift and a glance task."""
    conn = openstack.connect(cloud="rackspace-2015", image_api_use_tasks=True)
    image = conn.create_image("sim-task-image", data=b"vhd-bytes", wait=True, timeout=30)
    assert image.status == "active" and image.disk_format == "vhd"
    conn.delete_image(image.id)
    leftover = fleet.state("rackspace-2015").created()
    assert "images" not in leftover and "objects" not in leftover


@pytest.mark.parametrize("method", ["glance-direct", "web-download"])
def test_upstream_default_interoperable_import_through_openstacksdk(fleet, sdk, tmp_path, method):
    """create_image(use_import=True): POST /v2/images, then stage + import (or import of a URI)."""
    conn = sdk("upstream-default")
    image_file = tmp_path / "tiny.qcow2"
    image_file.write_bytes(tiny_images.qcow2())
    extra = {"filename": str(image_file)} if method == "glance-direct" else {"uri": "http://localhost/tiny.qcow2"}
    image = conn.create_image(f"sim-import-{method}", disk_format="qcow2", container_format="bare",
                              use_import=True, import_method=method, wait=True, timeout=10, **extra)
    assert image.status == "active"
    conn.delete_image(image.id, wait=True, timeout=10)
    assert fleet.state("upstream-default").created() == {}
