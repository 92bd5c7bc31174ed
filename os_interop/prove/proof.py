"""With, without, and which profile keys made the difference; the report and the exit code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from os_interop.prove.config import LOCATION_KEYS, behaviour_keys, cloud_entry, connect, load_profile
from os_interop.prove.flow import STEPS, FlowResult, run_flow

MODES = ("profile", "bare")


Runner = Callable[[dict[str, Any] | None], FlowResult]


def difference(with_profile: FlowResult, bare: FlowResult) -> dict[str, dict[str, Any]]:
    """Steps whose outcome the profile changed: {step: {"with": ok, "without": ok}}."""
    return {s: {"with": with_profile.ok(s), "without": bare.ok(s)} for s in STEPS
            if with_profile.ok(s) != bare.ok(s)}


def single_keys(profile: dict[str, Any], changed: dict[str, dict[str, Any]], run: Runner,
                bare: FlowResult) -> dict[str, list[str]]:
    """For steps that work only with the profile: the keys that alone (added to the bare
    config, everything else left to openstacksdk) make them work."""
    fixed = [s for s, d in changed.items() if d["with"] and not d["without"]]
    found: dict[str, list[str]] = {s: [] for s in fixed}
    if not fixed:
        return found
    location = {k: v for k, v in profile.items() if k in LOCATION_KEYS}
    for key in behaviour_keys(profile):
        result = run({**location, key: profile[key]})
        for step in fixed:
            if result.ok(step) and not bare.ok(step):
                found[step].append(key)
    return found


@dataclass
class Proof:
    cloud: str
    source: str
    profile: dict[str, Any]
    runs: dict[str, FlowResult]
    keys: dict[str, list[str]] | None = None   # None: single-key reruns not made

    @property
    def changed(self) -> dict[str, dict[str, Any]]:
        return difference(self.runs["profile"], self.runs["bare"])

    @property
    def exit_code(self) -> int:
        return 0 if all(self.runs["profile"].ok(s) for s in STEPS) else 1

    def document(self) -> dict[str, Any]:
        changed = self.changed
        for step, entry in changed.items():
            if self.keys is not None and step in self.keys:
                entry["keys"] = self.keys[step]
                entry["found_by"] = "single keys" if self.keys[step] else "no single key: the profile's keys together"
            else:
                entry["keys"] = behaviour_keys(self.profile)
                entry["found_by"] = "with vs without (single-key reruns not made)"
        return {"cloud": self.cloud, "profile_source": self.source, "profile_keys": behaviour_keys(self.profile),
                "runs": {m: r.document() for m, r in self.runs.items()}, "difference": changed,
                "exit_code": self.exit_code}


def render(doc: dict[str, Any]) -> str:
    lines = [f"{doc['cloud']}: openstacksdk's cloud layer, with the profile ({doc['profile_source']}) "
             "and without"]
    for step in STEPS:
        cells = []
        for mode in MODES:
            s = doc["runs"][mode]["steps"][step]
            cells.append(f"{'with' if mode == 'profile' else 'without'}: "
                         + ("ok" if s["ok"] else f"failed ({s['error']})"))
        lines.append(f"  {step:20} " + "; ".join(cells))
        if step in doc["difference"]:
            d = doc["difference"][step]
            lines.append(f"  {'':20} made the difference: {', '.join(d['keys']) or '-'} ({d['found_by']})")
    for mode in MODES:
        for left in doc["runs"][mode]["leaked"]:
            lines.append(f"  left behind ({mode} run {doc['runs'][mode]['run_id']}): {left['kind']} "
                         f"{left['name']} {left.get('id') or ''} {left.get('reason') or ''}".rstrip())
    lines.append("with the profile every step works" if doc["exit_code"] == 0
                 else "with the profile some step fails")
    return "\n".join(lines)


def prove(cloud: str, entry: dict[str, Any], profile: dict[str, Any], source: str, out: Path,
          timeout: float = 120, keys: bool = True) -> Proof:
    """Both runs (and the single-key reruns) on one cloud, journaled under <out>/<cloud>/."""
    journal_path = out / cloud / "journal-prove.jsonl"

    def run(with_profile: dict[str, Any] | None) -> FlowResult:
        conn = connect(entry, with_profile, cloud)
        try:
            return run_flow(conn, journal_path, timeout)
        finally:
            conn.close()

    runs = {"profile": run(profile), "bare": run(None)}
    proof = Proof(cloud, source, profile, runs)
    if keys:
        proof.keys = single_keys(profile, proof.changed, run, runs["bare"])
    return proof


def main(cloud: str, profile_path: str | None, out: Path, fmt: str, keys: bool, timeout: float) -> int:
    entry = cloud_entry(cloud)
    profile, source = load_profile(profile_path, out, cloud)
    try:
        proof = prove(cloud, entry, profile, source, out, timeout, keys)
    except KeyboardInterrupt:
        print(f"os-interop: interrupted; what may be left: os-interop cleanup --cloud {cloud} --out {out}")
        raise
    doc = proof.document()
    print(json.dumps(doc, indent=2) if fmt == "json" else render(doc))
    return proof.exit_code
