"""Released suite versions and their capability digests (capabilities/releases/releases.yaml).

A results document names the suite version and the digest of the capability files it was
graded with; a reviewer accepts it only when that pair was released, so a run made with
locally edited capabilities cannot pass as a released suite's.
"""

from __future__ import annotations

from pathlib import Path

from os_interop import suite, yamlfile
from os_interop.errors import UserError


def path() -> Path:
    return suite.capabilities_dir() / "releases" / "releases.yaml"


def table() -> dict[str, str]:
    """version -> capabilities digest."""
    try:
        _, doc = yamlfile.read(path())
    except yamlfile.YAMLFileError as exc:
        raise UserError(f"{exc}; fix the file") from None
    rows = (doc or {}).get("releases") if isinstance(doc, dict) else None
    if not isinstance(rows, list) or not all(
            isinstance(r, dict) and {"version", "capabilities_digest"} <= set(r) for r in rows):
        raise UserError(f"{path()}: expected 'releases:' entries with version and capabilities_digest")
    return {str(r["version"]): str(r["capabilities_digest"]) for r in rows}


def problem(version: str, digest: str) -> str | None:
    """None when (version, digest) was released, else what is wrong, in one line."""
    known = table()
    if version not in known:
        return (f"suite version {version} is not a released version "
                f"(released: {', '.join(known) or 'none'})")
    if known[version] != digest:
        return (f"capabilities digest {digest} is not the one suite {version} was released with "
                f"({known[version]}): the capability files were edited")
    return None
