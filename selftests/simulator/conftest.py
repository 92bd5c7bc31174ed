"""Fixtures for the simulator's own tests: one fleet of every shipped personality per session."""

from __future__ import annotations

import pytest
import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic

from os_interop.simulator import Fleet, load_personality, shipped_personalities


@pytest.fixture(scope="session")
def personalities():
    return {p.name: p for p in map(load_personality, shipped_personalities())}


@pytest.fixture(scope="session")
def fleet(personalities):
    with Fleet.start(list(personalities.values())) as running:
        yield running
        errors = {name: running.server_errors(name) for name in running.clouds}
        assert not any(errors.values()), f"the simulator answered 5xx: {errors}"


class Client:
    """A keystoneauth session on one simulated cloud, with raw-request helpers."""

    def __init__(self, fleet: Fleet, name: str):
        self.name = name
        self.fleet = fleet
        self.auth = dict(fleet.clouds_yaml()["clouds"][name]["auth"])
        self.session = ks_session.Session(auth=generic.Password(**self.auth))
        self.token = self.session.get_token()
        self.project_id = self.session.get_project_id()

    def url(self, service_type: str) -> str:
        return self.session.get_endpoint(service_type=service_type, interface="public").rstrip("/")

    def root(self, service_type: str) -> str:
        return self.fleet.url(self.name) + {"identity": "/identity", "image": "/image", "compute": "/compute",
                                            "network": "/network"}[service_type]

    def call(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {"X-Auth-Token": self.token, "Accept": "application/json", **kwargs.pop("headers", {})}
        return requests.request(method, url, headers=headers, timeout=10, **kwargs)

    def compute(self, method: str, path: str, microversion: str | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if microversion:
            headers["OpenStack-API-Version"] = f"compute {microversion}"
        return self.call(method, self.url("compute") + path, headers=headers, **kwargs)

    def network(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.call(method, self.url("network").removesuffix("/v2.0") + "/v2.0" + path, **kwargs)

    def image(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.call(method, self.root("image") + path, **kwargs)


@pytest.fixture(scope="session")
def client(fleet):
    cache: dict[str, Client] = {}

    def get(name: str) -> Client:
        if name not in cache:
            cache[name] = Client(fleet, name)
        return cache[name]
    return get
