"""glance v2 images: list (filters, visibility, pagination), create, show, JSON-patch update, delete, data, tags."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from ..http import Request, Response, empty, json_response
from ..listing import MarkerNotFound, attribute_filter, paginate
from ..service import Router
from ..stamps import now
from .records import _BASE, _READ_ONLY, ImagePart, visible_image

_PATCH_TYPES = ("application/openstack-images-v2.1-json-patch", "application/openstack-images-v2.0-json-patch")
_LIST_RESERVED = ("limit", "marker", "sort_key", "sort_dir", "sort", "visibility", "tag", "member_status",
                  "size_min", "size_max", "os_hidden")


class Images(ImagePart):
    def routes(self, r: Router) -> None:
        if self.personality.image.v2_max_minor is None:
            return
        r.add("GET", "/v2/images", self.list_images)
        r.add("POST", "/v2/images", self.create_image)
        r.add("GET", "/v2/images/{image_id}", self.show_image)
        r.add("PATCH", "/v2/images/{image_id}", self.update_image)
        r.add("DELETE", "/v2/images/{image_id}", self.delete_image)
        r.add("PUT", "/v2/images/{image_id}/file", self.upload_file)
        r.add("GET", "/v2/images/{image_id}/file", self.download_file)
        r.add("PUT|DELETE", "/v2/images/{image_id}/tags/{tag}", self.image_tag)

    def list_images(self, req: Request) -> Response:
        project = req.auth["project_id"]
        visibility = req.q("visibility")
        with self.state.lock:
            images = [i for i in self.state.images.values() if visible_image(i, project)]
        if visibility in (None, ""):
            images = [i for i in images if i["visibility"] != "community" or i["owner"] == project]
        elif visibility != "all":
            images = [i for i in images if i["visibility"] == visibility and
                      (visibility in ("public", "community") or i["owner"] == project)]
        images = attribute_filter(images, req.query, reserved=_LIST_RESERVED)
        for tag in req.query.get("tag", []):
            images = [i for i in images if tag in i["tags"]]
        images.sort(key=lambda i: (i["created_at"], i["id"]), reverse=True)
        try:
            page, next_marker = paginate(images, req.q("limit"), req.q("marker"), max_limit=1000)
        except MarkerNotFound as exc:
            raise self.error(400, f"marker [{exc}] not found") from None
        params = [(k, v) for k, vs in req.query.items() if k != "marker" for v in vs]
        body: dict[str, Any] = {"images": [self.records.view(i) for i in page], "schema": "/v2/schemas/images",
                                "first": "/v2/images" + (f"?{urlencode(params)}" if params else "")}
        if next_marker:
            body["next"] = "/v2/images?" + urlencode(params + [("marker", next_marker)])
        return json_response(200, body)

    def create_image(self, req: Request) -> Response:
        try:
            body = req.json()
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            raise self.error(400, "Body expected in request.") from None
        with self.state.lock:
            image = self.records.new(req, body)
        img = self.personality.image
        headers = {"Location": f"{self.url}/v2/images/{image['id']}"}
        if img.import_methods is not None:
            headers["OpenStack-image-import-methods"] = ",".join(img.import_methods)
            if img.stores:
                headers["OpenStack-image-store-ids"] = ",".join(img.stores)
        return json_response(201, self.records.view(image), headers)

    def show_image(self, req: Request, image_id: str) -> Response:
        return json_response(200, self.records.view(self.records.get(req, image_id)))

    def update_image(self, req: Request, image_id: str) -> Response:
        content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type not in _PATCH_TYPES:
            error = self.error(415, f"Unsupported Content-Type {content_type}")
            error.response.header("Accept-Patch", ", ".join(_PATCH_TYPES))
            raise error
        try:
            ops = req.json()
            assert isinstance(ops, list)
        except (ValueError, AssertionError):
            raise self.error(400, "Request body must be a JSON array of operation objects.") from None
        with self.state.lock:
            image = self.records.owned(req, image_id, "modify")
            for op in ops:
                self._apply_patch(image, op)
            image["updated_at"] = now()
        return json_response(200, self.records.view(image))

    def _apply_patch(self, image: dict[str, Any], op: dict[str, Any]) -> None:
        kind, path = op.get("op"), str(op.get("path", "")).lstrip("/")
        if kind not in ("add", "replace", "remove") or not path or "/" in path.rstrip("/-"):
            raise self.error(400, f"Invalid JSON pointer for this resource: '/{path}'")
        if path in _READ_ONLY or path == "owner":
            raise self.error(403, f"Attribute '{path}' is read-only.")
        if path == "visibility" and op.get("value") == "public":
            raise self.error(403, "You are not authorized to complete publicize_image action.")
        img = self.personality.image
        allowed = {"disk_format": img.disk_formats, "container_format": img.container_formats}.get(path)
        if kind == "remove":
            if path in _BASE:
                raise self.error(403, f"Attribute '{path}' is reserved.")
            if path not in image:
                raise self.error(409, f"Property {path} does not exist.")
            del image[path]
            return
        value = op.get("value")
        if kind == "replace" and path not in image:
            raise self.error(409, f"Property {path} does not exist.")
        if allowed is not None and value not in allowed:
            raise self.error(400, f"Invalid value '{value}' for parameter '{path}'")
        if path not in _BASE and value is not None and not isinstance(value, str):
            raise self.records.not_a_string(value)
        image[path] = list(dict.fromkeys(value)) if path == "tags" else value

    def delete_image(self, req: Request, image_id: str) -> Response:
        with self.state.lock:
            image = self.records.owned(req, image_id, "delete")
            if image["protected"]:
                raise self.error(403, f"Image {image_id} is protected and cannot be deleted.")
            del self.state.images[image_id]
        return empty(204)

    def upload_file(self, req: Request, image_id: str) -> Response:
        with self.state.lock:
            image = self.records.owned(req, image_id, "upload data to")
            if self.personality.image.put_upload in ("forbidden", "v1-only"):
                raise self.error(403, "You are not authorized to complete upload_image action.")
            if image["status"] != "queued":
                raise self.error(409, f"Image status transition from {image['status']} to saving is not allowed")
            if not image["disk_format"] or not image["container_format"]:
                raise self.error(400, "Properties disk_format, container_format must be set prior to saving data.")
            self.records.set_data(image, req.body)
        return empty(204)

    def download_file(self, req: Request, image_id: str) -> Response:
        image = self.records.get(req, image_id)
        if image["_data"] is None:
            return empty(204)
        return Response(200, image["_data"], [("Content-Type", "application/octet-stream"),
                                              ("Content-MD5", image["checksum"])])

    def image_tag(self, req: Request, image_id: str, tag: str) -> Response:
        with self.state.lock:
            image = self.records.owned(req, image_id, "modify")
            if req.method == "PUT":
                if tag not in image["tags"]:
                    image["tags"].append(tag)
            elif tag in image["tags"]:
                image["tags"].remove(tag)
            else:
                raise self.error(404, f"Tag {tag} not found.")
        return empty(204)
