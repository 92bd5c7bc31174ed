"""What a run creates: names, a journal written before each create, and cleanup.

Every create is journaled *before* the call with a way to find the resource again that does
not depend on the create's answer (its exact name, the name in its description, the URL it
lives at). After an ambiguous create (reset, timeout, 5xx, an unparsable answer) the resource
is looked up that way before anything else; a create is never retried blindly and nothing is
deleted that the lookup does not prove ours. Cleanup deletes newest first, waits (bounded)
for creates still in flight, and calls a resource gone only when the cloud says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from os_interop import interrupts
from os_interop.answers import EMPTY, NoAnswer
from os_interop.flows.polling import pauses

TAG = "os-interop"
GONE = (404, 410)
# how long after its answer window an unanswered create may still appear (server-side lag)
SETTLE_MARGIN = 5.0
CLEANUP_CAP = 1.0     # cleanup's longest pause between two checks (flows/polling.pauses)

# a create answered with one of these made nothing; any other answer is ambiguous (answers.py)
DECLINED = {status: EMPTY for status in range(400, 500) if status != 429}

# (method, url) -> (status, json body or None); raises on connection failures
Requester = Callable[[str, str], tuple[int, Any]]


def new_run_id() -> str:
    return time.strftime("%Y%m%d") + secrets.token_hex(3)


def resource_name(run_id: str, kind: str) -> str:
    """The name every created resource carries: osi-<runid>-<kind>."""
    return f"osi-{run_id}-{kind}"


# -- how a resource is found again without the create's answer ----------------------------------
def by_name(url: str) -> dict[str, Any]:
    """GET url lists objects; ours is the one whose `name` equals the journaled name exactly
    (nova's ?name= is a regex, so the filter in the URL only narrows the list)."""
    return {"how": "name", "url": url}


def by_description(url: str) -> dict[str, Any]:
    """Like by_name, on `description` (neutron floating IPs have no name)."""
    return {"how": "description", "url": url}


def at(url: str) -> dict[str, Any]:
    """The resource lives at url (swift containers and objects): 2xx there, or 404."""
    return {"how": "url", "url": url}


def new_ids(url: str, collection: str, before: Iterable[str], pool: str | None = None) -> dict[str, Any]:
    """No name at all (nova-network floating IPs): ids in `collection` (of `pool`) that were not
    there before the create are only candidates — never deleted, reported as possibly left."""
    return {"how": "new-ids", "url": url, "collection": collection, "before": sorted(before),
            "pool": pool}


class Closed(Exception):
    """The run is ending (cleanup is about to start): no new create may be journaled."""


class LookupFailed(Exception):
    """The lookup itself got no readable answer: nothing is proved either way."""


def _matching(body: Any, key: str, value: str) -> list[str]:
    """Ids of objects whose `key` equals `value` exactly, anywhere in a list response."""
    found: list[str] = []
    if isinstance(body, dict):
        if body.get(key) == value and isinstance(body.get("id"), (str, int)):
            found.append(str(body["id"]))
        for member in body.values():
            if isinstance(member, (dict, list)):
                found.extend(_matching(member, key, value))
    elif isinstance(body, list):
        for member in body:
            found.extend(_matching(member, key, value))
    return found


def find(lookup: dict[str, Any], name: str, request: Requester) -> list[str]:
    """Ids the cloud holds that the lookup proves are ours ([] = the cloud says none).

    For new-ids lookups the result is the candidates, which prove nothing."""
    status, body = request("GET", lookup["url"])
    how = lookup["how"]
    if how == "url":
        if status in GONE:
            return []
        if 200 <= status < 300:
            return [name]
    elif status == 200 and isinstance(body, dict):
        if how in ("name", "description"):
            return _matching(body, how, name)
        if how == "new-ids" and isinstance(body.get(lookup["collection"]), list):
            before = set(lookup["before"])
            return sorted(str(f["id"]) for f in body[lookup["collection"]]
                          if isinstance(f, dict) and "id" in f and str(f["id"]) not in before
                          and (lookup.get("pool") is None or f.get("pool") == lookup["pool"]))
    raise LookupFailed(f"GET {lookup['url']} answered HTTP {status}")


@dataclass
class Entry:
    seq: int
    kind: str
    name: str
    run_id: str
    lookup: dict[str, Any] | None = None
    delete_template: str | None = None    # "{id}" -> the resource's URL (DELETE and GET)
    wait_gone: bool = False               # deletion is asynchronous: GET until 404
    settle_by: float = 0.0                # an unanswered create may appear until then
    id: str | None = None
    ids: list[str] = field(default_factory=list)
    state: str = "intended"   # intended -> created -> deleted | leaked
    reason: str | None = None
    journal: "Journal | None" = field(default=None, repr=False, compare=False)

    def created(self, resource_id: str) -> None:
        """Record the id the cloud returned (or a lookup proved)."""
        self.id, self.state = str(resource_id), "created"
        if self.id not in self.ids:
            self.ids.append(self.id)
        if self.journal:
            self.journal.write({"event": "created", "seq": self.seq, "id": self.id})

    def url(self, resource_id: str | None = None) -> str | None:
        rid = resource_id or self.id
        return self.delete_template.format(id=rid) if self.delete_template and rid else None

    def summary(self) -> dict[str, Any]:
        out = {"kind": self.kind, "name": self.name, "id": self.id, "state": self.state}
        if self.reason:
            out["reason"] = self.reason
        return out


class Journal:
    """Append-only, fsynced JSONL journal of one worker's creations on one cloud."""

    def __init__(self, path: Path, run_id: str, requester: Requester | None = None,
                 answer_window: float = 30.0) -> None:
        self.path = path
        self.run_id = run_id
        self.requester = requester
        self.answer_window = answer_window    # the cloud's API timeout: how long a create may take
        self.entries: list[Entry] = []
        # set when cleanup is about to start: a background flow (the run's boot) stops waiting
        # and creates nothing more, so cleanup sees every entry there will ever be
        self.closed = threading.Event()
        self._intending = threading.Lock()
        self._writing = threading.Lock()
        self._flows: list[threading.Thread] = []
        path.parent.mkdir(parents=True, exist_ok=True)

    def track(self, flow: threading.Thread) -> None:
        """A background flow that creates through this journal: close() waits for it."""
        self._flows.append(flow)

    def close(self) -> None:
        """Before cleanup: no create from now on (one being journaled right now is finished
        first), and the background flows end — their polls stop at once (`closed`), a request
        in flight gets its answer window (api_timeout + SETTLE_MARGIN), so cleanup finds its
        create answered and journaled; one still unanswered then is cleanup's to wait for."""
        with self._intending:
            self.closed.set()
        deadline = time.monotonic() + self.answer_window + SETTLE_MARGIN
        for flow in self._flows:
            if flow is not threading.current_thread():
                flow.join(max(0.0, deadline - time.monotonic()))

    def write(self, record: dict[str, Any]) -> None:
        record = {"run_id": self.run_id, "time": round(time.time(), 3), **record}
        line = json.dumps(record, sort_keys=True) + "\n"
        with self._writing, open(self.path, "a+b") as f:    # the boot's thread writes too
            if f.tell() and (f.seek(-1, os.SEEK_END), f.read(1))[1] != b"\n":
                line = "\n" + line     # a line cut by a crash must not swallow this one
            f.write(line.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())

    def intend(self, kind: str, lookup: dict[str, Any] | None = None,
               delete_template: str | None = None, suffix: str = "", wait_gone: bool = False) -> Entry:
        """Journal a creation before the create call is made; returns the entry to complete.

        `lookup` (by_name, by_description, at, new_ids) may contain {name}: how the resource is
        found if the create's answer never arrives or cannot be read. Raises Closed once
        cleanup is under way."""
        with self._intending:
            if self.closed.is_set():
                raise Closed(f"the run is ending: the {kind} was not created")
            return self._intend(kind, lookup, delete_template, suffix, wait_gone)

    def _intend(self, kind: str, lookup: dict[str, Any] | None, delete_template: str | None,
                suffix: str, wait_gone: bool) -> Entry:
        name = resource_name(self.run_id, kind + (f"-{suffix}" if suffix else ""))
        if lookup:
            lookup = {**lookup, "url": lookup["url"].format(name=name)}
        if delete_template:
            delete_template = delete_template.replace("{name}", name)
        entry = Entry(seq=len(self.entries) + 1, kind=kind, name=name, run_id=self.run_id,
                      lookup=lookup, delete_template=delete_template, wait_gone=wait_gone,
                      settle_by=round(time.time() + self.answer_window + SETTLE_MARGIN, 3),
                      journal=self)
        self.entries.append(entry)
        self.write({"event": "intend", "seq": entry.seq, "kind": kind, "name": name,
                    "lookup": lookup, "delete_template": delete_template, "wait_gone": wait_gone,
                    "settle_by": entry.settle_by})
        return entry

    def mark(self, entry: Entry, state: str, reason: str | None = None) -> None:
        entry.state, entry.reason = state, reason
        self.write({"event": state, "seq": entry.seq, **({"reason": reason} if reason else {})})

    def create(self, entry: Entry, call: Callable[[], Any], id_of: Callable[[Any], Any],
               refused: Callable[[Any], bool] = lambda answer: False) -> Any:
        """Make the create call for `entry` and journal its outcome.

        `call` returns an answer (or raises, e.g. answers.Unknown); `id_of(answer)` reads the
        new id (raising when the answer lacks it); `refused(answer)` says the cloud declined
        with a 4xx, so nothing was made. On any ambiguity the resource is looked up by what
        the journal holds before the exception goes on: found, it is journaled with its id;
        not found, it stays in flight for cleanup (which waits out the answer window only when
        no answer arrived at all). Nothing is retried."""
        guard = interrupts.held() if entry.lookup and entry.lookup.get("how") == "new-ids" \
            else contextlib.nullcontext()
        with guard:   # a nameless create is not interrupted between its request and its answer
            try:
                answer = call()
            except Exception as exc:
                self.settle(entry, answered=not isinstance(exc, NoAnswer))
                raise
            if refused(answer):
                self.mark(entry, "deleted", f"not created: the cloud declined (HTTP {answer.status})")
                return answer
            try:
                entry.created(id_of(answer))
            except Exception:
                self.settle(entry, answered=True)
                raise
        return answer

    def settle(self, entry: Entry, answered: bool) -> None:
        """One lookup after an ambiguous create; journals the id if it proves one. When an
        answer arrived (a 5xx, an unreadable body) the cloud was done with the request, so
        cleanup need not wait out the whole answer window for it."""
        if entry.lookup is None or self.requester is None:
            return
        if answered:
            entry.settle_by = min(entry.settle_by, round(time.time() + SETTLE_MARGIN, 3))
            self.write({"event": "answered", "seq": entry.seq, "settle_by": entry.settle_by})
        if entry.lookup["how"] == "new-ids":
            return
        try:
            found = find(entry.lookup, entry.name, self.requester)
        except Exception:   # noqa: BLE001 - the lookup failing proves nothing; cleanup retries
            return
        for rid in found:
            entry.created(rid)


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
                                    run_id=rec["run_id"], lookup=rec.get("lookup"),
                                    delete_template=rec.get("delete_template"),
                                    wait_gone=rec.get("wait_gone", False),
                                    settle_by=rec.get("settle_by", 0.0),
                                    journal=journals.setdefault(rec["run_id"], Journal(path, rec["run_id"])))
                entries.append(by_seq[key])
            elif key in by_seq:
                entry = by_seq[key]
                if rec["event"] == "answered":
                    entry.settle_by = rec.get("settle_by", entry.settle_by)
                elif rec["event"] == "created":
                    entry.id, entry.state = rec["id"], "created"
                    if rec["id"] not in entry.ids:
                        entry.ids.append(rec["id"])
                else:
                    entry.state, entry.reason = rec["event"], rec.get("reason")
    return entries


