"""Probes of one target are one xdist scope; everything else is scheduled normally."""

from os_interop.scheduling import scope_of

SUFFIXES = {"[ovh-2018]": "ovh-2018", "[my.cloud-1]": "my.cloud-1", "[lime@us-slc]": "lime@us-slc"}


def test_a_probe_of_a_resolved_target_is_scoped_by_that_target():
    assert scope_of("tests/floating_ip/test_floating_ip.py::test_floating_ip_source[ovh-2018]",
                    SUFFIXES) == "target:ovh-2018"
    assert scope_of("tests/identity/test_identity.py::test_catalog[lime@us-slc]", SUFFIXES) == "target:lime@us-slc"


def test_other_parameters_and_unparametrized_ids_are_their_own_scope():
    assert scope_of("selftests/unit/test_outcomes.py::test_matches[qcow2]", SUFFIXES) == \
        "selftests/unit/test_outcomes.py::test_matches[qcow2]"
    assert scope_of("tests/identity/test_identity.py::test_catalog", SUFFIXES) == \
        "tests/identity/test_identity.py::test_catalog"
    assert scope_of("tests/x.py::test_y[unknown-cloud]", SUFFIXES) == "tests/x.py::test_y[unknown-cloud]"
