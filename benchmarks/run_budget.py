"""Wall time and HTTP requests per cloud for `os-interop demo`, a full run and a --read-only run.

Targets (issues 3 and 5): demo over the whole fleet < 60 s on a 2-core machine; --read-only
<= 25 requests per cloud; full run <= 80 requests and <= 1 server boot per cloud.
Usage: python benchmarks/run_budget.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from os_interop.simulator import Fleet, load_personality, shipped_personalities


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "os_interop.cli", *args], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def per_cloud(out: Path) -> dict[str, tuple[int, int]]:
    """cloud -> (requests, server boots) from the evidence of a run."""
    found = {}
    for results in sorted(out.glob("*/results.json")):
        evidence = [json.loads(l) for l in (results.parent / "evidence.jsonl").read_text().splitlines()]
        boots = sum(1 for e in evidence if e["method"] == "POST" and e["url"].endswith("/servers")
                    and e["status"] == 202)
        found[results.parent.name] = (len(evidence), boots)
    return found


def main() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        demo = timed(["demo", "--out", str(tmp_path / "demo")], env)
        print(f"os-interop demo (whole shipped fleet): {demo:.1f} s wall (target < 60 s)")
        personalities = [load_personality(p) for p in shipped_personalities()]
        with Fleet.start(personalities) as fleet:
            fleet.write_clouds_yaml(tmp_path / "clouds.yaml")
            env["OS_CLIENT_CONFIG_FILE"] = str(tmp_path / "clouds.yaml")
            full = timed(["run", "--all-clouds", "--out", str(tmp_path / "full")], env)
            ro = timed(["run", "--all-clouds", "--read-only", "--out", str(tmp_path / "ro")], env)
        print(f"full run {full:.1f} s, read-only run {ro:.1f} s")
        full_counts, ro_counts = per_cloud(tmp_path / "full"), per_cloud(tmp_path / "ro")
        print(f"{'cloud':<24}{'read-only req':>14}{'full req':>10}{'boots':>7}")
        for name in sorted(full_counts):
            print(f"{name:<24}{ro_counts.get(name, (0, 0))[0]:>14}{full_counts[name][0]:>10}"
                  f"{full_counts[name][1]:>7}")


if __name__ == "__main__":
    main()
