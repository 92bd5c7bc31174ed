"""Results documents: built from a run's tests and observations, written atomically, read back.

One document per target (schemas/results.schema.json). Each observation is stored once: its
value in the top-level `observations` (read it with `values`), and in its capability entry
where it came from (test, evidence, profile key). Evidence parts written by the processes
that probed the target are merged into its evidence.jsonl in the same step.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from os_interop import __version__, atomic, profile_sources, schemas
from os_interop.capabilities import Registry
from os_interop.errors import UserError
from os_interop.outcomes import NOT_RUN, OUTCOMES, Observation, TestResult, capability_outcome
from os_interop.journal import Entry

FORMAT = "os-interop-results/1"


def iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def capability_entry(cap, tests: dict[str, TestResult], observations: dict[str, Observation]) -> dict:
    ran = [tests[t] for t in cap.tests if t in tests]
    outcome, reason = capability_outcome(cap, ran, observations)
    profile_keys = cap.profile_keys()
    observed = []
    for key in cap.keys:
        if key in observations:
            o = observations[key]
            item = {"key": key, "test": o.test, "evidence": o.evidence}
            if key in profile_keys:
                item["profile_key"] = profile_keys[key]
            observed.append(item)
    display = observations.get(cap.display_key)
    return {
        "id": cap.id, "group": cap.group, "title": cap.title, "status": cap.status, "cost": cap.cost,
        "outcome": outcome, "reason": reason, "value": display.value if display else None,
        "observations": observed,
        # the profile keys this capability can decide: withheld whole when it errors
        "profile_keys": sorted({profile_sources.top_key(k) for k in profile_keys.values()}),
        "tests": [{"id": t.id, "outcome": t.outcome, "message": t.message,
                   "duration": round(t.duration, 3)} for t in ran],
    }


def build(registry: Registry, cloud: dict[str, Any], run: dict[str, Any],
          tests: dict[str, TestResult], observations: dict[str, Observation],
          resources: list[Entry], settled: dict[str, dict] | None = None) -> dict[str, Any]:
    """`settled`: entries already announced (events.CapabilitySettled), used as they were."""
    settled = settled or {}
    caps = [dict(settled[c.id]) if c.id in settled else capability_entry(c, tests, observations)
            for c in registry.capabilities]
    if run.get("interrupted"):
        for entry in caps:
            if not entry["tests"]:
                entry["reason"] = "not run: the run was interrupted"
    if run.get("error"):
        for entry in caps:
            if entry["outcome"] != NOT_RUN:
                entry["outcome"], entry["reason"] = "error", run["error"]
    summary = {o: sum(1 for c in caps if c["outcome"] == o) for o in (*OUTCOMES, NOT_RUN)}
    items = [e.summary() for e in resources]
    values = {k: o.value for k, o in sorted(observations.items())}
    return {
        "format": FORMAT,
        "suite": {"version": __version__, "capabilities_digest": registry.digest},
        "cloud": cloud,
        "run": run,
        "summary": summary,
        "capabilities": caps,
        "observations": values,
        "profile_sources": profile_sources.sources(caps, values),
        "resources": {
            "created": sum(1 for e in resources if e.id or e.state in ("created", "leaked")),
            "deleted": sum(1 for e in resources if e.state == "deleted" and e.id),
            "leaked": sum(1 for e in resources if e.state in ("leaked", "created", "intended")),
            "items": items,
        },
    }


def values(document: dict[str, Any]) -> dict[str, Any]:
    """Every observation's value by key: the one way readers get values out of a document."""
    return dict(document["observations"])


def merge_evidence(cloud_dir: Path) -> int:
    """Merge the workers' evidence parts into evidence.jsonl; returns the exchange count."""
    parts = sorted(cloud_dir.glob("evidence-*.jsonl"))
    lines: list[str] = []
    target = cloud_dir / "evidence.jsonl"
    for part in parts:
        lines.extend(l for l in part.read_text(encoding="utf-8").splitlines() if l.strip())
    lines.sort(key=lambda l: json.loads(l).get("time", 0))
    atomic.write_text(target, "".join(l + "\n" for l in lines))
    for part in parts:
        part.unlink()
    return len(lines)


def write(cloud_dir: Path, document: dict[str, Any]) -> Path:
    problem = schemas.first_error("results", document)
    if problem:  # a bug in the suite, not in the user's input
        raise RuntimeError(f"internal error: results document invalid at {problem}")
    path = cloud_dir / "results.json"
    atomic.write_text(path, json.dumps(document, indent=2, sort_keys=False) + "\n")
    return path


def load(path: str | Path) -> dict[str, Any]:
    """Read a results document (a file, or a directory holding results.json)."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file; pass a results.json or the directory of one "
                        "(os-interop run writes <out>/<cloud>/results.json)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not JSON ({exc.__class__.__name__}); pass a results.json "
                        "written by os-interop run") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UserError(f"{path}: not an os-interop results file (expected format {FORMAT!r})")
    problem = schemas.first_error("results", document)
    if problem:
        raise UserError(f"{path}: damaged results file at {problem}; re-run os-interop run")
    return document


def find(paths: list[str]) -> list[Path]:
    """Results files under the given files or directories: an --out dir holds one per target,
    a directory of several trees (e.g. the shards' downloaded artifacts) one per target each."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir() and not (p / "results.json").exists():
            found.extend(sorted(p.rglob("results.json")))
        else:
            found.append(p / "results.json" if p.is_dir() else p)
    found = list(dict.fromkeys(p.resolve() for p in found))   # overlapping paths: each file once
    if not found:
        raise UserError(f"no results.json under {', '.join(paths)}; run os-interop run --out DIR first")
    return found
