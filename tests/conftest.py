"""Resources probes share, created at most once per cloud and run: one tiny image, one server."""

import pytest

from os_interop.apis import image, network
from os_interop.flows import server as server_flow
from os_interop.flows import upload as upload_flow


@pytest.fixture
def run_upload(cloud):
    """The run's tiny image, uploaded in the preferred format by the first method accepted."""
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")

    def do_upload():
        fmt = image.preferred_format(cloud)
        v2 = image.v2_offered(cloud)
        return upload_flow.upload(cloud, fmt or "raw", v2,
                                  image.import_methods(cloud) if v2 else None,
                                  v2 and image.tasks_visibility(cloud) == "user")
    return cloud.remember("upload", do_upload)


@pytest.fixture
def run_server(cloud, request):
    """The run's one server, booted with no network named; when nova cannot choose, on a
    network that can take a floating IP (network.boot_network), so the lifecycle tests that path."""
    if cloud.endpoint("compute") is None:
        pytest.skip("no compute service in the catalog")

    def do_boot():
        provider = [i for i in image.provider_images(cloud) if i.get("status") == "active"]
        preferred = image.preferred_format(cloud)
        provider.sort(key=lambda i: (i.get("disk_format") != preferred, i.get("size") or 0))
        chosen = provider[0] if provider else None
        if chosen is None:
            uploaded = request.getfixturevalue("run_upload")
            chosen = {"id": uploaded.image_id} if uploaded.active else None
        if chosen is None:
            pytest.skip("no bootable image: the provider lists none and no upload worked")
        fallback = None
        if network.extensions(cloud) is not None:
            topo = network.topology(cloud)
            fallback = network.boot_network(topo, network.candidates(topo))
        return server_flow.boot(cloud, chosen, fallback["id"] if fallback else None)
    return cloud.remember("server", do_boot)
