"""Start-up time of each shipped simulator personality (target: < 1 s each), and of the whole fleet.

For every personality: load+validate the YAML, start the cloud, and wait until it answers its
identity root and issues a token; repeated --repeat times, reporting the median and the worst.
Usage: python benchmarks/simulator_startup.py [--repeat N]   (exit status 1 if a start took >= 1 s)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import requests
from keystoneauth1 import session
from keystoneauth1.identity import generic

from os_interop.simulator import Fleet, load_personality, shipped_personalities

TARGET = 1.0


def start_once(path) -> tuple[float, float, float]:
    """(load, serving, first token) seconds, each measured from the start of the load."""
    t0 = time.perf_counter()
    personality = load_personality(path)
    loaded = time.perf_counter() - t0
    with Fleet.start([personality]) as fleet:
        assert requests.get(fleet.url(personality.name) + "/identity/", timeout=5).status_code == 300
        serving = time.perf_counter() - t0
        auth = fleet.clouds_yaml()["clouds"][personality.name]["auth"]
        session.Session(auth=generic.Password(**auth)).get_token()
        token = time.perf_counter() - t0
    return loaded, serving, token


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    worst = 0.0
    print(f"{'personality':<24} {'load ms':>8} {'serving ms':>11} {'token ms':>9} {'worst ms':>9}")
    for path in shipped_personalities():
        runs = [start_once(path) for _ in range(args.repeat)]
        load, serving, token = (statistics.median(r[i] for r in runs) for i in range(3))
        slowest = max(r[2] for r in runs)
        worst = max(worst, slowest)
        print(f"{path.stem:<24} {load * 1000:8.1f} {serving * 1000:11.1f} {token * 1000:9.1f} {slowest * 1000:9.1f}")
    t0 = time.perf_counter()
    with Fleet.start([load_personality(p) for p in shipped_personalities()]) as fleet:
        whole = time.perf_counter() - t0
    print(f"whole fleet ({len(fleet.clouds)} clouds) loaded and serving in {whole * 1000:.1f} ms")
    verdict = "OK" if worst < TARGET else "TOO SLOW"
    print(f"slowest start to first token: {worst * 1000:.1f} ms (target < {TARGET * 1000:.0f} ms): {verdict}")
    return 0 if worst < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
