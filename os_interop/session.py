"""An authenticated connection to one cloud, recording evidence, with one-line errors.

The keystoneauth session is the single path to the cloud: openstacksdk proxies and
raw calls share it, so every exchange (auth included) passes the evidence recorder.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openstack.connection
import requests
from keystoneauth1 import exceptions as ks

from os_interop import replay, targets
from os_interop.errors import CloudMisconfigured, CloudUnavailable
from os_interop.evidence import EvidenceRecorder
from os_interop.redaction import Redactor
from os_interop.retries import RetryPolicy

REQUEST_TIMEOUT = 30.0

for _noisy in ("keystoneauth", "openstack", "stevedore", "urllib3"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)


def secrets_in(config: dict) -> list[str]:
    auth = config.get("auth", {}) or {}
    return [str(v) for k, v in auth.items()
            if any(word in k.lower() for word in ("password", "secret", "token", "passcode"))]


def _how_it_failed(exc: Exception, last: dict | None) -> str:
    """The wire-level fault, in words: from the exception, or the last try's evidence record."""
    text = f"{exc.__class__.__name__} {exc} {(last or {}).get('error') or ''}".lower()
    if isinstance(exc, (ks.ConnectTimeout, ks.RequestTimeout)) or "timed out" in text or "timeout" in text:
        return "timed out"
    if "refused" in text:
        return "refused the connection"
    if "reset" in text or "aborted" in text or "remotedisconnected" in text or "closed connection" in text:
        return "reset the connection"
    if "name or service not known" in text or "nodename nor servname" in text or "resolution" in text:
        return "cannot be resolved"
    return "broke the connection"


def _tries(last: dict | None) -> str:
    tried = (last or {}).get("try")
    return f" ({tried['try']} {'try' if tried['try'] == 1 else 'tries'})" if tried else ""


def explain(name: str, auth_url: str | None, exc: Exception, redactor: Redactor | None = None,
            last: dict | None = None, timeout: float | None = None) -> CloudUnavailable:
    """What went wrong talking to a cloud, as one line, and whose to fix: a configuration the
    user must correct (exit 2), or a cloud that stayed unreachable after retries (exit 1).
    `last` is the latest evidence record: what the cloud actually answered."""
    where = auth_url or "its auth_url"
    fix: type[CloudUnavailable] = CloudMisconfigured
    answered = last.get("status") if last else None
    if isinstance(exc, ks.Unauthorized):
        msg = (f"cloud {name!r}: authentication failed (401) at {where}: check username, "
               "password, project and domain names in clouds.yaml")
    elif isinstance(exc, ks.Forbidden):
        msg = f"cloud {name!r}: forbidden (403) at {where}: the user lacks a role on the project"
    elif isinstance(exc, ks.SSLError):
        msg = (f"cloud {name!r}: TLS verification failed for {where}: set 'cacert' "
               "(or 'verify: false' for a test cloud) in clouds.yaml")
    elif isinstance(exc, (ks.ConnectionError, ks.RequestTimeout)) or (
            last is not None and answered is None and last.get("error")):
        fix = CloudUnavailable
        url = (last or {}).get("url") or where
        how = _how_it_failed(exc, last)
        if how == "timed out":
            msg = (f"cloud {name!r}: {url} timed out after {timeout or REQUEST_TIMEOUT:g} s without "
                   f"an answer{_tries(last)}: check the URL and your network, or retry later "
                   "(clouds.yaml api_timeout sets the wait)")
        else:
            msg = f"cloud {name!r}: {url} {how}{_tries(last)}: check auth_url in clouds.yaml and that the cloud is up"
    elif isinstance(answered, int) and (answered >= 500 or answered == 429):
        fix = CloudUnavailable
        msg = (f"cloud {name!r}: HTTP {answered} from {last['method']} {last['url']}{_tries(last)}: "
               "the cloud is failing; retry later")
    elif isinstance(exc, ks.DiscoveryFailure):
        seen = f" (last answer: HTTP {answered} from {last['url']})" if last and answered else ""
        msg = (f"cloud {name!r}: no identity API answered at {where}{seen}: "
               "check auth_url (unversioned, /v3 or /v2.0) in clouds.yaml")
    elif isinstance(exc, ks.InvalidResponse):
        fix = CloudUnavailable
        msg = f"cloud {name!r}: the identity service at {where} gave an answer that cannot be read"
    elif isinstance(exc, ks.MissingRequiredOptions):
        missing = ", ".join(o.dest for o in exc.options)
        msg = f"cloud {name!r}: clouds.yaml auth is missing {missing}"
    elif isinstance(exc, ks.EndpointNotFound):
        msg = f"cloud {name!r}: {exc}: check region_name and interface in clouds.yaml"
    else:
        fix = CloudUnavailable
        msg = f"cloud {name!r}: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return fix((redactor or Redactor()).text(msg))


