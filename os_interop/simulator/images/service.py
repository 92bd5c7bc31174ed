"""Glance: the service (error shape, version negotiation, version and schema documents) and its parts.

The personality decides which versions exist, where the version document's links point, which
formats the schema accepts, and which upload routes work (PUT, interoperable import, tasks, and
v1 where v2 refuses the data: put_upload "v1-only", as on Enter Cloud Suite in 2016).
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from ..http import HTTPError, Request, Response, json_response
from ..service import Service
from .imports import Import
from .records import Records
from .tasks import Tasks
from .v1 import V1
from .v2 import Images


def _glance_error(status: int, message: str) -> HTTPError:
    phrase = HTTPStatus(status).phrase
    return HTTPError(json_response(status, {"message": message, "code": f"{status} {phrase}", "title": phrase}))


def _collection(name: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "properties": {name: {"type": "array", "items": item}, "schema": {"type": "string"},
                                         "first": {"type": "string"}, "next": {"type": "string"}},
            "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                      {"rel": "describedby", "href": "{schema}"}]}


def _schemas(disk_formats: list[str], container_formats: list[str]) -> dict[str, dict[str, Any]]:
    """glance's /v2/schemas documents; the format enums are where a cloud states what it accepts."""
    string, nullable = {"type": "string"}, {"type": ["null", "string"]}
    read_only = {"type": "string", "readOnly": True}
    image = {
        "name": "image", "additionalProperties": {"type": "string"},
        "properties": {
            "id": {"type": "string", "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-"
                                                "([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
            "name": {**nullable, "maxLength": 255},
            "status": {**read_only, "enum": ["queued", "saving", "active", "killed", "deleted", "uploading",
                                             "importing", "pending_delete", "deactivated"]},
            "visibility": {"type": "string", "enum": ["community", "public", "private", "shared"]},
            "protected": {"type": "boolean"}, "os_hidden": {"type": "boolean"},
            "checksum": {**nullable, "readOnly": True, "maxLength": 32},
            "os_hash_algo": {**nullable, "readOnly": True}, "os_hash_value": {**nullable, "readOnly": True},
            "owner": {**nullable, "maxLength": 255},
            "size": {"type": ["null", "integer"], "readOnly": True},
            "virtual_size": {"type": ["null", "integer"], "readOnly": True},
            "container_format": {**nullable, "enum": [None, *container_formats]},
            "disk_format": {**nullable, "enum": [None, *disk_formats]},
            "created_at": read_only, "updated_at": read_only,
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 255}},
            "min_ram": {"type": "integer"}, "min_disk": {"type": "integer"},
            "self": read_only, "file": read_only, "schema": read_only,
        },
        "links": [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"},
                  {"rel": "describedby", "href": "{schema}"}],
    }
    task = {"name": "task", "properties": {
        "id": string, "type": {"type": "string", "enum": ["import", "api_image_import", "location_import"]},
        "status": {"type": "string", "enum": ["pending", "processing", "success", "failure"]},
        "input": {"type": ["null", "object"]}, "result": {"type": ["null", "object"]}, "owner": string,
        "message": string, "image_id": string, "request_id": string, "user_id": string,
        "expires_at": nullable, "created_at": string, "updated_at": string, "self": string, "schema": string}}
    return {"image": image, "images": _collection("images", image), "task": task, "tasks": _collection("tasks", task)}


class ImageService(Service):
    prefix = "/image"
    name = "glance"
    service_type = "image"
    parts = (Records, Images, Import, Tasks, V1)

    @property
    def catalog_url(self) -> str:
        img = self.personality.image
        if not img.catalog_versioned:
            return self.url
        return self.url + ("/v2" if img.v2_max_minor is not None else "/v1")

    def routes(self) -> None:
        r = self.router
        r.add("GET", "/", self.versions_choice, auth=False)
        r.add("GET", "/versions", self.versions_list, auth=False)
        if self.personality.image.v2_max_minor is not None:
            for schema in ("image", "images", "task", "tasks"):
                r.add("GET", f"/v2/schemas/{schema}", lambda req, s=schema: json_response(200, self._schema(s)))

    def error(self, status: int, message: str, kind: str | None = None) -> HTTPError:
        return _glance_error(status, message)

    def not_found(self, req: Request) -> Response:
        # glance's version negotiation answers unknown /vN/... paths with the version list
        if re.match(r"^/v\d", req.path[len(self.prefix):]):
            return self.versions_choice(req)
        return super().not_found(req)

    # -- discovery -------------------------------------------------------------------------------
    def _versions_doc(self) -> dict[str, Any]:
        img = self.personality.image
        base = img.discovery_base or self.url
        out = []
        if img.v2_max_minor is not None:
            for minor in range(img.v2_max_minor, -1, -1):
                out.append({"id": f"v2.{minor}", "status": "CURRENT" if minor == img.v2_max_minor else "SUPPORTED",
                            "links": [{"rel": "self", "href": f"{base}/v2/"}]})
        if img.v1:
            v1_only = img.v2_max_minor is None
            for vid in ("v1.1", "v1.0"):
                out.append({"id": vid, "status": "CURRENT" if v1_only and vid == "v1.1" else "SUPPORTED",
                            "links": [{"rel": "self", "href": f"{base}/v1/"}]})
        return {"versions": out}

    def versions_choice(self, req: Request) -> Response:
        return json_response(300, self._versions_doc())

    def versions_list(self, req: Request) -> Response:
        return json_response(200, self._versions_doc())

    def _schema(self, which: str) -> dict[str, Any]:
        img = self.personality.image
        return _schemas(img.disk_formats, img.container_formats)[which]
