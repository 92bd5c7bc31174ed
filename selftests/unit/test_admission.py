"""admission.py: how many probing processes start, decided from memory and CPU demand.

The machine is simulated: a clock, /proc/stat's (idle, total) seconds and each child's
schedstat move only when the test moves them, so every decision is exact, never a timing."""

import pytest

from os_interop import admission
from os_interop.admission import LIGHT, SAMPLED, WINDOW, Admission, Demand

STEP = WINDOW * 1.5     # a window's worth of time, safely past the boundary


class Machine:
    """Two cores. `run(seconds, busy_cores, wants)` advances time with that much CPU in use,
    each running child wanting a CPU `wants` of the time (running or queued)."""

    def __init__(self, cores: int = 2) -> None:
        self.cores, self.now, self.idle, self.total = cores, 0.0, 0.0, 0.0
        self.children: dict[int, float] = {}        # pid -> seconds run plus waited

    def spawn(self, n: int) -> list[int]:
        for _ in range(n):
            self.children[len(self.children) + 100] = 0.0
        return list(self.children)

    def run(self, seconds: float, busy_cores: float, wants: float = 1.0) -> None:
        self.now += seconds
        self.total += seconds * self.cores
        self.idle += seconds * (self.cores - busy_cores)
        for pid in self.children:
            self.children[pid] += seconds * wants

    def admission(self, ceiling: int) -> Admission:
        clock = lambda: self.now  # noqa: E731
        return Admission(ceiling, cores=self.cores, sample=lambda: (self.idle, self.total),
                         demand=Demand(read=self.children.get, clock=clock), clock=clock)


def grow(machine: Machine, gate: Admission, windows: int, busy_cores: float, wants: float) -> list[int]:
    """Per window: the machine runs, then as many children start as the gate allows."""
    started = []
    for _ in range(windows):
        machine.run(STEP, busy_cores, wants)
        n = gate.room(list(machine.children))
        machine.spawn(n)
        started.append(n)
    return started


def test_one_child_per_core_starts_at_once():
    machine = Machine()
    gate = machine.admission(ceiling=200)
    assert gate.room([]) == 2
    assert gate.room([100]) == 1


def test_children_contending_for_the_cpus_start_no_more():
    machine = Machine()
    gate = machine.admission(ceiling=200)
    machine.spawn(gate.room([]))
    assert grow(machine, gate, 20, busy_cores=2, wants=1.0) == [0] * 20


def test_idle_windows_double_what_starts_and_a_busy_one_resets():
    machine = Machine()
    gate = machine.admission(ceiling=200)
    machine.spawn(gate.room([]))
    assert grow(machine, gate, 4, busy_cores=0.2, wants=1.0) == [1, 2, 4, 8]
    assert grow(machine, gate, 1, busy_cores=2, wants=1.0) == [0]
    assert grow(machine, gate, 1, busy_cores=0, wants=1.0) == [1]      # growth starts over


def test_children_waiting_on_their_clouds_keep_starting_on_a_saturated_machine():
    """Latency-bound: the CPUs are busy, but each child mostly sleeps on I/O."""
    machine = Machine()
    gate = machine.admission(ceiling=200)
    machine.spawn(gate.room([]))
    started = grow(machine, gate, 12, busy_cores=2, wants=LIGHT / 2)
    assert started[0] == 0             # the first window reads each child once: no share yet
    assert started[1:8] == [1, 2, 4, 8, 16, 32, 64]
    assert sum(started) + 2 == 200


@pytest.mark.parametrize("wants, grows", [(0.4, True), (0.9, False)])
def test_what_a_child_waiting_on_its_cloud_measures_on_saturated_cores_still_counts_as_light(wants, grows):
    """Measured (200 latency-bound clouds, 2 cores): a child on its way to its create wants a
    CPU 0.15-0.4 of the time, its wait for a CPU included; a CPU-bound child near 1."""
    machine = Machine()
    gate = machine.admission(ceiling=200)
    machine.spawn(gate.room([]))
    started = grow(machine, gate, 6, busy_cores=2, wants=wants)
    assert started == ([0, 1, 2, 4, 8, 16] if grows else [0] * 6)


