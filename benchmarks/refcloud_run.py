"""A full run on the reference cloud (genuine OpenStack) against its boot time + 5 s (issue 11).

The run issues its server create first and probes while nova builds, so on genuine
OpenStack its wall time should exceed the server's own boot (create -> ACTIVE, read from the
run's evidence) by at most 5 s. The reference cloud has one user at a time: this takes
/tmp/refcloud.lock itself (do not wrap it in `flock` as well), starts the `upstream`
configuration, runs, and always brings the cloud down again.

The target is judged on a serving cloud. The first run after `refcloud up` meets every
service cold: each worker imports code lazily and opens its database connections on its
first requests, and nova-compute's image cache is empty, so the first boot downloads and
converts the image (measured 2026-12-04: boot 8.8 s cold, 1.8-1.9 s after). That is the
cloud's start-up, which a cloud submitted for certification is long past. So `--warm-up`
runs (default 1) go first; their figures are printed, marked cold, and not judged.

Usage: python benchmarks/refcloud_run.py [--config upstream] [--source DIR] [--runs N]
       [--warm-up N]   (exit 1 when a judged run is over target)
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
REFCLOUD = ROOT / "reference-cloud" / "refcloud"
LOCK = Path("/tmp/refcloud.lock")
MARGIN_S = 5.0


@contextlib.contextmanager
def reference_cloud(config: str) -> Iterator[Path]:
    """The cloud up in `config`, held for this process alone; its clouds.yaml. Down afterwards."""
    with open(LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            subprocess.run([str(REFCLOUD), "up", "--config", config], check=True,
                           stdout=subprocess.DEVNULL, timeout=900)
            done = subprocess.run([str(REFCLOUD), "clouds-yaml"], check=True, capture_output=True,
                                  text=True, timeout=60)
            yield Path(done.stdout.strip().splitlines()[-1])
        finally:
            subprocess.run([str(REFCLOUD), "down"], check=False, stdout=subprocess.DEVNULL, timeout=300)


def boot_seconds(evidence: list[dict[str, Any]]) -> float | None:
    """create -> ACTIVE from the evidence: the POST /servers that was accepted (its start) to
    the end of the first GET that saw the server ACTIVE; None when no server became ACTIVE."""
    create = next((r for r in evidence if r["method"] == "POST" and r["url"].endswith("/servers")
                   and r["status"] == 202), None)
    if create is None:
        return None
    active = next((r for r in evidence if r["method"] == "GET" and r["time"] >= create["time"]
                   and isinstance(r.get("response_body"), dict)
                   and (r["response_body"].get("server") or {}).get("status") == "ACTIVE"), None)
    return None if active is None else active["time"] - (create["time"] - (create.get("elapsed_ms") or 0) / 1000)


def run(clouds_yaml: Path, source: Path | None = None,
        keep: Path | None = None) -> tuple[float, int, list[dict[str, Any]], float, float]:
    """Wall time, exit code and evidence of `os-interop run --cloud refcloud` (one process),
    and when it started and ended (epoch seconds); `keep`: leave its results directory there."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": str(clouds_yaml)}
    if source is not None:
        env["PYTHONPATH"] = str(source)
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or Path(tmp) / "out"
        started, begun = time.monotonic(), time.time()
        done = subprocess.run([sys.executable, "-m", "os_interop.cli", "run", "--cloud", "refcloud",
                               "--out", str(out), "-n", "0"], env=env, check=False, cwd=source or None,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
        wall, ended = time.monotonic() - started, time.time()
        path = out / "refcloud" / "evidence.jsonl"
        evidence = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return wall, done.returncode, evidence, begun, ended


def figures(wall: float, code: int, evidence: list[dict[str, Any]], begun: float,
            ended: float) -> dict[str, Any]:
    """One run's figures: wall, boot, target, and what lies outside the requests. A run whose
    server never became ACTIVE has no boot to measure against (boot_s None: over target)."""
    boot = boot_seconds(evidence) if evidence else None
    if boot is None:
        return {"wall_s": round(wall, 2), "exit": code, "requests": len(evidence), "boot_s": None}
    first = min(r["time"] - (r.get("elapsed_ms") or 0) / 1000 for r in evidence)
    return {"wall_s": round(wall, 2), "exit": code, "requests": len(evidence),
            "boot_s": round(boot, 2), "target_s": round(boot + MARGIN_S, 2),
            "over_boot_s": round(wall - boot, 2),
            # outside the requests: start-up, and after the last answer
            "startup_s": round(first - begun, 2),
            "tail_s": round(ended - max(r["time"] for r in evidence), 2)}


def measure(config: str = "upstream", sources: dict[str, Path | None] | None = None,
            keep: Path | None = None, runs: int = 1, warm_ups: int = 1) -> dict[str, Any]:
    """Per source (label -> checkout, None: the installed suite): `runs` runs' figures, in
    the order given, after `warm_ups` runs of the first source on the cold cloud (figures
    under "cold", not judged). `keep`: results go to keep/<n>-<label>/."""
    found: dict[str, Any] = {"config": config, "cold": [], "runs": {}}
    sources = sources or {"installed": None}
    plan = [("cold", next(iter(sources.values())))] * warm_ups + \
        [(label, source) for label, source in sources.items() for _ in range(runs)]
    with reference_cloud(config) as clouds_yaml:
        for n, (label, source) in enumerate(plan):
            measured = figures(*run(clouds_yaml, source, keep / f"{n}-{label}" if keep else None))
            (found["cold"] if n < warm_ups else found["runs"].setdefault(label, [])).append(measured)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="upstream")
    parser.add_argument("--source", action="append", default=[], metavar="[LABEL=]DIR",
                        help="run the suite from this checkout (repeatable, one run each), e.g. "
                             "before=/tmp/main; default: the installed suite")
    parser.add_argument("--keep", type=Path, help="keep each run's results under this directory")
    parser.add_argument("--runs", type=int, default=3, help="judged runs per source (default 3)")
    parser.add_argument("--warm-up", type=int, default=1,
                        help="runs on the cold cloud first, printed and not judged (default 1)")
    args = parser.parse_args(argv)
    sources: dict[str, Path | None] = {}
    for spec in args.source:
        label, _, where = spec.rpartition("=")
        sources[label or where] = Path(where)
    m = measure(args.config, sources or None, args.keep, max(args.runs, 1), max(args.warm_up, 0))
    over = False
    lines = [("cold cloud, not judged", r) for r in m["cold"]] + \
        [(label, r) for label, rs in m["runs"].items() for r in rs]
    for label, r in lines:
        judged = label != "cold cloud, not judged"
        if r["boot_s"] is None:
            over |= judged
            print(f"refcloud {m['config']} [{label}]: full run {r['wall_s']:.1f} s wall (exit {r['exit']}, "
                  f"{r['requests']} requests); no server became ACTIVE, so no boot to measure against")
            continue
        over |= judged and (r["wall_s"] > r["target_s"] or r["exit"] != 0)
        print(f"refcloud {m['config']} [{label}]: full run {r['wall_s']:.1f} s wall (exit {r['exit']}, "
              f"{r['requests']} requests); server boot {r['boot_s']:.1f} s; target <= boot + "
              f"{MARGIN_S:g} s = {r['target_s']:.1f} s; run - boot = {r['over_boot_s']:+.1f} s "
              f"(start-up {r['startup_s']:.1f} s, after the last answer {r['tail_s']:.1f} s)"
              f"{'' if not judged else ' PASS' if r['wall_s'] <= r['target_s'] else ' MISS'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
