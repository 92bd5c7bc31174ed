"""glance v1: images with metadata in x-image-meta-* headers and the data in the request body."""

from __future__ import annotations

from typing import Any

from ..http import Request, Response, json_response
from ..listing import MarkerNotFound, attribute_filter, paginate, public
from ..service import Router
from ..stamps import now
from .records import _BASE, ImagePart


class V1(ImagePart):
    def routes(self, r: Router) -> None:
        if not self.personality.image.v1:
            return
        r.add("GET", "/v1/images", self.v1_list)
        r.add("GET", "/v1/images/detail", self.v1_list_detail)
        r.add("POST", "/v1/images", self.v1_create)
        r.add("HEAD", "/v1/images/{image_id}", self.v1_head)
        r.add("GET", "/v1/images/{image_id}", self.v1_download)
        r.add("PUT", "/v1/images/{image_id}", self.v1_update)
        r.add("DELETE", "/v1/images/{image_id}", self.v1_delete)

    def _v1_detail(self, image: dict[str, Any]) -> dict[str, Any]:
        props = {k: v for k, v in public(image).items() if k not in _BASE}
        return {"id": image["id"], "name": image["name"], "status": image["status"],
                "is_public": image["visibility"] == "public", "disk_format": image["disk_format"],
                "container_format": image["container_format"], "size": image["size"] or 0,
                "checksum": image["checksum"], "created_at": image["created_at"].rstrip("Z"),
                "updated_at": image["updated_at"].rstrip("Z"), "deleted_at": None, "deleted": False,
                "protected": image["protected"], "min_disk": image["min_disk"], "min_ram": image["min_ram"],
                "owner": image["owner"], "properties": props}

    def _v1_list(self, req: Request) -> list[dict[str, Any]]:
        project = req.auth["project_id"]
        images = [i for i in self.state.images.values() if i["visibility"] == "public" or i["owner"] == project]
        is_public = req.q("is_public")
        if is_public is not None and is_public.lower() != "none":
            images = [i for i in images if (i["visibility"] == "public") == (is_public.lower() == "true")]
        images = attribute_filter(images, req.query, reserved=("limit", "marker", "sort_key", "sort_dir", "is_public"))
        images.sort(key=lambda i: (i["created_at"], i["id"]), reverse=True)
        try:
            default_page = 25 if req.q("limit") is None else 1000  # glance v1's limit_param_default
            return paginate(images, req.q("limit"), req.q("marker"), max_limit=default_page)[0]
        except MarkerNotFound as exc:
            raise self.error(400, f"marker [{exc}] not found") from None

    def v1_list(self, req: Request) -> Response:
        return json_response(200, {"images": [
            {k: self._v1_detail(i)[k] for k in ("id", "name", "disk_format", "container_format", "size", "checksum")}
            for i in self._v1_list(req)]})

    def v1_list_detail(self, req: Request) -> Response:
        return json_response(200, {"images": [self._v1_detail(i) for i in self._v1_list(req)]})

    def _v1_meta(self, req: Request) -> dict[str, Any]:
        """Image metadata from ``x-image-meta-*`` headers, the only place glance v1 reads it from."""
        meta: dict[str, Any] = {}
        props: dict[str, str] = {}
        for key, value in req.headers.items():
            low = key.lower()
            if low.startswith("x-image-meta-property-"):
                props[low[len("x-image-meta-property-"):]] = value
            elif low.startswith("x-image-meta-"):
                meta[low[len("x-image-meta-"):].replace("-", "_")] = value
        meta["properties"] = props
        return meta

    def _v1_apply(self, req: Request, image: dict[str, Any] | None, meta: dict[str, Any],
                  data: bytes | None) -> dict[str, Any]:
        img = self.personality.image
        for field, allowed in (("disk_format", img.disk_formats), ("container_format", img.container_formats)):
            if meta.get(field) is not None and meta[field] not in allowed:
                raise self.error(400, f"Invalid {field.replace('_', ' ')} '{meta[field]}' for image.")
        if str(meta.get("is_public", "")).lower() == "true":
            raise self.error(403, "You are not authorized to complete publicize_image action.")
        if image is None:
            image = self.records.new(req, {"name": meta.get("name"), "disk_format": meta.get("disk_format"),
                                          "container_format": meta.get("container_format")})
            image["visibility"] = "private"
        else:
            for field in ("name", "disk_format", "container_format"):
                if meta.get(field) is not None:
                    image[field] = meta[field]
        for field in ("min_ram", "min_disk"):
            if meta.get(field) is not None:
                image[field] = int(meta[field])
        if meta.get("protected") is not None:
            image["protected"] = str(meta["protected"]).lower() == "true"
        image.update(meta["properties"])
        if data:
            # glance v1 reserves the image before it validates for activation, so a refused
            # upload leaves a queued image behind (glance/api/v1/images.py create/_handle_source)
            for field, what in (("disk_format", "Disk"), ("container_format", "Container")):
                if not image[field]:
                    raise self.error(400, f"{what} format is not specified.")
            if image["status"] != "queued":
                raise self.error(409, "Cannot upload to an unqueued image")
            if img.put_upload == "forbidden":
                raise self.error(403, "You are not authorized to complete upload_image action.")
            self.records.set_data(image, data)
        image["updated_at"] = now()
        return image

    def _v1_data(self, req: Request) -> bytes | None:
        """The request body is image data, whatever its Content-Type (a JSON body too)."""
        return req.body or None

    def v1_create(self, req: Request) -> Response:
        with self.state.lock:
            image = self._v1_apply(req, None, self._v1_meta(req), self._v1_data(req))
        return json_response(201, {"image": self._v1_detail(image)},
                             {"Location": f"{self.url}/v1/images/{image['id']}"})

    def v1_update(self, req: Request, image_id: str) -> Response:
        with self.state.lock:
            image = self.records.owned(req, image_id, "modify")
            image = self._v1_apply(req, image, self._v1_meta(req), self._v1_data(req))
        return json_response(200, {"image": self._v1_detail(image)})

    def _v1_headers(self, image: dict[str, Any]) -> list[tuple[str, str]]:
        detail = self._v1_detail(image)
        headers = [(f"x-image-meta-{k}", str(v)) for k, v in detail.items() if k != "properties" and v is not None]
        headers += [(f"x-image-meta-property-{k}", str(v)) for k, v in detail["properties"].items()]
        return headers

    def v1_head(self, req: Request, image_id: str) -> Response:
        image = self.records.get(req, image_id)
        return Response(200, b"", self._v1_headers(image) + [("Content-Length", "0")])

    def v1_download(self, req: Request, image_id: str) -> Response:
        image = self.records.get(req, image_id)
        data = image["_data"] or b""
        return Response(200, data, self._v1_headers(image) + [("Content-Type", "application/octet-stream")])

    def v1_delete(self, req: Request, image_id: str) -> Response:
        with self.state.lock:
            image = self.records.owned(req, image_id, "delete")
            if image["protected"]:
                raise self.error(403, "Image is protected")
            del self.state.images[image_id]
        return Response(200, b"", [("Content-Type", "text/html; charset=UTF-8")])
