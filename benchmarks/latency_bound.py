"""One cloud's full run under simulated latency, against its critical-path bound (issue 11).

On a real cloud a run is mostly waiting: each request costs a round trip and a server build
takes a minute. The run issues its one server create first and probes while it builds, so
its wall time should be close to the bound

    bound = (requests on the critical path) x latency + build time

where the critical path is the longer of the boot's chain (authentication, the reads the
boot needs, the create, the poll that sees ACTIVE, plus the build) and the read-only probes'
requests, followed by everything that needs the server and the cleanup. The chains are read
from the run's own evidence: the boot's records carry the boot's test.

Usage: python benchmarks/latency_bound.py [--latency-ms 100] [--build-s 20] [--personality NAME] [--source DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from os_interop.simulator import FaultSpec, Fleet

PERSONALITY = "upstream-default"


def _start(record: dict[str, Any]) -> float:
    return record["time"] - (record.get("elapsed_ms") or 0) / 1000


def _active(record: dict[str, Any]) -> bool:
    body = record.get("response_body")
    return (record["method"] == "GET" and isinstance(body, dict)
            and (body.get("server") or {}).get("status") == "ACTIVE")


def critical_path(evidence: list[dict[str, Any]], latency_s: float, build_s: float) -> dict[str, Any]:
    """The bound for the work in `evidence` (one cloud's run), however it was scheduled."""
    create = next(r for r in evidence if r["method"] == "POST" and r["url"].endswith("/servers")
                  and r["status"] == 202)
    active = next(r for r in evidence if _active(r) and r["time"] >= create["time"])
    boot_test, created_at, active_at = create["test"], _start(create), active["time"]
    # before the create: authentication and the boot's own reads (in the boot's test)
    before = [r for r in evidence if r["time"] <= created_at
              and r["test"] in (boot_test, "(authentication)")]
    # everything else that ran before the server was seen ACTIVE: the read-only probes
    others = [r for r in evidence if r["time"] <= active_at and r is not create and r is not active
              and r not in before and r["test"] != boot_test]
    after = [r for r in evidence if _start(r) >= active_at]
    boot_chain = (len(before) + 2) * latency_s + build_s          # + the create and the last poll
    probe_chain = (len([r for r in evidence if r["test"] == "(authentication)"]) + len(others)) * latency_s
    bound = max(boot_chain, probe_chain) + len(after) * latency_s
    return {"requests": len(evidence), "before_create": len(before), "alongside": len(others),
            "after_active": len(after), "boot_s": round(active_at - created_at, 2),
            "bound_s": round(bound, 2)}


def run_once(latency_ms: float, build_s: float, personality: str = PERSONALITY,
             source: Path | None = None) -> tuple[float, list[dict[str, Any]]]:
    """Wall time of `os-interop run --cloud <personality>` (one process) and its evidence;
    `source`: run the suite from another checkout (e.g. main, for a before/after figure)."""
    spec = FaultSpec(request_ms=latency_ms, server_build_s=build_s)
    with tempfile.TemporaryDirectory() as tmp, Fleet.start([personality], faults=spec) as fleet:
        clouds_yaml = fleet.write_clouds_yaml(Path(tmp) / "clouds.yaml")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
               "OS_CLIENT_CONFIG_FILE": str(clouds_yaml)}
        if source is not None:
            env["PYTHONPATH"] = str(source)
        out = Path(tmp) / "out"
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "os_interop.cli", "run", "--cloud", personality,
                        "--out", str(out), "-n", "0"], env=env, check=False, cwd=source or None,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.monotonic() - started
        path = out / personality / "evidence.jsonl"
        evidence = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return wall, evidence


def measure_one(latency_ms: float, build_s: float, personality: str = PERSONALITY,
                source: Path | None = None) -> dict[str, Any]:
    """One full run: wall time, the critical-path bound and the parts it is made of."""
    wall, evidence = run_once(latency_ms, build_s, personality, source)
    if not evidence:
        raise RuntimeError(f"the run on {personality} left no evidence")
    found = critical_path(evidence, latency_ms / 1000, build_s)
    return {"personality": personality, "latency_ms": latency_ms, "build_s": build_s,
            "wall_s": round(wall, 2), **found, "over_bound_s": round(wall - found["bound_s"], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--build-s", type=float, default=20.0)
    parser.add_argument("--personality", default=PERSONALITY)
    parser.add_argument("--source", type=Path, help="run the suite from this checkout (default: installed)")
    args = parser.parse_args(argv)
    m = measure_one(args.latency_ms, args.build_s, args.personality, args.source)
    print(f"{m['personality']}: {m['latency_ms']:g} ms/request, {m['build_s']:g} s build")
    print(f"  full run {m['wall_s']:.1f} s wall, {m['requests']} requests; boot create->ACTIVE {m['boot_s']:.1f} s")
    print(f"  critical path: {m['before_create']} requests before the create, {m['alongside']} alongside "
          f"the build, {m['after_active']} after ACTIVE")
    print(f"  bound {m['bound_s']:.1f} s; figure - bound = {m['over_bound_s']:+.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
