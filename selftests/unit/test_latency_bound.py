"""benchmarks/latency_bound.py's bound, on a made-up evidence timeline: the boot's image and
compute reads count as parallel chains (its network reads only where nova refused the first
create), the read-only probes overlap the build, and everything that starts after ACTIVE
counts one by one."""

import importlib.util
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "latency_bound", Path(__file__).resolve().parents[2] / "benchmarks" / "latency_bound.py")
latency_bound = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(latency_bound)

BOOT = "tests/network_attach/test_network_attach.py::test_boot_without_networks"
LAT = 0.1


def _timeline(alongside: int, build: float = 20.0, refused: bool = False):
    """auth 2; boot reads image 3, network 5, compute 2 (side by side); create; the build;
    `alongside` read-only requests meanwhile; then 4 after ACTIVE."""
    records, t = [], 0.0

    def add(method, url, test, end, **extra):
        records.append({"method": method, "url": url, "test": test, "time": end,
                        "elapsed_ms": LAT * 1000, "status": extra.pop("status", 200), **extra})
    for _ in range(2):
        t += LAT
        add("GET", "http://x/identity", "(authentication)", t)
    for service, count in (("image", 3), ("network", 5), ("compute", 2)):
        for i in range(count):
            add("GET", f"http://x/{service}/r{i}", BOOT, t + LAT * (i + 1))
    t += 5 * LAT
    for i in range(alongside):
        add("GET", f"http://x/network/ro{i}", "tests/x.py::test_ro", t + LAT * (i + 1))
    if refused:     # nova could not choose a network: the second create names the advised one
        add("POST", "http://x/compute/v2.1/servers", BOOT, t, status=409)
    t += LAT
    add("POST", "http://x/compute/v2.1/servers", BOOT, t, status=202)
    created = t
    t = created + build + LAT
    add("GET", "http://x/compute/v2.1/servers/s1", BOOT, t, response_body={"server": {"status": "ACTIVE"}})
    for i in range(4):
        t += LAT
        add("DELETE", f"http://x/network/after{i}", "(cleanup)", t)
    return sorted(records, key=lambda r: r["time"])


def test_the_boot_chain_is_authentication_plus_the_longest_read_chain():
    found = latency_bound.critical_path(_timeline(alongside=3), LAT, 20.0)
    assert found["boot_reads"] == {"image": 3, "network": 5, "compute": 2, "other": 0}
    # the create waits for no network read: the image chain is the longest it waits for
    assert found["before_create"] == 2 + 3 and found["after_active"] == 4
    # (5 before + create + the ACTIVE poll) x 0.1 + 20 s build + 4 x 0.1 after
    assert found["bound_s"] == pytest.approx(7 * LAT + 20 + 4 * LAT)
    assert found["poll_late_s"] == pytest.approx(0.0, abs=0.01)


def test_after_a_refused_create_the_network_reads_are_on_the_path():
    found = latency_bound.critical_path(_timeline(alongside=3, refused=True), LAT, 20.0)
    assert found["before_create"] == 2 + 5


def test_read_only_probes_outlasting_the_build_count_after_active_one_by_one():
    found = latency_bound.critical_path(_timeline(alongside=300, build=20.05), LAT, 20.05)
    # the create ends at 0.8 s, ACTIVE is seen at 20.95 s: 202 read-only requests ended before,
    # one was under way, 97 and the 4 of cleanup started after it
    assert (found["alongside"], found["after_active"]) == (202, 101)
    assert found["bound_s"] == pytest.approx(7 * LAT + 20.05 + 101 * LAT)
