"""The cloud as probes see it: catalog, endpoints, raw HTTP with evidence, memo, journal.

Probes speak HTTP through keystoneauth (not openstacksdk proxies) so that each call is
exactly the one the capability describes: no hidden discovery, no retries that mask
a quirk, and a request budget that can be measured.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import requests
from keystoneauth1 import exceptions as ks

from os_interop import answers, targets
from os_interop.answers import Answer, Unknown
from os_interop.journal import Journal
from os_interop.memo import Memo
from os_interop.session import CloudConnection
from os_interop.targets import Target

VERSION_SUFFIX = re.compile(r"/v\d+(\.\d+)?/?$")


class CloudUnderTest:
    """One cloud on one worker: shared by every probe that runs there."""

    def __init__(self, target: "Target | str", run_id: str, out_dir: Path, worker: str) -> None:
        """`target`: a resolved Target (its label names the results directory), or a cloud name."""
        self.target = target if isinstance(target, Target) else targets.target(target)
        cloud_dir = out_dir / self.target.label
        self.name = self.target.cloud
        self.run_id = run_id
        self.conn = CloudConnection(self.target, cloud_dir / f"evidence-{worker}.jsonl", worker)
        self.session = self.conn.session
        self.resources = Journal(cloud_dir / f"journal-{worker}.jsonl", run_id,
                                 self.raw_requester(), float(self.session.timeout or 30))
        self.memo = Memo()
        region = self.conn.connection.config
        interface = region.get_interface() or "public"
        self.interface: str = interface[0] if isinstance(interface, list) else interface
        self.region = region.region_name or None

    # -- catalog -------------------------------------------------------------------------
    @property
    def catalog(self) -> list[dict[str, Any]]:
        """The token's catalog; the token exchange becomes evidence of whoever reads it."""
        if self.conn.recorder.token_evidence:
            self.conn.recorder.note_used(self.conn.recorder.token_evidence)
        return self.conn.catalog

    @property
    def project_id(self) -> str | None:
        return self.conn.project_id

    def endpoints(self, service_type: str) -> list[dict[str, Any]]:
        """Catalog endpoints of a service in this cloud's region (all interfaces), with the
        interface spelled the v3 way (a v2 catalog says publicURL, internalURL, adminURL)."""
        out = []
        for service in self.catalog:
            if service.get("type") != service_type:
                continue
            for ep in service.get("endpoints", []):
                region = ep.get("region_id") or ep.get("region")
                if self.region is None or region in (None, self.region):
                    out.append(dict(ep, interface=str(ep.get("interface", "")).removesuffix("URL")))
        return out

    def endpoint(self, service_type: str, interface: str | None = None) -> str | None:
        """The catalog URL of a service for the configured interface, or None."""
        interface = interface or self.interface
        for ep in self.endpoints(service_type):
            if ep.get("interface") == interface:
                return ep["url"].rstrip("/")
        return None

    @staticmethod
    def unversioned(url: str) -> str:
        return VERSION_SUFFIX.sub("", url.rstrip("/"))

    # -- HTTP ------------------------------------------------------------------------------
    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP exchange, recorded; never raises on HTTP status (probes judge it)."""
        kwargs.setdefault("raise_exc", False)
        headers = kwargs.pop("headers", None) or {}
        headers.setdefault("Accept", "application/json")
        return self.session.request(url, method, headers=headers, **kwargs)

    def get(self, url: str, fresh: bool = False, **kwargs: Any) -> requests.Response:
        """GET, answered from this worker's cache when the same URL was fetched before (or is
        being fetched by another thread: then its answer is waited for, not asked again)."""
        headers = kwargs.get("headers") or {}
        if fresh or not set(kwargs) <= {"headers"}:
            return self.request("GET", url, **kwargs)
        recorder = self.conn.recorder
        key = (url, headers.get("OpenStack-API-Version"))
        with recorder.fetching(key):
            cached = recorder.last_by_url.get(key)
            if cached is not None:
                evidence_id, response = cached
                recorder.note_used(evidence_id)
                return response
            return self.request("GET", url, **kwargs)

    def already_read(self, url: str, usable: Callable[[requests.Response], bool]) -> requests.Response | None:
        """The answer this worker already recorded for a plain GET of `url`, when `usable`
        says it serves (then it is credited to the current test); never asks again."""
        recorder = self.conn.recorder
        cached = recorder.last_by_url.get((url, None))
        if cached is None or not usable(cached[1]):
            return None
        recorder.note_used(cached[0])
        return cached[1]

    def answer(self, method: str, url: str | None,
               expect: "answers.Mapping[int, str | None]" = answers.DOCUMENT,
               fresh: bool = False, **kwargs: Any) -> Answer:
        """One exchange read three ways (answers.py): the statuses in `expect` are values or
        absence; anything else, and any connection failure, raises Unknown with its evidence.
        GETs are answered from the cache unless `fresh`."""
        if url is None:
            raise Unknown(f"{method}: the catalog gives no URL for this service")
        try:
            if method == "GET":
                response = self.get(url, fresh=fresh, **kwargs)
            else:
                response = self.request(method, url, **kwargs)
        except (ks.ConnectionError, ks.RequestTimeout) as exc:
            evidence_id = self.conn.recorder.record_failure(method, url, exc)
            raise answers.NoAnswer(f"{method} {url}: {_connection_problem(exc)}", evidence_id) from None
        return answers.interpret(method, url, response, expect)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", url, **kwargs)

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        """Compute a value once per cloud and worker (the run's image, its server), in
        whichever thread asks first; a caller in another thread meanwhile waits for it.

        Later callers are credited with the exchanges that produced it, and a failure (an
        exception, a skip, a block) is remembered too: a probe that could not boot a server
        must not boot a second one.
        """
        recorder = self.conn.recorder

        def credited() -> tuple[Any, list[str]]:
            before = set(recorder.used())
            try:
                value: Any = compute()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - re-raised for every caller
                value = exc
            return value, [i for i in recorder.used() if i not in before]

        value, used = self.memo.once(key, credited)
        for evidence_id in used:
            recorder.note_used(evidence_id)
        if isinstance(value, BaseException):
            raise value
        return value

    def json(self, response: requests.Response) -> Any:
        """The JSON body, or None when there is none or it is not JSON."""
        try:
            return response.json() if response.content else None
        except ValueError:
            return None

    def raw_requester(self) -> Callable[[str, str], tuple[int, Any]]:
        """(method, url) -> (status, json) for resource cleanup."""
        def call(method: str, url: str) -> tuple[int, Any]:
            response = self.request(method, url)
            return response.status_code, self.json(response)
        return call


def _connection_problem(exc: Exception) -> str:
    """What happened on the wire, in words (the exception text may repeat the URL)."""
    if isinstance(exc, (ks.ConnectTimeout, ks.RequestTimeout)):
        return "timed out"
    if isinstance(exc, ks.ConnectFailure):
        return "connection failed (refused or reset)"
    return f"connection broke ({exc.__class__.__name__})"
