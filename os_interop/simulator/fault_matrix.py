"""The fault matrix: every API request the suite makes on a personality × every fault kind.

Test tooling on top of the simulator and the suite. A clean run of each personality says which
requests the suite makes (method + URL path template, from its evidence) and what the right
answers are. One faulted cloud per (personality, pattern, kind) then gets that fault on the first
matching request, every faulted cloud goes through one ``os-interop run --all-clouds``, and each
is checked against its personality's clean run:

- each capability has the clean outcome and value, or ``error``/``skip`` with a reason that names
  the fault (its status, "timed out", "reset", ..., or the evidence id of the faulted exchange);
- the emitted openstacksdk profile is a subset of the clean one (same values for keys present);
- nothing the run created is left in the simulated cloud after the run's own cleanup;
- no password or token the cloud issued appears in any file written or anything printed.

Used by ``benchmarks/fault_matrix.py`` (the whole matrix) and ``selftests/faults`` (a sample).
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from reporters.display import one_line

from .faults import FAULT_KINDS, FaultSpec, Rule
from .fleet import Fleet
from .personality import Personality, load_personality, shipped_personalities

API_TIMEOUT = 2.0  # clouds.yaml api_timeout of every matrix cloud: a stall costs seconds, not minutes
STALL_S = API_TIMEOUT + 1.5  # past the client's timeout, short enough to free the handler soon

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HEX_ID = re.compile(r"^[0-9a-f]{32}$")
_RUN_NAME = re.compile(r"^osi-[0-9a-z]+-")
_CAUSE = {  # words a reason may use to name each kind of fault (besides the faulted exchange's evidence id)
    500: r"\b500\b", 503: r"\b503\b", 429: r"\b429\b",
    "stall": r"timed? ?out|timeout|did not answer within",
    "reset": r"reset|abort|disconnect|closed",
    "truncate": r"truncat|incomplete|unparsable|not valid json|invalid json|decode|broken",
    "unparsable": r"unparsable|not valid json|invalid json|decode|malformed|expecting",
}


@dataclass(frozen=True, order=True)
class Pattern:
    """A request the suite makes: method and path template (``/compute/v2.1/servers/{id}``)."""

    method: str
    template: str

    @property
    def regex(self) -> str:
        parts = re.split(r"(\{\w+\})", self.template)
        return "^" + "".join("[^/]+" if re.fullmatch(r"\{\w+\}", p) else re.escape(p) for p in parts) + "$"

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


@dataclass(frozen=True)
class Cell:
    """One faulted cloud: a personality, a request pattern, a fault kind on its first match."""

    personality: str
    pattern: Pattern
    kind: int | str

    def rule(self) -> Rule:
        extra: dict[str, Any] = {"stall_s": STALL_S} if self.kind == "stall" else {}
        return Rule(kind=self.kind, method=self.pattern.method, path=self.pattern.regex, count=1, **extra)

    def spec(self) -> FaultSpec:
        return FaultSpec(rules=(self.rule(),))

    def __str__(self) -> str:
        return f"{self.personality}: {self.kind} on {self.pattern}"


@dataclass
class Violation:
    cause: str  # "wrong verdict", "profile key", "resource left", "resource left, unreported", "secret", ...
    topic: str  # what it is about: a capability id, a profile key, resource kinds, a file
    cell: Cell | None
    cloud: str
    detail: str


@dataclass
class MatrixReport:
    cells: int = 0
    triggered: int = 0
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, *causes: str) -> int:
        return sum(1 for v in self.violations if v.cause in causes)

    def summary(self) -> dict[str, int]:
        return {"cells": self.cells, "faults triggered": self.triggered,
                "cells with a violation": len({v.cloud for v in self.violations if v.cell}),
                "wrong verdicts": self.count("wrong verdict", "no results"),
                "profile keys differing": self.count("profile key"),
                "resources left": self.count("resource left", "resource left, unreported"),
                "secrets found": self.count("secret")}


# -- what the suite calls -------------------------------------------------------------------------------
def template(path: str) -> str:
    """A request path with its ids replaced: uuids and hex ids by {id}, swift accounts by
    AUTH_{project}, the run's resource names by osi-{run}-<suffix>."""
    out = []
    for segment in path.split("/"):
        if _UUID.match(segment) or _HEX_ID.match(segment) or segment.isdigit():
            segment = "{id}"
        elif segment.startswith("AUTH_"):
            segment = "AUTH_{project}"
        elif _RUN_NAME.match(segment):
            segment = _RUN_NAME.sub("osi-{run}-", segment)
        out.append(segment)
    return "/".join(out)


