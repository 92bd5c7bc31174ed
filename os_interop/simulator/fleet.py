"""A fleet of simulated clouds, one loopback port each, with a clouds.yaml that points at them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from .cloud import Cloud
from .faults import NO_FAULTS, FaultSpec, Hit
from .personality import Personality, PersonalityError, find_personality, load_personality
from .regions import attach as attach_regions
from .state import CloudState


class Fleet:
    """Start with :meth:`start` (a context manager); every cloud serves until :meth:`stop`."""

    def __init__(self, clouds: list[Cloud]):
        self.clouds = {c.name: c for c in clouds}

    @classmethod
    def start(cls, personalities: Iterable[Personality | str | Path],
              faults: FaultSpec | Mapping[str, FaultSpec] | None = None, api_timeout: float | None = None,
              fault_log: Path | None = None) -> Fleet:
        """Start one cloud per personality (objects, shipped names or YAML paths).

        ``faults`` is one spec for every cloud (each keeps its own counters) or specs by cloud
        name; ``api_timeout`` goes into the clouds.yaml so clients give up on a stall quickly;
        ``fault_log`` receives one JSON line per injected fault, for a test in another process.
        """
        loaded = [p if isinstance(p, Personality) else load_personality(find_personality(str(p)))
                  for p in personalities]
        names = [p.name for p in loaded]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise PersonalityError(f"fleet: name: duplicate cloud names {duplicates}")
        specs = faults if isinstance(faults, Mapping) else {}
        unknown = sorted(set(specs) - set(names))
        if unknown:
            raise PersonalityError(f"fleet: faults: no cloud named {unknown}")
        clouds: list[Cloud] = []
        try:
            for personality in loaded:
                spec = specs.get(personality.name, NO_FAULTS) if isinstance(faults, Mapping) else faults or NO_FAULTS
                clouds.append(Cloud(personality, spec, fault_log, api_timeout).start())
                attach_regions(clouds[-1])
                personality.cloud_url = clouds[-1].base_url
        except BaseException:
            for cloud in clouds:
                cloud.stop()
            raise
        return cls(clouds)

    def stop(self) -> None:
        """Stop every cloud, in parallel: each server needs up to one poll interval to notice."""
        with ThreadPoolExecutor(max_workers=min(32, len(self.clouds) or 1)) as pool:
            list(pool.map(Cloud.stop, self.clouds.values()))

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _cloud(self, name: str) -> Cloud:
        try:
            return self.clouds[name]
        except KeyError:
            raise KeyError(f"no simulated cloud named {name!r} (have {sorted(self.clouds)})") from None

    # -- what clients need ---------------------------------------------------------------------------
    def clouds_yaml(self) -> dict[str, Any]:
        """``{"clouds": {name: {...}}}`` ready for openstacksdk."""
        return {"clouds": {name: cloud.clouds_yaml_entry() for name, cloud in self.clouds.items()}}

    def write_clouds_yaml(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(yaml.safe_dump(self.clouds_yaml(), sort_keys=False), encoding="utf-8")
        return path

    def url(self, name: str) -> str:
        """Base URL of a cloud (``http://127.0.0.1:<port>``): the {cloud_url} of its expectations."""
        return self._cloud(name).base_url

    # -- what tests need -------------------------------------------------------------------------------
    def request_counts(self) -> dict[str, int]:
        return {name: cloud.request_count for name, cloud in self.clouds.items()}

    def server_errors(self, name: str) -> list[str]:
        """Every 5xx the cloud answered (a simulator bug, or a client it could not handle)."""
        return list(self._cloud(name).server_errors)

    def secrets(self, name: str) -> list[str]:
        """The password and every token issued so far."""
        return self._cloud(name).state.secrets()

    def fault_hits(self, name: str) -> list[Hit]:
        """The requests the cloud's fault spec picked so far, in arrival order."""
        return list(self._cloud(name).faults.hits)

    def wait_for_fault(self, name: str, timeout: float, rule: int | None = None) -> Hit | None:
        """The cloud's first injected fault (of rule number ``rule``), waiting up to ``timeout`` s."""
        return self._cloud(name).faults.wait_for_hit(timeout, rule)

    def wait_idle(self, name: str, timeout: float) -> bool:
        """True once the cloud handles no request (delayed ones included), within ``timeout`` s."""
        return self._cloud(name).wait_idle(timeout)

    def state(self, name: str) -> CloudState:
        """The cloud's live state (``.created()`` lists what API calls made and nobody deleted)."""
        return self._cloud(name).state
