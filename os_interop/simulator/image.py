"""Glance: version discovery, the v2 images/tasks/import APIs and the old v1 API.

The personality decides which versions exist, where the version document's links point, which
formats the schema accepts, and which upload routes work (PUT, interoperable import, tasks, and
v1 where v2 refuses the data: put_upload "v1-only", as on Enter Cloud Suite in 2016).
"""

from __future__ import annotations

import hashlib
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from .http import HTTPError, Request, Response, Service, empty, json_response
from .listing import MarkerNotFound, attribute_filter, paginate, public
from .stamps import new_id, now

_BASE = ("id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo",
         "os_hash_value", "owner", "size", "virtual_size", "min_ram", "min_disk", "disk_format",
         "container_format", "created_at", "updated_at", "tags")
_READ_ONLY = {"id", "status", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size",
              "created_at", "updated_at", "self", "file", "schema", "direct_url", "locations", "stores"}
_PATCH_TYPES = ("application/openstack-images-v2.1-json-patch", "application/openstack-images-v2.0-json-patch")
_LIST_RESERVED = ("limit", "marker", "sort_key", "sort_dir", "sort", "visibility", "tag", "member_status",
                  "size_min", "size_max", "os_hidden")


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


def visible_image(image: dict[str, Any], project_id: str) -> bool:
    """glance's visibility rule for one project (image members are not modelled)."""
    return image["owner"] == project_id or image["visibility"] in ("public", "community")


