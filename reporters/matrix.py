"""The divergence matrix: one row per capability, one column per cloud, disagreements marked.

Clouds are compared on what each run established, so a cell that did not run (capability
absent from a document, or not selected in that run) is shown as "-" and takes no part in
deciding whether a row diverges. Divergence is information, not failure.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from tabulate import tabulate

from os_interop.capabilities import GROUPS
from os_interop.errors import UserError
from os_interop.outcomes import OUTCOMES
from reporters.display import compact, shorten

FORMATS = ("text", "markdown", "json")
DIVERGENT = "≠"
NOT_RUN = "-"
VALUE_WIDTH = 28
LEGEND = (f"{DIVERGENT} clouds disagree (outcome or value) · {NOT_RUN} not run on that cloud · "
          "pass: behaves as upstream · diverge: works, differently · fail: broken · "
          "skip: not applicable · error: probe or connection broke")


@dataclass
class Cell:
    outcome: str
    value: Any
    reason: str | None
    ran: bool  # False when the capability was not selected in that run


@dataclass
class Row:
    id: str
    group: str
    title: str
    status: str
    cells: dict[str, Cell | None]   # cloud label -> cell, None when absent from that document
    divergent: bool


@dataclass
class CloudSummary:
    cloud: str
    region: str | None
    counts: dict[str, int]
    leaked: int
    error: str | None


@dataclass
class Matrix:
    clouds: list[str]
    rows: list[Row]
    summaries: list[CloudSummary]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; values kept whole."""
        return asdict(self)


def _labels(documents: list[dict]) -> list[str]:
    """Column names: the target's label (older results: the cloud name, qualified by region
    when needed); a target in several results trees also by its run id, then its run's end."""
    names = [d["cloud"]["name"] for d in documents]
    labels = [d["cloud"].get("label") or (n if names.count(n) == 1 else f"{n}/{d['cloud'].get('region') or '-'}")
              for n, d in zip(names, documents)]
    for qualify in (lambda d: f"run {d['run']['id']}", lambda d: d["run"]["finished"]):
        labels = [l if labels.count(l) == 1 else f"{l} {qualify(d)}" for l, d in zip(labels, documents)]
    return [l if labels.count(l) == 1 else f"{l}#{i + 1}" for i, l in enumerate(labels)]


def _group_rank(group: str) -> tuple[int, str]:
    return (GROUPS.index(group), "") if group in GROUPS else (len(GROUPS), group)


def _divergent(cells: list[Cell | None]) -> bool:
    seen = {json.dumps([c.outcome, c.value], sort_keys=True) for c in cells if c and c.ran}
    return len(seen) > 1


def _cell(entry: dict | None) -> Cell | None:
    if entry is None:
        return None
    ran = bool(entry["tests"]) or entry["outcome"] != "skip"
    return Cell(entry["outcome"], entry["value"], entry["reason"], ran)


def build(documents: list[dict]) -> Matrix:
    """Rows grouped by pain point (in GROUPS order), capabilities in first-seen order."""
    if not documents:
        raise UserError("no results documents to report; pass the results.json of at least one run")
    clouds = _labels(documents)
    entries: dict[str, dict] = {}
    per_cloud: list[dict[str, dict]] = []
    for document in documents:
        caps = {c["id"]: c for c in document["capabilities"]}
        per_cloud.append(caps)
        for cap_id, cap in caps.items():
            entries.setdefault(cap_id, cap)
    order = sorted(entries, key=lambda i: _group_rank(entries[i]["group"]))  # stable: first-seen
    rows = []
    for cap_id in order:
        first = entries[cap_id]
        cells = [_cell(caps.get(cap_id)) for caps in per_cloud]
        rows.append(Row(cap_id, first["group"], first["title"], first["status"],
                        dict(zip(clouds, cells)), _divergent(cells)))
    summaries = [CloudSummary(label, d["cloud"].get("region"),
                              {o: d["summary"][o] for o in OUTCOMES},
                              d["resources"]["leaked"], d["run"].get("error"))
                 for label, d in zip(clouds, documents)]
    return Matrix(clouds, rows, summaries)


def _cell_text(cell: Cell | None) -> str:
    if cell is None or not cell.ran:
        return NOT_RUN
    if cell.value is None:
        return cell.outcome
    return f"{cell.outcome} {shorten(compact(cell.value), VALUE_WIDTH)}"


def _tables(m: Matrix, tablefmt: str, escape) -> str:
    headers = ["", "group", "capability", *m.clouds]
    body, last_group = [], None
    for row in m.rows:
        group = row.group if row.group != last_group else ""
        last_group = row.group
        body.append([DIVERGENT if row.divergent else "", group, row.id,
                     *(escape(_cell_text(row.cells[c])) for c in m.clouds)])
    summary = [[s.cloud, s.region or "-", *(s.counts[o] for o in OUTCOMES), s.leaked,
                escape(s.error or "")] for s in m.summaries]
    summary_headers = ["cloud", "region", *OUTCOMES, "leaked", "run error"]
    divergent = sum(r.divergent for r in m.rows)
    return "\n\n".join([
        tabulate(body, headers, tablefmt=tablefmt),
        escape(LEGEND),
        f"{divergent} of {len(m.rows)} capabilities diverge across {len(m.clouds)} clouds",
        tabulate(summary, summary_headers, tablefmt=tablefmt),
    ]) + "\n"


def render(m: Matrix, fmt: str) -> str:
    """The matrix as plain text, a GitHub markdown table, or JSON (values whole)."""
    if fmt == "json":
        return json.dumps(m.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "text":
        return _tables(m, "simple", lambda s: s)
    if fmt == "markdown":
        return _tables(m, "github", lambda s: s.replace("|", "\\|"))
    raise UserError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
