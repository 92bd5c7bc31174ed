"""Running the probes: one pytest session over the resolved targets, and the exit code.

`os-interop run` and `os-interop demo` both come through here, so a run from the CLI and
`pytest tests/ --os-cloud X` execute the very same plugin and probes; the CLI adds the
targets it resolved (runstate.Given) and one forked process per target (forking.py).
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
from os_interop.runstate import Given
from os_interop.targets import Target


@dataclass
class RunRequest:
    targets: list[Target]
    out: Path
    groups: list[str] = field(default_factory=list)
    keyword: str | None = None
    read_only: bool = False
    workers: int | None = None        # processes at a time; None: as memory allows; 0: this one
    junitxml: str | None = None
    extra: list[str] = field(default_factory=list)    # pytest's own options (-v, --tb, -r, ...)
    guideline: str | None = None     # graded against (guidelines.py); None: the default


@dataclass
class RunOutcome:
    exit_code: int
    documents: list[dict]
    cloud_errors: list[str]


def pytest_args(req: RunRequest, run_id: str) -> list[str]:
    root = suite.root()
    args = [str(suite.tests_dir()), "--rootdir", str(root), "-c", str(suite.probe_ini()),
            "-p", "os_interop.plugin", "--osi-out", str(req.out), "--osi-run-id", run_id,
            "--osi-progress", "--osi-processes", "auto" if req.workers is None else str(req.workers),
            # start-up a run does not use: each probe's assert carries its message, so pytest's
            # rewriting (recompiled on every start where bytecode is not cached) adds nothing;
            # the unraisable-exception plugin's gc.collect of the whole heap at exit costs more
            # than it finds; xdist is replaced by forking.py; hypothesis/benchmark are selftests'.
            "--assert=plain", "-p", "no:xdist", "-p", "no:benchmark",
            "-p", "no:hypothesispytest"]
    if req.groups:
        args += ["-m", " or ".join(req.groups)]
    if req.keyword:
        args += ["-k", req.keyword]
    if req.read_only:
        args.append("--read-only")
    if req.guideline:
        args += ["--osi-guideline", req.guideline]
    verbose = any(a == "--verbose" or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in req.extra)
    return args + ([] if verbose else ["-q"]) + req.extra     # quiet: capability lines are the progress


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
    print(f"os-interop run {run_id}: {', '.join(t.label for t in req.targets)} -> {req.out}", flush=True)
    given = Given(req.targets)
    code = pytest.main(pytest_args(req, run_id), plugins=[given])
    if code == pytest.ExitCode.USAGE_ERROR:
        return RunOutcome(2, [], [])
    if code == pytest.ExitCode.NO_TESTS_COLLECTED and (req.keyword or req.groups or req.read_only):
        raise UserError(f"{_selection(req)} select no probe: `os-interop capabilities` lists the groups "
                        "and, per capability, its probes (`--format json` shows their names)")
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        print(f"os-interop: pytest could not run the probes (exit {int(code)}); "
              f"`pytest tests/ --os-cloud {req.targets[0].cloud}` shows why", file=sys.stderr)
    documents = [d for d in given.documents if d["run"]["id"] == run_id]
    if req.junitxml and documents:      # one testcase per target x capability (reporters/junit.py)
        from os_interop import atomic
        from reporters import junit
        atomic.write_text(Path(req.junitxml), junit.render(documents))
    errors = [d["run"]["error"] for d in documents if d["run"].get("error")]
    misconfigured = [d for d in documents if d["run"].get("error")       # no kind: probes unloadable
                     and d["run"].get("error_kind", "configuration") == "configuration"]
    graded = guidelines.select(req.guideline)
    broken = [f for d in documents for f in guidelines.grade(d, graded, datetime.date.today()).failures]
    if misconfigured:
        exit_code = 2            # the user must fix something; unreachable clouds alone are 1
    elif code == pytest.ExitCode.INTERRUPTED:
        exit_code = 130
    elif errors or broken or len(documents) < len(req.targets):
        exit_code = 1
    else:
        exit_code = 0
    return RunOutcome(exit_code, documents, errors)