def patterns(evidence: Path) -> list[Pattern]:
    """The distinct requests of one run, in the order they were first made."""
    seen: dict[Pattern, None] = {}
    for line in evidence.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        seen[Pattern(record["method"], template(urlsplit(record["url"]).path or "/"))] = None
    return list(seen)


def cells(calls: dict[str, list[Pattern]], kinds: Sequence[int | str] = FAULT_KINDS) -> list[Cell]:
    """Every (personality, pattern, kind)."""
    return [Cell(name, pattern, kind) for name, found in calls.items() for pattern in found for kind in kinds]


def sample(all_cells: Sequence[Cell], size: int, seed: int) -> list[Cell]:
    """A seeded sample in which every personality and every kind appear (as evenly as ``size`` allows)."""
    rng = random.Random(seed)
    personalities = sorted({c.personality for c in all_cells})
    kinds = list(dict.fromkeys(c.kind for c in all_cells))
    picked: list[Cell] = []
    strata = [(p, k) for p in personalities for k in kinds]
    rng.shuffle(strata)
    while len(picked) < size and strata:
        for p, k in list(strata):
            pool = [c for c in all_cells if c.personality == p and c.kind == k and c not in picked]
            if not pool or len(picked) >= size:
                strata.remove((p, k))
                continue
            picked.append(rng.choice(pool))
    return picked


# -- running --------------------------------------------------------------------------------------------
def renamed(personality: Personality, name: str) -> Personality:
    return dataclasses.replace(personality, name=name, data={**personality.data, "name": name}, cloud_url=None)


