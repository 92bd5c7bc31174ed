"""Faults and latency a simulated cloud injects, declared as data (schema: schemas/faults.schema.json).

A fault spec names request patterns (method, path regex, service type) and what happens to the
matching requests: an error status in the service's own shape (500, 503, 429 with Retry-After),
a stall past the client's timeout, a reset after the request was processed, a truncated body
(the connection closes short of Content-Length), an unparsable one (half the body, a matching
Content-Length: a complete answer that does not decode), or extra delay. ``count``, ``after`` and a seeded ``rate`` pick which matching requests are hit,
so the same spec against the same client gives the same faults. Every hit is recorded (and, if
asked, appended to a JSON-lines log) so a test can wait for "that request has arrived".

    seed: 7
    latency: {request_ms: 100, server_build_s: 20}
    faults:
      - match: {method: POST, path: "^/compute/v2\\.1/servers$"}
        kind: reset
        count: 1
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from os_interop import schemas, yamlfile


STATUS_KINDS = (500, 503, 429)
WIRE_KINDS = ("stall", "reset", "truncate", "unparsable")
FAULT_KINDS: tuple[int | str, ...] = STATUS_KINDS + WIRE_KINDS  # what goes wrong; "delay" only slows down
KINDS: tuple[int | str, ...] = FAULT_KINDS + ("delay",)
SERVICE_TYPES = {"/identity": "identity", "/image": "image", "/compute": "compute", "/network": "network",
                 "/object-store": "object-store", "/volume": "block-storage"}
DEFAULT_STALL_S = 35.0  # past the suite's own 30 s default request timeout



class FaultSpecError(ValueError):
    """A fault spec that is not valid: the message names the file and the field."""


@dataclass(frozen=True)
class Rule:
    """One pattern and what happens to the requests it picks."""

    kind: int | str
    method: str | None = None  # exact HTTP method; None matches any
    path: str = ""  # regex searched in the percent-decoded path (without the query string)
    service: str | None = None  # catalog service type the path belongs to
    count: int | None = None  # at most this many hits
    after: int = 0  # let the first N matching requests through
    rate: float = 1.0  # chance that a matching request is hit (seeded)
    retry_after: int | None = None  # Retry-After seconds (429 defaults to 1)
    stall_s: float = DEFAULT_STALL_S
    delay_ms: float = 0.0  # kind "delay": extra time before the request is handled
    processed: bool = True  # stall only: the service handles the request before the answer is withheld

    def matches(self, method: str, path: str, service: str | None) -> bool:
        return ((self.method is None or self.method == method) and (self.service is None or self.service == service)
                and re.search(self.path, path) is not None)

    @property
    def status(self) -> int | None:
        return self.kind if isinstance(self.kind, int) else None


@dataclass(frozen=True)
class FaultSpec:
    """A whole spec: seeded rules plus latency for every request and for server builds."""

    rules: tuple[Rule, ...] = ()
    seed: int = 0
    request_ms: float = 0.0
    server_build_s: float = 0.0

    @classmethod
    def from_data(cls, doc: Any, where: str = "faults") -> FaultSpec:
        """Validate a parsed spec (schema and regexes); raises FaultSpecError naming the field."""
        error = jsonschema.exceptions.best_match(schemas.validator("faults").iter_errors(doc))
        if error is not None:
            field_path = ".".join(str(p) for p in error.absolute_path) or "(document)"
            message = " ".join(error.message.split())
            if error.validator == "not" and "required" in error.validator_value:
                message = f"{error.validator_value['required'][0]} does not apply to kind {error.instance.get('kind')!r}"
            raise FaultSpecError(f"{where}: {field_path}: {message}")
        rules = []
        for i, item in enumerate(doc.get("faults", [])):
            match = item.get("match", {})
            try:
                re.compile(match.get("path", ""))
            except re.error as exc:
                raise FaultSpecError(f"{where}: faults.{i}.match.path: not a regular expression: {exc}") from None
            options = {k: v for k, v in item.items() if k not in ("match", "kind")}
            rules.append(Rule(kind=item["kind"], method=match.get("method"), path=match.get("path", ""),
                              service=match.get("service"), **options))
        latency = doc.get("latency", {})
        return cls(rules=tuple(rules), seed=doc.get("seed", 0), request_ms=latency.get("request_ms", 0.0),
                   server_build_s=latency.get("server_build_s", 0.0))

    @classmethod
    def load(cls, path: str | Path) -> FaultSpec:
        """A spec from a YAML or JSON file."""
        path = Path(path)
        try:
            _, doc = yamlfile.read(path)
        except yamlfile.YAMLFileError as exc:
            raise FaultSpecError(str(exc)) from None
        return cls.from_data(doc if doc is not None else {}, str(path))

    def with_latency(self, request_ms: float | None = None, server_build_s: float | None = None) -> FaultSpec:
        """The same spec with latency overridden (command-line flags win over the file)."""
        return FaultSpec(self.rules, self.seed,
                         self.request_ms if request_ms is None else request_ms,
                         self.server_build_s if server_build_s is None else server_build_s)


NO_FAULTS = FaultSpec()


@dataclass(frozen=True)
class Hit:
    """A request a rule picked: which rule, what kind, which request, when (monotonic seconds)."""

    rule: int
    kind: int | str
    method: str
    path: str
    at: float


@dataclass
class _RuleState:
    seen: int = 0
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random)


class Injector:
    """The live fault state of one cloud: per-rule counters and seeded draws, the hits so far."""

    def __init__(self, spec: FaultSpec = NO_FAULTS, log: Path | None = None, cloud: str = ""):
        self.spec = spec
        self._states = [_RuleState(rng=random.Random(f"{spec.seed}/{i}")) for i in range(len(spec.rules))]
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._log = log
        self._cloud = cloud
        self.hits: list[Hit] = []

    def pick(self, method: str, path: str, service: str | None) -> tuple[Rule | None, float]:
        """(the fault for this request or None, seconds to wait before handling it).

        Every matching rule counts the request; every firing "delay" rule adds its delay; the
        first firing rule of another kind is the fault. Draws happen in arrival order.
        """
        fault, delay = None, self.spec.request_ms / 1000
        with self._lock:
            for index, (rule, state) in enumerate(zip(self.spec.rules, self._states)):
                if not rule.matches(method, path, service):
                    continue
                state.seen += 1
                if state.seen <= rule.after or (rule.count is not None and state.hits >= rule.count):
                    continue
                if rule.rate < 1.0 and state.rng.random() >= rule.rate:
                    continue
                if rule.kind != "delay" and fault is not None:
                    continue
                state.hits += 1
                self._record(Hit(index, rule.kind, method, path, time.monotonic()))
                if rule.kind == "delay":
                    delay += rule.delay_ms / 1000
                else:
                    fault = rule
        return fault, delay

    def _record(self, hit: Hit) -> None:
        self.hits.append(hit)
        if self._log is not None:
            with self._log.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"cloud": self._cloud, "rule": hit.rule, "kind": hit.kind,
                                    "method": hit.method, "path": hit.path, "time": time.time()}) + "\n")
        self._lock.notify_all()

    def wait_for_hit(self, timeout: float, rule: int | None = None) -> Hit | None:
        """The first hit (of ``rule``, if given), waiting up to ``timeout`` seconds for it."""
        def found() -> Hit | None:
            return next((h for h in self.hits if rule is None or h.rule == rule), None)
        with self._lock:
            self._lock.wait_for(found, timeout)
            return found()

    def sleep(self, seconds: float) -> None:
        """Wait, but wake when the cloud stops (a stalled handler must not outlive it)."""
        if seconds > 0:
            self._stop.wait(seconds)

    def close(self) -> None:
        self._stop.set()


def service_type(path: str) -> str | None:
    """The catalog type of the simulated service a path belongs to."""
    return next((t for prefix, t in SERVICE_TYPES.items() if path == prefix or path.startswith(prefix + "/")), None)

