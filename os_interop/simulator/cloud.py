"""One simulated cloud: its state, its services behind one loopback port, and its service catalog."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

from .faults import NO_FAULTS, FaultSpec, Injector, Rule, service_type
from .http import CloudHTTPServer, HTTPError, Request, Response, internal_error, text_response, unauthorized
from .service import Service
from .services import mount
from .personality import Personality
from .state import CloudState


class Cloud:
    """A personality brought to life: bind a port, build the state, mount the services."""

    def __init__(self, personality: Personality, faults: FaultSpec = NO_FAULTS, fault_log: Path | None = None,
                 api_timeout: float | None = None, state: CloudState | None = None):
        self.personality = personality
        self.faults = Injector(faults, fault_log, personality.name)
        self.api_timeout = api_timeout  # what its clouds.yaml entry tells clients to wait per request
        self.state = state or CloudState(personality)
        self.regions: list[Cloud] = []  # further regions of this cloud (regions.py), stopped with it
        self.server = CloudHTTPServer(self)
        self.base_url = f"http://127.0.0.1:{self.server.port}"
        self._count_lock = threading.Condition()
        self.request_count = 0
        self.in_flight = 0  # requests arrived and not yet handled (a delayed create counts)
        self.server_errors: list[str] = []  # "METHOD path -> status" of every 5xx answered
        services = mount(self)
        self.services = {s.prefix: s for s in services}
        self._service_ids = {s.prefix: uuid.uuid4().hex for s in services}

    @property
    def name(self) -> str:
        return self.personality.name

    def start(self) -> Cloud:
        self.server.start()
        return self

    def stop(self) -> None:
        for region in self.regions:
            region.stop()
        self.faults.close()
        self.server.stop()

    # -- catalog and credentials ---------------------------------------------------------------------
    def service_url(self, prefix: str) -> str:
        """The catalog URL of the service at ``prefix`` (each service knows its own shape)."""
        return self.services[prefix].catalog_url

    def catalog(self) -> list[dict[str, Any]]:
        """Service type, name, id and URL of every catalog entry (same URL on every interface)."""
        entries = [{"type": svc.service_type, "name": svc.name, "id": self._service_ids[prefix],
                    "url": svc.catalog_url} for prefix, svc in self.services.items()]
        return sorted(entries, key=lambda e: e["type"])

    def clouds_yaml_entry(self) -> dict[str, Any]:
        """A clouds.yaml entry openstacksdk and keystoneauth can use as is."""
        s, p = self.state, self.personality
        auth = {"auth_url": self.service_url("/identity"), "username": s.username, "password": s.password,
                "project_name": s.project_name}
        if p.identity.offers_v3:
            # domain parameters make keystoneauth refuse v2.0, so only v3 clouds get them
            auth.update(user_domain_name=s.domain["name"], project_domain_name=s.domain["name"])
        entry: dict[str, Any] = {"auth": auth, "region_name": p.region}
        if self.regions:  # openstacksdk's list form: every region of the entry
            entry = {"auth": auth, "regions": [p.region, *(r.personality.region for r in self.regions)]}
        if self.api_timeout is not None:
            entry["api_timeout"] = self.api_timeout
        return entry

    # -- request handling ----------------------------------------------------------------------------
    def authenticate(self, token: str | None) -> dict[str, Any]:
        """The token's context, or keystonemiddleware's 401."""
        record = self.state.tokens.get(token or "")
        if record is None or record.get("revoked"):
            raise unauthorized()
        return record

    def dispatch(self, req: Request) -> Response:
        """Count the request, apply its fault or latency, and hand it to the service at its path prefix.

        Requests to one cloud are handled one at a time under the state lock (bodies are read
        before, and latency is waited out before, so slow clients do not block others); that
        keeps every read consistent. A status fault answers in the service's own error shape
        without handling the request; a wire fault (stall, reset, truncate) rides on the
        response for the server to act on.
        """
        with self._count_lock:
            self.request_count += 1
            self.in_flight += 1
        try:
            return self._dispatch(req)
        finally:
            with self._count_lock:
                self.in_flight -= 1
                self._count_lock.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being handled (e.g. a delayed create a client gave up on)."""
        with self._count_lock:
            return self._count_lock.wait_for(lambda: self.in_flight == 0, timeout)

    def _dispatch(self, req: Request) -> Response:
        service = next((svc for prefix, svc in self.services.items()
                        if req.path == prefix or req.path.startswith(prefix + "/")), None)
        fault, delay = self.faults.pick(req.method, req.path, service_type(req.path))
        self.faults.sleep(delay)
        if fault is not None and fault.status is not None:
            return self._status_fault(service, fault)
        if fault is not None and fault.kind == "stall" and not fault.processed:
            return Response(0, fault=fault)
        try:
            if service is None:
                resp = text_response(404, "404 Not Found\n\nThe resource could not be found.\n")
            else:
                with self.state.lock:
                    resp = service.handle(req, req.path[len(service.prefix):])
        except HTTPError as exc:
            resp = exc.response
        except Exception as exc:  # noqa: BLE001 - a simulator bug must still answer
            resp = internal_error(service, exc)
        if resp.status >= 500:
            with self._count_lock:
                self.server_errors.append(f"{req.method} {req.path} -> {resp.status}")
        resp.fault = fault
        return resp

    @staticmethod
    def _status_fault(service: Service | None, fault: Rule) -> Response:
        """An injected 500/503/429, shaped like the service's own errors (not a simulator bug)."""
        status = fault.status or 500
        message = {429: "Rate limit exceeded; retry later.", 503: "The service is temporarily unavailable."}.get(
            status, "An unexpected error prevented the server from fulfilling your request.")
        resp = service.error(status, message).response if service else text_response(status, message)
        retry_after = fault.retry_after if fault.retry_after is not None else (1 if status == 429 else None)
        if retry_after is not None:
            resp.header("Retry-After", str(retry_after))
        return resp
