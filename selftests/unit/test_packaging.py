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


def test_every_capability_data_file_ships():
    """Guidelines and the release table live in subfolders of capabilities/: a glob that
    misses them would leave `os-interop guidelines` and `verify` empty in a wheel."""
    data = _setuptools()["package-data"]["os_interop.shipped.capabilities"]
    files = {p.relative_to(ROOT / "capabilities") for p in (ROOT / "capabilities").rglob("*.yaml")}
    assert {"guidelines", "releases"} <= {p.parts[0] for p in files if len(p.parts) > 1}
    missed = sorted(str(p) for p in files if not any(p.match(g) and len(p.parts) == len(Path(g).parts)
                                                     for g in data))
    assert missed == [], f"add to package-data of os_interop.shipped.capabilities: {missed}"
