"""What a person watching `os-interop run` sees, through pytest's terminal reporter.

On a terminal: one updating line per running target (capabilities settled of those it will
settle, the pain point last settled, elapsed time); elsewhere: one plain line per settled
capability. At the end: one summary table and the divergence matrix. It judges nothing:
every outcome comes from the settled entry (events.CapabilitySettled).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from typing import Any

from os_interop.events import CapabilitySettled, TargetFinished, TargetStarted
from os_interop.outcomes import NOT_RUN, OUTCOMES
from reporters.display import one_line as short

MARK = {"pass": "PASS", "diverge": "DIVERGE", "fail": "FAIL", "skip": "skip", "error": "ERROR",
        NOT_RUN: "not run"}
REDRAW_S = 0.2


def line(label: str, entry: dict[str, Any]) -> str:
    note = entry["reason"] if entry["outcome"] in ("fail", "error", "skip") else short(entry["value"])
    return f"{label:<22} {entry['id']:<38} {MARK[entry['outcome']]:<8} {short(note, 70)}"


@dataclass
class _Running:
    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    group: str = ""


class Progress:
    """An events.Handler writing to pytest's terminal reporter (None: silent)."""

    def __init__(self, reporter: Any, live: bool) -> None:
        self.reporter = reporter
        self.live = live            # a terminal, pytest not verbose: updating lines
        self.running: dict[str, _Running] = {}
        self.drawn = 0              # lines of the live block now on screen
        self.last_draw = 0.0

    def handle(self, event: Any) -> None:
        if self.reporter is None:
            return
        if isinstance(event, TargetStarted):
            self.running[event.label] = _Running(event.capabilities)
        elif isinstance(event, CapabilitySettled):
            run = self.running.setdefault(event.label, _Running(0))
            run.done, run.group = run.done + 1, event.entry["group"]
            if not self.live:
                self.reporter.write_line(line(event.label, event.entry))
        elif isinstance(event, TargetFinished):
            run = self.running.pop(event.label, None)
            if self.live:
                self._clear()
                s = event.document["summary"]
                took = f" in {time.monotonic() - run.started:.1f} s" if run else ""
                self.reporter.write_line(f"{event.label:<22} done{took}: " + ", ".join(
                    f"{s[o]} {o}" for o in OUTCOMES if s[o]))
        self.tick(force=isinstance(event, (TargetStarted, TargetFinished)))

    def tick(self, force: bool = False) -> None:
        """Redraw the live block (at most every REDRAW_S unless forced)."""
        if not self.live or self.reporter is None:
            return
        now = time.monotonic()
        if not force and now - self.last_draw < REDRAW_S:
            return
        self.last_draw = now
        self._clear()
        rows = list(self.running.items())
        width, height = shutil.get_terminal_size()
        shown = rows[:max(3, height - 4)]
        out = [f"{label:<22} {r.done:>3}/{r.total:<3} capabilities  "
               f"{'cleaning up' if r.total and r.done >= r.total else r.group:<18} {now - r.started:6.1f} s"
               for label, r in shown]
        if len(rows) > len(shown):
            out.append(f"... and {len(rows) - len(shown)} more targets running")
        for text in out:
            self.reporter.write_raw(text[: width - 1] + "\n")
        self.reporter.flush()
        self.drawn = len(out)

    def _clear(self) -> None:
        if self.drawn:
            self.reporter.write_raw(f"\x1b[{self.drawn}F\x1b[J")
            self.drawn = 0

    def summary(self, documents: list[dict[str, Any]]) -> None:
        """The table and the divergence matrix, in pytest's terminal summary."""
        if self.reporter is None or not documents:
            return
        from tabulate import tabulate
        from reporters import matrix
        self._clear()
        rows = []
        for doc in documents:
            s, res = doc["summary"], doc["resources"]
            rows.append([doc["cloud"].get("label", doc["cloud"]["name"]), *(s[o] for o in OUTCOMES),
                         res["created"], res["leaked"], doc["run"]["requests"],
                         short(doc["run"]["error"] or "", 60)])
        self.reporter.write_sep("=", "os-interop summary")
        for text in tabulate(rows, headers=["target", *OUTCOMES, "created", "leaked", "requests",
                                            "run error"]).splitlines():
            self.reporter.write_line(text)
        for doc in documents:
            for item in doc["resources"]["items"]:
                if item["state"] in ("leaked", "created"):
                    self.reporter.write_line(
                        f"LEAKED {doc['cloud'].get('label', doc['cloud']['name'])}: {item['kind']} {item['name']} "
                        f"{item.get('id') or ''} ({item.get('reason') or 'not deleted'})")
        self.reporter.write_sep("=", "divergence matrix")
        for text in matrix.render(matrix.build(documents), "text", header=False).splitlines():
            self.reporter.write_line(text)
