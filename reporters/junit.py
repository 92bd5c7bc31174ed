"""JUnit XML for CI dashboards: one testcase per cloud × capability.

Outcomes map so a dashboard shows what matters: fail → <failure type="fail">, error →
<error>, diverge on a required or advisory capability → <failure type="divergence"> (the
cloud works, differently: a dashboard must show it, and the type tells it apart from a
breakage), skip → <skipped>, not-run → <skipped type="not-run">. Informational capabilities
are never graded: a divergence there passes, its outcome kept in the properties. Every
property value is a plain string (JSON for structured values), never a Python repr.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from reporters import matrix
from reporters.matrix import NOT_RUN


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _testcase(suite: ET.Element, column: matrix.Column, row: matrix.Row,
              cell: matrix.Cell | None) -> str:
    """Add one testcase; returns what it counts as: passed, failure, error or skipped."""
    case = ET.SubElement(suite, "testcase", {
        "name": row.id, "classname": f"{column.label.replace(' ', '_')}.{row.group}",
        "time": f"{sum(t.get('duration', 0) for t in (cell.tests if cell else [])):.3f}"})
    outcome = cell.outcome if cell else NOT_RUN
    props = ET.SubElement(case, "properties")
    for name, value in (("outcome", outcome), ("status", row.status), ("title", row.title),
                        ("value", None if cell is None else cell.value),
                        ("evidence", ",".join(cell.evidence) if cell else "")):
        if value is not None and value != "":
            ET.SubElement(props, "property", {"name": name, "value": _text(value)})
    reason = (cell.reason if cell else None) or ""
    if cell is None:
        ET.SubElement(case, "skipped", {"type": NOT_RUN, "message": "not run: absent from this document"})
        return "skipped"
    if outcome == "fail":
        ET.SubElement(case, "failure", {"type": "fail", "message": reason}).text = reason
        return "failure"
    if outcome == "error":
        ET.SubElement(case, "error", {"type": "error", "message": reason}).text = reason
        return "error"
    if outcome == "diverge" and row.status != "informational":
        ET.SubElement(case, "failure", {"type": "divergence", "message": reason}).text = reason
        return "failure"
    if outcome in ("skip", NOT_RUN):
        attrs = {"message": reason or outcome}
        if outcome == NOT_RUN:
            attrs = {"type": NOT_RUN, "message": f"not run: {reason}" if reason else "not run"}
        ET.SubElement(case, "skipped", attrs)
        return "skipped"
    return "passed"


def render(documents: list[dict]) -> str:
    """One <testsuite> per cloud run inside <testsuites>, as UTF-8 XML text."""
    m = matrix.build(documents)
    root = ET.Element("testsuites", {"name": "os-interop"})
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for column in m.columns:
        suite = ET.SubElement(root, "testsuite", {"name": column.label, "timestamp": column.started})
        props = ET.SubElement(suite, "properties")
        for name, value in (("cloud", column.cloud), ("region", column.region),
                            ("run_id", column.run_id), ("started", column.started),
                            ("finished", column.finished), ("suite_version", column.version),
                            ("guideline", column.guideline), ("run_error", column.error)):
            if value is not None:
                ET.SubElement(props, "property", {"name": name, "value": _text(value)})
        counted = [_testcase(suite, column, row, row.cells[column.label]) for row in m.rows]
        counts = {"tests": len(counted), "failures": counted.count("failure"),
                  "errors": counted.count("error"), "skipped": counted.count("skipped")}
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{sum(float(c.get('time')) for c in suite.iter('testcase')):.3f}")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
