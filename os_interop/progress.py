"""What a person watching `os-interop run` sees: a line per capability, then a summary."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tabulate import tabulate

from os_interop.outcomes import OUTCOMES

if TYPE_CHECKING:
    from os_interop.runstate import RunState

MARK = {"pass": "PASS", "diverge": "DIVERGE", "fail": "FAIL", "skip": "skip", "error": "ERROR"}


def short(value: Any, width: int = 60) -> str:
    """A value as one short line of JSON."""
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= width else text[: width - 3] + "..."


class Progress:
    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stdout
        self.printed: set[tuple[str, str]] = set()

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def test_done(self, state: "RunState", cloud: str, test: str) -> None:
        """Print each capability of `test` whose every selected test has now finished."""
        if not self.enabled:
            return
        from os_interop.results import capability_entry
        expected = state.expected.get(cloud, set())
        finished = state.tests.get(cloud, {})
        for cap in state.registry.for_test(test):
            mine = [t for t in cap.tests if t in expected]
            if (cloud, cap.id) in self.printed or not all(
                    t in finished and finished[t].done for t in mine):
                continue
            self.printed.add((cloud, cap.id))
            entry = capability_entry(cap, finished, state.observations.get(cloud, {}))
            note = entry["reason"] if entry["outcome"] in ("fail", "error", "skip") else short(entry["value"])
            self._write(f"{cloud:<22} {cap.id:<38} {MARK[entry['outcome']]:<8} {short(note, 70)}")

    def summary(self, documents: list[dict[str, Any]]) -> None:
        if not self.enabled or not documents:
            return
        rows = []
        for doc in documents:
            s, res = doc["summary"], doc["resources"]
            rows.append([doc["cloud"].get("label", doc["cloud"]["name"]), *(s[o] for o in OUTCOMES),
                         res["created"], res["leaked"], doc["run"]["requests"],
                         doc["run"]["error"] or ""])
        self._write("")
        self._write(tabulate(rows, headers=["cloud", *OUTCOMES, "created", "leaked",
                                            "requests", "error"]))
        for doc in documents:
            for item in doc["resources"]["items"]:
                if item["state"] in ("leaked", "created"):
                    self._write(f"LEAKED {doc['cloud'].get('label', doc['cloud']['name'])}: {item['kind']} {item['name']} "
                                f"{item.get('id') or ''} ({item.get('reason') or 'not deleted'})")