def test_a_sample_of_children_is_read_in_turn():
    reads = []
    now = [0.0]
    demand = Demand(read=lambda pid: reads.append(pid) or now[0] * 0.1, clock=lambda: now[0])
    pids = list(range(SAMPLED * 2))
    assert demand.mean(pids) is None             # read once: no share yet
    now[0] = 1.0
    assert demand.mean(pids) is None             # the other half, read once
    now[0] = 2.0
    assert demand.mean(pids) == pytest.approx(0.1)
    assert reads[:SAMPLED] == pids[:SAMPLED] and reads[SAMPLED:2 * SAMPLED] == pids[SAMPLED:]


def test_no_decision_inside_a_window():
    machine = Machine()
    gate = machine.admission(ceiling=200)
    machine.spawn(gate.room([]))
    machine.run(WINDOW / 2, busy_cores=0)
    assert gate.room(list(machine.children)) == 0
    assert gate.retry_in(2, pending=True) == WINDOW
    machine.run(WINDOW, busy_cores=0)
    assert gate.room(list(machine.children)) == 1


def test_the_memory_ceiling_bounds_everything():
    machine = Machine()
    gate = machine.admission(ceiling=3)
    machine.spawn(gate.room([]))
    assert grow(machine, gate, 3, busy_cores=0, wants=0.0) == [1, 0, 0]
    assert gate.retry_in(3, pending=True) is None    # only a child finishing makes room


def test_an_explicit_number_is_not_paced():
    gate = Admission.for_run(5, targets=100)
    assert gate.room([]) == 5
    assert gate.room([1, 2, 3, 4]) == 1
    assert gate.room([1, 2, 3, 4, 5]) == 0
    assert gate.retry_in(1, pending=True) is None


def test_without_cpu_accounting_memory_alone_decides():
    gate = Admission(10, cores=2, sample=lambda: None)
    assert gate.room([]) == 10
    assert gate.room(list(range(9))) == 1


def test_auto_takes_the_memory_ceiling(monkeypatch):
    monkeypatch.setattr(admission, "memory_ceiling", lambda targets: min(targets, 7))
    assert Admission.for_run("auto", targets=50).ceiling == 7
    assert Admission.for_run("auto", targets=3).ceiling == 3


def test_memory_ceiling_counts_available_memory(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(f"MemTotal: 999999999 kB\nMemAvailable: {400 * 1024} kB\n")
    # half of 400 MiB at 20 MiB a child
    assert admission.memory_ceiling(100, str(meminfo)) == 10
    assert admission.memory_ceiling(4, str(meminfo)) == 4
    meminfo.write_text(f"MemAvailable: {10**9} kB\n")        # a large machine: the cap holds
    assert admission.memory_ceiling(10**6, str(meminfo)) == admission.MEMORY_CAP // admission.PER_CHILD_BYTES


def test_this_machine_is_read():
    if admission.cpu_times() is None:
        pytest.skip("no /proc/stat here")
    idle, total = admission.cpu_times()
    assert 0 <= idle <= total
    import os
    assert admission.wanted_cpu(os.getpid()) > 0
    assert admission.wanted_cpu(2**22 + 1) is None          # no such process


def test_children_that_yielded_hold_memory_but_contend_for_no_core():
    """critical_path.py: a child whose server builds runs at the lowest priority; the cores
    count only the others."""
    machine = Machine()
    gate = machine.admission(ceiling=5)
    first = machine.spawn(gate.room([]))
    assert gate.room(first, yielded=set(first)) == 2          # both yielded: a core each again
    four = machine.spawn(2)
    machine.run(STEP, busy_cores=2, wants=1.0)                # the yielded soak up the CPUs...
    assert gate.room(four, yielded=set(first)) == 0           # ...but the two new ones contend
    assert gate.room(four, yielded=set(four)) == 1            # all yielded: only memory is left


def test_only_the_children_that_did_not_yield_are_asked_what_they_want():
    machine = Machine()
    gate = machine.admission(ceiling=200)
    yielded = set(machine.spawn(gate.room([])))
    for pid in yielded:
        machine.children[pid] = 0.0
    machine.spawn(2)                                           # two on their way to a create
    started = []
    for _ in range(6):
        machine.run(STEP, busy_cores=2, wants=LIGHT / 2)
        for pid in yielded:                                    # always queued for a CPU
            machine.children[pid] += STEP * 0.9
        n = gate.room(list(machine.children), yielded=yielded)
        machine.spawn(n)
        started.append(n)
    assert started[0] == 0 and started[1:] == [1, 2, 4, 8, 16]
