"""Small synthetic results documents for the reporter selftests, valid against the schema.

`document(name, caps)` takes capability tuples (id, group, status, outcome, value[, reason]);
a capability whose outcome is not-run gets no tests, the others one test citing one
evidence id `<name>-<n>`. `evidence(document)` writes the exchanges those ids name.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from os_interop import schemas

DIGEST = "sha256:" + "0" * 64


def document(name: str, caps: list[tuple], *, region: str | None = "RegionOne",
             run_id: str = "20260101aaaaaa", started: str = "2026-01-01T00:00:00Z",
             **run: Any) -> dict[str, Any]:
    entries, observations = [], {}
    for n, cap in enumerate(caps):
        cap_id, group, status, outcome, value, *rest = cap
        reason = rest[0] if rest else (None if outcome == "pass" else f"{cap_id}: {outcome}")
        test = f"tests/{group}/test_{group}.py::test_{cap_id.replace('.', '_')}"
        ran = outcome != "not-run"
        obs = []
        if ran and value is not None:
            obs = [{"key": cap_id, "test": test, "evidence": [f"{name}-{n}"]}]
            if _entries_hold_values():   # the schema decides where a value is stored
                obs[0]["value"] = value
            observations[cap_id] = value
        entries.append({
            "id": cap_id, "group": group, "title": f"Title of {cap_id}", "status": status,
            "cost": "read-only", "outcome": outcome, "reason": reason if ran else "not selected in this run",
            "value": value, "observations": obs, "profile_keys": [],
            "tests": [{"id": test, "outcome": "failed" if outcome == "fail" else "passed",
                       "message": reason if outcome == "fail" else None, "duration": 0.5}] if ran else []})
    summary = {o: sum(e["outcome"] == o for e in entries)
               for o in ("pass", "diverge", "fail", "skip", "error", "not-run")}
    doc = {
        "format": "os-interop-results/1", "suite": {"version": "9.9.9", "capabilities_digest": DIGEST},
        "cloud": {"name": name, "region": region, "auth_url": None},
        "run": {"id": run_id, "started": started, "finished": started.replace("00:00Z", "05:00Z"),
                "requests": len(caps), **run},
        "summary": summary, "capabilities": entries, "observations": observations,
        "resources": {"created": 0, "deleted": 0, "leaked": 0, "items": []},
    }
    problem = schemas.first_error("results", _schema_view(doc))
    assert problem is None, problem
    return doc


def _entries_hold_values() -> bool:
    item = schemas.load("results")["$defs"]["capability"]["properties"]["observations"]["items"]
    return "value" in item.get("required", [])


def _schema_view(doc: dict) -> dict:
    """The schema may not know run fields another helper adds (guideline): check the rest."""
    view = copy.deepcopy(doc)
    view["run"].pop("guideline", None)
    return view


def write(directory: Path, doc: dict, secret: str | None = None) -> Path:
    """results.json and an evidence.jsonl with one exchange per cited id, under directory/name."""
    cloud_dir = directory / doc["cloud"]["name"]
    cloud_dir.mkdir(parents=True, exist_ok=True)
    (cloud_dir / "results.json").write_text(json.dumps(doc), encoding="utf-8")
    lines = []
    for cap in doc["capabilities"]:
        for o in cap["observations"]:
            for evidence_id in o["evidence"]:
                body = {"value": doc["observations"][o["key"]], "note": "<b>not markup</b>"}
                if secret:
                    body["password"] = secret
                lines.append(json.dumps({
                    "id": evidence_id, "method": "GET", "url": f"http://127.0.0.1:9/{cap['id']}",
                    "status": 200, "request_headers": {"X-Auth-Token": secret or "***"},
                    "request_body": None, "response_headers": {"Content-Type": "application/json"},
                    "response_body": body, "test": o["test"], "time": 1.0, "elapsed_ms": 1.5}))
    (cloud_dir / "evidence.jsonl").write_text("".join(l + "\n" for l in lines), encoding="utf-8")
    return cloud_dir
