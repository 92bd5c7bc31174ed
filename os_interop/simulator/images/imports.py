"""glance's interoperable image import (v2.6+): the offered methods, stores, staging, and the import call."""

from __future__ import annotations

from ..http import Request, Response, empty, json_response
from ..service import Router
from ..stamps import now
from .records import ImagePart


class Import(ImagePart):
    def routes(self, r: Router) -> None:
        if self.personality.image.v2_max_minor is None:
            return
        r.add("PUT", "/v2/images/{image_id}/stage", self.stage)
        r.add("POST", "/v2/images/{image_id}/import", self.import_image)
        r.add("GET", "/v2/info/import", self.info_import)
        r.add("GET", "/v2/info/stores", self.info_stores)

    def _import_enabled(self) -> list[str]:
        methods = self.personality.image.import_methods
        if methods is None:
            raise self.error(404, "The resource could not be found.")
        return methods

    def info_import(self, req: Request) -> Response:
        methods = self._import_enabled()
        return json_response(200, {"import-methods": {"description": "Import methods available.", "type": "array",
                                                      "value": list(methods)}})

    def info_stores(self, req: Request) -> Response:
        stores = self.personality.image.stores
        if not stores:
            raise self.error(404, "Multi backend is not supported at this site.")
        return json_response(200, {"stores": [{"id": s, **({"default": True} if i == 0 else {})}
                                              for i, s in enumerate(stores)]})

    def stage(self, req: Request, image_id: str) -> Response:
        methods = self._import_enabled()
        if "glance-direct" not in methods:
            raise self.error(404, "The resource could not be found.")
        with self.state.lock:
            image = self.records.owned(req, image_id, "stage data for")
            if image["status"] != "queued":
                raise self.error(409, f"Image status transition from {image['status']} to uploading is not allowed")
            image.update({"_staged": req.body, "status": "uploading", "updated_at": now()})
        return empty(204)

    def import_image(self, req: Request, image_id: str) -> Response:
        methods = self._import_enabled()
        try:
            method = req.json().get("method", {})
            name = method["name"]
        except (ValueError, KeyError, AttributeError, TypeError):
            raise self.error(400, "Invalid request body: 'method' is a required property") from None
        if name not in methods:
            raise self.error(400, f"Import method {name} is not valid for this cloud.")
        with self.state.lock:
            image = self.records.owned(req, image_id, "import")
            if not image["disk_format"] or not image["container_format"]:
                raise self.error(409, "'disk_format' needs to be set before import")
            if name == "glance-direct":
                if image["status"] != "uploading" or "_staged" not in image:
                    raise self.error(409, "Image needs to be staged before 'glance-direct' method can be used")
                self.records.set_data(image, image.pop("_staged"))
            elif name == "web-download":
                if image["status"] != "queued" or not method.get("uri"):
                    raise self.error(400, "URI for web-download does not pass filtering" if image["status"] == "queued"
                                     else f"Image status transition from {image['status']} to importing is not allowed")
                self.records.set_data(image, b"")  # the simulator never fetches the URI
            else:
                raise self.error(409, f"Import method {name} cannot be used on image {image_id}")
        return json_response(202, {})
