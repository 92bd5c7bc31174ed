"""`os-interop demo`: the shipped simulated vendor fleet, the whole suite, report and profiles.

It is the main job on the built-in default target: no cloud account needed, and the
vendors differ visibly on all six pain points.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from os_interop import atomic
from os_interop.errors import UserError
from os_interop.runner import RunRequest, run


def demo(out: Path, only: list[str], workers: int | None) -> int:
    from reporters import html, matrix, profile
    from os_interop.simulator import Fleet, load_personality, shipped_personalities

    personalities = [load_personality(p) for p in shipped_personalities()]
    if only:
        unknown = set(only) - {p.name for p in personalities}
        if unknown:
            raise UserError(f"unknown personality {', '.join(sorted(unknown))}; shipped: "
                            f"{', '.join(p.name for p in personalities)}")
        personalities = [p for p in personalities if p.name in only]
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with Fleet.start(personalities) as fleet:
        clouds_yaml = out / "clouds.yaml"
        fleet.write_clouds_yaml(clouds_yaml)
        previous = os.environ.get("OS_CLIENT_CONFIG_FILE")
        os.environ["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
        try:
            from os_interop import targets
            outcome = run(RunRequest(targets=targets.resolve([p.name for p in personalities]),
                                     out=out / "results", workers=workers))
        finally:
            if previous is None:
                os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
            else:
                os.environ["OS_CLIENT_CONFIG_FILE"] = previous
        counts = fleet.request_counts()
    documents = outcome.documents
    if not documents:
        return outcome.exit_code or 1
    built = matrix.build(documents)
    for fmt, name in (("markdown", "report.md"), ("text", "report.txt"), ("json", "report.json")):
        atomic.write_text(out / name, matrix.render(built, fmt))
    evidence = [html.Evidence.beside(out / "results" / (d["cloud"].get("label") or d["cloud"]["name"]))
                for d in documents]
    atomic.write_text(out / "report.html", html.render(built, evidence))
    for doc in documents:
        name = doc["cloud"]["name"]
        atomic.write_text(out / "profiles" / f"{name}.json",
                          json.dumps(profile.build(doc), indent=2, sort_keys=True) + "\n")
    print()
    print("requests served per simulated cloud: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"results:  {out / 'results'}/<cloud>/results.json (+ evidence.jsonl)")
    print(f"report:   {out / 'report.html'} (open a cell for its evidence), {out / 'report.md'}, "
          f"{out / 'report.txt'}")
    print(f"profiles: {out / 'profiles'}/<cloud>.json")
    return _demo_exit(outcome, documents)


def _demo_exit(outcome, documents: list[dict]) -> int:
    """The demo shows divergences; some simulated vendors cannot do the talk's flow by design
    (their personality says so), so a failed *required* capability is reported, not an exit 1.
    It exits non-zero only when the run itself went wrong: a cloud unreachable or
    misconfigured, an interrupt, a leak, or a probe error."""
    failing = sorted(d["cloud"]["name"] for d in documents if any(
        c["status"] == "required" and c["outcome"] == "fail" for c in d["capabilities"]))
    if failing:
        print(f"would not certify (a required capability fails, as their personalities declare): "
              f"{', '.join(failing)}")
    broken = [d["cloud"]["name"] for d in documents
              if d["run"].get("error") or d["resources"]["leaked"] or d["summary"]["error"]]
    if outcome.exit_code in (2, 130) or broken:
        for name in broken:
            print(f"os-interop demo: the run on {name} went wrong (error, leak or probe error)",
                  file=sys.stderr)
        return outcome.exit_code if outcome.exit_code in (2, 130) else 1
    return 0
