"""Where the suite's own data lives: capability definitions, probes and schemas.

In the repository they keep their top-level homes (capabilities/, tests/, schemas/ beside
the os_interop package), so a checkout or an editable install reads them there. A wheel
ships the same three folders inside the package as os_interop/shipped/ (pyproject.toml's
package-dir), found with importlib.resources. OS_INTEROP_ROOT overrides both.
"""

import os
from importlib import resources
from pathlib import Path

from os_interop.errors import UserError

PARTS = ("capabilities", "tests", "schemas")


def _holds_suite(base: Path) -> bool:
    return all((base / part).is_dir() for part in PARTS)


def root() -> Path:
    """The directory holding capabilities/, tests/ and schemas/."""
    env = os.environ.get("OS_INTEROP_ROOT")
    if env:
        candidates = [Path(env)]
    else:
        checkout = Path(__file__).resolve().parent.parent
        shipped = Path(str(resources.files("os_interop") / "shipped"))
        candidates = [checkout, shipped]
    for base in candidates:
        if _holds_suite(base):
            return base
    raise UserError(
        f"suite data (capabilities/, tests/, schemas/) not found under {candidates[0]}: "
        "reinstall os-interop, or set OS_INTEROP_ROOT to a checkout")


def capabilities_dir() -> Path:
    return root() / "capabilities"


def tests_dir() -> Path:
    return root() / "tests"


def schemas_dir() -> Path:
    return root() / "schemas"


def probe_ini() -> Path:
    """The pytest configuration the probes run under, the same from a checkout or a wheel
    (a user's own pytest.ini or pyproject.toml in the working directory must not apply)."""
    return Path(str(resources.files("os_interop") / "probes.ini"))