def run_ids(paths: Iterable[Path]) -> set[str]:
    """Every run id the journal files mention."""
    found: set[str] = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                found.add(json.loads(line)["run_id"])
            except (ValueError, KeyError, TypeError):
                continue
    return found


# -- cleanup -------------------------------------------------------------------------------------
@dataclass
class Clock:
    """Time for cleanup's bounded waits; tests pass a fake one."""
    now: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


def _mark(entry: Entry, state: str, reason: str | None = None) -> None:
    if entry.journal:
        entry.journal.mark(entry, state, reason)
    else:
        entry.state, entry.reason = state, reason


def _pause(clock: Clock, until: float, pause: Iterator[float]) -> None:
    clock.sleep(max(0.0, min(next(pause), until - clock.now())))


def resolve(entry: Entry, request: Requester, clock: Clock = Clock()) -> None:
    """A create with no answer: look it up until found, or until its answer window is over
    and the cloud still says it is not there (proved absent)."""
    if entry.lookup is None:
        _mark(entry, "leaked", "create was in flight and the journal has no way to look it up")
        return
    pause, problem = pauses(cap=CLEANUP_CAP), None
    while True:
        try:
            found = find(entry.lookup, entry.name, request)
            problem = None
        except Exception as exc:   # noqa: BLE001 - unreadable lookups prove nothing; retried
            found, problem = [], str(exc) if isinstance(exc, LookupFailed) else exc.__class__.__name__
        if found and entry.lookup["how"] == "new-ids":
            _mark(entry, "leaked", f"possibly left: the create's answer was lost and new "
                  f"{entry.kind} ids appeared that cannot be proved ours: {', '.join(found)}")
            return
        if found:
            for rid in found:
                entry.created(rid)
            return
        if clock.now() >= entry.settle_by:
            if problem:
                _mark(entry, "leaked", f"create was in flight; could not look it up: {problem}")
            else:
                _mark(entry, "deleted", "never created: the lookup found nothing after the "
                      "create's answer window")
            return
        _pause(clock, entry.settle_by, pause)


