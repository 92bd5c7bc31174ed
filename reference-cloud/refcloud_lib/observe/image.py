"""image.* observations: versions and discovery, formats, upload methods.

The upload probes create a tiny image by PUT, and by stage + glance-direct
import when PUT is refused; each is deleted again.
"""
from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from .. import images
from .api import VERSIONED, Cloud, root_of, wait_for


def version_key(version_id: str) -> tuple:
    """v2.10 after v2.9: version ids sort by their numbers."""
    return tuple(int(part) for part in version_id.lstrip("v").split("."))


def versions(cloud: Cloud) -> dict[str, Any]:
    """image.* discovery keys: versions, catalog entry, links, pagination."""
    catalog_url = cloud.catalog()["image"]
    root = VERSIONED.sub("", catalog_url.rstrip("/")) + "/"
    docs = cloud.request("GET", root, authenticated=False).json()["versions"]
    ids = sorted((v["id"] for v in docs), key=version_key)
    prefix = urlsplit(VERSIONED.sub("", catalog_url.rstrip("/"))).path
    links_match = all(
        root_of(link["href"]) == root_of(catalog_url) and urlsplit(link["href"]).path.startswith(prefix)
        for doc in docs for link in doc["links"] if link["rel"] == "self")
    minors = [int(v.split(".")[1]) for v in ids if v.startswith("v2.")]
    first = cloud.json("image", "/images?visibility=public&limit=1")
    pagination = True
    if first.get("next"):
        pagination = cloud.request("GET", root_of(catalog_url) + first["next"]).status_code == 200
    v2 = bool(minors)
    override = None
    if not links_match and v2:   # the catalog's host with /v2, where the links name another
        candidate = root.rstrip("/") + "/v2"
        if cloud.request("GET", candidate + "/images?limit=1").status_code == 200:
            override = candidate
    return {
        "image.versions": ids,
        "image.v1": any(v.startswith("v1") for v in ids),
        "image.v2": v2,
        "image.api_version": "2" if v2 else "1",
        "image.catalog_versioned": bool(VERSIONED.search(catalog_url)),
        "image.discovery_links_match": links_match,
        "image.import_api": v2 and max(minors) >= 6,
        "image.pagination_usable": pagination,
        "image.endpoint_override": override,
    }


def formats(cloud: Cloud) -> dict[str, Any]:
    """image_format keys: schema enums and the provider images."""
    schema = cloud.json("image", "/schemas/image")["properties"]
    disk = sorted(f for f in schema["disk_format"]["enum"] if f)
    public = cloud.json("image", "/images?visibility=public&limit=100")["images"]
    counts = Counter(i["disk_format"] for i in public if i["owner"] != cloud.project_id)
    preferred = [f for f, _ in counts.most_common() if f in disk]
    vendor_agent = any("xenapi_use_agent" in i for i in public)
    return {
        "image.disk_formats": disk,
        "image.container_formats": sorted(f for f in schema["container_format"]["enum"] if f),
        "image.qcow2_accepted": "qcow2" in disk,
        "image.public_formats": dict(sorted(counts.items())),
        "image.format": preferred[0] if preferred else ("qcow2" if "qcow2" in disk else disk[0]),
        "image.disable_vendor_agent": {"vm_mode": "hvm", "xenapi_use_agent": "False"}
        if vendor_agent else None,
    }


def new_image(cloud: Cloud, disk_format: str, tag: str) -> str:
    """Create an image record (deleted at cleanup); return its id."""
    body = {"name": f"refcloud-check-{tag}", "disk_format": disk_format, "container_format": "bare"}
    response = cloud.service("image", "/images", "POST", json=body)
    assert response.status_code == 201, f"POST /v2/images: HTTP {response.status_code}"
    image_id = response.json()["id"]
    cloud.created.append(lambda: cloud.service("image", f"/images/{image_id}", "DELETE"))
    return image_id


def becomes_active(cloud: Cloud, image_id: str) -> bool:
    """True when the image ends active, False when killed."""
    def state() -> str | None:
        status = cloud.json("image", f"/images/{image_id}")["status"]
        return status if status in ("active", "killed") else None
    return wait_for(state, 60, f"image {image_id}") == "active"


def qcow2_record_status(cloud: Cloud) -> int:
    """HTTP status of creating a qcow2 image record (400 where the schema lacks qcow2)."""
    body = {"name": "refcloud-check-qcow2", "disk_format": "qcow2", "container_format": "bare"}
    response = cloud.service("image", "/images", "POST", json=body)
    if response.status_code == 201:
        cloud.service("image", f"/images/{response.json()['id']}", "DELETE")
    return response.status_code


def uploads(cloud: Cloud, disk_format: str) -> tuple[dict[str, Any], dict[str, int]]:
    """Upload methods; returns observations and the HTTP statuses seen."""
    data = images.make(disk_format)
    octets = {"Content-Type": "application/octet-stream"}
    put_id = new_image(cloud, disk_format, "put")
    put = cloud.service("image", f"/images/{put_id}/file", "PUT", data=data, headers=octets)
    statuses = {"image_put": put.status_code, "qcow2_image_create": qcow2_record_status(cloud)}
    put_ok = put.status_code == 204 and becomes_active(cloud, put_id)
    import_info = cloud.service("image", "/info/import")
    methods = sorted(import_info.json()["import-methods"]["value"]) if import_info.status_code == 200 else []
    tasks = cloud.service("image", "/tasks?limit=1").status_code
    statuses["tasks_list"] = tasks
    object_store = "object-store" in cloud.catalog()
    method, active = ("put", put_ok) if put_ok else ("none", False)
    if not put_ok and "glance-direct" in methods:
        imp_id = new_image(cloud, disk_format, "import")
        stage = cloud.service("image", f"/images/{imp_id}/stage", "PUT", data=data, headers=octets)
        run = cloud.service("image", f"/images/{imp_id}/import", "POST",
                            json={"method": {"name": "glance-direct"}})
        statuses.update(image_stage=stage.status_code, image_import=run.status_code)
        if stage.status_code == 204 and run.status_code == 202 and becomes_active(cloud, imp_id):
            method, active = "import:glance-direct", True
    tasks_api = {200: "user", 403: "admin-only"}.get(tasks, "absent")
    observed = {
        "image.put_allowed": put.status_code not in (403, 405, 409),
        "image.import_methods": methods,
        "image.tasks_api": tasks_api,
        "image.object_store": object_store,
        "image.use_tasks": put.status_code in (403, 405, 409) and tasks_api == "user" and object_store,
        "image.upload_method": method,
        "image.upload_active": active,
    }
    return observed, statuses
