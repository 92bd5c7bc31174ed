"""`os-interop --help` wall time, start-up included (issue 11 target 6: <= 0.2 s).

openstacksdk, pytest and jsonschema are imported only by the commands that use them.
Usage: python benchmarks/cli_startup.py [RUNS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

TARGET_S = 0.2


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    times = []
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "os_interop", "--help"], check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - start)
    median = statistics.median(times)
    print(f"os-interop --help: median {median:.3f} s, min {min(times):.3f} s, max {max(times):.3f} s "
          f"over {runs} runs (target <= {TARGET_S} s: {'met' if median <= TARGET_S else 'NOT met'})")


if __name__ == "__main__":
    main()
