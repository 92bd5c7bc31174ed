"""The fleet against openstacksdk's vendor files: per personality whose `modelled_on:` names a
vendor file, what `profile --diff` reports, its exit code, and whether any line is noise
(an auth or region-name key, or an only-observed value equal to openstacksdk's default).

Vendors openstacksdk removed or turned into remote pointers are compared with the copies in
shared/reference-data/vendor-profiles/{removed,pre-remote}/ beside the checkout, if there.
Usage: python benchmarks/profile_survey.py [RESULTS_TREE]   (default: runs the demo first)
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

from os_interop import results
from os_interop.simulator import load_personality, shipped_personalities
from reporters import profile_diff, sdk_vendors

# ../shared beside the checkout (a worktree may sit deeper: the nearest one up)
REFERENCE = next((d / "shared" / "reference-data" / "vendor-profiles"
                  for d in Path(__file__).resolve().parents[1].parents
                  if (d / "shared" / "reference-data").is_dir()), Path("/nonexistent"))
OLD_FILE = re.compile(r"vendor-profiles/(removed|pre-remote)/([\w-]+)\.json")


def published_for(personality) -> tuple[str, Path] | None:
    sources = personality.data.get("modelled_on", [])
    vendor = sdk_vendors.named_in(sources)
    if vendor:
        return f"openstacksdk:{vendor}", sdk_vendors.shipped()[vendor]
    for source in sources:
        for folder, stem in OLD_FILE.findall(str(source)):
            path = REFERENCE / folder / f"{stem}.json"
            if path.is_file():
                return f"{folder}/{stem}.json", path
    return None


def noise(comparison: profile_diff.Comparison) -> list[str]:
    bad = [d.key for d in comparison.differences if d.key.startswith("auth") or d.key == "regions"]
    for d in comparison.differences:
        default = sdk_vendors.default(d.key)
        if d.status == "only-observed" and default is not sdk_vendors.MISSING and \
                sdk_vendors.normal(d.key, default) == sdk_vendors.normal(d.key, d.observed):
            bad.append(d.key)
    return bad


def main() -> None:
    if len(sys.argv) > 1:
        tree = Path(sys.argv[1])
    else:
        from os_interop.demo import demo
        tree = Path(tempfile.mkdtemp(prefix="osi-prof-")) / "demo"
        started = time.monotonic()
        demo(tree, [], None)
        print(f"demo: {time.monotonic() - started:.1f} s -> {tree}")
        tree = tree / "results"
    documents = {d["cloud"]["name"]: d for d in map(results.load, results.find([str(tree)]))}
    total_noise = 0
    for path in shipped_personalities():
        personality = load_personality(path)
        target = published_for(personality)
        if personality.name not in documents or target is None:
            continue
        label, file = target
        comparison = profile_diff.compare(documents[personality.name], sdk_vendors.load(file), label)
        by = {s: [d.key for d in comparison.differences if d.status == s] for s in profile_diff.STATUSES}
        bad = noise(comparison)
        total_noise += len(bad)
        print(f"{personality.name:22} vs {label:32} exit {profile_diff.exit_code([comparison])}  "
              f"{profile_diff.verdict(comparison)}")
        for status in ("differs", "only-observed", "only-published"):
            if by[status]:
                print(f"    {status:15} {', '.join(by[status])}")
        if bad:
            print(f"    NOISE           {', '.join(bad)}")
    print(f"noise lines: {total_noise}")


if __name__ == "__main__":
    main()
