"""SIGINT and SIGTERM at spread moments of a real `os-interop run`, including while each create is in flight.

The simulated cloud holds the chosen request for a while after it arrived (a "delay" fault), the
test sends the signal as soon as the simulator sees that request, and the cloud then handles it
(a create the client gave up on still happens, as on genuine OpenStack). After the run's own
cleanup, nothing it created may be left, and results.json must have been written.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from os_interop.simulator import FaultSpec, Fleet

DELAY_MS = 1500  # long enough for the signal to land while the request is held
UUID = r"[0-9a-f-]{36}"

# (personality, method, path regex, what is in flight)
CREATES = [
    ("upstream-default", "POST", r"/compute/v2\.1/servers$", "server create"),
    ("upstream-default", "POST", r"/image/v2/images$", "image create"),
    ("upstream-default", "PUT", rf"/image/v2/images/{UUID}/file$", "image upload"),
    ("upstream-default", "POST", r"/network/v2\.0/floatingips$", "neutron floating IP create"),
    ("upstream-default", "POST", r"/network/v2\.0/security-groups$", "security group create"),
    ("upstream-default", "POST", r"/network/v2\.0/security-group-rules$", "security group rule create"),
    ("auro-2015", "POST", r"/os-floating-ips$", "nova floating IP create"),
    ("hpcloud-2015", "POST", r"/image/v1/images$", "glance v1 image create"),
    ("rackspace-2015", "PUT", r"/object-store/v1/AUTH_[0-9a-f]+/osi-[0-9a-z]+-container$", "swift container create"),
    ("rackspace-2015", "PUT", r"/object-store/v1/AUTH_[0-9a-f]+/osi-[^/]+/osi-[^/]+$", "swift object create"),
    ("rackspace-2015", "POST", r"/image/v2/tasks$", "glance import task create"),
]
OTHER_MOMENTS = [
    ("upstream-default", "POST", r"/identity/v3/auth/tokens$", "authentication"),
    ("upstream-default", "GET", r"/network/v2\.0/extensions$", "a read-only probe"),
    ("upstream-default", "GET", rf"/compute/v2\.1/servers/{UUID}$", "the boot poll"),
    ("upstream-default", "DELETE", rf"/network/v2\.0/floatingips/{UUID}$", "a probe's own delete"),
]
CASES = ([pytest.param(*c, signum, id=f"{c[3]}-{signum.name}".replace(" ", "-").replace("'", ""))
          for c in CREATES for signum in (signal.SIGINT, signal.SIGTERM)]
         + [pytest.param(*c, signal.SIGINT, id=f"{c[3]}-SIGINT".replace(" ", "-").replace("'", ""))
            for c in OTHER_MOMENTS])


@pytest.mark.parametrize("personality, method, path, moment, signum", CASES)
def test_a_signal_while_a_request_is_in_flight_leaves_nothing_behind(tmp_path, personality, method, path,
                                                                    moment, signum):
    faults = FaultSpec.from_data({"faults": [{"match": {"method": method, "path": path}, "kind": "delay",
                                              "delay_ms": DELAY_MS, "count": 1}]})
    with Fleet.start([personality], faults=faults) as fleet:
        clouds_yaml = fleet.write_clouds_yaml(tmp_path / "clouds.yaml")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
               "OS_CLIENT_CONFIG_FILE": str(clouds_yaml), "PYTHONUNBUFFERED": "1"}
        out = tmp_path / "out"
        proc = subprocess.Popen([sys.executable, "-m", "os_interop.cli", "run", "--cloud", personality,
                                 "--out", str(out), "-n", "0"], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            hit = fleet.wait_for_fault(personality, timeout=120)
            assert hit is not None, f"the run never made the {moment} request ({method} {path})"
            assert proc.poll() is None, "the run ended before the request was answered"
            proc.send_signal(signum)
            stdout, stderr = proc.communicate(timeout=180)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert fleet.wait_idle(personality, timeout=30), "the simulator is still handling a request"
        left = fleet.state(personality).created()
        results = out / personality / "results.json"
    assert "Traceback" not in stderr, stderr[-3000:]
    assert results.exists(), f"no results.json after {signum.name} during {moment}: {stderr[-1500:]}"
    doc = json.loads(results.read_text())
    assert doc["run"]["interrupted"] is True
    assert left == {}, f"left in the cloud after {signum.name} during {moment}: {json.dumps(left, default=str)[:1500]}"
