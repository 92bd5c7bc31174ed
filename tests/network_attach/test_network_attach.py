"""Network attach: is there a working network service, which networks would nova pick,
does networks auto work, and what happens when a server is booted without naming one."""

import pytest

from os_interop import answers
from os_interop.apis import compute, network, versions
from os_interop.outcomes import blocked

AUTO_MICROVERSION = (2, 37)


def _needs_neutron(cloud):
    if network.extensions(cloud) is None:
        pytest.skip(f"no working network service (network.service: {network.service(cloud)})")


def test_network_service(cloud, observe):
    service = network.service(cloud)          # Unknown on any unreadable answer: never "broken"
    observe("network.service", service)
    observe("network.has_network", service != network.BROKEN)
    observe("network.extensions", sorted(set(network.RELEVANT_EXTENSIONS) & (network.extensions(cloud) or set())))


def test_candidate_networks(cloud, observe):
    _needs_neutron(cloud)
    topo = network.topology(cloud)
    candidates = network.candidates(topo)
    observe("network.candidates", network.by_name(candidates))
    kind = {0: "none", 1: "single"}.get(len(candidates), "ambiguous")
    observe("network.implicit_attach", kind)
    advised = network.default_interface(topo, candidates)
    observe("network.default_interface", advised.get("name") if advised else None)


def test_auto_allocation(cloud, observe):
    maximum = compute.max_microversion(cloud)     # Unknown on an unreadable version document
    observe("compute.max_microversion", maximum)
    extensions = network.extensions(cloud) or set()
    possible = False
    if "auto-allocated-topology" in extensions and maximum and \
            versions.microversion(maximum) >= AUTO_MICROVERSION:
        # 200: the dry run passes; 409: neutron says it cannot (no default external network
        # or subnet pool). Anything else is Unknown, never "not possible".
        found = cloud.answer("GET", network.url(cloud, f"/auto-allocated-topology/{cloud.project_id}"
                                                       "?fields=dry-run"), {200: answers.EMPTY, 409: answers.EMPTY})
        possible = found.status == 200
    observe("network.auto_allocation", possible)


def test_boot_without_networks(run_boot, observe):
    if run_boot.implicit == "error":   # refused for reasons other than networks: compute.boot says why
        blocked(f"no server could be booted: {run_boot.detail}")
    observe("network.boot_implicit", run_boot.implicit)
    landed = sorted((run_boot.server or {}).get("addresses") or {})
    observe("network.server_networks", landed)
    assert run_boot.implicit != "error", f"booting a server failed: {run_boot.detail}"