ADMIN_ROLES = frozenset({"admin", "cloud-admin", "cloud_admin"})
ENVIRONMENT_READS = 5


def read_environment_once(http: requests.Session) -> None:
    """requests reads the proxy and CA-bundle settings from os.environ before every request:
    iterating the whole environment twice cost 12% of a probing child's CPU (a 200-cloud
    run's largest single cost). A run's environment does not change, so each origin's
    settings are read once and reused (no_proxy decides per host, so per origin, not once).

    A read can also race: pytest sets and removes PYTEST_CURRENT_TEST in the main thread
    while the boot's background thread has requests iterate os.environ, and an iteration
    that meets a key removed under it raises KeyError (seen in a loaded fleet run): the
    environment is read again — nothing was sent."""
    merge = http.merge_environment_settings
    read: dict[tuple, dict[str, Any]] = {}

    def once(url: str, proxies: dict | None, stream: Any, verify: Any, cert: Any) -> dict[str, Any]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())), stream, verify, cert)
        try:
            settings = read.get(key)
        except TypeError:              # an unhashable setting: read it every time
            return _steadily(merge, url, proxies, stream, verify, cert)
        if settings is None:
            settings = read[key] = _steadily(merge, url, proxies, stream, verify, cert)
        # each request gets its own copy: requests and adapters may change what they are given
        return {**settings, "proxies": dict(settings.get("proxies") or {})}
    http.merge_environment_settings = once  # type: ignore[method-assign]


def _steadily(merge: Any, *args: Any) -> dict[str, Any]:
    for _ in range(ENVIRONMENT_READS - 1):
        try:
            return merge(*args)
        except KeyError:         # the environment changed while it was read
            continue
    return merge(*args)


class CloudConnection:
    """openstacksdk Connection + recorder for one cloud; authenticated on creation."""

    def __init__(self, target: "targets.Target | str", evidence_path: Path, evidence_prefix: str) -> None:
        self.target = targets.target(target) if isinstance(target, str) else target
        self.name = self.target.cloud
        region = self.target.config
        self.redactor = Redactor(secrets_in(region.config))
        self.retries = RetryPolicy()
        self.recorder = EvidenceRecorder(evidence_path, evidence_prefix, self.redactor,
                                         self.retries.describe())
        self.connection = openstack.connection.Connection(config=region)
        self.session = self.connection.session
        if self.session.timeout is None:
            self.session.timeout = REQUEST_TIMEOUT     # clouds.yaml api_timeout wins when set
        self.recorder.attach(self.session.session)     # inner: sees every try
        replay.install(self.session.session, self.redactor)   # verify's replay: answers from a bundle
        read_environment_once(self.session.session)
        self.retries.install(self.session)            # outer: bounds the tries
        self.warnings: list[str] = []
        self._catalog: tuple[object, list[dict]] | None = None
        self.authenticate()

    def authenticate(self) -> None:
        try:
            with self.retries.failing_fast():
                token = self.session.get_token()
        except (ks.ClientException, openstack.exceptions.SDKException) as exc:
            raise explain(self.name, self.target.auth_url, exc, self.redactor,
                          self.recorder.last, self.session.timeout) from None
        self.redactor.add(token)
        roles = set(self.session.auth.get_access(self.session).role_names or ())
        if roles & ADMIN_ROLES:
            self.warnings.append(
                f"cloud {self.name!r}: the token carries the {', '.join(sorted(roles & ADMIN_ROLES))} "
                "role; results then differ from what a member sees (use a member's credentials "
                "to certify)")

    @property
    def catalog(self) -> list[dict]:
        """The token's service catalog in v3 shape (v2 catalogs are normalised by keystoneauth),
        normalised once per token: keystoneauth deep-copies it each time, and probes read it
        hundreds of times a run. The token in hand is read without its expiry check (parsing
        two timestamps on each of a run's ~230 catalog reads cost 7% of a child's CPU): a
        request renews an expiring token, and the renewed token's catalog is read from then."""
        auth = self.session.auth
        access = getattr(auth, "auth_ref", None) or auth.get_access(self.session)
        if self._catalog is None or self._catalog[0] is not access:
            self._catalog = (access, access.service_catalog.normalize_catalog())
        return self._catalog[1]

    @property
    def project_id(self) -> str | None:
        return self.session.get_project_id()
