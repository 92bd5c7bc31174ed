"""JSON Schemas shipped in schemas/, and validation that reports one readable line."""

import json
from functools import lru_cache
from typing import Any

import jsonschema

from os_interop import suite


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """schemas/<name>.schema.json as a dict."""
    with open(suite.schemas_dir() / f"{name}.schema.json", encoding="utf-8") as f:
        return json.load(f)


def first_error(name: str, document: Any) -> str | None:
    """None when valid, else '<path>: <message>' for the most relevant error."""
    validator = jsonschema.Draft202012Validator(load(name))
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is None:
        return None
    path = "/".join(str(p) for p in error.absolute_path) or "(top)"
    return f"{path}: {error.message}"
