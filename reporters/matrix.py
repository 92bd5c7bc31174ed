"""The divergence matrix: one row per capability, one column per cloud run, divergences marked.

A row *diverges* when some cloud's outcome on it is `diverge` and the capability is required
or advisory: by its definition the cloud works, but differently from `interoperable`. Rows
whose clouds all conform are not divergences, even when their displayed values differ (e.g.
catalogs listing different services). Informational capabilities are never graded: their
cells show the value, not an outcome, and they take no part in the count.

A cell that did not run (capability absent from a document, or none of its tests ran) is
`not-run`, kept apart from `skip` (the probe ran and found it not applicable).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from os_interop import results
from os_interop.capabilities import GROUPS
from os_interop.errors import UserError
from os_interop.outcomes import NOT_RUN, OUTCOMES

FORMATS = ("text", "markdown", "json")
DIVERGENT = "≠"
INFO = "info"                      # the shown state of an informational cell with a value
SHOWN = (*OUTCOMES, NOT_RUN, INFO)  # what a cell can show, in summary-column order
MEANING = {
    "pass": "behaves as upstream (interoperable)",
    "diverge": "works, differently: the value is the quirk",
    "fail": "broken where it should work",
    "skip": "the probe ran and found it not applicable",
    "error": "the probe or the connection broke: unknown, not an absence",
    NOT_RUN: "none of its tests ran (not selected, or the run stopped first)",
    INFO: "informational: the observed value, never graded",
}
DIVERGENCE = (f"{DIVERGENT} a row diverges: some cloud's outcome is diverge on a required or "
              "advisory capability")


@dataclass
class Cell:
    outcome: str                 # the document's outcome (not-run when no test ran)
    shown: str                   # one of SHOWN: informational values show as INFO
    value: Any
    reason: str | None
    observations: list[dict[str, Any]] = field(default_factory=list)  # key, value, test, evidence
    tests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        return self.outcome != NOT_RUN

    @property
    def evidence(self) -> list[str]:
        """The evidence ids the cell's observations cite, first-cited first, once each."""
        return list(dict.fromkeys(e for o in self.observations for e in o["evidence"]))


@dataclass
class Row:
    id: str
    group: str
    title: str
    status: str
    cells: dict[str, Cell | None]   # column label -> cell, None when absent from that document
    divergent: bool


@dataclass
class Column:
    """One cloud run: the header of the report and its per-cloud summary."""
    label: str
    cloud: str
    region: str | None
    run_id: str
    started: str
    finished: str
    version: str
    guideline: str | None
    requests: int
    counts: dict[str, int]       # SHOWN -> number of cells
    leaked: int
    error: str | None


@dataclass
class Matrix:
    clouds: list[str]
    rows: list[Row]
    columns: list[Column]

    @property
    def divergent(self) -> int:
        return sum(r.divergent for r in self.rows)

    @property
    def versions(self) -> list[str]:
        return sorted({c.version for c in self.columns})

    @property
    def guidelines(self) -> list[str]:
        return sorted({c.guideline for c in self.columns if c.guideline})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; values kept whole."""
        data = asdict(self)
        data["divergent"] = self.divergent
        return data


def _labels(documents: list[dict]) -> list[str]:
    """Column names: the cloud's label (its name, or cloud@region), qualified by region when two
    documents share a name, then by run id when one cloud's runs are merged."""
    base = [d["cloud"].get("label") or d["cloud"]["name"] for d in documents]
    regions = {b: {d["cloud"].get("region") for c, d in zip(base, documents) if c == b} for b in base}
    labels = [f"{b}@{d['cloud']['region']}" if len(regions[b]) > 1 and d["cloud"].get("region")
              and "@" not in b else b for b, d in zip(base, documents)]
    labels = [l if labels.count(l) == 1 else f"{l} run {d['run']['id']}"
              for l, d in zip(labels, documents)]
    for label in labels:
        if labels.count(label) > 1:
            raise UserError(f"the run {label} is given twice; pass each results directory once")
    return labels


def _group_rank(group: str) -> tuple[int, str]:
    return (GROUPS.index(group), "") if group in GROUPS else (len(GROUPS), group)


def _not_run(entry: dict) -> bool:
    """Older documents said skip 'not selected in this run' for a capability with no tests."""
    return entry["outcome"] == NOT_RUN or (entry["outcome"] == "skip" and not entry["tests"])


def _cell(entry: dict | None, values: dict[str, Any]) -> Cell | None:
    if entry is None:
        return None
    outcome = NOT_RUN if _not_run(entry) else entry["outcome"]
    shown = outcome
    if entry["status"] == "informational" and outcome in ("pass", "diverge"):
        shown = INFO
    observations = [{"key": o["key"], "value": values.get(o["key"]), "test": o["test"],
                     "evidence": list(o["evidence"])} for o in entry["observations"]]
    return Cell(outcome, shown, entry["value"], entry["reason"], observations,
                [dict(t) for t in entry["tests"]])


def _column(label: str, document: dict, cells: list[Cell | None]) -> Column:
    counts = dict.fromkeys(SHOWN, 0)
    for cell in cells:
        counts[cell.shown if cell else NOT_RUN] += 1
    run, cloud = document["run"], document["cloud"]
    guideline = run.get("guideline")
    if isinstance(guideline, dict):    # a guideline named with its details: its id names it
        guideline = guideline.get("id")
    return Column(label, cloud["name"], cloud.get("region"), run["id"], run["started"],
                  run["finished"], document["suite"]["version"],
                  None if guideline is None else str(guideline),
                  run["requests"], counts, document["resources"]["leaked"], run.get("error"))


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
    values = [results.values(d) for d in documents]
    rows = []
    for cap_id in order:
        first = entries[cap_id]
        cells = [_cell(caps.get(cap_id), v) for caps, v in zip(per_cloud, values)]
        divergent = first["status"] != "informational" and any(
            c is not None and c.outcome == "diverge" for c in cells)
        rows.append(Row(cap_id, first["group"], first["title"], first["status"],
                        dict(zip(clouds, cells)), divergent))
    columns = [_column(label, d, [r.cells[label] for r in rows]) for label, d in zip(clouds, documents)]
    return Matrix(clouds, rows, columns)


def render(m: Matrix, fmt: str, *, header: bool = True) -> str:
    """The matrix as plain text (≤ 120 columns), a markdown report, or JSON (values whole).

    header=False leaves out the per-run table, for a terminal that has just printed its own."""
    if fmt == "json":
        return json.dumps(m.to_dict(), indent=2, ensure_ascii=False) + "\n"
    from reporters import matrix_text    # the renderers live beside the model
    if fmt == "text":
        return matrix_text.text(m, header=header)
    if fmt == "markdown":
        return matrix_text.markdown(m, header=header)
    raise UserError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
