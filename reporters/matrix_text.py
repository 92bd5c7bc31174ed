"""The matrix for people: plain text that fits a 120-column terminal, and a markdown report.

Text splits the clouds into blocks of columns that fit, rows grouped under pain-point
headings; markdown has one table per pain point. Both open with the runs (clouds, run ids,
dates, suite version, guideline) and a legend.
"""

from __future__ import annotations

import re
import textwrap

from tabulate import tabulate

from reporters.display import compact, shorten
from reporters.matrix import (DIVERGENCE, DIVERGENT, INFO, MEANING, NOT_RUN, SHOWN, Cell,
                              Column, Matrix)

WIDTH = 120
CELL_WIDTH = 16          # a cloud's column in text
MD_VALUE_WIDTH = 28
TEXT_MARK = {"pass": "pass", "diverge": DIVERGENT, "fail": "FAIL", "skip": "skip",
             "error": "ERROR", NOT_RUN: "-", INFO: ""}


def short_date(stamp: str) -> str:
    """2026-12-02T16:13:35Z -> 2026-12-02 16:13Z"""
    return stamp.replace("T", " ")[:16] + "Z" if "T" in stamp else stamp


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _clouds_seen(m: Matrix) -> int:
    return len({(c.cloud, c.region) for c in m.columns})


def headline(m: Matrix) -> str:
    guideline = ", ".join(m.guidelines) or "none named"
    runs = len({c.run_id for c in m.columns})
    return (f"{_plural(_clouds_seen(m), 'cloud')} in {_plural(runs, 'run')} · suite "
            f"{', '.join(m.versions)} · guideline {guideline}")


def verdict(m: Matrix) -> str:
    columns = len(m.columns)
    across = _plural(columns, "cloud") if columns == _clouds_seen(m) else f"{columns} cloud runs"
    return f"{m.divergent} of {len(m.rows)} capabilities diverge on at least one of {across}"


def run_lines(m: Matrix) -> list[tuple[str, str]]:
    """(run id, one line about it) for each distinct run, in column order."""
    seen: dict[str, str] = {}
    for c in m.columns:
        if c.run_id not in seen:
            clouds = sum(1 for o in m.columns if o.run_id == c.run_id)
            guideline = f" · guideline {c.guideline}" if c.guideline else ""
            seen[c.run_id] = (f"{short_date(c.started)} to {short_date(c.finished)} · suite {c.version}"
                              f"{guideline} · {clouds} cloud{'s' if clouds != 1 else ''}")
    return list(seen.items())


def _cloud_rows(m: Matrix, escape) -> tuple[list[str], list[list[str]]]:
    several = len({c.run_id for c in m.columns}) > 1
    headers = ["cloud", "region", *(["run id"] if several else []),
               *SHOWN, "leaked"]
    body = [[escape(c.label), escape(c.region or "-"), *([escape(c.run_id)] if several else []),
             *(str(c.counts[s]) for s in SHOWN), str(c.leaked)] for c in m.columns]
    return headers, body


