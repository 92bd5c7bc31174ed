"""Swift: just enough account/container/object API for a glance task import (upload, read, delete).

Objects live in the cloud state so the image service can import them by ``container/object``.
"""

from __future__ import annotations

import hashlib
import time
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from .http import HTTPError, Request, Response, json_response, text_response
from .service import Route, Service
from .stamps import now

_MESSAGES = {
    401: "This server could not verify that you are authorized to access the document you requested.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    409: "There was a conflict when trying to complete your request.",
}


class ObjectStoreService(Service):
    prefix = "/object-store"
    name = "swift"
    service_type = "object-store"

    @property
    def catalog_url(self) -> str:
        return f"{self.url}/v1/AUTH_{self.state.project_id}"

    def routes(self) -> None:
        r = self.router
        r.add("GET", "/info", self.info, auth=False)
        r.add("GET|HEAD|POST", "/v1/{account}", self.account)
        r.add("GET|HEAD|PUT|POST|DELETE", "/v1/{account}/{container}", self.container)
        r.add("GET|HEAD|PUT|POST|DELETE", "/v1/{account}/{container}/{name:path}", self.object)

    def error(self, status: int, message: str, kind: str | None = None) -> HTTPError:
        phrase = HTTPStatus(status).phrase
        text = _MESSAGES.get(status, message)
        html = f"<html><h1>{phrase}</h1><p>{text}</p></html>"
        return HTTPError(text_response(status, html, "text/html; charset=UTF-8"))

    def before(self, req: Request, route: Route) -> None:
        try:
            super().before(req, route)
        except HTTPError:
            raise self.error(401, "") from None

    def info(self, req: Request) -> Response:
        return json_response(200, {"swift": {"version": "2.25.0", "max_file_size": 5368709122,
                                             "max_object_name_length": 1024, "container_listing_limit": 10000,
                                             "account_listing_limit": 10000, "max_meta_count": 90,
                                             "strict_cors_mode": True,
                                             "policies": [{"name": "Policy-0", "default": True}]},
                                   # swift's slo middleware registers this section; min_segment_size is
                                   # fixed at 1 for old clients (openstacksdk reads it, and crashes without it)
                                   "slo": {"max_manifest_segments": 1000, "max_manifest_size": 8388608,
                                           "yield_frequency": 10, "min_segment_size": 1},
                                   "tempurl": {"methods": ["GET", "HEAD", "PUT", "POST", "DELETE"]}})

    # -- helpers ---------------------------------------------------------------------------------
    def _account(self, req: Request, account: str) -> str:
        if account != f"AUTH_{req.auth['project_id']}":
            raise self.error(403, "")
        return account

    def _meta(self, req: Request, prefix: str) -> dict[str, str]:
        return {k.title(): v for k, v in req.headers.items() if k.lower().startswith(prefix)}

    def _expired(self, key: str) -> bool:
        obj = self.state.objects.get(key)
        if obj is not None and obj.get("_delete_at") and obj["_delete_at"] <= time.time():
            del self.state.objects[key]
            return True
        return obj is None

    def _listing(self, req: Request, items: list[dict[str, Any]]) -> Response:
        prefix = req.q("prefix") or ""
        marker = req.q("marker") or ""
        items = [i for i in items if i["name"].startswith(prefix) and i["name"] > marker]
        items.sort(key=lambda i: i["name"])
        items = items[: int(req.q("limit") or 10000)]
        if (req.q("format") or "").lower() == "json" or "json" in (req.headers.get("Accept") or ""):
            return json_response(200, items)
        if not items:
            return Response(204)
        return text_response(200, "".join(i["name"] + "\n" for i in items))

    # -- account, container, object ----------------------------------------------------------------
    def account(self, req: Request, account: str) -> Response:
        account = self._account(req, account)
        with self.state.lock:
            containers = [c for c in self.state.containers.values() if c["account"] == account]
            objects = [o for o in self.state.objects.values() if o["account"] == account]
        headers = [("X-Account-Container-Count", str(len(containers))), ("X-Account-Object-Count", str(len(objects))),
                   ("X-Account-Bytes-Used", str(sum(len(o["_data"]) for o in objects))),
                   ("X-Timestamp", f"{time.time():.5f}")]
        if req.method == "POST":
            return Response(204, b"", headers)
        if req.method == "HEAD":
            return Response(204, b"", headers)
        resp = self._listing(req, [{"name": c["name"], "count": sum(1 for o in objects if o["container"] == c["name"]),
                                    "bytes": sum(len(o["_data"]) for o in objects if o["container"] == c["name"]),
                                    "last_modified": c["created_at"]} for c in containers])
        resp.headers.extend(headers)
        return resp

    def container(self, req: Request, account: str, container: str) -> Response:
        account = self._account(req, account)
        key = f"{account}/{container}"
        with self.state.lock:
            record = self.state.containers.get(key)
            if req.method == "PUT":
                if record is None:
                    self.state.containers[key] = {"id": key, "name": container, "account": account,
                                                  "project_id": req.auth["project_id"], "created_at": now(),
                                                  "_meta": self._meta(req, "x-container-")}
                    return Response(201, b"", [("Content-Type", "text/html; charset=UTF-8")])
                record["_meta"].update(self._meta(req, "x-container-"))
                return Response(202, b"", [("Content-Type", "text/html; charset=UTF-8")])
            if record is None:
                raise self.error(404, "")
            objects = [o for k, o in list(self.state.objects.items())
                       if o["account"] == account and o["container"] == container and not self._expired(k)]
            if req.method == "DELETE":
                if objects:
                    raise self.error(409, "")
                del self.state.containers[key]
                return Response(204)
            if req.method == "POST":
                record["_meta"].update(self._meta(req, "x-container-"))
                return Response(204)
        headers = [("X-Container-Object-Count", str(len(objects))),
                   ("X-Container-Bytes-Used", str(sum(len(o["_data"]) for o in objects))),
                   ("X-Timestamp", f"{time.time():.5f}"), *record["_meta"].items()]
        if req.method == "HEAD":
            return Response(204, b"", headers)
        resp = self._listing(req, [{"name": o["name"], "hash": o["etag"], "bytes": len(o["_data"]),
                                    "content_type": o["content_type"], "last_modified": o["last_modified"]}
                                   for o in objects])
        resp.headers.extend(headers)
        return resp

    def object(self, req: Request, account: str, container: str, name: str) -> Response:
        account = self._account(req, account)
        key = f"{account}/{container}/{name}"
        with self.state.lock:
            if f"{account}/{container}" not in self.state.containers:
                raise self.error(404, "")
            if req.method == "PUT":
                etag = hashlib.md5(req.body).hexdigest()
                delete_after = req.headers.get("X-Delete-After")
                delete_at = req.headers.get("X-Delete-At")
                self.state.objects[key] = {
                    "id": key, "name": name, "container": container, "account": account,
                    "project_id": req.auth["project_id"], "_data": req.body, "etag": etag,
                    "content_type": req.headers.get("Content-Type") or "application/octet-stream",
                    "last_modified": now().rstrip("Z") + ".000000", "_meta": self._meta(req, "x-object-meta-"),
                    "_delete_at": (time.time() + int(delete_after) if delete_after
                                   else float(delete_at) if delete_at else None),
                }
                return Response(201, b"", [("Etag", etag), ("Last-Modified", formatdate(usegmt=True)),
                                           ("Content-Type", "text/html; charset=UTF-8")])
            if self._expired(key):
                raise self.error(404, "")
            obj = self.state.objects[key]
            if req.method == "DELETE":
                del self.state.objects[key]
                return Response(204)
            if req.method == "POST":
                obj["_meta"] = self._meta(req, "x-object-meta-")
                return Response(202, b"", [("Content-Type", "text/html; charset=UTF-8")])
        headers = [("Content-Type", obj["content_type"]), ("Etag", obj["etag"]),
                   ("Last-Modified", formatdate(usegmt=True)), ("X-Timestamp", f"{time.time():.5f}"),
                   *obj["_meta"].items()]
        if req.method == "HEAD":
            return Response(200, b"", headers + [("Content-Length", str(len(obj["_data"])))])
        return Response(200, obj["_data"], headers)
