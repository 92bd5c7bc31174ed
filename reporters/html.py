"""The matrix as one self-contained HTML file: each cell opens onto its reason and evidence.

Self-contained means it loads nothing: inline CSS and script, no external URL in any
attribute, so it can be mailed or archived and opened offline. A cell's exchanges are the
ones its observations cite by evidence id; a cell without observations (a fail, an error, a
skip) shows the exchanges recorded while its tests ran. Each exchange is written once per
cloud, in that cloud's evidence section, and linked from every cell that cites it. Bodies
are redacted again on the way in (they already were when recorded) and every text escaped.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any

from os_interop.redaction import Redactor
from reporters.display import compact, shorten
from reporters.matrix import DIVERGENCE, DIVERGENT, INFO, MEANING, NOT_RUN, SHOWN, Cell, Matrix
from reporters.matrix_text import headline, run_lines, short_date, verdict

BODY_LIMIT = 20000         # characters of one body shown; the rest stays in evidence.jsonl
CELL_VALUE_WIDTH = 24
REDACT = Redactor()        # knows no secrets: masks secret-named headers and fields again


class Evidence:
    """One cloud's evidence.jsonl, by id and by the test it was recorded under."""

    def __init__(self, records: list[dict[str, Any]] | None = None, problem: str | None = None):
        self.by_id = {r["id"]: r for r in records or [] if "id" in r}
        self.by_test: dict[str, list[str]] = {}
        for r in records or []:
            if "id" in r:
                self.by_test.setdefault(str(r.get("test")), []).append(r["id"])
        self.problem = problem    # why there is none: shown instead of exchanges, never hidden

    @classmethod
    def beside(cls, results_path: str | Path) -> "Evidence":
        """The evidence.jsonl next to a results.json (or in a results directory)."""
        path = Path(results_path)
        path = (path if path.is_dir() else path.parent) / "evidence.jsonl"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            return cls(problem=f"no evidence: {path} could not be read ({exc.__class__.__name__})")
        records, bad = [], 0
        for line in lines:
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    bad += 1
        return cls(records, f"{bad} unreadable line(s) in {path}" if bad else None)


def _cell_exchanges(cell: Cell, evidence: Evidence) -> tuple[str, list[str]]:
    """(what the ids are, the ids) for one cell."""
    cited = cell.evidence
    if cited:
        return "exchanges its observations cite", cited
    recorded = [e for t in cell.tests for e in evidence.by_test.get(t["id"], [])]
    return "exchanges recorded while its tests ran", recorded


def _anchor(column: int, evidence_id: str) -> str:
    return f"ev-{column}-" + re.sub(r"[^A-Za-z0-9_.-]", "_", evidence_id)


def _pretty(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False,
                                                           sort_keys=True)
    if len(text) > BODY_LIMIT:
        text = text[:BODY_LIMIT] + f"\n… {len(text) - BODY_LIMIT} more characters in evidence.jsonl"
    return text


def _cell_text(cell: Cell | None) -> str:
    if cell is None or cell.shown == NOT_RUN:
        return "not run"
    value = "" if cell.value is None else shorten(compact(cell.value), CELL_VALUE_WIDTH)
    if cell.shown == INFO:
        return value or "null"
    return f"{cell.shown} {value}".strip() if cell.shown in ("pass", "diverge") else cell.shown


def _popover(label: str, row, cell: Cell, column: int, evidence: Evidence) -> str:
    e = escape
    parts = [f"<p class=head><b>{e(row.id)}</b> on <b>{e(label)}</b>: {e(cell.outcome)} "
             f"<span class=status>({e(row.status)})</span></p>"]
    if cell.reason:
        parts.append(f"<p class=reason>{e(cell.reason)}</p>")
    if cell.observations:
        items = "".join(f"<tr><td><code>{e(o['key'])}</code></td><td><pre>{e(_pretty(o['value']))}"
                        f"</pre></td></tr>" for o in cell.observations)
        parts.append(f"<table class=obs><tr><th>observed</th><th>value</th></tr>{items}</table>")
    if cell.tests:
        items = "".join(f"<li><code>{e(t['id'])}</code> {e(t['outcome'])}"
                        + (f": {e(t['message'])}" if t.get("message") else "") + "</li>"
                        for t in cell.tests)
        parts.append(f"<p>tests</p><ul class=tests>{items}</ul>")
    what, ids = _cell_exchanges(cell, evidence)
    if ids:
        links = []
        for i in ids:
            record = evidence.by_id.get(i)
            if record is None:
                links.append(f"<li class=missing>{e(i)}: not in evidence.jsonl</li>")
            else:
                links.append(f'<li><a class=ev href="#{_anchor(column, i)}">{e(_exchange_line(record))}'
                             f"</a></li>")
        parts.append(f"<p>{e(what)}</p><ul class=exchanges>{''.join(links)}</ul>")
    elif evidence.problem:
        parts.append(f"<p class=missing>{e(evidence.problem)}</p>")
    return "".join(parts)