def _grid(headers: list[str], body: list[list[str]], wrap: int) -> list[str]:
    """A plain table; the first column wraps at `wrap` characters (labels can be long)."""
    cells = [[_label_lines(r[0], wrap), *([c] for c in r[1:])] for r in body]
    widths = [max([len(h), *(max(len(x) for x in r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in cells:
        for n in range(max(len(c) for c in row)):
            lines.append("  ".join((c[n] if n < len(c) else "").ljust(w)
                                   for c, w in zip(row, widths)).rstrip())
    return lines


def _errors(columns: list[Column]) -> list[str]:
    return [f"{c.label} could not be tested: {c.error}" for c in columns if c.error]


def text_cell(cell: Cell | None) -> str:
    if cell is None:
        return TEXT_MARK[NOT_RUN]
    if cell.shown == INFO:
        return compact(cell.value)
    if cell.shown in (NOT_RUN, "fail", "error", "skip") or cell.value is None:
        return TEXT_MARK[cell.shown]
    return f"{TEXT_MARK[cell.shown]} {compact(cell.value)}"


def _label_lines(label: str, width: int) -> list[str]:
    """Wrap a column label at its separators (-, @, /, space), cutting only what cannot fit."""
    lines: list[str] = []
    for token in re.findall(r"[^-@/ ]+[-@/ ]?|[-@/ ]", label):
        while len(token) > width:
            lines.append(token[:width])
            token = token[width:]
        if lines and len(lines[-1]) + len(token) <= width:
            lines[-1] += token
        else:
            lines.append(token)
    return [l.rstrip() for l in lines]


def _blocks(widths: list[int], first: int) -> list[list[int]]:
    """Column indexes packed greedily so each block fits WIDTH."""
    blocks: list[list[int]] = [[]]
    used = first
    for i, w in enumerate(widths):
        if blocks[-1] and used + 2 + w > WIDTH:
            blocks.append([])
            used = first
        blocks[-1].append(i)
        used += 2 + w
    return blocks


def _matrix_text(m: Matrix) -> list[str]:
    first = 2 + max([len(r.id) for r in m.rows] + [len("capability")])
    texts = {label: [shorten(text_cell(r.cells[label]), CELL_WIDTH) for r in m.rows]
             for label in m.clouds}
    widths = []
    for label in m.clouds:
        longest_part = max(len(p) for p in _label_lines(label, CELL_WIDTH))
        widths.append(max([longest_part, 1, *(len(t) for t in texts[label])]))
    out: list[str] = []
    blocks = _blocks(widths, first)
    for n, block in enumerate(blocks):
        labels = [m.clouds[i] for i in block]
        heads = [_label_lines(l, widths[i]) for l, i in zip(labels, block)]
        depth = max(len(h) for h in heads)
        out.append("")
        if len(blocks) > 1:
            out.append(f"clouds {block[0] + 1}-{block[-1] + 1} of {len(m.clouds)}")
        for line in range(depth):
            lead = "capability" if line == depth - 1 else ""
            cols = [(h[line] if line < len(h) else "").ljust(widths[i]) for h, i in zip(heads, block)]
            out.append("  ".join([lead.rjust(0).ljust(first), *cols]).rstrip())
        out.append("  ".join(["-" * first, *("-" * widths[i] for i in block)]))
        group = None
        for r, row in enumerate(m.rows):
            if row.group != group:
                group = row.group
                out.append(f"[{group}]")
            mark = DIVERGENT if row.divergent else ("i" if row.status == "informational" else " ")
            cells = [texts[m.clouds[i]][r].ljust(widths[i]) for i in block]
            out.append("  ".join([f"{mark} {row.id}".ljust(first), *cells]).rstrip())
    return out


def _legend_text() -> list[str]:
    token = {"pass": "pass V", "diverge": f"{DIVERGENT} V", NOT_RUN: "- (not run)",
             INFO: "V alone (rows marked i)"}
    items = [f"{token.get(s, TEXT_MARK[s])}: {MEANING[s]}" for s in SHOWN]
    lines = ["legend: " + DIVERGENCE + "; V is the observed value"]
    lines += textwrap.wrap(" · ".join(items), WIDTH, initial_indent="  ", subsequent_indent="  ")
    return lines


def text(m: Matrix, header: bool = True) -> str:
    """Plain text, every line at most WIDTH characters."""
    lines = []
    if header:
        lines += ["os-interop report: " + headline(m), ""]
        lines += [shorten(f"run {run_id}: {line}", WIDTH) for run_id, line in run_lines(m)]
        lines += ["", *_grid(*_cloud_rows(m, lambda s: s), 24)]
        lines += [shorten(e, WIDTH) for e in _errors(m.columns)]
        lines.append("")
    lines += _legend_text()
    lines += _matrix_text(m)
    lines += ["", verdict(m)]
    return "\n".join(lines) + "\n"


def _md(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def md_cell(cell: Cell | None) -> str:
    if cell is None or cell.shown == NOT_RUN:
        return "not run"
    value = "" if cell.value is None else _md(shorten(compact(cell.value), MD_VALUE_WIDTH))
    if cell.shown == INFO:
        return value or "null"
    word = cell.shown if cell.shown in ("pass", "skip") else f"**{cell.shown}**"
    return f"{word} {value}".strip() if cell.shown in ("pass", "diverge") else word


def markdown(m: Matrix, header: bool = True) -> str:
    """A markdown report: title, runs, legend, then one table per pain point."""
    parts = []
    if header:
        parts += ["# os-interop report", headline(m) + f" · **{verdict(m)}**",
                  "\n".join(f"- run `{_md(run_id)}`: {_md(line)}" for run_id, line in run_lines(m)),
                  tabulate(_cloud_rows(m, _md)[1], _cloud_rows(m, _md)[0], tablefmt="github",
                           disable_numparse=True)]
        errors = _errors(m.columns)
        if errors:
            parts.append("\n".join(f"- {_md(e)}" for e in errors))
    parts.append("## Legend\n\n" + "\n".join(
        [f"- {DIVERGENCE}"] + [f"- `{s}`: {MEANING[s]}" for s in SHOWN]))
    headers = ["", "capability", *(_md(c) for c in m.clouds)]
    groups: dict[str, list] = {}
    for row in m.rows:
        groups.setdefault(row.group, []).append(
            [DIVERGENT if row.divergent else ("i" if row.status == "informational" else ""),
             f"`{row.id}`", *(md_cell(row.cells[c]) for c in m.clouds)])
    for group, body in groups.items():
        parts.append(f"## {group}\n\n" + tabulate(body, headers, tablefmt="github",
                                                   disable_numparse=True))
    if not header:
        parts.append(verdict(m))
    return "\n\n".join(parts) + "\n"
