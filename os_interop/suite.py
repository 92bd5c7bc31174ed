"""Where the suite's own data lives: capability definitions, probes and schemas.

The suite runs from a checkout (``pip install -e .``): capabilities/, tests/ and
schemas/ sit beside the os_interop package. OS_INTEROP_ROOT overrides that.
"""

import os
from pathlib import Path

from os_interop.errors import UserError


def root() -> Path:
    """The directory holding capabilities/, tests/ and schemas/."""
    env = os.environ.get("OS_INTEROP_ROOT")
    base = Path(env) if env else Path(__file__).resolve().parent.parent
    if not (base / "capabilities").is_dir() or not (base / "tests").is_dir():
        raise UserError(
            f"suite data not found under {base}: install os-interop from a checkout "
            "(pip install -e .) or set OS_INTEROP_ROOT to the checkout"
        )
    return base


def capabilities_dir() -> Path:
    return root() / "capabilities"


def tests_dir() -> Path:
    return root() / "tests"


def schemas_dir() -> Path:
    return root() / "schemas"
