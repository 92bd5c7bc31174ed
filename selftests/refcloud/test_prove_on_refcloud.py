"""`os-interop prove` on genuine OpenStack: openstacksdk's cloud layer through the talk's flow
with the profile os-interop emitted for the configuration (vendor-profiles/reference-cloud/)
and without it; every step the configuration's `expected_client_flow` calls possible works
with the profile, and nothing of either run is left in the project (admin view).

Needs the reference cloud installed; runs when OSI_REFCLOUD=1 (see test_reference_cloud.py).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .test_reference_cloud import CONFIGS, ROOT, leftovers, refcloud

pytestmark = [
    pytest.mark.refcloud,
    pytest.mark.skipif(os.environ.get("OSI_REFCLOUD") != "1",
                       reason="reference cloud not requested: OSI_REFCLOUD=1 pytest -m refcloud selftests/refcloud"),
]
DECLARING = [c for c in CONFIGS if "expected_client_flow" in yaml.safe_load(c.read_text())]


def test_some_configuration_declares_its_client_flow():
    assert DECLARING, "declare expected_client_flow in a reference-cloud configuration"


@pytest.mark.parametrize("config", DECLARING, ids=[c.stem for c in DECLARING])
def test_prove_with_the_emitted_profile_matches_the_declared_flow(config: Path, tmp_path: Path):
    declared = yaml.safe_load(config.read_text())
    refcloud("up", "--config", declared["name"])
    clouds_yaml = refcloud("clouds-yaml").strip().splitlines()[-1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": clouds_yaml}
    done = subprocess.run([sys.executable, "-m", "os_interop.cli", "prove", "--cloud", "refcloud",
                           "--profile", str(ROOT / "vendor-profiles" / "reference-cloud" / f"{config.stem}.json"),
                           "--out", str(tmp_path), "--format", "json", "--no-single-keys", "--timeout", "45"],
                          capture_output=True, text=True, env=env, timeout=1500)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    doc = json.loads(done.stdout)
    print(json.dumps(doc, indent=1))
    flow = {step: v for step, v in declared["expected_client_flow"].items() if step != "why"}
    got = {step: "ok" if s["ok"] else "impossible" for step, s in doc["runs"]["profile"]["steps"].items()}
    assert got == flow, json.dumps(doc["runs"]["profile"]["steps"], indent=1)
    assert done.returncode == (0 if set(flow.values()) == {"ok"} else 1)
    for run in doc["runs"].values():
        assert run["leaked"] == [], run["leaked"]
        assert leftovers(clouds_yaml, run["run_id"]) == []
