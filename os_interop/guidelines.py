"""Guidelines: which capabilities a cloud must pass, from when, with which exceptions.

A guideline (capabilities/guidelines/<id>.yaml, schemas/guideline.schema.json) is graded
against a results document by `grade`, a pure function of the document, the guideline and
the day: the run's exit code, `report` and `verify` all use it, so a verdict never depends
on which command computed it.
"""

from __future__ import annotations

import datetime
import fnmatch
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from os_interop import schemas, suite, yamlfile
from os_interop.errors import UserError

BAD = ("fail", "error")


@dataclass(frozen=True)
class Divergence:
    vendor: str
    clouds: tuple[str, ...]
    capability: str
    expires: datetime.date
    note: str
    reason: str | None = None

    def covers(self, cloud: str, capability: str, today: datetime.date) -> bool:
        return (capability == self.capability and today < self.expires
                and any(fnmatch.fnmatchcase(cloud, p) for p in self.clouds))


@dataclass(frozen=True)
class Guideline:
    id: str
    title: str
    draft: datetime.date
    effective: datetime.date
    deprecated: datetime.date | None
    required: tuple[str, ...]
    advisory: tuple[str, ...] = ()
    deprecated_caps: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    flagged: dict[str, tuple[str, str]] = field(default_factory=dict)   # id -> (code, note)
    divergences: tuple[Divergence, ...] = ()

    def status(self, today: datetime.date) -> str:
        """draft, effective or deprecated on `today`."""
        if self.deprecated is not None and today >= self.deprecated:
            return "deprecated"
        return "effective" if today >= self.effective else "draft"

    def listed(self) -> set[str]:
        return set(self.required) | set(self.advisory) | set(self.deprecated_caps) | set(self.removed)


@dataclass(frozen=True)
class Grade:
    """A guideline's verdict on one cloud's results."""

    guideline: str
    status: str                      # the guideline's own status that day
    cloud: str
    failures: tuple[str, ...]        # counted: the cloud is not compliant
    waived: tuple[str, ...]          # a required fail or error a flag or known divergence excuses
    warnings: tuple[str, ...]        # advisory or deprecated capabilities that fail
    not_run: tuple[str, ...] = ()    # required capabilities the run did not select (-k, --read-only)

    @property
    def compliant(self) -> bool:
        return not self.failures

    def lines(self, width: int = 120) -> list[str]:
        """The grade for a person: a head line, then one item per line, wrapped to `width`."""
        head = (f"guideline {self.guideline} ({self.status}): {self.cloud} "
                f"{'compliant' if self.compliant else 'NOT compliant'}")
        items = ([f"counts: {f}" for f in self.failures]
                 + [f"waived: {w}" for w in self.waived] + [f"advisory: {w}" for w in self.warnings]
                 + ([f"not run (required, not selected): {', '.join(self.not_run)}"] if self.not_run else []))
        return textwrap.wrap(head, width, subsequent_indent="    ") + [
            wrapped for item in items for wrapped in textwrap.wrap(
                item, width, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False)]


def grade(document: dict[str, Any], guideline: Guideline, today: datetime.date) -> Grade:
    """Grade one results document. A required capability that fails or errors counts,
    unless flagged in the guideline or a known divergence of this cloud's vendor has not
    expired; one the run did not select does not count; one missing from the document
    (a suite older than the guideline) counts."""
    name = document["cloud"]["name"]                      # known divergences name clouds
    cloud = document["cloud"].get("label") or name          # shown: the target (cloud@region)
    by_id = {c["id"]: c for c in document["capabilities"]}
    failures, waived, warnings, not_run = [], [], [], []
    if document.get("run", {}).get("error"):     # probes that never ran say nothing about conformance
        failures.append(f"the run: {document['run']['error']}")
    for cap_id in guideline.required:
        cap = by_id.get(cap_id)
        if cap is None:
            failures.append(f"{cap_id}: not in the results (the suite that ran does not know it)")
            continue
        if not cap.get("tests", True):
            not_run.append(cap_id)
        if cap["outcome"] not in BAD:
            continue
        said = f"{cap_id} {cap['outcome']}: {cap['reason']}"
        if cap_id in guideline.flagged:
            code, note = guideline.flagged[cap_id]
            waived.append(f"{said} (flagged {code}: {note})")
            continue
        known = next((d for d in guideline.divergences if d.covers(name, cap_id, today)), None)
        if known is not None:
            waived.append(f"{said} (known divergence of {known.vendor} until {known.expires}: {known.note})")
            continue
        failures.append(said)
    for cap_id in (*guideline.advisory, *guideline.deprecated_caps):
        cap = by_id.get(cap_id)
        if cap is not None and cap["outcome"] in BAD:
            warnings.append(f"{cap_id} {cap['outcome']}: {cap['reason']}")
    return Grade(guideline.id, guideline.status(today), cloud, tuple(failures), tuple(waived),
                 tuple(warnings), tuple(not_run))


# -- the shipped guidelines ---------------------------------------------------------------
def directory() -> Path:
    return suite.capabilities_dir() / "guidelines"


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _dates_as_text(value: Any) -> Any:
    """YAML reads 2026-12-02 as a date; the schema (and JSON) speak ISO text."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


def _parse(path: Path) -> Guideline:
    try:
        _, doc = yamlfile.read(path)
    except yamlfile.YAMLFileError as exc:
        raise UserError(f"{exc}; fix the file") from None
    doc = _dates_as_text(doc)
    problem = schemas.first_error("guideline", doc)
    if problem:
        raise UserError(f"{path}: invalid guideline at {problem}; see schemas/guideline.schema.json")
    if doc["id"] != path.stem:
        raise UserError(f"{path}: id {doc['id']!r} differs from the file name; rename one")
    line = doc["timeline"]
    return Guideline(
        id=doc["id"], title=doc["title"], draft=_date(line["draft"]), effective=_date(line["effective"]),
        deprecated=_date(line["deprecated"]) if line.get("deprecated") else None,
        required=tuple(doc["required"]), advisory=tuple(doc["advisory"]),
        deprecated_caps=tuple(doc.get("deprecated", ())), removed=tuple(doc.get("removed", ())),
        flagged={f["capability"]: (f["reason"], f["note"]) for f in doc.get("flagged", ())},
        divergences=tuple(Divergence(d["vendor"], tuple(d["clouds"]), d["capability"],
                                     _date(d["expires"]), d["note"], d.get("reason"))
                          for d in doc.get("divergences", ())))


def load_all(where: Path | None = None) -> list[Guideline]:
    """Every guideline, oldest effective date first."""
    found = [_parse(p) for p in sorted((where or directory()).glob("*.yaml"))]
    return sorted(found, key=lambda g: (g.effective, g.id))


def default(found: list[Guideline], today: datetime.date) -> Guideline | None:
    """The newest guideline effective on `today` (by effective date)."""
    effective = [g for g in found if g.status(today) == "effective"]
    return effective[-1] if effective else None


def select(guideline_id: str | None, today: datetime.date | None = None) -> Guideline:
    """The guideline named, or the default; a name that does not exist is the user's to fix."""
    today = today or datetime.date.today()
    found = load_all()
    if guideline_id is None:
        chosen = default(found, today)
        if chosen is None:
            raise UserError(f"no guideline is effective on {today}; pass --guideline ID "
                            f"(`os-interop guidelines` lists {', '.join(g.id for g in found) or 'none'})")
        return chosen
    for g in found:
        if g.id == guideline_id:
            return g
    raise UserError(f"unknown guideline {guideline_id!r}; `os-interop guidelines` lists "
                    f"{', '.join(g.id for g in found) or 'none'}")
