"""Network attach: is there a working network service, which networks would nova pick,
does networks auto work, and what happens when a server is booted without naming one."""

import pytest

from os_interop.apis import compute, network, versions

AUTO_MICROVERSION = (2, 37)


def _needs_neutron(cloud):
    if network.extensions(cloud) is None:
        pytest.skip("no working network service (see network.service)")


def test_network_service(cloud, observe):
    extensions = network.extensions(cloud)
    if cloud.endpoint("network") is None:
        service = "absent"
    else:
        service = "present" if extensions is not None else "broken"
    observe("network.service", service)
    observe("network.has_network", service != "broken")
    observe("network.extensions", sorted(set(network.RELEVANT_EXTENSIONS) & (extensions or set())))


def test_candidate_networks(cloud, observe):
    _needs_neutron(cloud)
    candidates = network.candidates(cloud)
    observe("network.candidates", network.by_name(candidates))
    kind = {0: "none", 1: "single"}.get(len(candidates), "ambiguous")
    observe("network.implicit_attach", kind)
    advised = network.advised_network(cloud, candidates) if kind == "ambiguous" else None
    observe("network.default_interface", advised.get("name") if advised else None)


def test_auto_allocation(cloud, observe):
    maximum = compute.max_microversion(cloud)
    observe("compute.max_microversion", maximum)
    extensions = network.extensions(cloud) or set()
    possible = False
    if "auto-allocated-topology" in extensions and maximum and \
            versions.microversion(maximum) >= AUTO_MICROVERSION:
        response = cloud.get(network.url(cloud, f"/auto-allocated-topology/{cloud.project_id}"
                                                "?fields=dry-run"))
        possible = response.status_code == 200
    observe("network.auto_allocation", possible)


def test_boot_without_networks(run_server, observe):
    observe("network.boot_implicit", run_server.implicit)
    assert run_server.implicit != "error", f"booting a server failed: {run_server.detail}"
