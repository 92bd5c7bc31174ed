"""Resources probes share, created at most once per cloud and run: one tiny image, one server."""

import pytest

from os_interop.apis import image, network
from os_interop.flows import server as server_flow
from os_interop.flows import upload as upload_flow
from os_interop.outcomes import blocked


@pytest.fixture
def run_upload(cloud):
    """The run's tiny image, uploaded by the first method accepted, in the provider's
    preferred format or else the upload's own choice (image.upload_format)."""
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")

    def do_upload():
        fmt = image.upload_format(cloud)
        if fmt is None:
            raise AssertionError("the image schema accepts no disk format to upload in")
        v2 = image.v2_offered(cloud)
        return upload_flow.upload(cloud, fmt, upload_flow.Routes(
            v2=v2, v1=image.v1_offered(cloud),
            import_methods=image.import_methods(cloud) if v2 else None,
            tasks=image.tasks_visibility(cloud) if v2 else None,
            object_store=cloud.endpoint("object-store") is not None))
    return cloud.remember("upload", do_upload)


@pytest.fixture
def run_boot(cloud, request):
    """The run's one boot attempt, with no network named; when nova cannot choose, on a
    network that can take a floating IP (network.boot_network), so the lifecycle tests that path.
    Probes of booting itself use this; probes that need a running server use run_server."""
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
            blocked("no bootable image: the provider lists none and no upload worked")
        fallback = None
        if network.extensions(cloud) is not None:
            topo = network.topology(cloud)
            fallback = network.boot_network(topo, network.candidates(topo))
        return server_flow.boot(cloud, chosen, fallback["id"] if fallback else None)
    return cloud.remember("server", do_boot)


@pytest.fixture
def run_server(run_boot):
    """The run's booted server (run_boot with a server): when none could be booted, the probe
    is blocked — for a required capability that is not ok, never a quiet skip."""
    if run_boot.server is None or run_boot.server.get("status") != "ACTIVE":
        blocked(f"no server could be booted: {run_boot.detail}")
    return run_boot
