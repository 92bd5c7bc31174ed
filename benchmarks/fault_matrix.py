"""The whole fault matrix: every request the suite makes on every shipped personality × every fault kind.

A clean run of every personality gives the requests (method + path template, from its evidence)
and the right answers; then one faulted cloud per (personality, pattern, kind), the fault on the
first matching request, in chunks of --chunk clouds per `os-interop run --all-clouds`. Prints the
counts (cells, wrong verdicts, profile keys differing, resources left, secrets found), the
violations grouped by cause, and every violation; writes them to <out>/violations.json.
Target (issue 8): every count 0. Exit status 1 while any violation remains.

Usage: python benchmarks/fault_matrix.py [--workers N] [--chunk N] [--personality NAME ...]
                                         [--kind KIND ...] [--limit N] [--out DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

from os_interop.simulator import load_personality, shipped_personalities
from os_interop.simulator.fault_matrix import MatrixReport, cells, clean_run, render, run_cells, sample
from os_interop.simulator.faults import FAULT_KINDS


def kind(text: str) -> int | str:
    value = int(text) if text.isdigit() else text
    if value not in FAULT_KINDS:
        raise argparse.ArgumentTypeError(f"{text}: not a fault kind ({', '.join(map(str, FAULT_KINDS))})")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=6, help="os-interop run -n (default 6)")
    parser.add_argument("--chunk", type=int, default=250, help="faulted clouds per os-interop run (default 250)")
    parser.add_argument("--personality", action="append", default=[], help="only these personalities")
    parser.add_argument("--kind", action="append", type=kind, default=[], help="only these fault kinds")
    parser.add_argument("--limit", type=int, help="a seeded sample of this many cells instead of all")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", type=Path, help="keep every run's output here (default: a temporary directory)")
    args = parser.parse_args()
    started = time.monotonic()
    personalities = [load_personality(p) for p in shipped_personalities()
                     if not args.personality or p.stem in args.personality]
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        clean = clean_run(personalities, out / "clean", args.workers)
        all_cells = cells(clean.calls, args.kind or FAULT_KINDS)
        chosen = sample(all_cells, args.limit, args.seed) if args.limit else all_cells
        print(f"clean run: {len(clean.documents)} personalities, "
              f"{sum(map(len, clean.calls.values()))} request patterns; {len(chosen)} cells "
              f"({time.monotonic() - started:.0f} s)", flush=True)
        report = MatrixReport(violations=list(clean.violations))
        for start in range(0, len(chosen), args.chunk):
            part = chosen[start:start + args.chunk]
            t0 = time.monotonic()
            found = run_cells(part, clean, out / f"chunk-{start // args.chunk:02d}", args.workers)
            report.cells += found.cells
            report.triggered += found.triggered
            report.violations += found.violations
            print(f"  cells {start + 1}-{start + len(part)}: {len(found.violations)} violations "
                  f"({time.monotonic() - t0:.0f} s)", flush=True)
        report.seconds = time.monotonic() - started
        print(render(report))
        target = out / "violations.json"
        target.write_text(json.dumps({"summary": report.summary(), "violations": [
            {**dataclasses.asdict(v), "cell": str(v.cell) if v.cell else None} for v in report.violations]},
            indent=1, default=str), encoding="utf-8")
        if args.out:
            print(f"wrote {target}")
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
