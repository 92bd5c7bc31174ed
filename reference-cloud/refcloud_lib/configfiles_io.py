"""Writing rendered config files into state/etc and telling what changed."""
from __future__ import annotations

from .paths import Layout


def write_changed(lay: Layout, files: dict[str, str]) -> set[str]:
    """Write the files whose text differs from disk; return their relative paths."""
    changed = set()
    for relative, text in files.items():
        path = lay.etc / relative
        if path.exists() and path.read_text() == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        changed.add(relative)
    return changed
