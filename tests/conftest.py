"""Resources probes share, created at most once per cloud and run: one tiny image, one server.

The server is asked for first: the first probe on a cloud whose selection needs the server
starts its boot in a background thread (os_interop/flows/ahead.py), and the read-only probes
run while it builds. This is a function-scoped autouse fixture rather than a collection
hook: it sees the cloud of the probe being set up (a session fixture cannot), it gets the
cloud through the `cloud` fixture (so an unreachable cloud is reported exactly as before),
and under xdist or one process per cloud it starts only the boots of the clouds this process
actually probes.
"""

from __future__ import annotations

from typing import Any

import pytest

from os_interop.apis import image, network
from os_interop.cloud import CloudUnderTest
from os_interop.flows import server as server_flow
from os_interop.flows import upload as upload_flow
from os_interop.flows.ahead import Ahead
from os_interop.outcomes import blocked
from os_interop.plugin import PROBE

NEEDS_SERVER = ("run_boot", "run_server")
ACTS_WHILE_BUILDING = "run_ported"     # needs the server too, but only its port
_STARTED = pytest.StashKey[set[str]]()   # clouds whose first probe has been set up
_BOOTERS = pytest.StashKey[dict[str, pytest.Item]]()   # cloud -> its first probe needing the server
_EARLY = pytest.StashKey[set[str]]()    # clouds with a selected probe acting while the server builds


def _upload(cloud: CloudUnderTest) -> upload_flow.Upload:
    """The run's tiny image, uploaded by the first method accepted, in the provider's
    preferred format or else the upload's own choice (image.upload_format)."""
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")

    def do_upload() -> upload_flow.Upload:
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


def _fallback(cloud: CloudUnderTest) -> dict[str, Any] | None:
    """The network to name when nova cannot choose: one that can take a floating IP."""
    if network.extensions(cloud) is None:
        return None
    topo = network.topology(cloud)
    return network.boot_network(topo, network.candidates(topo))


def _compute(cloud: CloudUnderTest) -> None:
    """What the create reads from nova: the flavors, and whether a config drive can be asked for."""
    server_flow.smallest_flavor(cloud)
    server_flow.config_drive(cloud)


def _boot(cloud: CloudUnderTest) -> server_flow.Boot:
    """The run's one boot attempt (see _boot_once); whatever it ends in, a probe waiting for the
    server's port (run_ported) stops waiting."""
    try:
        return _boot_once(cloud)
    finally:
        server_flow.ported(cloud).settle()


def _boot_once(cloud: CloudUnderTest) -> server_flow.Boot:
    """The run's one boot attempt, with no network named; when nova cannot choose, on a
    network that can take a floating IP (network.boot_network), so the lifecycle tests that path.

    The network and compute reads do not depend on the image: they are read in threads of
    their own meanwhile (remembered, so each is read once). The create waits for the compute
    reads (a failure is raised here, in the order a serial boot meets it), never for the
    network ones: the advised network is asked for only if nova refuses to choose."""
    test = cloud.conn.recorder.current_test or "(boot)"
    for key, read in (("boot:network", _fallback), ("boot:compute", _compute)):
        Ahead(cloud, key, lambda read=read: read(cloud), test).start()
    provider = [i for i in image.provider_images(cloud) if i.get("status") == "active"]
    preferred = image.preferred_format(cloud)
    provider.sort(key=lambda i: (i.get("disk_format") != preferred, i.get("size") or 0))
    chosen = provider[0] if provider else None
    if chosen is None:
        uploaded = _upload(cloud)
        chosen = {"id": uploaded.image_id} if uploaded.active else None
    if chosen is None:
        blocked("no bootable image: the provider lists none and no upload worked")
    cloud.remember("boot:compute", lambda: _compute(cloud))

    def fallback() -> str | None:
        found = cloud.remember("boot:network", lambda: _fallback(cloud))
        return found["id"] if found else None
    return server_flow.boot(cloud, chosen, fallback)


def _label_of(item: pytest.Item) -> str | None:
    probe = item.stash.get(PROBE, None)
    return probe.target.label if probe else None


@pytest.fixture(autouse=True)
def _server_first(request: pytest.FixtureRequest) -> None:
    """On the first probe of a cloud: when a selected probe of that cloud needs the server,
    start its boot now, in the background, under that probe's name."""
    if "cloud" not in request.fixturenames or PROBE not in request.node.stash:
        return
    started = request.config.stash.setdefault(_STARTED, set())
    name = request.node.stash[PROBE].target.label
    if name in started:
        return
    started.add(name)
    booter = _booters(request.session).get(name)
    if booter is None:
        return
    cloud: CloudUnderTest = request.getfixturevalue("cloud")
    if cloud.endpoint("compute") is None:      # run_boot skips; nothing to boot
        return
    # the boot's poll looks for the server's port only for a probe that acts on it early
    server_flow.ported(cloud).wanted = name in request.config.stash.get(_EARLY, set())
    Ahead(cloud, "server", lambda: _boot(cloud), booter.stash[PROBE].test).start()


def _booters(session: pytest.Session) -> dict[str, pytest.Item]:
    """Each cloud's first selected probe that needs the server, found in one pass over the
    session's items (a pass per cloud made a 1000-cloud run quadratic). The boot's exchanges
    are that probe's evidence; a probe that acts while the server builds (it runs first) is
    chosen only when no other probe of the cloud needs the server."""
    found = session.config.stash.get(_BOOTERS, None)
    if found is None:
        found, early = {}, {}
        for item in session.items:
            label, names = _label_of(item), getattr(item, "fixturenames", ())
            if not label:
                continue
            if label not in found and any(f in names for f in NEEDS_SERVER):
                found[label] = item
            elif ACTS_WHILE_BUILDING in names:
                early.setdefault(label, item)
        found = {**early, **found}
        session.config.stash[_BOOTERS] = found
        session.config.stash[_EARLY] = set(early)
    return found


@pytest.fixture
def run_upload(cloud: CloudUnderTest) -> upload_flow.Upload:
    """The run's tiny image (see _upload)."""
    return _upload(cloud)


@pytest.fixture
def run_boot(cloud: CloudUnderTest) -> server_flow.Boot:
    """The run's one boot attempt (see _boot), started ahead by _server_first: this waits for
    it. Probes of booting itself use this; probes that need a running server use run_server."""
    if cloud.endpoint("compute") is None:
        pytest.skip("no compute service in the catalog")
    return cloud.remember("server", lambda: _boot(cloud))


@pytest.fixture
def run_ported(cloud: CloudUnderTest) -> dict[str, Any] | None:
    """The run's server as soon as neutron lists its port (it may still be building), or None
    when the boot ended without one seen (flows/server.Ported). A probe using this acts on the
    server's port meanwhile and must take its verdict from run_server afterwards. With no boot
    under way that looks for the port (nothing started it ahead), the boot happens here."""
    if cloud.endpoint("compute") is None:
        pytest.skip("no compute service in the catalog")
    milestone = server_flow.ported(cloud)
    if not milestone.wanted:
        cloud.remember("server", lambda: _boot(cloud))
    return milestone.wait()


@pytest.fixture
def run_server(run_boot: server_flow.Boot) -> server_flow.Boot:
    """The run's booted server (run_boot with a server): when none could be booted, the probe
    is blocked — for a required capability that is not ok, never a quiet skip."""
    if run_boot.server is None or run_boot.server.get("status") != "ACTIVE":
        blocked(f"no server could be booted: {run_boot.detail}")
    return run_boot