class ImageService(Service):
    prefix = "/image"
    name = "glance"

    def routes(self) -> None:
        r, img = self.router, self.personality.image
        r.add("GET", "/", self.versions_choice, auth=False)
        r.add("GET", "/versions", self.versions_list, auth=False)
        if img.v2_max_minor is not None:
            for schema in ("image", "images", "task", "tasks"):
                r.add("GET", f"/v2/schemas/{schema}", lambda req, s=schema: json_response(200, self._schema(s)))
            r.add("GET", "/v2/images", self.list_images)
            r.add("POST", "/v2/images", self.create_image)
            r.add("GET", "/v2/images/{image_id}", self.show_image)
            r.add("PATCH", "/v2/images/{image_id}", self.update_image)
            r.add("DELETE", "/v2/images/{image_id}", self.delete_image)
            r.add("PUT", "/v2/images/{image_id}/file", self.upload_file)
            r.add("GET", "/v2/images/{image_id}/file", self.download_file)
            r.add("PUT|DELETE", "/v2/images/{image_id}/tags/{tag}", self.image_tag)
            r.add("PUT", "/v2/images/{image_id}/stage", self.stage)
            r.add("POST", "/v2/images/{image_id}/import", self.import_image)
            r.add("GET", "/v2/info/import", self.info_import)
            r.add("GET", "/v2/info/stores", self.info_stores)
            r.add("GET", "/v2/tasks", self.list_tasks)
            r.add("POST", "/v2/tasks", self.create_task)
            r.add("GET", "/v2/tasks/{task_id}", self.show_task)
        if img.v1:
            r.add("GET", "/v1/images", self.v1_list)
            r.add("GET", "/v1/images/detail", self.v1_list_detail)
            r.add("POST", "/v1/images", self.v1_create)
            r.add("HEAD", "/v1/images/{image_id}", self.v1_head)
            r.add("GET", "/v1/images/{image_id}", self.v1_download)
            r.add("PUT", "/v1/images/{image_id}", self.v1_update)
            r.add("DELETE", "/v1/images/{image_id}", self.v1_delete)

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

    # -- helpers ---------------------------------------------------------------------------------
    def _not_a_string(self, value: Any) -> HTTPError:
        return self.error(400, f"Provided object does not match schema 'image': {value!r} is not of type 'string'")

    def _get(self, req: Request, image_id: str) -> dict[str, Any]:
        image = self.state.images.get(image_id)
        if image is None or not visible_image(image, req.auth["project_id"]):
            raise self.error(404, f"No image found with ID {image_id}")
        return image

    def _owned(self, req: Request, image_id: str, action: str) -> dict[str, Any]:
        image = self._get(req, image_id)
        if image["owner"] != req.auth["project_id"]:
            raise self.error(403, f"You are not permitted to {action} this image.")
        return image

    def _view(self, image: dict[str, Any]) -> dict[str, Any]:
        view = public(image)
        view.update({"self": f"/v2/images/{image['id']}", "file": f"/v2/images/{image['id']}/file",
                     "schema": "/v2/schemas/image"})
        stores = self.personality.image.stores
        if stores and image["status"] == "active":
            view["stores"] = stores[0]
        return view

    def _set_data(self, image: dict[str, Any], data: bytes) -> None:
        image.update({"_data": data, "size": len(data), "checksum": hashlib.md5(data).hexdigest(),
                      "os_hash_algo": "sha512", "os_hash_value": hashlib.sha512(data).hexdigest(),
                      "status": "active", "updated_at": now()})

    def _new_image(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
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
                raise self._not_a_string(value)
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

    # -- v2 images -------------------------------------------------------------------------------
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
        body: dict[str, Any] = {"images": [self._view(i) for i in page], "schema": "/v2/schemas/images",
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
            image = self._new_image(req, body)
        img = self.personality.image
        headers = {"Location": f"{self.url}/v2/images/{image['id']}"}
        if img.import_methods is not None:
            headers["OpenStack-image-import-methods"] = ",".join(img.import_methods)
            if img.stores:
                headers["OpenStack-image-store-ids"] = ",".join(img.stores)
        return json_response(201, self._view(image), headers)

    def show_image(self, req: Request, image_id: str) -> Response:
        return json_response(200, self._view(self._get(req, image_id)))

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
            image = self._owned(req, image_id, "modify")
            for op in ops:
                self._apply_patch(image, op)
            image["updated_at"] = now()
        return json_response(200, self._view(image))

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
            raise self._not_a_string(value)
        image[path] = list(dict.fromkeys(value)) if path == "tags" else value

    def delete_image(self, req: Request, image_id: str) -> Response:
        with self.state.lock:
            image = self._owned(req, image_id, "delete")
            if image["protected"]:
                raise self.error(403, f"Image {image_id} is protected and cannot be deleted.")
            del self.state.images[image_id]
        return empty(204)

    def upload_file(self, req: Request, image_id: str) -> Response:
        with self.state.lock:
            image = self._owned(req, image_id, "upload data to")
            if self.personality.image.put_upload in ("forbidden", "v1-only"):
                raise self.error(403, "You are not authorized to complete upload_image action.")
            if image["status"] != "queued":
                raise self.error(409, f"Image status transition from {image['status']} to saving is not allowed")
            if not image["disk_format"] or not image["container_format"]:
                raise self.error(400, "Properties disk_format, container_format must be set prior to saving data.")
            self._set_data(image, req.body)
        return empty(204)

    def download_file(self, req: Request, image_id: str) -> Response:
        image = self._get(req, image_id)
        if image["_data"] is None:
            return empty(204)
        return Response(200, image["_data"], [("Content-Type", "application/octet-stream"),
                                              ("Content-MD5", image["checksum"])])

    def image_tag(self, req: Request, image_id: str, tag: str) -> Response:
        with self.state.lock:
            image = self._owned(req, image_id, "modify")
            if req.method == "PUT":
                if tag not in image["tags"]:
                    image["tags"].append(tag)
            elif tag in image["tags"]:
                image["tags"].remove(tag)
            else:
                raise self.error(404, f"Tag {tag} not found.")
        return empty(204)

    # -- interoperable import ----------------------------------------------------------------------
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
            image = self._owned(req, image_id, "stage data for")
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
            image = self._owned(req, image_id, "import")
            if not image["disk_format"] or not image["container_format"]:
                raise self.error(409, "'disk_format' needs to be set before import")
            if name == "glance-direct":
                if image["status"] != "uploading" or "_staged" not in image:
                    raise self.error(409, "Image needs to be staged before 'glance-direct' method can be used")
                self._set_data(image, image.pop("_staged"))
            elif name == "web-download":
                if image["status"] != "queued" or not method.get("uri"):
                    raise self.error(400, "URI for web-download does not pass filtering" if image["status"] == "queued"
                                     else f"Image status transition from {image['status']} to importing is not allowed")
                self._set_data(image, b"")  # the simulator never fetches the URI
            else:
                raise self.error(409, f"Import method {name} cannot be used on image {image_id}")
        return json_response(202, {})

    # -- tasks -----------------------------------------------------------------------------------
    def _tasks_allowed(self) -> None:
        access = self.personality.image.tasks_api
        if access == "absent":
            raise self.error(404, "The resource could not be found.")
        if access == "admin-only":
            raise self.error(403, "You are not authorized to complete tasks_api_access action.")

    def _task_view(self, task: dict[str, Any]) -> dict[str, Any]:
        return {**public(task), "self": f"/v2/tasks/{task['id']}", "schema": "/v2/schemas/task"}

    def list_tasks(self, req: Request) -> Response:
        self._tasks_allowed()
        tasks = [t for t in self.state.tasks.values() if t["owner"] == req.auth["project_id"]]
        tasks.sort(key=lambda t: (t["created_at"], t["id"]), reverse=True)
        page, next_marker = paginate(tasks, req.q("limit"), req.q("marker"))
        body = {"tasks": [self._task_view(t) for t in page], "first": "/v2/tasks", "schema": "/v2/schemas/tasks"}
        if next_marker:
            body["next"] = f"/v2/tasks?marker={next_marker}"
        return json_response(200, body)

    def create_task(self, req: Request) -> Response:
        self._tasks_allowed()
        try:
            body = req.json()
            task_input = body["input"]
            import_from = task_input["import_from"]
        except (ValueError, KeyError, TypeError):
            raise self.error(400, "Invalid input for task: 'import_from' is a required property") from None
        if body.get("type") != "import":
            raise self.error(400, f"Task type {body.get('type')} is not supported.")
        tid = new_id()
        task = {"id": tid, "type": "import", "status": "pending", "input": task_input, "result": None,
                "owner": req.auth["project_id"], "message": "", "expires_at": None, "created_at": now(),
                "updated_at": now(), "_import_from": import_from}
        with self.state.lock:
            self.state.tasks[tid] = task
        return json_response(201, self._task_view(task))

    def show_task(self, req: Request, task_id: str) -> Response:
        self._tasks_allowed()
        with self.state.lock:
            task = self.state.tasks.get(task_id)
            if task is None or task["owner"] != req.auth["project_id"]:
                raise self.error(404, f"Task with the given id {task_id} not found")
            if task["status"] == "pending":
                self._run_task(req, task)
        return json_response(200, self._task_view(task))

    def _run_task(self, req: Request, task: dict[str, Any]) -> None:
        """Import the swift object named by ``import_from`` into a new active image."""
        container, _, name = task["_import_from"].partition("/")
        obj = self.state.objects.get(f"AUTH_{req.auth['project_id']}/{container}/{name}")
        task["updated_at"] = now()
        task["expires_at"] = now()
        if obj is None:
            task.update(status="failure", message=f"Unable to locate object {container}/{name} in the object store.")
            return
        defaults = self.personality.image.task_defaults
        props = dict(task["input"].get("image_properties") or {})
        first_format = self.personality.image.disk_formats[0]
        image = self._new_image(req, {"name": props.pop("name", name),
                                      "disk_format": defaults.disk_format or first_format,
                                      "container_format": defaults.container_format or "bare"})
        image.update({k: str(v) for k, v in props.items()})
        self._set_data(image, obj["_data"])
        task.update(status="success", result={"image_id": image["id"]})

    # -- v1 --------------------------------------------------------------------------------------
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
            image = self._new_image(req, {"name": meta.get("name"), "disk_format": meta.get("disk_format"),
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
            self._set_data(image, data)
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
            image = self._owned(req, image_id, "modify")
            image = self._v1_apply(req, image, self._v1_meta(req), self._v1_data(req))
        return json_response(200, {"image": self._v1_detail(image)})

    def _v1_headers(self, image: dict[str, Any]) -> list[tuple[str, str]]:
        detail = self._v1_detail(image)
        headers = [(f"x-image-meta-{k}", str(v)) for k, v in detail.items() if k != "properties" and v is not None]
        headers += [(f"x-image-meta-property-{k}", str(v)) for k, v in detail["properties"].items()]
        return headers

    def v1_head(self, req: Request, image_id: str) -> Response:
        image = self._get(req, image_id)
        return Response(200, b"", self._v1_headers(image) + [("Content-Length", "0")])

    def v1_download(self, req: Request, image_id: str) -> Response:
        image = self._get(req, image_id)
        data = image["_data"] or b""
        return Response(200, data, self._v1_headers(image) + [("Content-Type", "application/octet-stream")])

    def v1_delete(self, req: Request, image_id: str) -> Response:
        with self.state.lock:
            image = self._owned(req, image_id, "delete")
            if image["protected"]:
                raise self.error(403, "Image is protected")
            del self.state.images[image_id]
        return Response(200, b"", [("Content-Type", "text/html; charset=UTF-8")])
