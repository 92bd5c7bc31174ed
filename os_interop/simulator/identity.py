"""Keystone: version discovery, v3 and v2.0 password authentication, the service catalog.

Only what clients use to get a project-scoped token: the one user and project of the cloud, a
catalog built from the personality, and keystone's error shape on bad credentials.
"""

from __future__ import annotations

from typing import Any

from .http import HTTPError, Request, Response, json_response, keystone_error
from .regions import regional_catalog
from .service import Service

_MEDIA = {"v3": "application/vnd.openstack.identity-v3+json", "v2.0": "application/vnd.openstack.identity-v2.0+json"}
_UPDATED = {"v3": "2020-04-07T00:00:00Z", "v2.0": "2014-04-17T00:00:00Z"}


class IdentityService(Service):
    prefix = "/identity"
    name = "keystone"
    service_type = "identity"

    @property
    def catalog_url(self) -> str:
        if not self.personality.identity.catalog_versioned:
            return self.url
        return self.url + ("/v3" if self.personality.identity.offers_v3 else "/v2.0")

    def routes(self) -> None:
        r = self.router
        r.add("GET", "/", self.versions, auth=False)
        r.add("GET", "/v3", self.version_v3, auth=False)
        r.add("POST", "/v3/auth/tokens", self.create_token_v3, auth=False)
        r.add("GET", "/v3/auth/tokens", self.validate_token_v3)
        r.add("DELETE", "/v3/auth/tokens", self.revoke_token_v3)
        r.add("GET", "/v3/auth/catalog", self.catalog_v3)
        r.add("GET", "/v3/auth/projects", self.projects_v3)
        r.add("GET", "/v3/projects/{project_id}", self.project_v3)
        r.add("GET", "/v3/users/{user_id}", self.user_v3)
        r.add("GET", "/v2.0", self.version_v2, auth=False)
        r.add("POST", "/v2.0/tokens", self.create_token_v2, auth=False)
        r.add("GET", "/v2.0/tenants", self.tenants_v2)

    def error(self, status: int, message: str, kind: str | None = None) -> HTTPError:
        return keystone_error(status, message)

    # -- discovery -------------------------------------------------------------------------------
    def _offered(self, major: str) -> str | None:
        wanted = major.split(".")[0]
        return next((v for v in self.personality.identity.versions if v.split(".")[0] == wanted), None)

    def _entry(self, vid: str) -> dict[str, Any]:
        major = "v2.0" if vid == "v2.0" else "v3"
        links = [{"rel": "self", "href": f"{self.url}/{major}/"}]
        if major == "v2.0":
            links.append({"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"})
        return {"id": vid, "status": "stable", "updated": _UPDATED[major], "links": links,
                "media-types": [{"base": "application/json", "type": _MEDIA[major]}]}

    def versions(self, req: Request) -> Response:
        values = [self._entry(v) for v in sorted(self.personality.identity.versions, reverse=True)]
        return json_response(300, {"versions": {"values": values}})

    def _version(self, major: str) -> Response:
        vid = self._offered(major)
        if vid is None:
            raise self.error(404, "The resource could not be found.")
        return json_response(200, {"version": self._entry(vid)})

    def version_v3(self, req: Request) -> Response:
        return self._version("v3")

    def version_v2(self, req: Request) -> Response:
        return self._version("v2.0")

    # -- v3 --------------------------------------------------------------------------------------
    def _require(self, major: str) -> None:
        if self._offered(major) is None:
            raise self.error(404, "The resource could not be found.")

    def _check_password(self, username: str | None, user_id: str | None, password: str | None) -> None:
        s = self.state
        if (username == s.username or user_id == s.user_id) and password == s.password:
            return
        raise self.error(401, "The request you have made requires authentication.")

    def _domain_ok(self, domain: dict[str, Any] | None) -> bool:
        ours = self.state.domain
        return domain is None or domain.get("id") == ours["id"] or domain.get("name") == ours["name"]

    def create_token_v3(self, req: Request) -> Response:
        self._require("v3")
        try:
            auth = req.json()["auth"]
            identity = auth["identity"]
            methods = identity["methods"]
        except (ValueError, KeyError, TypeError):
            raise self.error(400, "Expecting to find auth in request body.") from None
        s = self.state
        if "password" in methods:
            user = identity.get("password", {}).get("user", {})
            if "id" not in user and not self._domain_ok(user.get("domain")):
                raise self.error(401, "The request you have made requires authentication.")
            self._check_password(user.get("name"), user.get("id"), user.get("password"))
        elif "token" in methods:
            self.cloud.authenticate(identity.get("token", {}).get("id"))
        else:
            raise self.error(401, "The request you have made requires authentication.")
        project = (auth.get("scope") or {}).get("project")
        if project is not None and not (project.get("id") == s.project_id or (
                project.get("name") == s.project_name and self._domain_ok(project.get("domain")))):
            raise self.error(401, "The request you have made requires authentication.")
        token = s.issue_token("v3")
        body = self._token_body(token, scoped=project is not None)
        return json_response(201, {"token": body}, {"X-Subject-Token": token["id"]})

    def _token_body(self, token: dict[str, Any], scoped: bool = True) -> dict[str, Any]:
        s = self.state
        body: dict[str, Any] = {
            "methods": ["password"], "audit_ids": token["audit_ids"],
            "expires_at": token["expires_at"].replace("Z", ".000000Z"),
            "issued_at": token["issued_at"].replace("Z", ".000000Z"),
            "user": {"domain": dict(s.domain), "id": s.user_id, "name": s.username, "password_expires_at": None},
        }
        if scoped:
            body.update({
                "project": {"domain": dict(s.domain), "id": s.project_id, "name": s.project_name},
                "is_domain": False,
                "roles": [{"id": f"{i:032x}", "name": name} for i, name in enumerate(token["roles"], 1)],
                "catalog": self._catalog_v3(),
            })
        return body

    def _catalog_v3(self) -> list[dict[str, Any]]:
        interfaces = self.personality.catalog.interfaces
        return [{"type": svc["type"], "name": svc["name"], "id": svc["id"],
                 "endpoints": [{"id": f"{svc['id'][:28]}{i + j * len(interfaces):04x}", "interface": iface,
                                "region": region, "region_id": region, "url": url}
                               for j, (region, url) in enumerate(svc["urls"])
                               for i, iface in enumerate(interfaces)]}
                for svc in regional_catalog(self.cloud)]

    def _subject(self, req: Request) -> dict[str, Any]:
        token = self.state.tokens.get(req.headers.get("X-Subject-Token") or "")
        if token is None:
            raise self.error(404, "Could not find token.")
        return token

    def validate_token_v3(self, req: Request) -> Response:
        token = self._subject(req)
        return json_response(200, {"token": self._token_body(token)}, {"X-Subject-Token": token["id"]})

    def revoke_token_v3(self, req: Request) -> Response:
        token = self._subject(req)
        with self.state.lock:
            self.state.tokens[token["id"]]["revoked"] = True
        return Response(204)

    def catalog_v3(self, req: Request) -> Response:
        return json_response(200, {"catalog": self._catalog_v3(), "links": {"self": f"{self.url}/v3/auth/catalog"}})

    def _project(self) -> dict[str, Any]:
        s = self.state
        return {"id": s.project_id, "name": s.project_name, "domain_id": s.domain["id"], "enabled": True,
                "description": "", "is_domain": False, "parent_id": s.domain["id"], "tags": [], "options": {},
                "links": {"self": f"{self.url}/v3/projects/{s.project_id}"}}

    def projects_v3(self, req: Request) -> Response:
        return json_response(200, {"projects": [self._project()], "links": {"self": f"{self.url}/v3/auth/projects"}})

    def project_v3(self, req: Request, project_id: str) -> Response:
        if project_id != self.state.project_id:
            raise self.error(403, "You are not authorized to perform the requested action: identity:get_project.")
        return json_response(200, {"project": self._project()})

    def user_v3(self, req: Request, user_id: str) -> Response:
        s = self.state
        if user_id != s.user_id:
            raise self.error(403, "You are not authorized to perform the requested action: identity:get_user.")
        return json_response(200, {"user": {"id": s.user_id, "name": s.username, "domain_id": s.domain["id"],
                                            "enabled": True, "password_expires_at": None, "options": {},
                                            "links": {"self": f"{self.url}/v3/users/{s.user_id}"}}})

    # -- v2.0 ------------------------------------------------------------------------------------
    def create_token_v2(self, req: Request) -> Response:
        self._require("v2.0")
        try:
            auth = req.json()["auth"]
        except (ValueError, KeyError, TypeError):
            raise self.error(400, "Expecting to find auth in request body.") from None
        s = self.state
        if "passwordCredentials" in auth:
            creds = auth["passwordCredentials"]
            self._check_password(creds.get("username"), creds.get("userId"), creds.get("password"))
        elif "token" in auth:
            self.cloud.authenticate(auth["token"].get("id"))
        else:
            raise self.error(401, "The request you have made requires authentication.")
        scoped = "tenantName" in auth or "tenantId" in auth
        if scoped and not (auth.get("tenantName") == s.project_name or auth.get("tenantId") == s.project_id):
            raise self.error(401, "The request you have made requires authentication.")
        token = s.issue_token("v2.0")
        tenant = {"id": s.project_id, "name": s.project_name, "enabled": True, "description": ""}
        access: dict[str, Any] = {
            "token": {"id": token["id"], "issued_at": token["issued_at"], "expires": token["expires_at"],
                      "audit_ids": token["audit_ids"], **({"tenant": tenant} if scoped else {})},
            "serviceCatalog": self._catalog_v2() if scoped else [],
            "user": {"id": s.user_id, "name": s.username, "username": s.username, "roles_links": [],
                     "roles": [{"name": r} for r in token["roles"]]},
            "metadata": {"is_admin": 0, "roles": [f"{i:032x}" for i, _ in enumerate(token["roles"], 1)]},
        }
        return json_response(200, {"access": access})

    def _catalog_v2(self) -> list[dict[str, Any]]:
        interfaces = self.personality.catalog.interfaces
        return [{"type": svc["type"], "name": svc["name"], "endpoints_links": [],
                 "endpoints": [{"id": svc["id"], "region": region, "tenantId": self.state.project_id,
                                **{f"{iface}URL": url for iface in interfaces}}
                               for region, url in svc["urls"]]}
                for svc in regional_catalog(self.cloud)]

    def tenants_v2(self, req: Request) -> Response:
        s = self.state
        return json_response(200, {"tenants": [{"id": s.project_id, "name": s.project_name, "enabled": True,
                                                "description": ""}], "tenants_links": []})
