"""Version documents at a service root, in the shapes keystone, glance, nova and neutron use."""

from __future__ import annotations

from typing import Any, Mapping

import requests
from keystoneauth1 import discover

from os_interop import answers
from os_interop.answers import JSON, Unknown
from os_interop.cloud import CloudUnderTest

# A root answers its version list with 300 Multiple Choices (keystone, glance) or 200 (nova,
# neutron); anything else is unknown unless the caller declares an absence (a hidden root).
ROOT: Mapping[int, str | None] = {300: JSON, 200: JSON}
ROOT_OR_HIDDEN: Mapping[int, str | None] = {**ROOT, 404: answers.EMPTY}


def listed(body: Any) -> list[dict[str, Any]]:
    """The version entries of a root document: {"versions": [...]} or {"versions": {"values": [...]}}."""
    if not isinstance(body, dict):
        return []
    versions = body.get("versions")
    if isinstance(versions, dict):
        versions = versions.get("values")
    if isinstance(body.get("version"), dict) and not versions:
        versions = [body["version"]]
    return [v for v in versions or [] if isinstance(v, dict) and "id" in v]


def at_root(cloud: CloudUnderTest, url: str,
            expect: Mapping[int, str | None] = ROOT) -> tuple[int, list[dict[str, Any]]]:
    """GET a service root: (status, version entries); [] only when the root is absent (a
    status the caller declared). A root that answers but lists no versions is unknown."""
    found = _read_at_discovery(cloud, url.rstrip("/")) or cloud.answer("GET", url.rstrip("/") + "/", expect)
    if expect[found.status] != JSON:
        return found.status, []
    entries = listed(found.body)
    if not entries:
        raise Unknown(f"GET {url.rstrip('/')}/ answered HTTP {found.status} without a version list",
                      found.evidence_id)
    return found.status, entries


def _read_at_discovery(cloud: CloudUnderTest, root: str) -> answers.Answer | None:
    """The version list keystoneauth's discovery already read at the root without its slash
    (the auth URL as clouds.yaml gives it): the same document, so it is not asked for again.
    Only a readable version list is reused; anything else sends the suite's own GET."""
    response = cloud.already_read(root, _lists_versions)
    return None if response is None else answers.interpret("GET", root, response, ROOT)


def _lists_versions(response: requests.Response) -> bool:
    if response.status_code not in ROOT:
        return False
    try:
        return bool(listed(response.json()))
    except ValueError:
        return False


def parse(version_id: str | None) -> tuple[int, int]:
    """'v2.17' -> (2, 17); 'v3' -> (3, 0); (0, 0) for what is no version number (it sorts first).

    The parsing is keystoneauth's own (``discover.normalize_version_number``), the one clients use
    on the same documents; only its major.minor is kept.
    """
    try:
        parsed = discover.normalize_version_number(version_id or "")
    except TypeError:
        return (0, 0)
    if not all(isinstance(n, int) for n in parsed):  # "latest" is no version a document lists
        return (0, 0)
    major, minor = (*parsed, 0)[:2]
    return int(major), int(minor)


def microversion(text: str | None) -> tuple[int, int]:
    return parse(text) if text else (0, 0)


# -- keystoneauth's reading of a version document ---------------------------------------------------
class _Read:
    """A session whose one GET is an answer already read through cloud.answer (with evidence),
    so keystoneauth's discovery parses exactly what the suite recorded and fetches nothing."""

    headers: dict[str, str] = {}   # version headers are not read: the body decides

    def __init__(self, body: Any) -> None:
        self._body = body
        self.text = ""

    def get(self, url: str, **kwargs: Any) -> "_Read":
        return self

    def json(self) -> Any:
        return self._body


def discovered(cloud: CloudUnderTest, url: str,
               expect: Mapping[int, str | None] = ROOT) -> tuple[int, list[dict[str, Any]]]:
    """GET a service root and parse it with keystoneauth1.discover: (status, version_data()),
    each entry with `version` (a tuple), `status` (CURRENT, SUPPORTED, DEPRECATED, EXPERIMENTAL)
    and `max_microversion`; [] only for a declared absence. A root keystoneauth cannot read as
    a version list is unknown."""
    from keystoneauth1 import discover, exceptions as ks_exceptions
    root = url.rstrip("/") + "/"
    found = cloud.answer("GET", root, expect)
    if expect[found.status] != JSON:
        return found.status, []
    try:
        entries = discover.Discover(_Read(found.body), root).version_data(allow_unknown=True)
    except (ks_exceptions.DiscoveryFailure, KeyError, TypeError, ValueError) as exc:
        raise Unknown(f"GET {root} answered HTTP {found.status} with no version list keystoneauth "
                      f"can read ({exc.__class__.__name__})", found.evidence_id) from None
    if not entries:
        raise Unknown(f"GET {root} answered HTTP {found.status} without a version keystoneauth can use "
                      "(each needs an id, a status and a self link)", found.evidence_id)
    return found.status, entries


def major_to_use(entries: list[dict[str, Any]]) -> str | None:
    """The major version a client should speak: the newest CURRENT one, else the newest
    SUPPORTED, else the newest DEPRECATED (never an EXPERIMENTAL one)."""
    for status in ("CURRENT", "SUPPORTED", "DEPRECATED"):
        majors = [e["version"][0] for e in entries if str(e.get("status")).upper() == status and e.get("version")]
        if majors:
            return str(max(majors))
    return None


def ids(entries: list[dict[str, Any]]) -> list[str]:
    """'v2.1'-style ids of keystoneauth's entries, oldest first."""
    return [f"v{'.'.join(str(p) for p in e['version'])}" for e in
            sorted((e for e in entries if e.get("version")), key=lambda e: e["version"])]