def _status(request: Requester, method: str, url: str) -> int | None:
    try:
        status, body = request(method, url)
    except Exception:   # noqa: BLE001 - a lost answer: the GET after it decides
        return None
    return GONE[0] if method == "GET" and _says_deleted(status, body) else status


def _says_deleted(status: int, body: Any) -> bool:
    """A 200 whose one resource has status DELETED: nova shows it between destroying the
    server and dropping its record, and it never comes back (openstacksdk's wait_for_delete
    takes it as deleted too). Any other answer is read by its status alone."""
    if status != 200 or not isinstance(body, dict) or len(body) != 1:
        return False
    (resource,) = body.values()
    return isinstance(resource, dict) and str(resource.get("status", "")).upper() == "DELETED"


def _delete_one(entry: Entry, url: str, request: Requester, clock: Clock, wait_seconds: float) -> str | None:
    """DELETE url until the cloud says it is gone; None, or why it is not proved gone."""
    deadline, pause = clock.now() + wait_seconds, pauses(cap=CLEANUP_CAP)
    status = _status(request, "DELETE", url)
    while True:
        if status in GONE:
            return None
        if status is not None and 400 <= status < 500 and status != 429:
            return f"DELETE {url} answered HTTP {status}"
        accepted = status is not None and 200 <= status < 300
        if accepted and not entry.wait_gone:
            return None
        if clock.now() >= deadline:
            return f"still present {wait_seconds:.0f}s after DELETE"
        _pause(clock, deadline, pause)
        seen = _status(request, "GET", url)
        if seen in GONE:
            return None                 # a lost DELETE answer, but the delete happened
        if seen is not None and 200 <= seen < 300 and not accepted:
            status = _status(request, "DELETE", url)   # idempotent: ask again


