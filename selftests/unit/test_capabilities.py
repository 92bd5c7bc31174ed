"""The capability registry is consistent with the probes, and bad files fail clearly."""

import ast
from pathlib import Path

import pytest

from os_interop import capabilities, suite
from os_interop.errors import UserError


def probe_ids() -> set[str]:
    root = suite.root()
    found = set()
    for path in suite.tests_dir().glob("*/test_*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found.add(f"{path.relative_to(root).as_posix()}::{node.name}")
    return found


def test_every_capability_test_exists_and_every_probe_is_claimed():
    registry = capabilities.load()
    declared = registry.test_ids()
    probes = probe_ids()
    assert declared - probes == set(), "capabilities name tests that do not exist"
    assert probes - declared == set(), "probes that no capability claims"


def test_tests_live_in_their_groups_folder():
    for cap in capabilities.load().capabilities:
        for test in cap.tests:
            assert test.startswith(f"tests/{cap.group}/"), (cap.id, test)


def test_interoperable_values_name_observed_keys_and_cost_is_consistent():
    registry = capabilities.load()
    for cap in registry.capabilities:
        assert set(cap.interoperable) <= set(cap.keys)
        for test in cap.tests:
            assert {c.cost for c in registry.for_test(test)} == {cap.cost}


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "x.yaml").write_text(text)
    return tmp_path


GOOD = """group: identity
capabilities:
  - id: identity.example
    title: Example
    description: An example capability for tests.
    status: required
    cost: read-only
    observes: [{key: identity.example_key, description: d}]
    interoperable: {identity.example_key: 1}
    tests: [tests/identity/test_identity.py::test_x]
"""


def test_a_valid_file_loads_and_hash_changes_with_content(tmp_path):
    first = capabilities.load(_write(tmp_path, GOOD)).digest
    second = capabilities.load(_write(tmp_path, GOOD.replace("Example", "Other"))).digest
    assert first != second and first.startswith("sha256:")


@pytest.mark.parametrize("broken, expect", [
    (GOOD.replace("status: required", "status: mandatory"), "entry 'identity.example'"),
    (GOOD.replace("cost: read-only", "cost: free"), "cost"),
    (GOOD + "  - [unclosed\n", "not valid YAML"),
    (GOOD.replace("identity.example_key: 1", "identity.other_key: 1"), "does not observe"),
    (GOOD.replace("group: identity", "group: dns"), "group"),
])
def test_broken_files_name_file_entry_and_field(tmp_path, broken, expect):
    with pytest.raises(UserError) as info:
        capabilities.load(_write(tmp_path, broken))
    message = str(info.value)
    assert "x.yaml" in message and expect in message and "\n" not in message


def test_duplicate_observation_keys_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.replace("identity.example\n", "identity.second\n"))
    with pytest.raises(UserError, match="defined twice"):
        capabilities.load(tmp_path)


@pytest.mark.parametrize("expected, observed, ok", [
    ("qcow2", "qcow2", True), ("qcow2", "raw", False), ([], [], True), ([], ["tcp:22"], False),
    ({"one_of": ["a", "b"]}, "b", True), ({"one_of": ["a"]}, "c", False),
    ({"contains": "glance-direct"}, ["glance-direct", "web-download"], True),
    ({"contains": "glance-direct"}, [], False), (True, 1, True),
])
def test_matches(expected, observed, ok):
    assert capabilities.matches(expected, observed) is ok
