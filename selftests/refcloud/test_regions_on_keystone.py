"""Two regions in genuine keystone's catalog: os-interop probes each, and the profile lists both.

A second region costs keystone API calls only: the region and one endpoint per service and
interface, at the same URLs (one glance, nova, neutron behind both regions, so both regions
must be observed alike: the profile is then the names-only regions form). A second set of
services that behaves differently per region is not built (see the regions helper's report).
The region and its endpoints are deleted again, also when the run fails.

Needs the reference cloud installed; runs when OSI_REFCLOUD=1, under flock /tmp/refcloud.lock.
"""

import json
import os
import subprocess
import sys

import pytest
import yaml

from .test_reference_cloud import refcloud

pytestmark = [
    pytest.mark.refcloud,
    pytest.mark.skipif(os.environ.get("OSI_REFCLOUD") != "1",
                       reason="reference cloud not requested: run reference-cloud/refcloud install, "
                              "then OSI_REFCLOUD=1 pytest -m refcloud selftests/refcloud"),
]

SECOND = "RegionTwo"
ADD = f"""
import openstack, sys
c = openstack.connect(cloud='refcloud-admin')
if c.identity.find_region('{SECOND}') is None:
    c.identity.create_region(id='{SECOND}', description='os-interop selftest: a second catalog region')
for ep in [e for e in c.identity.endpoints() if e.region_id == 'RegionOne']:
    c.identity.create_endpoint(service_id=ep.service_id, interface=ep.interface, url=ep.url,
                               region_id='{SECOND}')
"""
REMOVE = f"""
import openstack
c = openstack.connect(cloud='refcloud-admin')
for ep in [e for e in c.identity.endpoints() if e.region_id == '{SECOND}']:
    c.identity.delete_endpoint(ep)
if c.identity.find_region('{SECOND}') is not None:
    c.identity.delete_region('{SECOND}')
print(len([e for e in c.identity.endpoints() if e.region_id == '{SECOND}']))
"""


def admin(script: str, clouds_yaml: str) -> str:
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OS_CLIENT_CONFIG_FILE": clouds_yaml})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_each_region_of_keystones_catalog_is_probed_and_profiled(tmp_path):
    refcloud("up", "--config", "upstream")
    clouds_yaml = refcloud("clouds-yaml").strip().splitlines()[-1]
    entry = yaml.safe_load(open(clouds_yaml))["clouds"]["refcloud"]
    entry.pop("region_name", None)
    two = tmp_path / "clouds.yaml"
    two.write_text(yaml.safe_dump({"clouds": {"refcloud": dict(entry, regions=["RegionOne", SECOND])}}))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")}, "OS_CLIENT_CONFIG_FILE": str(two)}
    admin(ADD, clouds_yaml)
    try:
        done = subprocess.run([sys.executable, "-m", "os_interop.cli", "run", "--cloud", "refcloud",
                               "--read-only", "--out", str(tmp_path / "out")],
                              capture_output=True, text=True, env=env, timeout=900)
        profiled = subprocess.run([sys.executable, "-m", "os_interop.cli", "profile", str(tmp_path / "out")],
                                  capture_output=True, text=True, env=env, timeout=120)
    finally:
        assert admin(REMOVE, clouds_yaml).strip() == "0"
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    docs = {p.parent.name: json.loads(p.read_text()) for p in (tmp_path / "out").glob("*/results.json")}
    assert sorted(docs) == ["refcloud@RegionOne", f"refcloud@{SECOND}"]
    one, other = docs["refcloud@RegionOne"], docs[f"refcloud@{SECOND}"]
    assert other["cloud"]["region"] == SECOND and other["summary"]["error"] == 0
    assert one["observations"] == other["observations"]    # the same services behind both
    assert profiled.returncode == 0, profiled.stderr
    assert json.loads(profiled.stdout)["profile"]["regions"] == ["RegionOne", SECOND]
