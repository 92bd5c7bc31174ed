"""Image records every glance API shares: lookup by visibility and ownership, creation, data, the v2 view.

The v2 images API, interoperable import, tasks and v1 all create and read the same records, so they
live here once; each API part reaches them as ``self.records``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..http import HTTPError, Request
from ..listing import public
from ..service import Part, Router
from ..stamps import new_id, now

_BASE = ("id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo",
         "os_hash_value", "owner", "size", "virtual_size", "min_ram", "min_disk", "disk_format",
         "container_format", "created_at", "updated_at", "tags")
_READ_ONLY = {"id", "status", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size",
              "created_at", "updated_at", "self", "file", "schema", "direct_url", "locations", "stores"}


def visible_image(image: dict[str, Any], project_id: str) -> bool:
    """glance's visibility rule for one project (image members are not modelled)."""
    return image["owner"] == project_id or image["visibility"] in ("public", "community")


class Records(Part):
    """Not an API of its own: no routes."""

    def routes(self, r: Router) -> None:
        pass


    def not_a_string(self, value: Any) -> HTTPError:
        return self.error(400, f"Provided object does not match schema 'image': {value!r} is not of type 'string'")

    def get(self, req: Request, image_id: str) -> dict[str, Any]:
        image = self.state.images.get(image_id)
        if image is None or not visible_image(image, req.auth["project_id"]):
            raise self.error(404, f"No image found with ID {image_id}")
        return image

    def owned(self, req: Request, image_id: str, action: str) -> dict[str, Any]:
        image = self.get(req, image_id)
        if image["owner"] != req.auth["project_id"]:
            raise self.error(403, f"You are not permitted to {action} this image.")
        return image

    def view(self, image: dict[str, Any]) -> dict[str, Any]:
        view = public(image)
        view.update({"self": f"/v2/images/{image['id']}", "file": f"/v2/images/{image['id']}/file",
                     "schema": "/v2/schemas/image"})
        stores = self.personality.image.stores
        if stores and image["status"] == "active":
            view["stores"] = stores[0]
        return view

    def set_data(self, image: dict[str, Any], data: bytes) -> None:
        image.update({"_data": data, "size": len(data), "checksum": hashlib.md5(data).hexdigest(),
                      "os_hash_algo": "sha512", "os_hash_value": hashlib.sha512(data).hexdigest(),
                      "status": "active", "updated_at": now()})

    def new(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        img = self.personality.image
        for field, allowed in (("disk_format", img.disk_formats), ("container_format", img.container_formats)):
            value = body.get(field)
            if value is not None and value not in allowed:
                raise self.error(400, f"Provided object does not match schema 'image': {value!r} is not one of "
                                      f"{[None, *allowed]!r}. Failed validating 'enum' in "
                                      f"schema['properties']['{field}']")
        for field in body:
            if field in _READ_ONLY or field == "owner":
                raise self.error(403, f"Attribute '{field}' is read-only.")
        if body.get("visibility") == "public":
            raise self.error(403, "You are not authorized to complete publicize_image action.")
        extras = {k: v for k, v in body.items() if k not in _BASE}
        for key, value in extras.items():
            if value is not None and not isinstance(value, str):
                raise self.not_a_string(value)
        iid = body.get("id") or new_id()
        if iid in self.state.images:
            raise self.error(409, f"Image with identifier {iid} already exists!")
        image = {
            "id": iid, "name": body.get("name"), "status": "queued", "visibility": body.get("visibility") or "shared",
            "protected": bool(body.get("protected", False)), "os_hidden": bool(body.get("os_hidden", False)),
            "checksum": None, "os_hash_algo": None, "os_hash_value": None, "owner": req.auth["project_id"],
            "size": None, "virtual_size": None, "min_ram": int(body.get("min_ram") or 0),
            "min_disk": int(body.get("min_disk") or 0), "disk_format": body.get("disk_format"),
            "container_format": body.get("container_format"), "created_at": now(), "updated_at": now(),
            "tags": list(dict.fromkeys(body.get("tags") or [])),
            **{k: v for k, v in extras.items() if v is not None}, "_data": None,
        }
        self.state.images[iid] = image
        return image


class ImagePart(Part):
    """A glance API part: reaches the shared image records as ``self.records``."""

    @property
    def records(self) -> Records:
        return self.service.part[Records]  # type: ignore[return-value]