def run_suite(fleet: Fleet, out: Path, workers: int, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    """``os-interop run --all-clouds`` over the fleet's clouds.yaml, as a user would start it."""
    out.mkdir(parents=True, exist_ok=True)
    clouds_yaml = out / "clouds.yaml"
    clouds_yaml.write_text(yaml.safe_dump(fleet.clouds_yaml(), sort_keys=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
    return subprocess.run([sys.executable, "-m", "os_interop.cli", "run", "--all-clouds", "--out", str(out / "results"),
                           "-n", str(workers)], capture_output=True, text=True, env=env, timeout=timeout)


@dataclass
class CleanRun:
    """Per personality: its clean results document, the cloud URL it ran on, the requests it made."""

    documents: dict[str, dict[str, Any]]
    urls: dict[str, str]
    calls: dict[str, list[Pattern]]
    violations: list[Violation]


def clean_run(personalities: Iterable[Personality], out: Path, workers: int) -> CleanRun:
    """One run over every personality without faults (same api_timeout as the faulted clouds)."""
    loaded = list(personalities)
    with Fleet.start(loaded, api_timeout=API_TIMEOUT) as fleet:
        done = run_suite(fleet, out, workers)
        report = MatrixReport()
        docs, urls, calls = {}, {}, {}
        for p in loaded:
            results = out / "results" / p.name / "results.json"
            if not results.exists():
                report.violations.append(Violation("no results", "results.json", None, p.name, "the clean run wrote no results.json"))
                continue
            docs[p.name] = json.loads(results.read_text(encoding="utf-8"))
            urls[p.name] = fleet.url(p.name)
            calls[p.name] = patterns(results.parent / "evidence.jsonl")
            _check_leftovers(report, None, p.name, fleet, docs[p.name])
            broken = [c["id"] for c in docs[p.name]["capabilities"] if c["outcome"] == "error"]
            if broken:
                report.violations.append(Violation("clean run error", ", ".join(broken), None, p.name, "errored without a fault"))
        _check_secrets(report, fleet, out, done.stdout + done.stderr, {n: None for n in fleet.clouds})
        _check_output(report, done)
    return CleanRun(docs, urls, calls, report.violations)


def run_cells(chosen: Sequence[Cell], clean: CleanRun, out: Path, workers: int) -> MatrixReport:
    """Start one faulted cloud per cell, run the suite over all of them at once, check each."""
    sources = {p.stem: load_personality(p) for p in shipped_personalities()}
    names = {f"{cell.personality}--{i:04d}-{cell.kind}": cell for i, cell in enumerate(chosen)}
    report = MatrixReport(cells=len(chosen))
    started = time.monotonic()
    clouds = [renamed(sources[cell.personality], name) for name, cell in names.items()]
    with Fleet.start(clouds, faults={name: cell.spec() for name, cell in names.items()},
                     api_timeout=API_TIMEOUT) as fleet:
        done = run_suite(fleet, out, workers)
        for name, cell in names.items():
            report.triggered += bool(fleet.fault_hits(name))
            check_cell(report, cell, name, fleet, clean, out / "results" / name)
        _check_secrets(report, fleet, out, done.stdout + done.stderr, names)
        _check_output(report, done)
    report.seconds = time.monotonic() - started
    return report


def _check_output(report: MatrixReport, done: subprocess.CompletedProcess[str]) -> None:
    """A traceback printed by the run is a crash, whichever cloud caused it."""
    output = done.stdout + done.stderr
    if "Traceback (most recent call last)" in output:
        tail = output[output.index("Traceback (most recent call last)"):].strip().splitlines()
        report.violations.append(Violation("traceback", tail[-1][:160] if tail else "", None, "(run)",
                                           f"exit {done.returncode}"))


# -- the properties ---------------------------------------------------------------------------------------
def check_cell(report: MatrixReport, cell: Cell, name: str, fleet: Fleet, clean: CleanRun, where: Path) -> None:
    results = where / "results.json"
    if not results.exists():
        report.violations.append(Violation("no results", "results.json", cell, name, "no results.json written"))
        _check_leftovers(report, cell, name, fleet, None)
        return
    doc = json.loads(results.read_text(encoding="utf-8"))
    reference = clean.documents[cell.personality]
    faulted_ids = _faulted_exchanges(where / "evidence.jsonl", cell.pattern)
    _check_verdicts(report, cell, name, doc, reference, faulted_ids)
    _check_profile(report, cell, name, doc, reference, fleet.url(name), clean.urls[cell.personality])
    _check_leftovers(report, cell, name, fleet, doc)


def _faulted_exchanges(evidence: Path, pattern: Pattern) -> set[str]:
    """Evidence ids of the exchanges the fault pattern matches (the faulted one and any retries)."""
    if not evidence.exists():
        return set()
    regex = re.compile(pattern.regex)
    ids = set()
    for line in evidence.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["method"] == pattern.method and regex.search(urlsplit(record["url"]).path or "/"):
            ids.add(record["id"])
    return ids


def names_the_cause(reason: str | None, kind: int | str, faulted_ids: set[str]) -> bool:
    """Whether a reason says what went wrong: the fault's own words, or the faulted exchange."""
    text = reason or ""
    if re.search(_CAUSE[kind], text, re.IGNORECASE):
        return True
    return any(re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text) for i in faulted_ids)


def _check_verdicts(report: MatrixReport, cell: Cell, name: str, doc: dict, reference: dict,
                    faulted_ids: set[str]) -> None:
    faulted = {c["id"]: c for c in doc["capabilities"]}
    for expected in reference["capabilities"]:
        got = faulted.get(expected["id"])
        if got is None:
            report.violations.append(Violation("wrong verdict", expected["id"], cell, name, "missing"))
            continue
        if got["outcome"] == expected["outcome"] and got.get("value") == expected.get("value"):
            continue
        if got["outcome"] in ("error", "skip") and names_the_cause(got.get("reason"), cell.kind, faulted_ids):
            continue
        report.violations.append(Violation(
            "wrong verdict", expected["id"], cell, name,
            f"{got['outcome']} {one_line(got.get('value'), 80)} (reason: {one_line(got.get('reason'), 160)}); "
            f"clean: {expected['outcome']} {one_line(expected.get('value'), 80)}"))


def _check_profile(report: MatrixReport, cell: Cell, name: str, doc: dict, reference: dict,
                   url: str, clean_url: str) -> None:
    from reporters import profile
    try:
        emitted = profile.build(doc)["profile"]
        expected = profile.build(reference)["profile"]
    except Exception as exc:  # noqa: BLE001 - an unusable profile is a finding, not a crash of the matrix
        report.violations.append(Violation("profile invalid", "profile", cell, name, str(exc).splitlines()[0]))
        return
    emitted = json.loads(json.dumps(emitted).replace(url, clean_url))
    for key, value in sorted(emitted.items()):
        if key not in expected:
            report.violations.append(Violation("profile key", key, cell, name,
                                               f"{one_line(value, 80)}, not in the clean profile"))
        elif value != expected[key]:
            report.violations.append(Violation("profile key", key, cell, name,
                                               f"{one_line(value, 80)}, clean: {one_line(expected[key], 80)}"))


def _check_leftovers(report: MatrixReport, cell: Cell | None, name: str, fleet: Fleet, doc: dict | None) -> None:
    left = fleet.state(name).created()
    if not left:
        return
    reported = bool(doc and doc.get("resources", {}).get("leaked"))
    what = ", ".join(f"{kind}: {', '.join(str(r.get('name') or r.get('id')) for r in items)}"
                     for kind, items in sorted(left.items()))
    report.violations.append(Violation("resource left" if reported else "resource left, unreported",
                                       ", ".join(sorted(left)), cell, name, what))


def _check_secrets(report: MatrixReport, fleet: Fleet, out: Path, printed: str, cells_by_name: dict) -> None:
    """Every password and token of every cloud, searched in every file under ``out`` and the output."""
    owners = {secret: name for name in fleet.clouds for secret in fleet.secrets(name)}
    lengths = sorted({len(s) for s in owners})
    runs = re.compile(r"[A-Za-z0-9_\-]{%d,}" % min(lengths)) if lengths else None

    def found(text: str) -> set[str]:
        hits = set()
        for m in runs.finditer(text) if runs else ():
            run = m.group()
            for n in lengths:
                hits.update(run[i:i + n] for i in range(len(run) - n + 1) if run[i:i + n] in owners)
        return hits

    sources = [(str(p.relative_to(out)), p.read_text(encoding="utf-8", errors="replace"))
               for p in sorted(out.rglob("*")) if p.is_file() and p.name != "clouds.yaml"]
    for where, text in [*sources, ("the run's output", printed)]:
        for secret in found(text):
            cloud = owners[secret]
            kind = "password" if secret == fleet.state(cloud).password else "token"
            report.violations.append(Violation("secret", f"{kind} in {Path(where).name}", cells_by_name.get(cloud),
                                               cloud, f"a {kind} in {where}"))


def group_violations(violations: Iterable[Violation]) -> dict[tuple[str, str], list[Violation]]:
    """Violations by (cause, topic), largest group first: one line per thing to fix."""
    groups: dict[tuple[str, str], list[Violation]] = {}
    for v in violations:
        groups.setdefault((v.cause, v.topic), []).append(v)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])))


