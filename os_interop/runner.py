"""Running the probes: pytest (with xdist, one cloud per worker group) and the exit code.

`os-interop run` and `os-interop demo` both come through here, so a run from the CLI and
`pytest tests/ --os-cloud X` execute the very same plugin and probes.
"""

from __future__ import annotations

import datetime
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from os_interop import guidelines, results, suite
from os_interop.errors import UserError
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
    guideline: str | None = None     # graded against (guidelines.py); None: the default


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
    if req.guideline:
        args += ["--osi-guideline", req.guideline]
    if req.junitxml:
        args += ["--junitxml", req.junitxml]
    if req.quiet_pytest:
        args += ["-p", "no:terminal", "-p", "no:benchmark"]
    return args + req.extra


def _selection(req: RunRequest) -> str:
    parts = [f"-k {req.keyword!r}"] if req.keyword else []
    parts += [f"--group {g}" for g in req.groups] + (["--read-only"] if req.read_only else [])
    return " ".join(parts)


def check_out(out: Path) -> None:
    """The results directory is usable, checked before any cloud is touched: finding out after
    the run would lose its results."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file, not a directory; name a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".osi-write-check-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"--out {out} cannot be written ({exc.strerror or exc}); "
                        "name a directory you can write") from None


def run(req: RunRequest) -> RunOutcome:
    """Run the suite; exit 0 only when no required capability failed or errored."""
    run_id = new_run_id()
    check_out(req.out)
    print(f"os-interop run {run_id}: {', '.join(req.clouds)} -> {req.out}", flush=True)
    code = pytest.main(pytest_args(req, run_id))
    if code == pytest.ExitCode.USAGE_ERROR:
        return RunOutcome(2, [], [])
    if code == pytest.ExitCode.NO_TESTS_COLLECTED and (req.keyword or req.groups or req.read_only):
        raise UserError(f"{_selection(req)} select no probe: `os-interop capabilities` lists the groups "
                        "and, per capability, its probes (`--format json` shows their names)")
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
    misconfigured = [d for d in documents if d["run"].get("error")       # no kind: probes unloadable
                     and d["run"].get("error_kind", "configuration") == "configuration"]
    graded = guidelines.select(req.guideline)
    broken = [f for d in documents for f in guidelines.grade(d, graded, datetime.date.today()).failures]
    if misconfigured:
        exit_code = 2            # the user must fix something; unreachable clouds alone are 1
    elif code == pytest.ExitCode.INTERRUPTED:
        exit_code = 130
    elif errors or broken or len(documents) < len(req.clouds):
        exit_code = 1
    else:
        exit_code = 0
    return RunOutcome(exit_code, documents, errors)
