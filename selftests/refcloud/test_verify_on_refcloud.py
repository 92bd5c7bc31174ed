"""A bundle of a run on genuine OpenStack verifies offline, and a tampered verdict does not.

Replay is proved here on what real services answer (keystone, glance, nova, neutron), not
only on what the simulator was written to say. Runs when OSI_REFCLOUD=1 (see test_reference_cloud).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from os_interop import bundle, verify

ROOT = Path(__file__).resolve().parents[2]
REFCLOUD = ROOT / "reference-cloud" / "refcloud"

pytestmark = [
    pytest.mark.refcloud,
    pytest.mark.skipif(os.environ.get("OSI_REFCLOUD") != "1",
                       reason="reference cloud not requested: OSI_REFCLOUD=1 pytest -m refcloud selftests/refcloud"),
]


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "os_interop.cli", *args], capture_output=True, text=True,
                          env=env, timeout=1800)


def test_refcloud_bundle_verifies_and_a_tampered_verdict_is_named(tmp_path):
    up = subprocess.run([str(REFCLOUD), "up", "--config", "upstream"], capture_output=True, text=True, timeout=900)
    assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-2000:]
    clouds_yaml = subprocess.run([str(REFCLOUD), "clouds-yaml"], capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")}, "OS_CLIENT_CONFIG_FILE": clouds_yaml}
    run = _cli("run", "--cloud", "refcloud", "--out", str(tmp_path / "out"), "-n", "0", env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    made = _cli("bundle", str(tmp_path / "out"), "-o", str(tmp_path / "b.tar.gz"), env=env)
    assert made.returncode == 0, made.stderr
    offline = {k: v for k, v in env.items() if k != "OS_CLIENT_CONFIG_FILE"}
    done = _cli("verify", str(tmp_path / "b.tar.gz"), env=offline)
    assert done.returncode == 0, done.stdout[-3000:]

    members = verify.unpack(tmp_path / "b.tar.gz")
    import yaml
    password = yaml.safe_load(Path(clouds_yaml).read_text())["clouds"]["refcloud"]["auth"]["password"]
    assert password.encode() not in b"".join(members.values())
    doc = json.loads(members["results.json"])
    next(c for c in doc["capabilities"] if c["id"] == "floating_ip.lifecycle")["outcome"] = "fail"
    members["results.json"] = bundle._json(doc)
    members[bundle.MANIFEST] = bundle._json(bundle.manifest(
        {k: v for k, v in members.items() if k != bundle.MANIFEST}, doc["cloud"]["name"], doc["run"]["id"]))
    (tmp_path / "t.tar.gz").write_bytes(bundle.pack(members))
    done = _cli("verify", str(tmp_path / "t.tar.gz"), env=offline)
    assert done.returncode == 1
    assert "  - verdict floating_ip.lifecycle: the bundle says fail, the replay gives pass" in done.stdout
