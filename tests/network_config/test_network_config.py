"""Network configuration: DHCP on the subnets a server lands on, the config drive, and the
vendor-agent properties of the provider's images. Read-only except for reading the run's server."""

import pytest

from os_interop.apis import image
from os_interop.apis import network_config as nc


def _needs_subnets(cloud):
    reason = nc.neutron_unusable(cloud)
    if reason:
        pytest.skip(reason)


def _needs_active_server(run_server):
    server = run_server.server
    if not server or server.get("status") != "ACTIVE":
        pytest.skip(f"no active server ({run_server.implicit}: {run_server.detail}); "
                    "see network.boot_implicit")
    return server


def test_candidate_subnets_dhcp(cloud, observe):
    _needs_subnets(cloud)
    modes = nc.candidate_modes(cloud)
    if not modes:
        pytest.skip("no subnet on a network nova would attach a server to (see network.candidates)")
    observe("network_config.subnet_modes", modes)
    observe("network_config.static_subnets", nc.static(modes))


def test_config_drive_offered(cloud, observe):
    if cloud.endpoint("compute") is None:
        pytest.skip("no compute service in the catalog")
    observe("network_config.config_drive_offered", nc.config_drive_offered(cloud))


def test_vendor_agent_properties(cloud, observe):
    if image.catalog_url(cloud) is None:
        pytest.skip("no image service in the catalog")
    provider = image.provider_images(cloud)
    observe("network_config.image_properties", nc.agent_properties(provider))
    observe("image.disable_vendor_agent", nc.disable_vendor_agent(provider))


def test_server_subnets_dhcp(run_server, cloud, observe):
    server = _needs_active_server(run_server)
    _needs_subnets(cloud)
    modes = nc.server_modes(cloud, server)
    if not modes:
        pytest.skip("the server has no fixed address (see network.boot_implicit)")
    observe("network_config.server_subnet_modes", modes)
    observe("network_config.server_static_subnets", nc.static(modes))


def test_server_config_drive(run_server, cloud, observe):
    server = _needs_active_server(run_server)
    requested = nc.config_drive_offered(cloud)   # what the boot asked for (same cached answers)
    has = nc.server_has_config_drive(server)
    if has is None:
        pytest.skip("server detail does not show config_drive (os-config-drive not loaded, "
                    "or hidden by policy)")
    observe("network_config.config_drive_requested", requested)
    observe("network_config.server_config_drive", has)
    assert has or not requested, "the server was booted with config_drive true but has no config drive"
