"""What a run creates: names, a journal written before each create, and cleanup.

Cleanup deletes only what the journal proves this run created (its run id, the exact
name, the id the cloud returned), newest first, and records what it could not delete.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

TAG = "os-interop"
GONE = (404, 410)

# (method, url) -> (status, json body or None)
Requester = Callable[[str, str], tuple[int, Any]]


def new_run_id() -> str:
    return time.strftime("%Y%m%d") + secrets.token_hex(3)


def resource_name(run_id: str, kind: str) -> str:
    """The name every created resource carries: osi-<runid>-<kind>."""
    return f"osi-{run_id}-{kind}"


@dataclass
class Entry:
    seq: int
    kind: str
    name: str
    run_id: str
    find_url: str | None = None
    delete_template: str | None = None
    id: str | None = None
    delete_url: str | None = None
    wait_gone: bool = False
    state: str = "intended"   # intended -> created -> deleted | leaked
    reason: str | None = None
    journal: "Journal | None" = field(default=None, repr=False, compare=False)

    def created(self, resource_id: str, delete_url: str, wait_gone: bool = False) -> None:
        """Record the id the cloud returned, and how to delete it."""
        self.id, self.delete_url, self.wait_gone, self.state = resource_id, delete_url, wait_gone, "created"
        if self.journal:
            self.journal.write({"event": "created", "seq": self.seq, "id": resource_id,
                                "delete_url": delete_url, "wait_gone": wait_gone})

    def summary(self) -> dict[str, Any]:
        out = {"kind": self.kind, "name": self.name, "id": self.id, "state": self.state}
        if self.reason:
            out["reason"] = self.reason
        return out


class Journal:
    """Append-only, fsynced JSONL journal of one worker's creations on one cloud."""

    def __init__(self, path: Path, run_id: str) -> None:
        self.path = path
        self.run_id = run_id
        self.entries: list[Entry] = []
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, record: dict[str, Any]) -> None:
        record = {"run_id": self.run_id, "time": round(time.time(), 3), **record}
        line = json.dumps(record, sort_keys=True) + "\n"
        with open(self.path, "a+b") as f:
            if f.tell() and (f.seek(-1, os.SEEK_END), f.read(1))[1] != b"\n":
                line = "\n" + line     # a line cut by a crash must not swallow this one
            f.write(line.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())

    def intend(self, kind: str, find_url: str | None = None,
               delete_template: str | None = None, suffix: str = "") -> Entry:
        """Journal a creation before the create call is made; returns the entry to complete.

        `find_url` may contain {name}: how cleanup finds the resource if the create call
        never returned an id (a crash or Ctrl-C in between).
        """
        name = resource_name(self.run_id, kind + (f"-{suffix}" if suffix else ""))
        find_url = find_url.format(name=name) if find_url else None
        entry = Entry(seq=len(self.entries) + 1, kind=kind, name=name, run_id=self.run_id,
                      find_url=find_url, delete_template=delete_template, journal=self)
        self.entries.append(entry)
        self.write({"event": "intend", "seq": entry.seq, "kind": kind, "name": name,
                    "find_url": find_url, "delete_template": delete_template})
        return entry

    def mark(self, entry: Entry, state: str, reason: str | None = None) -> None:
        entry.state, entry.reason = state, reason
        self.write({"event": state, "seq": entry.seq, **({"reason": reason} if reason else {})})


def read_journals(paths: Iterable[Path], run_id: str | None = None) -> list[Entry]:
    """Rebuild entries from journal files (of one run, or all runs), oldest first."""
    entries: list[Entry] = []
    for path in sorted(paths):
        by_seq: dict[tuple[str, int], Entry] = {}
        journals: dict[str, Journal] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue   # a line cut by a crash: the intent before it still stands
            if run_id and rec.get("run_id") != run_id:
                continue
            key = (rec["run_id"], rec["seq"])
            if rec["event"] == "intend":
                by_seq[key] = Entry(seq=rec["seq"], kind=rec["kind"], name=rec["name"],
                                    run_id=rec["run_id"], find_url=rec.get("find_url"),
                                    delete_template=rec.get("delete_template"),
                                    journal=journals.setdefault(rec["run_id"], Journal(path, rec["run_id"])))
                entries.append(by_seq[key])
            elif key in by_seq:
                entry = by_seq[key]
                if rec["event"] == "created":
                    entry.id, entry.delete_url = rec["id"], rec["delete_url"]
                    entry.wait_gone, entry.state = rec.get("wait_gone", False), "created"
                else:
                    entry.state, entry.reason = rec["event"], rec.get("reason")
    return entries


def _find_ids(body: Any, name: str) -> list[str]:
    """Ids of objects named exactly `name` anywhere in a list response."""
    found: list[str] = []
    if isinstance(body, dict):
        if body.get("name") == name and isinstance(body.get("id"), str):
            found.append(body["id"])
        for value in body.values():
            if isinstance(value, (dict, list)):
                found.extend(_find_ids(value, name))
    elif isinstance(body, list):
        for value in body:
            found.extend(_find_ids(value, name))
    return found


def delete_entry(entry: Entry, request: Requester, wait_seconds: float = 120.0) -> None:
    """Delete one journaled resource; sets entry.state to deleted or leaked."""
    if entry.state == "deleted":
        return
    urls: list[str] = []
    if entry.delete_url:
        urls = [entry.delete_url]
    elif entry.find_url and entry.delete_template:
        status, body = request("GET", entry.find_url)
        if status >= 400:
            _mark(entry, "leaked", f"could not look it up by name: HTTP {status}")
            return
        urls = [entry.delete_template.format(id=i) for i in _find_ids(body, entry.name)]
        if not urls:
            _mark(entry, "deleted", "never created")
            return
    else:
        _mark(entry, "deleted", "never created")
        return
    for url in urls:
        status, _ = request("DELETE", url)
        if status not in GONE and status >= 400:
            _mark(entry, "leaked", f"DELETE answered HTTP {status}")
            return
        if entry.wait_gone and status not in GONE:
            deadline = time.monotonic() + wait_seconds
            while request("GET", url)[0] not in GONE:
                if time.monotonic() > deadline:
                    _mark(entry, "leaked", f"still present {wait_seconds:.0f}s after DELETE")
                    return
                time.sleep(1)
    _mark(entry, "deleted")


def _mark(entry: Entry, state: str, reason: str | None = None) -> None:
    if entry.journal:
        entry.journal.mark(entry, state, reason)
    else:
        entry.state, entry.reason = state, reason


def cleanup(entries: list[Entry], request: Requester) -> list[Entry]:
    """Delete, newest first, everything created and not yet deleted; returns the leaks."""
    for entry in reversed(entries):
        if entry.state in ("intended", "created", "leaked"):
            try:
                delete_entry(entry, request)
            except Exception as exc:  # keep going: one failure must not leak the rest
                _mark(entry, "leaked", f"{exc.__class__.__name__} during delete")
    return [e for e in entries if e.state == "leaked"]
