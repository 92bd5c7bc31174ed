"""Which profile keys a current openstacksdk needs, per shipped personality: `os-interop prove`
(with, without, and single-key reruns) on the whole simulated fleet, in parallel.

    python3 benchmarks/prove_keys.py [--json FILE] [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from os_interop import prove  # noqa: E402
from os_interop.simulator import Fleet, load_personality, shipped_personalities  # noqa: E402
from os_interop.simulator.personality import Personality  # noqa: E402

PROFILES = Path(__file__).resolve().parents[1] / "vendor-profiles" / "simulated"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    chosen = [p for p in shipped_personalities() if not args.names or p.stem in args.names]
    started = time.monotonic()
    with Fleet.start([load_personality(p) for p in chosen]) as fleet, tempfile.TemporaryDirectory() as out:
        def one(name: str) -> dict:
            path = PROFILES / f"{name}.json"
            profile = Personality.resolve(prove.profile_body(json.loads(path.read_text()), str(path)),
                                          fleet.url(name))
            return prove.prove(name, fleet.clouds_yaml()["clouds"][name], profile, str(path.name),
                               Path(out), timeout=60, keys=True).document()
        names = sorted(fleet.clouds)
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            docs = dict(zip(names, pool.map(one, names)))
    for name, doc in docs.items():
        diff = "; ".join(f"{step}: {', '.join(d['keys']) or '(no single key)'}" + ("" if d["with"] else " [profile breaks it]")
                         for step, d in doc["difference"].items()) or "nothing: openstacksdk's defaults do the same"
        failing = [s for s, v in doc["runs"]["profile"]["steps"].items() if not v["ok"]]
        print(f"{name:22} needed: {diff}" + (f"  | fails even with the profile: {', '.join(failing)}" if failing else ""))
    print(f"{len(docs)} personalities in {time.monotonic() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(docs, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
