"""The wheel ships what the suite needs: every engine package and the three data folders."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _setuptools():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_code_package_is_listed():
    """A package folder missing from `packages` would be absent from a non-editable install."""
    listed = set(_setuptools()["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for top in ("os_interop", "reporters") for p in (ROOT / top).rglob("__init__.py")}
    assert found - listed == set(), f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_data_folders_ship_inside_the_package():
    mapping = _setuptools()["package-dir"]
    assert {v: k for k, v in mapping.items()} == {
        "capabilities": "os_interop.shipped.capabilities", "schemas": "os_interop.shipped.schemas",
        "tests": "os_interop.shipped.tests"}
    data = _setuptools()["package-data"]["os_interop.shipped.tests"]
    probes = {p.relative_to(ROOT / "tests") for p in (ROOT / "tests").rglob("*.py")}
    assert all(any(p.match(g) for g in data) for p in probes), "probe files the wheel would miss"