def _exchange_line(record: dict[str, Any]) -> str:
    status = record.get("status")
    answer = str(status) if status is not None else (record.get("error") or "no answer")
    return f"{record.get('method', '?')} {REDACT.text(str(record.get('url', '?')))} → {answer}"


def _exchange(column: int, record: dict[str, Any]) -> str:
    e, redactor = escape, REDACT

    def block(title: str, headers: Any, body: Any) -> str:
        lines = [f"{k}: {v}" for k, v in redactor.headers(headers or {}).items()]
        shown = "(no body)" if body is None else _pretty(redactor.data(body))
        return f"<h5>{title}</h5><pre>{e(chr(10).join(lines))}\n\n{e(shown)}</pre>"

    extra = f" · {record['error']}" if record.get("error") else ""
    return (f'<details class=exchange id="{_anchor(column, record["id"])}"><summary>'
            f"<code>{e(record['id'])}</code> {e(_exchange_line(record))} · test "
            f"<code>{e(str(record.get('test')))}</code> · {e(str(record.get('elapsed_ms')))} ms"
            f"{e(redactor.text(extra))}</summary>"
            + block("request", record.get("request_headers"), record.get("request_body"))
            + block("response", record.get("response_headers"), record.get("response_body"))
            + "</details>")


def _header(m: Matrix) -> tuple[str, str]:
    """(title, runs and legend; the per-cloud table)"""
    e = escape
    runs = "".join(f"<li>run <code>{e(r)}</code>: {e(line)}</li>" for r, line in run_lines(m))
    heads = "".join(f"<th>{e(s)}</th>" for s in SHOWN)
    rows = "".join(
        f"<tr><td>{e(c.label)}</td><td>{e(c.region or '-')}</td><td><code>{e(c.run_id)}</code></td>"
        f"<td>{e(short_date(c.started))}</td><td>{e(str(c.guideline or '-'))}</td>"
        + "".join(f'<td class="n{f" o-{s}" if c.counts[s] else ""}">{c.counts[s]}</td>' for s in SHOWN)
        + f"<td class=n>{c.leaked}</td><td>{e(c.error or '')}</td></tr>" for c in m.columns)
    legend = "".join(f'<li><span class="swatch o-{s}">{e(s)}</span> {e(MEANING[s])}</li>'
                     for s in SHOWN)
    header = (f"<h1>os-interop report</h1><p class=headline>{e(headline(m))}</p>"
              f"<p class=verdict>{e(verdict(m))}</p><ul class=runs>{runs}</ul>"
              f"<ul class=legend><li><b>{e(DIVERGENT)}</b> {e(DIVERGENCE[2:])}</li>"
              f"<li><b>i</b> informational capability</li>{legend}"
              f"<li>open a cell for its reason, observations and the HTTP exchanges behind it</li></ul>")
    clouds = (f"<h2>Clouds</h2><table class=clouds><tr><th>cloud</th><th>region</th><th>run id</th>"
              f"<th>started</th><th>guideline</th>{heads}<th>leaked</th><th>could not be tested</th>"
              f"</tr>{rows}</table>")
    return header, clouds


