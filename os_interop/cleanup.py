"""`os-interop cleanup`: finish what an interrupted run could not, from its journals only."""

from __future__ import annotations

from pathlib import Path

from os_interop import targets
from os_interop.cloud import CloudUnderTest
from os_interop.errors import UserError
from os_interop.resources import cleanup, read_journals


def clean(cloud_name: str, out: Path, run_id: str | None) -> int:
    targets.resolve_names([cloud_name])
    journals = sorted((out / cloud_name).glob("journal-*.jsonl"))
    if not journals:
        raise UserError(f"no journals under {out / cloud_name}: nothing this tool created is "
                        "known there (pass --out with the run's results directory)")
    entries = read_journals(journals, run_id)
    pending = [e for e in entries if e.state in ("intended", "created", "leaked")]
    if not pending:
        print(f"nothing to clean up on {cloud_name}"
              f"{' for run ' + run_id if run_id else ''}: every journaled resource is deleted")
        return 0
    conn = CloudUnderTest(cloud_name, run_id or "cleanup", out, "cleanup")
    leaks = cleanup(entries, conn.raw_requester())
    for e in pending:
        print(f"{e.state:8} {e.kind:10} {e.name} {e.id or ''} {e.reason or ''}".rstrip())
    return 1 if leaks else 0
