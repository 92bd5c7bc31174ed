"""`os-interop verify` wall time on a simulator bundle (issue 12, item 4).

Runs one personality on the simulator, bundles it, then times verify (replay included).
A reference-cloud bundle is timed the same way by hand:
`os-interop bundle OUT -o b.tar.gz && time os-interop verify b.tar.gz` (README, Reviewers).
Usage: python benchmarks/verify_time.py [PERSONALITY] [RUNS]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from os_interop.simulator import Fleet, load_personality, shipped_personalities


def _cli(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "os_interop", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "upstream-default"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    personality = next(load_personality(p) for p in shipped_personalities() if load_personality(p).name == name)
    base = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    with tempfile.TemporaryDirectory() as tmp, Fleet.start([personality]) as fleet:
        env = {**base, "OS_CLIENT_CONFIG_FILE": str(fleet.write_clouds_yaml(Path(tmp) / "clouds.yaml"))}
        _cli("run", "--cloud", name, "--out", f"{tmp}/out", "-n", "0", env=env)
        _cli("bundle", f"{tmp}/out", "-o", f"{tmp}/b.tar.gz", env=env)
        fleet.stop()                       # verify is offline: the cloud is gone
        times, cpu = [], []
        for _ in range(runs):
            start, used = time.monotonic(), _children_cpu()
            _cli("verify", f"{tmp}/b.tar.gz", env=base)
            times.append(time.monotonic() - start)
            cpu.append(_children_cpu() - used)
    print(f"os-interop verify ({name} bundle): wall median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}), CPU median {statistics.median(cpu):.2f} s, "
          f"over {runs} runs (wall time depends on the machine's load; CPU time less so)")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
