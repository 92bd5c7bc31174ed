"""A member-user session on the cloud plus the few REST helpers the observers share."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

import openstack.config
import requests
from openstack.connection import Connection

T = TypeVar("T")
VERSIONED = re.compile(r"/v\d+(\.\d+)?/?$")


@dataclass
class Cloud:
    """The cloud as the member user sees it; `created` lists cleanup callbacks."""

    conn: Connection
    created: list = field(default_factory=list)

    @classmethod
    def open(cls, clouds_yaml: str, name: str) -> "Cloud":
        """The cloud `name` of a clouds.yaml file."""
        config = openstack.config.OpenStackConfig(config_files=[clouds_yaml], load_envvars=False)
        return cls(Connection(config=config.get_one(name)))

    @property
    def project_id(self) -> str:
        return self.conn.current_project_id

    def catalog(self) -> dict[str, str]:
        """service type -> public endpoint URL."""
        return {entry["type"]: next(e["url"] for e in entry["endpoints"] if e["interface"] == "public")
                for entry in self.conn.service_catalog}

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Absolute URL, authenticated, never raising on HTTP status."""
        return self.conn.session.request(url, method, raise_exc=False, **kwargs)

    def service(self, service_type: str, path: str, method: str = "GET",
                **kwargs: Any) -> requests.Response:
        """`path` under a service's versioned API root (image /v2, network /v2.0)."""
        root = self.catalog()[service_type].rstrip("/")
        prefix = {"image": "/v2", "network": "/v2.0"}.get(service_type, "")
        if VERSIONED.search(root):
            prefix = ""
        return self.request(method, root + prefix + path, **kwargs)

    def json(self, service_type: str, path: str) -> Any:
        """GET `path` of a service; its JSON body (asserts 200)."""
        response = self.service(service_type, path)
        assert response.status_code == 200, f"GET {path}: HTTP {response.status_code}"
        return response.json()


def root_of(url: str) -> str:
    """scheme://host:port of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def wait_for(check: Callable[[], T], timeout: float, what: str, interval: float = 0.5) -> T:
    """Poll `check()` until it returns a truthy value; AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
