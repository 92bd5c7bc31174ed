"""The simulator's keystone documents have the shape keystoneauth's own fixtures give them.

keystoneauth1.fixture (V3Token, V2Token, DiscoveryList) is how keystoneauth builds the documents it
parses in its own tests. Each test rebuilds the simulator's answer with that builder, from the
values the simulator answered, and checks that every field the builder writes is there with the same
value: a field the simulator misses, misnames or shapes differently fails. (keystoneauth1.fixture
needs the `fixtures` package, which the `test` extra installs.)
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

fixture = pytest.importorskip("keystoneauth1.fixture", reason="keystoneauth1.fixture needs the test extra (fixtures)")


def _missing(built: Any, ours: Any, path: str = "") -> list[str]:
    """Paths where ``ours`` lacks what ``built`` has, or has it with another value."""
    if isinstance(built, dict):
        if not isinstance(ours, dict):
            return [f"{path}: {type(ours).__name__} instead of an object"]
        return [m for k, v in built.items() for m in
                (_missing(v, ours[k], f"{path}.{k}") if k in ours else [f"{path}.{k}: missing"])]
    if isinstance(built, list):
        if not isinstance(ours, list) or len(ours) != len(built):
            return [f"{path}: {ours!r} instead of {len(built)} items"]
        return [m for i, (b, o) in enumerate(zip(built, ours)) for m in _missing(b, o, f"{path}[{i}]")]
    return [] if built == ours else [f"{path}: {ours!r} instead of {built!r}"]


def _password_v3(c) -> dict[str, Any]:
    auth = c.auth
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": auth["username"], "password": auth["password"], "domain": {"name": auth["user_domain_name"]}}}},
        "scope": {"project": {"name": auth["project_name"], "domain": {"name": auth["project_domain_name"]}}}}}
    response = requests.post(c.root("identity") + "/v3/auth/tokens", json=body, timeout=10)
    assert response.status_code == 201
    return response.json()


@pytest.mark.parametrize("name", ["upstream-default", "dreamhost-2015"])
def test_v3_token_is_shaped_like_keystoneauths_v3token(client, name):
    ours = _password_v3(client(name))["token"]
    user, project = ours["user"], ours["project"]
    built = fixture.V3Token(expires=ours["expires_at"], issued=ours["issued_at"], methods=["password"],
                            user_id=user["id"], user_name=user["name"], user_domain_id=user["domain"]["id"],
                            user_domain_name=user["domain"]["name"], project_id=project["id"],
                            project_name=project["name"], project_domain_id=project["domain"]["id"],
                            project_domain_name=project["domain"]["name"], audit_id=ours["audit_ids"][0],
                            audit_chain_id=None)
    for role in ours["roles"]:
        built.add_role(name=role["name"], id=role["id"])
    for entry in ours["catalog"]:
        service = built.add_service(entry["type"], name=entry["name"], id=entry["id"])
        for ep in entry["endpoints"]:
            service.add_endpoint(ep["interface"], ep["url"], region=ep["region"], id=ep["id"])
    assert _missing(dict(built)["token"], ours) == []


@pytest.mark.parametrize("name", ["auro-2015", "dreamhost-2015"])
def test_v2_token_is_shaped_like_keystoneauths_v2token(client, name):
    c = client(name)
    body = {"auth": {"passwordCredentials": {"username": c.auth["username"], "password": c.auth["password"]},
                     "tenantName": c.auth["project_name"]}}
    response = requests.post(c.root("identity") + "/v2.0/tokens", json=body, timeout=10)
    assert response.status_code == 200
    ours = response.json()["access"]
    token, user = ours["token"], ours["user"]
    built = fixture.V2Token(token_id=token["id"], expires=token["expires"], issued=token["issued_at"],
                            tenant_id=token["tenant"]["id"], tenant_name=token["tenant"]["name"],
                            user_id=user["id"], user_name=user["name"], audit_id=token["audit_ids"][0],
                            audit_chain_id=None)
    for role, role_id in zip(user["roles"], ours["metadata"]["roles"]):
        built.add_role(name=role["name"], id=role_id)
    for entry in ours["serviceCatalog"]:
        service = built.add_service(entry["type"], entry["name"])
        for ep in entry["endpoints"]:
            made = service.add_endpoint(public=ep["publicURL"], internal=ep.get("internalURL"),
                                        admin=ep.get("adminURL"), region=ep["region"], id=ep["id"],
                                        tenant_id=token["tenant"]["id"])
            for url in ("internalURL", "adminURL"):  # the builder copies publicURL into interfaces a cloud lacks
                if url not in ep:
                    del made[url]
    assert _missing(dict(built)["access"], ours) == []


@pytest.mark.parametrize("name", ["upstream-default", "auro-2015", "dreamhost-2015"])
def test_identity_versions_are_shaped_like_keystoneauths_discovery(client, name):
    c = client(name)
    ours = {v["id"]: v for v in requests.get(c.root("identity") + "/", timeout=10).json()["versions"]["values"]}
    assert ours, "no identity versions listed"
    for vid, version in ours.items():
        if vid == "v2.0":
            built = fixture.V2Discovery(c.root("identity") + "/v2.0/")
        else:
            built = fixture.V3Discovery(c.root("identity") + "/v3/", id=vid)
        built.updated_str = version["updated"]
        # the builder adds describedby links of its own (and an XML media type for v3); what clients follow is self
        assert [link for link in version["links"] if link["rel"] == "self"] == \
            [link for link in built.pop("links") if link["rel"] == "self"], vid
        if "media-types" in built:
            built["media-types"] = [m for m in built["media-types"] if m["base"] == "application/json"]
        assert _missing(dict(built), version, vid) == []
