"""Probes of one cloud are one xdist scope; everything else is scheduled normally."""

from os_interop.scheduling import cloud_of


def test_cloud_of_reads_the_parameter_of_probe_node_ids_only():
    assert cloud_of("tests/floating_ip/test_floating_ip.py::test_floating_ip_source[ovh-2018]") == "ovh-2018"
    assert cloud_of("tests/identity/test_identity.py::test_catalog[my.cloud-1]") == "my.cloud-1"
    assert cloud_of("selftests/unit/test_outcomes.py::test_matches[qcow2]") is None
    assert cloud_of("tests/identity/test_identity.py::test_catalog") is None
