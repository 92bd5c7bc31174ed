"""Rendering INI files (oslo.config and uWSGI both read this format)."""
from __future__ import annotations

from typing import Mapping, Sequence

Value = str | int | bool | Sequence[str]
Sections = Mapping[str, Mapping[str, Value]]


def _format(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(value)
    return str(value)


def render(sections: Sections, header: str = "") -> str:
    """INI text of `sections`; list values become comma-separated strings.

    A key given as a list of values under the name `name[]` is written once
    per value (uWSGI's repeated options, e.g. env).
    """
    lines = [f"# {line}" for line in header.splitlines()]
    for section, options in sections.items():
        if lines:
            lines.append("")
        lines.append(f"[{section}]")
        for key, value in options.items():
            if key.endswith("[]"):
                lines.extend(f"{key[:-2]} = {item}" for item in value)
            else:
                lines.append(f"{key} = {_format(value)}")
    return "\n".join(lines) + "\n"
