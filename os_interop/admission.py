"""How many probing processes run at once: memory sets the ceiling, the children's demand
for CPU the pace.

A child waiting on a cloud (a server builds for a minute, every answer takes a round trip)
costs memory, not CPU, so latency-bound clouds should all run at once, as many as memory
holds: each takes its build time however many run. A child whose cloud answers at once
costs CPU, and past the machine's cores more of them only contend: each one's
copy-on-write faults on the pages it shares with the parent and the other children grow
costlier the more processes share them (measured on 2 cores, 1000 read-only clouds: all
at once 223 s, paced 161 s).

So up to one child per core starts at once. Beyond that, each decision looks at the last
window (WINDOW): another child may start when the machine's CPUs were idle (/proc/stat, so
a cloud simulated on this machine counts too), or when the running children mostly sleep —
the CPU time each spent plus its time waiting for a CPU (/proc/<pid>/schedstat) is a small
share of the window (LIGHT), so they are waiting on their clouds, not on each other. The
number started per such window doubles while windows stay so, as in TCP's slow start, and a
burst of forks is measured before the next. Without /proc, memory alone decides, as `-n N`.
A child whose server builds has yielded the CPU (critical_path.py): it takes only what the
others leave, so it holds memory but is not counted among those contending for the cores.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Collection

PER_CHILD_BYTES = 20 * 2**20      # a child's proportional share (PSS) at its end, 200 alive at once:
                                  # benchmarks/targets.py (3), peak tree PSS / children
SHARE_OF_MEMORY = 0.5             # of what the machine has available
MEMORY_CAP = int(3.95 * 2**30)    # and never more: 200 latency-bound clouds and their parent (~50 MiB)
                                  # stay <= 4 GiB
WINDOW = 0.1                      # seconds of CPU accounting between decisions
IDLE_TO_GROW = 0.5                # idle cores in a window that let more children start
LIGHT = 0.6                       # children wanting a CPU less than this share of the time: on
                                  # saturated cores a latency-bound child measures 0.15-0.4 (its
                                  # wait for a CPU counts), a CPU-bound one near 1
SAMPLED = 32                      # children whose schedstat is read per window, in turn


def memory_ceiling(targets: int, meminfo: str = "/proc/meminfo") -> int:
    """As many children as the memory budget holds (half the available memory, at most
    MEMORY_CAP), never more than targets."""
    try:
        with open(meminfo, encoding="ascii") as f:
            info = {k: int(v.split()[0]) * 1024 for k, v in (l.split(":", 1) for l in f)}
        available = info["MemAvailable"] if "MemAvailable" in info else info["MemFree"]
    except (OSError, KeyError, ValueError):
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    budget = min(available * SHARE_OF_MEMORY, MEMORY_CAP)
    return max(1, min(targets, int(budget // PER_CHILD_BYTES)))


def cpu_times() -> tuple[float, float] | None:
    """(idle, total) CPU seconds of the whole machine since boot, or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    if len(fields) < 5:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (fields[3] + fields[4]) / ticks, sum(fields) / ticks      # idle + iowait; all


def wanted_cpu(pid: int) -> float | None:
    """Seconds a process has run plus waited to run (/proc/<pid>/schedstat), or None."""
    try:
        with open(f"/proc/{pid}/schedstat", encoding="ascii") as f:
            ran, waited = f.read().split()[:2]
        return (int(ran) + int(waited)) / 1e9
    except (OSError, ValueError):
        return None


class Demand:
    """The children's mean share of the time spent running or waiting to run, read from a
    rotating sample of them (each measured over its own interval since it was last read)."""

    def __init__(self, read: Callable[[int], float | None] = wanted_cpu,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.read, self.clock = read, clock
        self.seen: dict[int, tuple[float, float]] = {}      # pid -> (wanted seconds, when)
        self.turn = 0
        self.last: float | None = None

    def mean(self, pids: list[int]) -> float | None:
        """None until some sampled child has been read twice; a round that reads only
        children new since the last keeps the last mean."""
        if not pids:
            return None
        alive = set(pids)
        self.seen = {p: v for p, v in self.seen.items() if p in alive}
        start = self.turn % len(pids)
        chosen = (pids[start:] + pids[:start])[:SAMPLED]
        self.turn = start + len(chosen)
        now, shares = self.clock(), []
        for pid in chosen:
            wanted = self.read(pid)
            if wanted is None:
                continue
            before = self.seen.get(pid)
            self.seen[pid] = (wanted, now)
            if before is not None and now > before[1]:
                shares.append((wanted - before[0]) / (now - before[1]))
        if shares:
            self.last = sum(shares) / len(shares)
        return self.last


class Admission:
    """Asked before each fork: how many more children may start now."""

    def __init__(self, ceiling: int, paced: bool = True, cores: int | None = None,
                 sample: Callable[[], tuple[float, float] | None] = cpu_times,
                 demand: Demand | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.ceiling = ceiling
        self.cores = cores or os.cpu_count() or 1
        self.sample, self.clock = sample, clock
        self.demand = demand or Demand(clock=clock)
        self.last = sample() if paced else None       # the window's first (idle, total)
        self.paced = self.last is not None            # else memory alone decides
        self.last_at = clock()
        self.burst = 1

    @classmethod
    def for_run(cls, processes: int | str, targets: int) -> "Admission":
        """`-n N`: N at a time, as asked; "auto": paced, under the memory ceiling."""
        if processes == "auto":
            return cls(memory_ceiling(targets))
        return cls(int(processes), paced=False)

    def room(self, children: list[int], yielded: Collection[int] = ()) -> int:
        """How many may start now, `children` being the pids running, `yielded` those of them
        whose remaining work yields the CPU to the others (critical_path.py): they hold
        memory, but contend for no core."""
        running = len(children)
        if running >= self.ceiling:
            return 0
        if not self.paced:
            return self.ceiling - running
        contending = [pid for pid in children if pid not in yielded] if yielded else children
        now = self.clock()
        if len(contending) >= self.cores and now - self.last_at < WINDOW:
            return 0                        # inside the window: decided at its end
        current = self.sample()
        if current is None:                 # /proc/stat became unreadable: memory alone decides
            self.paced = False
            return self.ceiling - running
        previous, self.last, self.last_at = self.last, current, now
        if len(contending) < self.cores:    # a core each, at once; the window starts with them
            return min(self.ceiling - running, self.cores - len(contending))
        (idle0, total0), (idle1, total1) = previous, current
        wall = total1 - total0
        idle_cores = (idle1 - idle0) / wall * self.cores if wall > 0 else 0.0
        wanted = self.demand.mean(contending)
        if idle_cores < IDLE_TO_GROW and (wanted is None or wanted > LIGHT):
            self.burst = 1
            return 0
        allowed, self.burst = self.burst, min(self.burst * 2, self.ceiling)
        return min(allowed, self.ceiling - running)

    def retry_in(self, running: int, pending: bool) -> float | None:
        """How long the parent may sleep before asking again (None: until a child speaks)."""
        if not pending or running >= self.ceiling or not self.paced:
            return None
        return WINDOW
