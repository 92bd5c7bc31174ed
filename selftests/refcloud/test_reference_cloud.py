"""The probes on genuine OpenStack: for every reference-cloud configuration, the observed values
and the emitted profile equal what the configuration really is, and nothing is left behind.

Needs the reference cloud installed (reference-cloud/refcloud install); runs when
OSI_REFCLOUD=1, as CI does after installing it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reporters import profile

ROOT = Path(__file__).resolve().parents[2]
REFCLOUD = ROOT / "reference-cloud" / "refcloud"
CONFIGS = sorted((ROOT / "reference-cloud" / "configs").glob("*.yaml"))

pytestmark = [
    pytest.mark.refcloud,
    pytest.mark.skipif(os.environ.get("OSI_REFCLOUD") != "1",
                       reason="reference cloud not requested: run reference-cloud/refcloud install, "
                              "then OSI_REFCLOUD=1 pytest -m refcloud selftests/refcloud"),
]


def refcloud(*args: str) -> str:
    done = subprocess.run([str(REFCLOUD), *args], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"refcloud {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def leftovers(clouds_yaml: str, run_id: str) -> list[str]:
    """Everything in the whole cloud (admin view) still carrying the run's prefix."""
    script = f"""
import json, openstack
c = openstack.connect(cloud='refcloud-admin')
prefix = 'osi-{run_id}'
found = [s.name for s in c.compute.servers(all_projects=True) if s.name.startswith(prefix)]
found += [i.name for i in c.image.images() if (i.name or '').startswith(prefix)]
found += [g.name for g in c.network.security_groups() if g.name.startswith(prefix)]
found += [f.description for f in c.network.ips() if (f.description or '').startswith(prefix)]
print(json.dumps(found))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "OS_CLIENT_CONFIG_FILE": clouds_yaml}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_configuration_is_observed_truthfully(config: Path, tmp_path: Path):
    declared = yaml.safe_load(config.read_text())
    refcloud("up", "--config", declared["name"])
    clouds_yaml = refcloud("clouds-yaml").strip().splitlines()[-1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": clouds_yaml}
    done = subprocess.run([sys.executable, "-m", "os_interop.cli", "run", "--cloud", "refcloud",
                           "--out", str(tmp_path)], capture_output=True, text=True, env=env, timeout=1500)
    print(done.stdout)
    # a configuration where the talk's flow cannot complete (e.g. nothing makes a server
    # reachable) declares the exit code a vendor would get: 1
    assert done.returncode == declared.get("expected_exit", 0), done.stdout[-4000:] + done.stderr[-3000:]
    doc = json.loads((tmp_path / "refcloud" / "results.json").read_text())
    observed = {k: doc["observations"].get(k, "<not observed>") for k in declared["expected_observations"]}
    assert observed == declared["expected_observations"]
    emitted = profile.build(doc)["profile"]
    emitted.pop("auth", None)
    emitted.pop("regions", None)
    assert emitted == declared["expected_profile"]
    assert doc["resources"]["leaked"] == 0, doc["resources"]["items"]
    assert leftovers(clouds_yaml, doc["run"]["id"]) == []