def _matrix(m: Matrix, evidence: list[Evidence]) -> str:
    e = escape
    heads = "".join(f"<th class=cloud>{e(label)}</th>" for label in m.clouds)
    body, group = [], None
    for r, row in enumerate(m.rows):
        if row.group != group:
            group = row.group
            body.append(f'<tr class=group><th colspan="{len(m.clouds) + 2}">{e(group)}</th></tr>')
        mark = DIVERGENT if row.divergent else ("i" if row.status == "informational" else "")
        cells = []
        for c, label in enumerate(m.clouds):
            cell = row.cells[label]
            shown = cell.shown if cell else NOT_RUN
            text = e(_cell_text(cell))
            if cell is None:
                inner = f"<span title='absent from this document'>{text}</span>"
            else:
                inner = (f"<details class=cell><summary>{text}</summary><div class=pop>"
                         f"{_popover(label, row, cell, c, evidence[c])}</div></details>")
            cells.append(f'<td class="o-{shown}" id="cell-{r}-{c}" data-outcome="{e(shown)}">'
                         f"{inner}</td>")
        body.append(f'<tr data-capability="{e(row.id)}"><td class=mark>{e(mark)}</td>'
                    f'<th class=cap title="{e(row.title)}">{e(row.id)}<br><small>{e(row.status)}'
                    f"</small></th>{''.join(cells)}</tr>")
    return (f"<table class=matrix><thead><tr><th></th><th>capability</th>{heads}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _evidence_sections(m: Matrix, evidence: list[Evidence]) -> str:
    sections = []
    for c, label in enumerate(m.clouds):
        wanted: list[str] = []
        for row in m.rows:
            cell = row.cells[label]
            if cell is not None:
                wanted.extend(_cell_exchanges(cell, evidence[c])[1])
        records = [evidence[c].by_id[i] for i in dict.fromkeys(wanted) if i in evidence[c].by_id]
        note = f"<p class=missing>{escape(evidence[c].problem)}</p>" if evidence[c].problem else ""
        sections.append(f"<section class=evidence><h3>{escape(label)}: {len(records)} exchanges"
                        f"</h3>{note}{''.join(_exchange(c, r) for r in records)}</section>")
    return "<h2>Evidence</h2>" + "".join(sections)


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1b1b}
h1{margin:0 0 .2em}code,pre{font:12px ui-monospace,monospace}
pre{white-space:pre-wrap;word-break:break-all;margin:.2em 0}
table{border-collapse:collapse}th,td{border:1px solid #ccd;padding:.25em .5em;vertical-align:top}
table.clouds td.n{text-align:right}.verdict{font-weight:bold}
table.matrix th.cloud{font-weight:600;min-width:6em;max-width:9em;overflow-wrap:break-word;position:sticky;top:0;
background:#fff;z-index:5}
table.matrix td{min-width:6em;max-width:11em;overflow-wrap:anywhere}
table.matrix th.cap{position:sticky;left:0;background:#fff;z-index:4}
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3em 1.2em}
table.matrix tr.group th{background:#334;color:#fff;text-align:left}
th.cap{text-align:left;white-space:nowrap}th.cap small{color:#667;font-weight:normal}
table.matrix td.mark{font-weight:bold;text-align:center;min-width:1em;width:1em}
td{position:relative;min-width:4em}
details.cell>summary{cursor:pointer;list-style:none}
details.cell>summary::-webkit-details-marker{display:none}
details.cell[open]>summary{outline:2px solid #335}
.pop{position:absolute;z-index:10;left:0;top:100%;width:40em;max-height:60vh;overflow:auto;
background:#fff;border:1px solid #335;box-shadow:0 4px 16px rgba(0,0,0,.25);padding:.6em}
.pop table.obs td{max-width:28em}.missing{color:#a00}
.o-pass{background:#d3f2dc}.o-diverge{background:#ffe3a1}.o-fail{background:#f7b9b9}
.o-error{background:#dcc0f2}.o-skip{background:#e6e8eb}.o-not-run{background:#fff;color:#888}
.o-info{background:#d5e8f8}
.swatch{display:inline-block;min-width:5em;padding:0 .4em;border:1px solid #ccd}
details.exchange{border-top:1px solid #dde;padding:.2em 0}details.exchange:target{background:#fff8d0}
"""

SCRIPT = """
function openTarget(){var id=decodeURIComponent(location.hash.slice(1));
var t=id&&document.getElementById(id);if(t&&t.tagName==='DETAILS'){t.open=true;t.scrollIntoView();}}
window.addEventListener('hashchange',openTarget);openTarget();
document.addEventListener('toggle',function(ev){var d=ev.target;
if(d.classList&&d.classList.contains('cell')&&d.open){
document.querySelectorAll('details.cell[open]').forEach(function(o){if(o!==d)o.open=false;});}},true);
"""


def render(m: Matrix, evidence: list[Evidence] | None = None) -> str:
    """The whole report as one HTML document; evidence[i] belongs to column i."""
    evidence = evidence or [Evidence(problem="no evidence given") for _ in m.clouds]
    if len(evidence) != len(m.clouds):
        raise ValueError("one Evidence per column")
    header, clouds = _header(m)
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width'>"
            f"<title>os-interop report: {escape(headline(m))}</title><style>{STYLE}</style></head>"
            f"<body>{header}<h2>Matrix</h2>{_matrix(m, evidence)}{clouds}"
            f"{_evidence_sections(m, evidence)}<script>{SCRIPT}</script></body></html>\n")
