"""Reports over genuine OpenStack: two read-only runs of the reference cloud, upstream and then
discovery-quirks, merged into one report and compared.

What must change is derived from the two configurations' declared truth and the capability
definitions, never from the reports themselves. Runs when OSI_REFCLOUD=1 (as CI does).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from os_interop import capabilities
from selftests.unit.test_reporters_html import Page

from .test_reference_cloud import ROOT, refcloud

pytestmark = [
    pytest.mark.refcloud,
    pytest.mark.skipif(os.environ.get("OSI_REFCLOUD") != "1",
                       reason="reference cloud not requested: run reference-cloud/refcloud install, "
                              "then OSI_REFCLOUD=1 pytest -m refcloud selftests/refcloud"),
]
CONFIGS = ("upstream", "discovery-quirks")


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "os_interop.cli", *args], capture_output=True,
                          text=True, env=env or dict(os.environ), timeout=900)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    outs = []
    for name in CONFIGS:
        refcloud("up", "--config", name)
        clouds_yaml = refcloud("clouds-yaml").strip().splitlines()[-1]
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
               "OS_CLIENT_CONFIG_FILE": clouds_yaml}
        out = tmp_path_factory.mktemp(name)
        done = _cli("run", "--cloud", "refcloud", "--read-only", "--out", str(out), env=env)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        outs.append(out)
    return outs


def _declared(name: str) -> dict:
    path = ROOT / "reference-cloud" / "configs" / f"{name}.yaml"
    return yaml.safe_load(path.read_text())["expected_observations"]


def test_compare_finds_what_the_configurations_change(runs):
    done = _cli("report", "--compare", str(runs[0]), str(runs[1]), "--format", "json")
    assert done.returncode == 0, done.stderr
    changes = json.loads(done.stdout)["changes"]
    old, new = (_declared(n) for n in CONFIGS)
    differ = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    read_only = [c for c in capabilities.load().capabilities if c.cost == "read-only"]
    regress = {c.id for c in read_only if any(
        capabilities.matches(want, old.get(key)) and not capabilities.matches(want, new.get(key))
        for key, want in c.interoperable.items() if key in differ)}
    may_change = {c.id for c in read_only if set(c.keys) & differ}
    assert regress, "the configurations differ on no interoperable key"
    assert {c["capability"] for c in changes if c["kind"] == "regression"} == regress
    assert {c["capability"] for c in changes} <= may_change
    assert changes[0]["kind"] == "regression"


def test_merged_runs_report_names_each_run_and_keeps_not_run_apart(runs, tmp_path):
    done = _cli("report", str(runs[0]), str(runs[1]))
    assert done.returncode == 0, done.stderr
    assert "#1" not in done.stdout and max(len(l) for l in done.stdout.splitlines()) <= 120
    run_ids = [json.loads((r / "refcloud" / "results.json").read_text())["run"]["id"] for r in runs]
    data = json.loads(_cli("report", str(runs[0]), str(runs[1]), "--format", "json").stdout)
    assert data["clouds"] == [f"refcloud run {run_id}" for run_id in run_ids]
    doc = json.loads((runs[0] / "refcloud" / "results.json").read_text())
    not_run = [c for c in doc["capabilities"] if c["cost"] != "read-only"]
    assert not_run and all(c["outcome"] == "not-run" for c in not_run)
    assert doc["summary"]["not-run"] == len(not_run) and doc["summary"]["skip"] == sum(
        c["outcome"] == "skip" for c in doc["capabilities"])

    page = tmp_path / "r.html"
    done = _cli("report", str(runs[0]), str(runs[1]), "--format", "html", "-o", str(page))
    assert done.returncode == 0, done.stderr
    parsed = Page(page.read_text(encoding="utf-8"))
    links = [a["href"][1:] for t, a in parsed.tags if t == "a" and a.get("class") == "ev"]
    assert links and set(links) <= parsed.ids
    assert all(a.get(n, "#").startswith("#") for _, a in parsed.tags for n in ("href", "src"))
