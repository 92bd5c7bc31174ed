"""Running the probes: pytest (with xdist, one cloud per worker group) and the exit code.

`os-interop run` and `os-interop demo` both come through here, so a run from the CLI and
`pytest tests/ --os-cloud X` execute the very same plugin and probes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from os_interop import results, suite
from os_interop.journal import new_run_id


@dataclass
class RunRequest:
    clouds: list[str]
    out: Path
    groups: list[str] = field(default_factory=list)
    keyword: str | None = None
    read_only: bool = False
    workers: int | None = None
    junitxml: str | None = None
    extra: list[str] = field(default_factory=list)
    quiet_pytest: bool = True


@dataclass
class RunOutcome:
    exit_code: int
    documents: list[dict]
    cloud_errors: list[str]


def pytest_args(req: RunRequest, run_id: str) -> list[str]:
    root = suite.root()
    args = [str(suite.tests_dir()), "--rootdir", str(root), "-c", str(suite.probe_ini()),
            "-p", "os_interop.plugin", "-p", "no:cacheprovider", "--osi-out", str(req.out),
            "--osi-run-id", run_id, "--osi-progress", "-W", "ignore"]
    for name in req.clouds:
        args += ["--os-cloud", name]
    if req.groups:
        args += ["-m", " or ".join(req.groups)]
    if req.keyword:
        args += ["-k", req.keyword]
    if req.read_only:
        args.append("--read-only")
    workers = req.workers if req.workers is not None else min(len(req.clouds), 4)
    if workers > 1:
        args += ["-n", str(workers)]
    else:
        args += ["-p", "no:xdist"]
    if req.junitxml:
        args += ["--junitxml", req.junitxml]
    if req.quiet_pytest:
        args += ["-p", "no:terminal", "-p", "no:benchmark"]
    return args + req.extra


def run(req: RunRequest) -> RunOutcome:
    """Run the suite; exit 0 only when no required capability failed or errored."""
    run_id = new_run_id()
    req.out.mkdir(parents=True, exist_ok=True)
    print(f"os-interop run {run_id}: {', '.join(req.clouds)} -> {req.out}", flush=True)
    code = pytest.main(pytest_args(req, run_id))
    if code == pytest.ExitCode.USAGE_ERROR:
        return RunOutcome(2, [], [])
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        print(f"os-interop: pytest could not run the probes (exit {int(code)}); "
              f"`pytest tests/ --os-cloud {req.clouds[0]}` shows why", file=sys.stderr)
    documents = []
    for name in req.clouds:
        path = req.out / name / "results.json"
        if path.exists():
            doc = results.load(path)
            if doc["run"]["id"] == run_id:
                documents.append(doc)
    errors = [d["run"]["error"] for d in documents if d["run"].get("error")]
    broken = [c for d in documents for c in d["capabilities"]
              if c["status"] == "required" and c["outcome"] in ("fail", "error")]
    if errors:
        exit_code = 2
    elif code == pytest.ExitCode.INTERRUPTED:
        exit_code = 130
    elif broken or len(documents) < len(req.clouds):
        exit_code = 1
    else:
        exit_code = 0
    return RunOutcome(exit_code, documents, errors)