def delete(entry: Entry, request: Requester, clock: Clock = Clock(), wait_seconds: float = 120.0) -> None:
    """Delete every id the entry proves; deleted only once the cloud says each is gone."""
    for rid in list(entry.ids or ([entry.id] if entry.id else [])):
        url = entry.url(rid)
        problem = "the journal has no URL to delete it at" if url is None else \
            _delete_one(entry, url, request, clock, wait_seconds)
        if problem:
            _mark(entry, "leaked", problem)
            return
    _mark(entry, "deleted")


STOPPED = "cleanup stopped by an interrupt before it was proved gone"


def stopped(entries: list[Entry]) -> None:
    """Cleanup will not finish: everything not proved gone is a leak, with the reason."""
    for entry in entries:
        if entry.state != "deleted" and not (entry.state == "leaked" and entry.reason):
            _mark(entry, "leaked", STOPPED)


def cleanup(entries: list[Entry], request: Requester, clock: Clock = Clock()) -> list[Entry]:
    """Delete, newest first, everything not proved gone; returns the leaks.

    A create still in flight is looked up until found or proved absent (resolve). A
    KeyboardInterrupt (a signal during cleanup) propagates; the caller marks the rest
    (stopped)."""
    for entry in reversed(entries):
        if entry.state == "deleted" or (entry.reason or "").startswith("possibly left"):
            continue
        try:
            if not entry.ids and not entry.id:
                resolve(entry, request, clock)
            if entry.state != "deleted" and (entry.ids or entry.id):
                delete(entry, request, clock)
        except Exception as exc:  # keep going: one failure must not leak the rest
            _mark(entry, "leaked", f"{exc.__class__.__name__} during cleanup")
    return [e for e in entries if e.state != "deleted"]
