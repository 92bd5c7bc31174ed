"""A forked child whose server is building yields the CPU to those still on their way (issue 11).

A run of many latency-bound targets ends when the last one's server is up: the moment its
create goes out, plus the build. On few cores, children whose servers already build (what
they still do can wait: the build takes longer) took the CPU from children still on their
way to their create, so the last create went out late (200 clouds on 2 cores: 25 s after the
start). Once a child's server is building, every thread of it drops to the lowest priority
(nice 19): it still uses every cycle nobody else wants, but the children on their way to a
create, and the parent that forks and reports, run first. Admission then counts only the
children that have not yielded as the ones contending for the cores.

Only a forked child yields (forking.py enables it): a plain pytest process never changes its
own priority. A priority can only be lowered, never raised back, without privileges: a child
stays yielded to its end, when what it still does is off every critical path but its own.
"""

from __future__ import annotations

import os
from typing import Callable

YIELDED_NICE = 19

_notify: list[Callable[[], None]] = []      # set in a forked child: tells the parent


def enable(notify: Callable[[], None]) -> None:
    """In a forked child: yield when its server builds, then call `notify` (once)."""
    _notify[:] = [notify]


def server_building() -> None:
    """Called as a server's build is waited for; in a forked child, the first call yields."""
    if not _notify:
        return
    notify = _notify.pop()
    lower_priority()
    notify()


def lower_priority(nice: int = YIELDED_NICE, tasks: str = "/proc/self/task") -> None:
    """Every thread of this process at `nice` (Linux keeps a nice value per thread; threads
    started later inherit their creator's). Never raises: a priority is a hint."""
    try:
        threads = [int(t) for t in os.listdir(tasks)]
    except (OSError, ValueError):
        threads = [0]                     # no /proc: the calling process, where that is whole
    for tid in threads:
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
        except OSError:                   # the thread ended meanwhile, or no such call here
            continue
