"""What changed on each cloud between two runs: regressions first, then improvements.

Severity orders what a cell shows: pass, skip and informational values (0) < diverge (1) <
fail and error (2). A regression is a cell whose severity rose (pass → diverge/fail/error,
diverge → fail/error), an improvement one whose severity fell; a change of outcome at the
same severity (pass ↔ skip, fail ↔ error) is an outcome change; the same outcome with another
value is a value change; a capability run on one side only is a coverage change. Clouds
are matched by label (name, or cloud@region); one run per cloud on each side.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from tabulate import tabulate

from os_interop.errors import UserError
from reporters import matrix
from reporters.display import compact, shorten
from reporters.matrix import INFO, NOT_RUN

FORMATS = ("text", "markdown", "json")
KINDS = ("regression", "improvement", "outcome", "value", "coverage")
HEADINGS = {"regression": "regressions", "improvement": "improvements",
            "outcome": "outcome changes", "value": "value changes", "coverage": "coverage changes"}
SEVERITY = {"pass": 0, "skip": 0, INFO: 0, "diverge": 1, "fail": 2, "error": 2}
VALUE_WIDTH = 24
REASON_WIDTH = 48


@dataclass
class Change:
    kind: str               # one of KINDS
    cloud: str
    capability: str
    status: str
    old: str                # the shown outcome (matrix.SHOWN)
    new: str
    old_value: Any
    new_value: Any
    reason: str | None      # the new reason, or the old one when the new cell has none


@dataclass
class Side:
    runs: list[dict[str, str]]    # run id, started, finished, in column order


@dataclass
class Comparison:
    old: Side
    new: Side
    changes: list[Change]
    only_old: list[str]          # clouds in OLD only
    only_new: list[str]
    unchanged: int

    def count(self, kind: str) -> int:
        return sum(c.kind == kind for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _side(documents: list[dict], which: str) -> tuple[matrix.Matrix, Side]:
    names = [d["cloud"].get("label") or d["cloud"]["name"] for d in documents]
    regions = [d["cloud"].get("region") for d in documents]
    keys = [f"{n}@{r}" if r and names.count(n) > 1 and "@" not in n else n for n, r in zip(names, regions)]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise UserError(f"{which} holds several runs of {', '.join(twice)}; "
                        f"pass one run per cloud on each side of --compare")
    m = matrix.build(documents)
    runs = list({c.run_id: {"run_id": c.run_id, "started": c.started, "finished": c.finished}
                 for c in m.columns}.values())
    return m, Side(runs)


def _kind(old: matrix.Cell | None, new: matrix.Cell | None) -> str | None:
    old_shown = old.shown if old else NOT_RUN
    new_shown = new.shown if new else NOT_RUN
    if NOT_RUN in (old_shown, new_shown):
        return None if old_shown == new_shown else "coverage"
    if SEVERITY[new_shown] != SEVERITY[old_shown]:
        return "regression" if SEVERITY[new_shown] > SEVERITY[old_shown] else "improvement"
    if new_shown != old_shown:
        return "outcome"
    same = json.dumps(old.value, sort_keys=True) == json.dumps(new.value, sort_keys=True)
    return None if same else "value"


def build(old_documents: list[dict], new_documents: list[dict]) -> Comparison:
    old_m, old_side = _side(old_documents, "OLD")
    new_m, new_side = _side(new_documents, "NEW")
    old_rows = {r.id: r for r in old_m.rows}
    new_rows = {r.id: r for r in new_m.rows}
    order = [r.id for r in new_m.rows] + [r.id for r in old_m.rows if r.id not in new_rows]
    clouds = [c for c in new_m.clouds if c in old_m.clouds]
    if not clouds:
        raise UserError(f"OLD ({', '.join(old_m.clouds)}) and NEW ({', '.join(new_m.clouds)}) share no "
                        "cloud; compare two runs of the same clouds")
    changes, unchanged = [], 0
    for cloud in clouds:
        for cap in order:
            old_row, new_row = old_rows.get(cap), new_rows.get(cap)
            old = old_row.cells.get(cloud) if old_row else None
            new = new_row.cells.get(cloud) if new_row else None
            kind = _kind(old, new)
            if kind is None:
                unchanged += 1
                continue
            row = new_row or old_row
            old_shown, new_shown = (c.shown if c else NOT_RUN for c in (old, new))
            reason = (new.reason if new else None) or (old.reason if old else None)
            if old_shown == NOT_RUN:
                reason = f"not run in OLD: {(old.reason if old else None) or 'absent'}"
            changes.append(Change(kind, cloud, cap, row.status, old_shown, new_shown,
                                  old.value if old else None, new.value if new else None, reason))
    changes.sort(key=lambda c: KINDS.index(c.kind))      # stable: cloud, then capability order
    return Comparison(old_side, new_side, changes,
                      [c for c in old_m.clouds if c not in new_m.clouds],
                      [c for c in new_m.clouds if c not in old_m.clouds], unchanged)


def _shown(outcome: str, value: Any) -> str:
    if outcome in (NOT_RUN, "fail", "error", "skip") or value is None:
        return outcome
    text = shorten(compact(value), VALUE_WIDTH)
    return text if outcome == INFO else f"{outcome} {text}"


def summary(c: Comparison) -> str:
    counts = ", ".join(f"{c.count(k)} {HEADINGS[k]}" for k in KINDS)
    return f"{counts}; {c.unchanged} cells unchanged"


def _runs(side: Side) -> str:
    return ", ".join(f"run {r['run_id']} ({r['started']})" for r in side.runs)


def render(c: Comparison, fmt: str) -> str:
    """Text, markdown or JSON; the changes table lists regressions first."""
    if fmt == "json":
        return json.dumps(c.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt not in FORMATS:
        raise UserError(f"unknown compare format {fmt!r}; choose one of {', '.join(FORMATS)}")
    md = fmt == "markdown"
    esc = (lambda s: s.replace("|", "\\|").replace("<", "&lt;")) if md else (lambda s: s)
    rows = [[HEADINGS[ch.kind][:-1] if ch.kind != "coverage" else "coverage", esc(ch.cloud),
             esc(ch.capability), esc(_shown(ch.old, ch.old_value)), esc(_shown(ch.new, ch.new_value)),
             esc(shorten(ch.reason or "", REASON_WIDTH))] for ch in c.changes]
    lines = [("# " if md else "") + "os-interop compare", "",
             f"OLD: {esc(_runs(c.old))}", f"NEW: {esc(_runs(c.new))}", "", summary(c)]
    for label, clouds in (("only in OLD", c.only_old), ("only in NEW", c.only_new)):
        if clouds:
            lines.append(f"{label}: {esc(', '.join(clouds))}")
    if rows:
        lines += ["", tabulate(rows, ["change", "cloud", "capability", "old", "new", "reason"],
                               tablefmt="github" if md else "simple", disable_numparse=True)]
    else:
        lines += ["", "no changes"]
    return "\n".join(lines) + "\n"