def render(report: MatrixReport, every: bool = True) -> str:
    """The counts, the violations grouped by cause, and (``every``) each violation on its own line."""
    lines = [", ".join(f"{k}: {v}" for k, v in report.summary().items()) + f" ({report.seconds:.0f} s)"]
    groups = group_violations(report.violations)
    if groups:
        lines.append("violations by cause:")
    for (cause, topic), items in groups.items():
        faults = sorted({f"{v.cell.kind} on {v.cell.pattern}" for v in items if v.cell})
        lines.append(f"  {len(items):4d}  {cause}: {topic}")
        lines += [f"          {f}" for f in faults[:6]] + ([f"          ... and {len(faults) - 6} more"]
                                                             if len(faults) > 6 else [])
    by_fault: dict[str, set[str]] = {}
    for v in report.violations:
        if v.cell:
            by_fault.setdefault(f"{v.cell.kind} on {v.cell.pattern}", set()).add(f"{v.cause}: {v.topic}")
    if by_fault:
        lines.append("violations by fault (what each injected fault broke, over all personalities):")
    for fault, broke in sorted(by_fault.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"  {fault}: {len(broke)}: {'; '.join(sorted(broke))}")
    if every and report.violations:
        lines.append("every violation:")
        lines += [f"  [{v.cause}] {v.cloud} ({v.cell or 'no fault'}): {v.topic}: {v.detail}" for v in report.violations]
    return "\n".join(lines)
