"""A full run on the reference cloud (genuine OpenStack) against its boot time + 5 s (issue 11).

The run issues its server create first and probes while nova builds, so on genuine
OpenStack its wall time should exceed the server's own boot (create -> ACTIVE, read from the
run's evidence) by at most 5 s. The reference cloud has one user at a time: this takes
/tmp/refcloud.lock itself (do not wrap it in `flock` as well), starts the `upstream`
configuration, runs, and always brings the cloud down again.

Usage: python benchmarks/refcloud_run.py [--config upstream] [--source DIR]   (exit 1 over target)
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


def boot_seconds(evidence: list[dict[str, Any]]) -> float:
    """create -> ACTIVE from the evidence: the POST /servers that was accepted (its start) to
    the end of the first GET that saw the server ACTIVE."""
    create = next(r for r in evidence if r["method"] == "POST" and r["url"].endswith("/servers")
                  and r["status"] == 202)
    active = next(r for r in evidence if r["method"] == "GET" and r["time"] >= create["time"]
                  and isinstance(r.get("response_body"), dict)
                  and (r["response_body"].get("server") or {}).get("status") == "ACTIVE")
    return active["time"] - (create["time"] - (create.get("elapsed_ms") or 0) / 1000)


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


def measure(config: str = "upstream", sources: dict[str, Path | None] | None = None,
            keep: Path | None = None) -> dict[str, Any]:
    """Per source (label -> checkout, None: the installed suite): wall time, boot time, target.
    Each source runs once, in the order given; `keep`: results go to keep/<n>-<label>/."""
    found: dict[str, Any] = {"config": config, "runs": {}}
    with reference_cloud(config) as clouds_yaml:
        for n, (label, source) in enumerate((sources or {"installed": None}).items()):
            wall, code, evidence, begun, ended = run(clouds_yaml, source,
                                                     keep / f"{n}-{label}" if keep else None)
            boot = boot_seconds(evidence)
            first = min(r["time"] - (r.get("elapsed_ms") or 0) / 1000 for r in evidence)
            found["runs"][label] = {"wall_s": round(wall, 2), "exit": code, "requests": len(evidence),
                                    "boot_s": round(boot, 2), "target_s": round(boot + MARGIN_S, 2),
                                    "over_boot_s": round(wall - boot, 2),
                                    # outside the requests: start-up, and after the last answer
                                    "startup_s": round(first - begun, 2),
                                    "tail_s": round(ended - max(r["time"] for r in evidence), 2)}
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="upstream")
    parser.add_argument("--source", action="append", default=[], metavar="[LABEL=]DIR",
                        help="run the suite from this checkout (repeatable, one run each), e.g. "
                             "before=/tmp/main; default: the installed suite")
    parser.add_argument("--keep", type=Path, help="keep each run's results under this directory")
    args = parser.parse_args(argv)
    sources: dict[str, Path | None] = {}
    for spec in args.source:
        label, _, where = spec.rpartition("=")
        sources[label or where] = Path(where)
    m = measure(args.config, sources or None, args.keep)
    over = False
    for label, r in m["runs"].items():
        over |= r["wall_s"] > r["target_s"]
        print(f"refcloud {m['config']} [{label}]: full run {r['wall_s']:.1f} s wall (exit {r['exit']}, "
              f"{r['requests']} requests); server boot {r['boot_s']:.1f} s; target <= boot + "
              f"{MARGIN_S:g} s = {r['target_s']:.1f} s; run - boot = {r['over_boot_s']:+.1f} s "
              f"(start-up {r['startup_s']:.1f} s, after the last answer {r['tail_s']:.1f} s)")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
