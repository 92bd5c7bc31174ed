"""An authenticated connection to one cloud, recording evidence, with one-line errors.

The keystoneauth session is the single path to the cloud: openstacksdk proxies and
raw calls share it, so every exchange (auth included) passes the evidence recorder.
"""

from __future__ import annotations

import logging
from pathlib import Path

import openstack.connection
from keystoneauth1 import exceptions as ks

from os_interop import targets
from os_interop.errors import CloudUnavailable
from os_interop.evidence import EvidenceRecorder
from os_interop.redaction import Redactor

REQUEST_TIMEOUT = 30.0

for _noisy in ("keystoneauth", "openstack", "stevedore", "urllib3"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)


def _secrets_in(config: dict) -> list[str]:
    auth = config.get("auth", {}) or {}
    return [str(v) for k, v in auth.items()
            if any(word in k.lower() for word in ("password", "secret", "token", "passcode"))]


def explain(name: str, auth_url: str | None, exc: Exception, redactor: Redactor | None = None) -> str:
    """One line saying what went wrong talking to a cloud and what to do about it."""
    where = auth_url or "its auth_url"
    if isinstance(exc, ks.Unauthorized):
        msg = (f"cloud {name!r}: authentication failed (401) at {where}: check username, "
               "password, project and domain names in clouds.yaml")
    elif isinstance(exc, ks.Forbidden):
        msg = f"cloud {name!r}: forbidden (403) at {where}: the user lacks a role on the project"
    elif isinstance(exc, ks.SSLError):
        msg = (f"cloud {name!r}: TLS verification failed for {where}: set 'cacert' "
               "(or 'verify: false' for a test cloud) in clouds.yaml")
    elif isinstance(exc, (ks.ConnectTimeout, ks.RequestTimeout)):
        msg = (f"cloud {name!r}: {where} did not answer within {REQUEST_TIMEOUT:.0f}s: "
               "check the URL and your network, or retry later")
    elif isinstance(exc, ks.ConnectFailure):
        msg = (f"cloud {name!r}: cannot connect to {where} (refused or unresolvable): "
               "check auth_url in clouds.yaml and that the cloud is up")
    elif isinstance(exc, ks.DiscoveryFailure):
        msg = (f"cloud {name!r}: no identity API answered at {where}: check auth_url "
               "(unversioned, /v3 or /v2.0) in clouds.yaml")
    elif isinstance(exc, ks.MissingRequiredOptions):
        missing = ", ".join(o.dest for o in exc.options)
        msg = f"cloud {name!r}: clouds.yaml auth is missing {missing}"
    elif isinstance(exc, ks.EndpointNotFound):
        msg = f"cloud {name!r}: {exc}: check region_name and interface in clouds.yaml"
    else:
        msg = f"cloud {name!r}: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return (redactor or Redactor()).text(msg)


class CloudConnection:
    """openstacksdk Connection + recorder for one cloud; authenticated on creation."""

    def __init__(self, name: str, evidence_path: Path, evidence_prefix: str) -> None:
        self.name = name
        region = targets.region(name)
        self.target = targets.Target(name=name, region=region.region_name or None,
                                     auth_url=region.config.get("auth", {}).get("auth_url"))
        self.redactor = Redactor(_secrets_in(region.config))
        self.recorder = EvidenceRecorder(evidence_path, evidence_prefix, self.redactor)
        self.connection = openstack.connection.Connection(config=region)
        self.session = self.connection.session
        if self.session.timeout is None:
            self.session.timeout = REQUEST_TIMEOUT
        self.recorder.attach(self.session.session)
        self.authenticate()

    def authenticate(self) -> None:
        try:
            token = self.session.get_token()
        except (ks.ClientException, openstack.exceptions.SDKException) as exc:
            raise CloudUnavailable(explain(self.name, self.target.auth_url, exc, self.redactor)) from None
        self.redactor.add(token)

    @property
    def catalog(self) -> list[dict]:
        """The token's service catalog in v3 shape (v2 catalogs are normalised by keystoneauth)."""
        access = self.session.auth.get_access(self.session)
        return access.service_catalog.normalize_catalog()

    @property
    def project_id(self) -> str | None:
        return self.session.get_project_id()
