"""Keystone as clients meet it: discovery, v3 and v2.0 password auth, catalog shapes, 401s."""

from __future__ import annotations

import pytest
import requests
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic, v2, v3

from os_interop.simulator import shipped_personalities

NAMES = [p.stem for p in shipped_personalities()]


@pytest.mark.parametrize("name", NAMES)
def test_generic_password_auth_and_catalog(fleet, personalities, client, name):
    """keystoneauth's generic plugin discovers the right version from the clouds.yaml entry and
    the token's catalog lists exactly the services the personality declares."""
    c = client(name)
    p = personalities[name]
    assert c.token.startswith("gAAAAA") and len(c.token) > 100
    assert c.token in fleet.secrets(name) and c.auth["password"] in fleet.secrets(name)
    access = c.session.auth.get_access(c.session)
    expected = p.expected_observations["catalog.services"]
    assert sorted(access.service_catalog.get_endpoints()) == expected
    assert access.project_id == c.project_id and len(c.project_id) == 32
    major = "3" if p.identity.offers_v3 else "2.0"
    assert type(access).__name__ == ("AccessInfoV3" if major == "3" else "AccessInfoV2")
    for service_type in expected:
        assert c.session.get_endpoint(service_type=service_type, interface="public").startswith(fleet.url(name))


@pytest.mark.parametrize("name", NAMES)
def test_identity_root_lists_the_declared_versions(fleet, personalities, name):
    response = requests.get(fleet.url(name) + "/identity/", timeout=5)
    assert response.status_code == 300
    values = response.json()["versions"]["values"]
    assert sorted(v["id"] for v in values) == personalities[name].expected_observations["identity.versions"]
    for v in values:
        assert v["status"] == "stable" and v["links"][0]["rel"] == "self" and v["media-types"]


def test_explicit_v3_token_shape(fleet):
    auth = fleet.clouds_yaml()["clouds"]["upstream-default"]["auth"]
    url = auth["auth_url"] + "/v3/auth/tokens"
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": auth["username"], "password": auth["password"], "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": auth["project_name"], "domain": {"name": "Default"}}}}}
    response = requests.post(url, json=body, timeout=5)
    assert response.status_code == 201
    token = response.json()["token"]
    assert response.headers["X-Subject-Token"] in fleet.secrets("upstream-default")
    assert {"catalog", "roles", "project", "user", "expires_at", "issued_at", "methods"} <= set(token)
    endpoint = token["catalog"][0]["endpoints"][0]
    assert {"id", "interface", "region", "region_id", "url"} <= set(endpoint)
    session = ks_session.Session(auth=v3.Password(auth_url=auth["auth_url"], username=auth["username"],
                                                  password=auth["password"], project_name=auth["project_name"],
                                                  user_domain_name="Default", project_domain_name="Default"))
    assert session.get_endpoint(service_type="image", interface="public") == fleet.url("upstream-default") + "/image"


def test_explicit_v2_token_shape(fleet):
    auth = fleet.clouds_yaml()["clouds"]["rackspace-2015"]["auth"]
    assert auth["auth_url"].endswith("/identity/v2.0") and "user_domain_name" not in auth
    response = requests.post(auth["auth_url"] + "/tokens", json={"auth": {"passwordCredentials": {
        "username": auth["username"], "password": auth["password"]}, "tenantName": auth["project_name"]}}, timeout=5)
    assert response.status_code == 200
    access = response.json()["access"]
    assert access["token"]["id"].startswith("gAAAAA") and access["token"]["tenant"]["name"] == auth["project_name"]
    entry = next(s for s in access["serviceCatalog"] if s["type"] == "image")
    assert entry["endpoints"][0]["publicURL"].endswith("/image/v2")
    assert {"adminURL", "internalURL", "region", "id"} <= set(entry["endpoints"][0])
    session = ks_session.Session(auth=v2.Password(**{k: auth[k] for k in ("auth_url", "username", "password")},
                                                  tenant_name=auth["project_name"]))
    assert session.get_token()


def test_v3_is_refused_where_only_v2_exists(fleet):
    """A v2.0-only cloud has no /v3, and keystoneauth cannot use v2.0 with domain parameters."""
    auth = fleet.clouds_yaml()["clouds"]["rackspace-2015"]["auth"]
    v3 = requests.post(fleet.url("rackspace-2015") + "/identity/v3/auth/tokens", json={}, timeout=5)
    assert v3.status_code == 404
    session = ks_session.Session(auth=generic.Password(
        auth_url=fleet.url("rackspace-2015") + "/identity", username=auth["username"], password=auth["password"],
        project_name=auth["project_name"], user_domain_name="Default", project_domain_name="Default"))
    with pytest.raises(ks_exc.DiscoveryFailure):
        session.get_token()


def test_wrong_password_is_a_keystone_401(fleet):
    auth = fleet.clouds_yaml()["clouds"]["upstream-default"]["auth"]
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": auth["username"], "password": "wrong", "domain": {"name": "Default"}}}}}}
    response = requests.post(auth["auth_url"] + "/v3/auth/tokens", json=body, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"error": {"code": 401, "title": "Unauthorized",
                                         "message": "The request you have made requires authentication."}}


@pytest.mark.parametrize("path", ["/image/v2/images", "/compute/v2.1/servers", "/network/v2.0/networks"])
def test_services_require_a_valid_token(fleet, path):
    base = fleet.url("upstream-default")
    for headers in ({}, {"X-Auth-Token": "gAAAAAguessed"}):
        response = requests.get(base + path, headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == 401
