"""Key-by-key comparison of an emitted profile with a published one (in-tree, or a vendor's).

Nested dicts compare leaf by leaf (auth.auth_url, disable_vendor_agent.vm_mode) so one
changed leaf does not hide the others; lists (regions, networks) compare whole. Key
spellings are normalised as openstacksdk does (region-name == region_name).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from tabulate import tabulate

from os_interop.errors import UserError
from reporters.display import compact, shorten

STATUSES = ("differs", "only-observed", "only-published", "same")
VALUE_WIDTH = 48


@dataclass(frozen=True)
class Difference:
    key: str
    status: str          # one of STATUSES
    observed: Any = None
    published: Any = None


def _profile(document: dict) -> dict:
    """The profile of a vendor file {"name", "profile"}, or the document itself if bare."""
    inner = document.get("profile")
    return inner if isinstance(inner, dict) else document


def _flatten(mapping: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        path = prefix + str(key).replace("-", "_")
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def diff(emitted: dict, published: dict) -> list[Difference]:
    """One Difference per key in either profile, sorted by key."""
    ours, theirs = _flatten(_profile(emitted)), _flatten(_profile(published))
    result = []
    for key in sorted(ours.keys() | theirs.keys()):
        if key not in theirs:
            result.append(Difference(key, "only-observed", ours[key], None))
        elif key not in ours:
            result.append(Difference(key, "only-published", None, theirs[key]))
        else:
            status = "same" if ours[key] == theirs[key] else "differs"
            result.append(Difference(key, status, ours[key], theirs[key]))
    return result


def load_published(path: str | Path) -> dict:
    """A published profile from a JSON or YAML file: a vendor file or a bare profile."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file; pass a vendor profile (JSON or YAML)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise UserError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'} "
                        f"({first}); pass an openstacksdk vendor profile") from None
    if not isinstance(document, dict):
        raise UserError(f"{path}: not a vendor profile (expected a mapping, "
                        f"found {type(document).__name__})")
    if isinstance(document.get("profile"), str):
        raise UserError(f"{path}: only points to the remote profile {document['profile']}; "
                        "fetch <that domain>/.well-known/openstack/api and compare against it")
    return document


def _shown(value: Any, present: bool) -> str:
    return shorten(compact(value), VALUE_WIDTH) if present else "-"


def verdict(diffs: list[Difference]) -> str:
    """One line, the number that matters first."""
    counts = {s: sum(d.status == s for d in diffs) for s in STATUSES}
    differ = counts["differs"]
    head = f"{differ} key{'s' if differ != 1 else ''} differ{'s' if differ == 1 else ''}"
    return (f"{head}, {counts['only-observed']} only observed, "
            f"{counts['only-published']} only published, {counts['same']} same")


def render_diff(diffs: list[Difference]) -> str:
    """A table (disagreements first) and the one-line verdict."""
    ordered = sorted(diffs, key=lambda d: STATUSES.index(d.status))
    rows = [[d.key, d.status, _shown(d.observed, d.status != "only-published"),
             _shown(d.published, d.status != "only-observed")] for d in ordered]
    table = tabulate(rows, ["key", "status", "observed", "published"], tablefmt="simple")
    return f"{table}\n\n{verdict(diffs)}\n"
