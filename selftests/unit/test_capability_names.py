"""capabilities/README.md's table of group, id prefix and key prefix is the capability files' truth."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2] / "capabilities"


def _prefixes(cell: str) -> list[str]:
    return re.findall(r"`([a-z_]+)\.…`", cell)


def test_the_names_table_matches_the_capability_files():
    documented = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            documented[cells[0].strip("`")] = (_prefixes(cells[1]), _prefixes(cells[2]))
    actual = {}
    for path in sorted(ROOT.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        caps = doc["capabilities"]
        actual[doc["group"]] = (sorted({c["id"].split(".")[0] for c in caps}),
                                sorted({o["key"].split(".")[0] for c in caps for o in c.get("observes", [])}))
    assert documented == actual
