"""Reading a YAML file a person wrote: one line saying what is wrong, and where.

clouds.yaml, capability files, personalities and fault specs all come from people; a typo
must name the file and the line, never surface as a parser traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml where built: 7x faster


class YAMLFileError(Exception):
    """The file cannot be read, or is not YAML: the message is one line naming the place."""


def read(path: str | Path) -> tuple[str, Any]:
    """(text, document) of a YAML file; YAMLFileError when unreadable or not valid YAML."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YAMLFileError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return text, yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YAMLFileError(f"{path}: {where}: not valid YAML: {problem}") from None
