"""The CI examples that fan `os-interop run --shard K/N` out and merge the results
(examples/ci/): valid for their CI system, and every shard run and merged exactly once.

GitHub Actions: SchemaStore's github-workflow schema as check-jsonschema ships it (a test
extra). Zuul: a schema of Zuul's documented job and project attributes
(selftests/unit/data/zuul-config.schema.json). Neither proves that the jobs run: the
Ansible playbooks and the shell steps are not executed here.
"""

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "ci"
ZUUL = EXAMPLES / "zuul.d" / "os-interop.yaml"
GITHUB = EXAMPLES / "github" / "os-interop.yml"
ZUUL_SCHEMA = json.loads((Path(__file__).parent / "data" / "zuul-config.schema.json").read_text())


def github_problems(text: str, tmp_path: Path) -> str:
    """check-jsonschema's verdict with its vendored SchemaStore github-workflows schema
    (it reads YAML 1.2, as GitHub does: `on:` stays a key)."""
    pytest.importorskip("check_jsonschema", reason="pip install -e '.[test]' brings check-jsonschema")
    path = tmp_path / "workflow.yml"
    path.write_text(text)
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", str(path)], capture_output=True, text=True)
    return "" if done.returncode == 0 else done.stdout + done.stderr


def zuul_problems(config: list) -> list[str]:
    validator = jsonschema.Draft202012Validator(ZUUL_SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(config)]


def test_github_workflow_is_valid_and_fails_when_broken(tmp_path):
    text = GITHUB.read_text()
    assert github_problems(text, tmp_path) == ""
    assert "    runs-on: ubuntu-latest\n" in text and "    needs: shard\n" in text
    for broken in (text.replace("    runs-on: ubuntu-latest\n", "", 1),     # a job must say where
                   text.replace("    needs: shard\n", "    needz: shard\n")):
        assert "Schema validation errors" in github_problems(broken, tmp_path)


def test_github_matrix_runs_every_shard_once_and_the_merge_reads_them_all():
    workflow = yaml.safe_load(GITHUB.read_text())
    shard, merge = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    indexes = shard["strategy"]["matrix"]["shard"]
    run = next(s["run"] for s in shard["steps"] if "os-interop run" in s.get("run", ""))
    n = int(re.search(r"--shard \$\{\{ matrix.shard \}\}/(\d+)", run)[1])
    assert indexes == list(range(1, n + 1))
    upload = next(s for s in shard["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    download = next(s for s in merge["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
    assert merge["needs"] == "shard"
    assert re.fullmatch(download["with"]["pattern"].replace("*", r"\d+"),
                        upload["with"]["name"].replace("${{ matrix.shard }}", "1"))
    report = next(s["run"] for s in merge["steps"] if "os-interop report" in s.get("run", ""))
    assert download["with"]["path"] in report.split()


def test_zuul_config_is_valid_and_fails_when_broken():
    config = yaml.safe_load(ZUUL.read_text())
    assert zuul_problems(config) == []
    broken = copy.deepcopy(config)
    broken[0]["job"]["time-out"] = 3600                   # not a Zuul job attribute
    broken[-1]["project"]["periodic"]["job"] = []         # a pipeline holds `jobs`
    broken.append({"job": {"run": "x.yaml"}})             # a job without a name
    assert len(zuul_problems(broken)) == 3


def test_zuul_runs_every_shard_once_and_the_merge_depends_on_them_all():
    config = yaml.safe_load(ZUUL.read_text())
    jobs = {item["job"]["name"]: item["job"] for item in config if "job" in item}
    base = jobs["os-interop-shard"]
    shards = {name: job["vars"]["osi_shard"] for name, job in jobs.items()
              if job.get("parent") == "os-interop-shard"}
    assert sorted(shards.values()) == list(range(1, base["vars"]["osi_shards"] + 1))
    assert sorted(jobs["os-interop-merge"]["dependencies"]) == sorted(shards)
    pipeline = next(item["project"] for item in config if "project" in item)["periodic"]["jobs"]
    assert sorted(pipeline) == sorted([*shards, "os-interop-merge"])
    for job in jobs.values():
        if "run" in job:
            assert (EXAMPLES / job["run"]).is_file(), job["run"]
    shard_play = yaml.safe_load((EXAMPLES / base["run"]).read_text())
    command = next(t["command"] for t in shard_play[0]["tasks"] if "command" in t)
    assert "--shard {{ osi_shard }}/{{ osi_shards }}" in command
