"""`pytest tests/ --os-cloud X` from the repo root runs the same probes with pytest's own options."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pytest_with_k_m_and_junitxml(fleet, tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)}
    junit = tmp_path / "junit.xml"
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/", "--os-cloud", "dreamhost-2015",
                           "--osi-out", str(tmp_path), "-m", "image_format and read_only",
                           "-k", "not preferred", "--junitxml", str(junit), "-p", "no:cacheprovider"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    cases = [c.get("name") for c in ET.parse(junit).getroot().iter("testcase")]
    assert cases == ["test_accepted_formats[dreamhost-2015]"]
    doc = json.loads((tmp_path / "dreamhost-2015" / "results.json").read_text())
    by_id = {c["id"]: c for c in doc["capabilities"]}
    assert by_id["image.format.accepted"]["outcome"] == "diverge"
    assert by_id["image.format.accepted"]["value"] == ["raw"]
    assert by_id["image.format.preferred"]["reason"] == "not selected in this run"
    assert "-k not preferred" in doc["run"]["selection"]


def test_pytest_without_a_cloud_says_how_to_name_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(tmp_path / "clouds.yaml")
    (tmp_path / "clouds.yaml").write_text("clouds: {}\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/", "-p", "no:cacheprovider"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 4, done.stdout[-2000:]
    assert "--os-cloud" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
