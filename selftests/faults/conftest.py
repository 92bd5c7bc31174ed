"""Fault injection selftests: the injector on the wire, the sampled fault matrix, signals mid-create.

`python -m pytest -m faults selftests` runs just these.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: fault-injection selftests (the injector, the fault matrix, signals)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "selftests/faults/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.faults)
