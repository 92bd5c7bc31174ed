"""The capability registry: capabilities/*.yaml, validated, indexed by test and by key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any


from os_interop import schemas, suite, yamlfile
from os_interop.errors import UserError

# pain-point order, as the capability schema lists the groups
GROUPS: tuple[str, ...] = tuple(schemas.load("capability")["$defs"]["group"]["enum"])
COSTS = ("read-only", "creates-resources", "creates-image", "boots-server")


@dataclass(frozen=True)
class Capability:
    id: str
    group: str
    title: str
    description: str
    status: str
    cost: str
    observes: tuple[dict[str, str], ...]
    tests: tuple[str, ...]
    interoperable: dict[str, Any] = field(default_factory=dict)
    display: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(o["key"] for o in self.observes)

    @property
    def display_key(self) -> str:
        return self.display or self.keys[0]

    def profile_keys(self) -> dict[str, str]:
        """observation key -> openstacksdk profile key, for the keys that feed one."""
        return {o["key"]: o["profile_key"] for o in self.observes if "profile_key" in o}


@dataclass
class Registry:
    capabilities: list[Capability]
    digest: str

    @cached_property
    def _by_test(self) -> dict[str, list[Capability]]:
        found: dict[str, list[Capability]] = {}
        for c in self.capabilities:
            for t in c.tests:
                found.setdefault(t, []).append(c)
        return found

    def for_test(self, test_id: str) -> list[Capability]:
        """Indexed once: every probe report asks (thousands of times in a many-cloud run)."""
        return list(self._by_test.get(test_id, ()))

    @cached_property
    def _known(self) -> frozenset[str]:
        return frozenset(k for c in self.capabilities for k in c.keys)

    def known_keys(self) -> frozenset[str]:
        return self._known

    def test_cost(self, test_id: str) -> str | None:
        caps = self.for_test(test_id)
        return max((c.cost for c in caps), key=COSTS.index) if caps else None

    def test_ids(self) -> set[str]:
        return {t for c in self.capabilities for t in c.tests}


def _load_file(path: Path) -> tuple[str, list[Capability]]:
    try:
        text, doc = yamlfile.read(path)
    except yamlfile.YAMLFileError as exc:
        raise UserError(f"{exc}; fix the file") from None
    problem = schemas.first_error("capability", doc)
    if problem:
        where = problem
        if isinstance(doc, dict) and problem.startswith("capabilities/"):
            index = int(problem.split("/")[1])
            entry = doc["capabilities"][index]
            if isinstance(entry, dict) and "id" in entry:
                where = f"entry {entry['id']!r}, {problem}"
        raise UserError(f"{path}: invalid capability definition at {where}; "
                        "see schemas/capability.schema.json")
    caps = []
    for entry in doc["capabilities"]:
        caps.append(Capability(
            id=entry["id"], group=doc["group"], title=entry["title"],
            description=" ".join(entry["description"].split()), status=entry["status"],
            cost=entry["cost"], observes=tuple(entry["observes"]), tests=tuple(entry["tests"]),
            interoperable=entry.get("interoperable", {}), display=entry.get("display")))
        unknown = set(caps[-1].interoperable) - set(caps[-1].keys)
        if unknown:
            raise UserError(f"{path}: entry {entry['id']!r}, interoperable names keys it does "
                            f"not observe: {', '.join(sorted(unknown))}")
    return text, caps


_LOADED: dict[tuple, Registry] = {}


def load(directory: Path | None = None) -> Registry:
    """Load and validate every capabilities/*.yaml; ids and observation keys must be unique.
    Once per process: the same files (names, sizes, mtimes) give the registry already built."""
    directory = directory or suite.capabilities_dir()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise UserError(f"no capability files (*.yaml) in {directory}")
    stamp = (str(directory), *((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files))
    if stamp not in _LOADED:
        _LOADED[stamp] = _load(directory, files)
    return _LOADED[stamp]


def _load(directory: Path, files: list[Path]) -> Registry:
    digest = hashlib.sha256()
    capabilities: list[Capability] = []
    owner: dict[str, str] = {}
    for path in files:
        text, caps = _load_file(path)
        digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
        for cap in caps:
            for key in (f"capability {cap.id}", *cap.keys):
                if key in owner:
                    raise UserError(f"{path}: {key!r} is defined twice "
                                    f"(also in {owner[key]}); ids and observed keys must be unique")
                owner[key] = f"{path.name}:{cap.id}"
            capabilities.append(cap)
    capabilities.sort(key=lambda c: GROUPS.index(c.group))   # pain-point order, stable within
    return Registry(capabilities, "sha256:" + digest.hexdigest())


def matches(expected: Any, observed: Any) -> bool:
    """Does an observed value satisfy an `interoperable` expectation?"""
    if isinstance(expected, dict) and len(expected) == 1:
        (op, arg), = expected.items()
        if op == "one_of":
            return observed in arg
        if op == "contains":
            return isinstance(observed, (list, str, dict)) and arg in observed
    return expected == observed


def describe(expected: Any) -> str:
    if isinstance(expected, dict) and len(expected) == 1:
        (op, arg), = expected.items()
        if op in ("one_of", "contains"):
            return f"{op.replace('_', ' ')} {arg!r}"
    return repr(expected)
