"""One cloud's full run under simulated latency, against its critical-path bound (issue 11).

On a real cloud a run is mostly waiting: each request costs a round trip and a server build
takes a minute. The run issues its one server create first and probes while it builds, so
its wall time should be close to the bound

    bound = (requests on the critical path) x latency + build time

where the critical path is the boot's chain (authentication, the longest of the boot's
image, network and compute reads, which go side by side, the create, the build and the poll
that sees ACTIVE) followed by whatever starts after ACTIVE (the probes that need the server,
cleanup), one request at a time; the read-only probes overlap the build. The chains are read
from the run's own evidence: the boot's records carry the boot's test.

Usage: python benchmarks/latency_bound.py [--latency-ms 100] [--build-s 20] [--personality NAME] [--before DIR]
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


def _service(url: str) -> str:
    """Which of the boot's read chains an exchange belongs to (one thread each)."""
    for word in ("image", "network", "compute"):
        if f"/{word}" in url:
            return word
    return "other"


def critical_path(evidence: list[dict[str, Any]], latency_s: float, build_s: float) -> dict[str, Any]:
    """The bound for the work in `evidence` (one cloud's run), however it was scheduled.

    Before the create: authentication, then the boot's image and compute reads, which are
    independent (read side by side), so the longer chain counts; its network reads run
    alongside and count only where nova refused the first create (the advised network is
    read for the second). Then the
    create, the build and the poll that sees ACTIVE. Alongside: the read-only probes, which
    need only authentication and overlap the build. After ACTIVE: everything that started
    later (probes still reading, those that use the server, cleanup), one at a time."""
    create = next(r for r in evidence if r["method"] == "POST" and r["url"].endswith("/servers")
                  and r["status"] == 202)
    active = next(r for r in evidence if _active(r) and r["time"] >= create["time"])
    boot_test, created_at, active_at = create["test"], _start(create), active["time"]
    auth = [r for r in evidence if r["test"] == "(authentication)"]
    reads = [r for r in evidence if r["time"] <= created_at and r["test"] == boot_test]
    chains = {s: sum(1 for r in reads if _service(r["url"]) == s) for s in ("image", "network", "compute", "other")}
    refused = any(r["method"] == "POST" and r["url"].endswith("/servers") and r["status"] != 202
                  and r["time"] <= created_at for r in evidence)
    before = len(auth) + max(n for s, n in chains.items() if refused or s != "network")
    others = [r for r in evidence if r["time"] <= active_at and r["test"] not in (boot_test, "(authentication)")]
    after = [r for r in evidence if _start(r) >= active_at]
    # + the create and the poll that sees ACTIVE; probes meanwhile overlap the build, and
    # those still running after ACTIVE are in `after`, one at a time
    bound = (before + 2) * latency_s + build_s + len(after) * latency_s
    # how late the ACTIVE was seen: the simulator makes a server ACTIVE build_s after its create
    late = active["time"] - latency_s - (create["time"] + build_s)
    return {"requests": len(evidence), "before_create": before, "boot_reads": chains,
            "alongside": len(others), "after_active": len(after),
            "boot_s": round(active_at - created_at, 2), "poll_late_s": round(max(0.0, late), 2),
            "bound_s": round(bound, 2),
            "first_request": _start(evidence[0]), "last_answer": max(r["time"] for r in evidence)}


def run_once(latency_ms: float, build_s: float, personality: str = PERSONALITY,
             source: Path | None = None) -> tuple[float, list[dict[str, Any]], float, float]:
    """Wall time of `os-interop run --cloud <personality>` (one process), its evidence, and
    when the process started and ended (epoch seconds, as the evidence's times);
    `source`: run the suite from another checkout (e.g. main, for a before/after figure)."""
    spec = FaultSpec(request_ms=latency_ms, server_build_s=build_s)
    with tempfile.TemporaryDirectory() as tmp, Fleet.start([personality], faults=spec) as fleet:
        clouds_yaml = fleet.write_clouds_yaml(Path(tmp) / "clouds.yaml")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
               "OS_CLIENT_CONFIG_FILE": str(clouds_yaml)}
        if source is not None:
            env["PYTHONPATH"] = str(source)
        out = Path(tmp) / "out"
        started, begun = time.monotonic(), time.time()
        subprocess.run([sys.executable, "-m", "os_interop.cli", "run", "--cloud", personality,
                        "--out", str(out), "-n", "0"], env=env, check=False, cwd=source or None,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall, ended = time.monotonic() - started, time.time()
        path = out / personality / "evidence.jsonl"
        evidence = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return wall, evidence, begun, ended


def measure_one(latency_ms: float, build_s: float, personality: str = PERSONALITY,
                source: Path | None = None) -> dict[str, Any]:
    """One full run: wall time, the critical-path bound and the parts it is made of."""
    wall, evidence, begun, ended = run_once(latency_ms, build_s, personality, source)
    if not evidence:
        raise RuntimeError(f"the run on {personality} left no evidence")
    found = critical_path(evidence, latency_ms / 1000, build_s)
    first, last = found.pop("first_request"), found.pop("last_answer")
    return {"personality": personality, "latency_ms": latency_ms, "build_s": build_s,
            "wall_s": round(wall, 2), **found, "over_bound_s": round(wall - found["bound_s"], 2),
            # outside the requests: process start-up to the first request, last answer to exit
            "startup_s": round(first - begun, 2), "tail_s": round(ended - last, 2)}


def _report(label: str, m: dict[str, Any], bound_s: float) -> None:
    print(f"  [{label}] full run {m['wall_s']:.1f} s wall, {m['requests']} requests; boot create->ACTIVE "
          f"{m['boot_s']:.1f} s; figure - bound = {m['wall_s'] - bound_s:+.1f} s, of which start-up "
          f"{m['startup_s']:.1f} s, after the last answer {m['tail_s']:.1f} s, ACTIVE seen late by "
          f"{m['poll_late_s']:.1f} s (poll interval)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--build-s", type=float, default=20.0)
    parser.add_argument("--personality", default=PERSONALITY)
    parser.add_argument("--before", type=Path, metavar="DIR",
                        help="also run the suite from this checkout (e.g. main) against the same bound")
    args = parser.parse_args(argv)
    m = measure_one(args.latency_ms, args.build_s, args.personality)
    print(f"{m['personality']}: {m['latency_ms']:g} ms/request, {m['build_s']:g} s build")
    print(f"  critical path: {m['before_create']} requests before the create (boot reads by service "
          f"{m['boot_reads']}), the create, the build, the poll that sees ACTIVE, {m['after_active']} "
          f"after ACTIVE ({m['alongside']} more requests alongside the build)")
    print(f"  bound {m['bound_s']:.1f} s")
    if args.before:
        _report("before", measure_one(args.latency_ms, args.build_s, args.personality, args.before),
                m["bound_s"])
    _report("this checkout", m, m["bound_s"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
