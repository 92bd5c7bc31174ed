"""`os-interop cleanup`: finish what an interrupted run could not, from its journals only.

It finds resources by the same lookups the run journaled (exact name, description, URL), so
a create whose answer was lost is found too; `--dry-run` looks and lists, deleting nothing.
"""

from __future__ import annotations

from pathlib import Path

from os_interop import targets
from os_interop.cloud import CloudUnderTest
from os_interop.errors import UserError
from os_interop.journal import Entry, cleanup, find, read_journals, run_ids


def _pending(cloud_name: str, out: Path, run_id: str | None) -> list[Entry]:
    journals = sorted((out / cloud_name).glob("journal-*.jsonl"))
    if not journals:
        raise UserError(f"no journals under {out / cloud_name}: nothing this tool created is "
                        "known there (pass --out with the run's results directory)")
    known = run_ids(journals)
    if run_id is not None and run_id not in known:
        raise UserError(f"run {run_id!r} is not in the journals under {out / cloud_name} "
                        f"(runs there: {', '.join(sorted(known)) or 'none'})")
    return read_journals(journals, run_id)


def _look(entry: Entry, conn: CloudUnderTest) -> str:
    """What a dry run can say about one entry without deleting anything."""
    if entry.ids or entry.id:
        return f"would delete {', '.join(entry.ids or [entry.id or ''])}"
    if entry.lookup is None:
        return "in flight, no way to look it up"
    try:
        found = find(entry.lookup, entry.name, conn.raw_requester())
    except Exception as exc:   # noqa: BLE001 - a dry run reports, never raises
        return f"lookup failed: {exc}"
    if entry.lookup["how"] == "new-ids":
        return f"possibly left (candidates, never deleted): {', '.join(found)}" if found else "not found"
    return f"found {', '.join(found)}: would delete" if found else "not found"


def clean(cloud_name: str, out: Path, run_id: str | None, dry_run: bool = False) -> int:
    labels = targets.resolve_names([cloud_name])
    if labels != [cloud_name]:       # an entry with several regions: each has its own journals
        return max(clean(label, out, run_id, dry_run) for label in labels)
    entries = _pending(cloud_name, out, run_id)
    pending = [e for e in entries if e.state != "deleted"]
    scope = f" for run {run_id}" if run_id else ""
    if not pending:
        print(f"nothing to clean up on {cloud_name}{scope}: every journaled resource is deleted")
        return 0
    conn = CloudUnderTest(cloud_name, run_id or "cleanup", out, "cleanup")
    if dry_run:
        for e in reversed(pending):
            print(f"{e.state:8} {e.kind:10} {e.name} {_look(e, conn)}")
        return 0
    leaks = cleanup(entries, conn.raw_requester())
    for e in reversed(pending):
        print(f"{e.state:8} {e.kind:10} {e.name} {e.id or ''} {e.reason or ''}".rstrip())
    return 1 if leaks else 0
