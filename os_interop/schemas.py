"""JSON Schemas shipped in schemas/, and validation that reports one readable line.

jsonschema is imported when something is validated, not when a schema is only read (the
capability groups come from a schema's enum): `os-interop --help` stays fast.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from os_interop import suite

if TYPE_CHECKING:
    import jsonschema


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """schemas/<name>.schema.json as a dict."""
    with open(suite.schemas_dir() / f"{name}.schema.json", encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=None)
def validator(name: str) -> jsonschema.protocols.Validator:
    """A checked validator for schemas/<name>.schema.json, of the draft the schema declares."""
    import jsonschema
    schema = load(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def first_error(name: str, document: Any) -> str | None:
    """None when valid, else '<path>: <message>' for the most relevant error."""
    import jsonschema
    error = jsonschema.exceptions.best_match(validator(name).iter_errors(document))
    if error is None:
        return None
    path = "/".join(str(p) for p in error.absolute_path) or "(top)"
    return f"{path}: {error.message}"


@lru_cache(maxsize=None)
def _filling_class(name: str) -> Any:
    """The validator class of schemas/<name> extended to write each property's ``default``.

    Defaults then live in the schema only: validating a document also completes it (python-jsonschema's
    documented way of extending a validator; a default is copied so documents never share one).
    """
    import jsonschema
    base = type(validator(name))
    check_properties = base.VALIDATORS["properties"]

    def properties(checker: Any, props: dict[str, Any], instance: Any, schema: dict[str, Any]) -> Any:
        if isinstance(instance, dict):
            for key, sub in props.items():
                if "default" in sub and key not in instance:
                    instance[key] = copy.deepcopy(sub["default"])
        yield from check_properties(checker, props, instance, schema)

    return jsonschema.validators.extend(base, {"properties": properties})


@lru_cache(maxsize=None)
def filling_validator(name: str) -> jsonschema.protocols.Validator:
    """A validator for schemas/<name> whose iter_errors() also fills in the schema's defaults (in place)."""
    return _filling_class(name)(load(name))  # type: ignore[no-any-return]
