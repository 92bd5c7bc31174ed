"""A bounded, seeded sample of the fault matrix, through one `os-interop run --all-clouds`.

Up to one faulted cloud per (personality, fault kind), the request picked by the seed; each is
checked against its personality's clean run (os_interop/simulator/fault_matrix.py says how).
`python benchmarks/fault_matrix.py` runs the whole matrix.
"""

from __future__ import annotations

from os_interop.simulator import load_personality, shipped_personalities
from os_interop.simulator.fault_matrix import MatrixReport, cells, clean_run, render, run_cells, sample
from os_interop.simulator.faults import FAULT_KINDS

SEED = 8
SIZE = 60  # every personality and every kind, most (personality, kind) pairs once
WORKERS = 4


def test_faulted_runs_keep_clean_verdicts_or_name_the_fault_leave_nothing_and_leak_no_secret(tmp_path):
    personalities = [load_personality(p) for p in shipped_personalities()]
    clean = clean_run(personalities, tmp_path / "clean", WORKERS)
    assert not clean.violations, render(MatrixReport(violations=clean.violations))
    assert set(clean.calls) == {p.name for p in personalities}
    chosen = sample(cells(clean.calls), SIZE, SEED)
    assert {c.kind for c in chosen} == set(FAULT_KINDS)
    assert {c.personality for c in chosen} == set(clean.calls)
    report = run_cells(chosen, clean, tmp_path / "faulted", WORKERS)
    assert report.triggered == report.cells, "a sampled fault never fired: the sample no longer matches the suite"
    assert not report.violations, render(report)
