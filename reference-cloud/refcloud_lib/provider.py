"""What the provider (admin) offers every project: a public image and a flavor."""
from __future__ import annotations

import time

from openstack.connection import Connection

from . import images
from .report import RefcloudError
from .rest import call

IMAGE_NAME = "refcloud-tiny"
FLAVOR = {"name": "refcloud.tiny", "ram": 64, "vcpus": 1, "disk": 1}


def public_images(conn: Connection, owner: str) -> list[dict]:
    """Public images owned by `owner`."""
    body = call(conn.image, "GET", f"/images?visibility=public&owner={owner}&limit=100").json()
    return body["images"]


def wait_active(conn: Connection, image_id: str, timeout: float = 60) -> None:
    """Wait until an image is active; fail if it is killed."""
    deadline = time.monotonic() + timeout
    while True:
        status = call(conn.image, "GET", f"/images/{image_id}").json()["status"]
        if status == "active":
            return
        if status in ("killed", "deleted") or time.monotonic() > deadline:
            raise RefcloudError(f"provider image {image_id} ended {status}")
        time.sleep(0.5)


def upload_image(conn: Connection, disk_format: str) -> str:
    """Create the public image by stage + glance-direct import.

    Import works in every configuration, including import-only, where the
    policy forbids PUT /file even for admins.
    """
    body = {"name": IMAGE_NAME, "disk_format": disk_format, "container_format": "bare",
            "visibility": "public", "min_disk": 1}
    image = call(conn.image, "POST", "/images", body, ok=(201,)).json()
    call(conn.image, "PUT", f"/images/{image['id']}/stage", None, data=images.make(disk_format),
         headers={"Content-Type": "application/octet-stream"})
    call(conn.image, "POST", f"/images/{image['id']}/import",
         {"method": {"name": "glance-direct"}}, ok=(202,))
    wait_active(conn, image["id"])
    return image["id"]


def ensure_image(conn: Connection, disk_format: str) -> str:
    """Exactly one public provider image, in `disk_format`; return what was done."""
    owner = conn.current_project_id
    keep = None
    for image in public_images(conn, owner):
        if keep is None and image["name"] == IMAGE_NAME and image["disk_format"] == disk_format \
                and image["status"] == "active":
            keep = image
            continue
        call(conn.image, "DELETE", f"/images/{image['id']}")
    if keep:
        return f"kept {IMAGE_NAME} ({disk_format})"
    upload_image(conn, disk_format)
    return f"uploaded {IMAGE_NAME} ({disk_format})"


def ensure_flavor(conn: Connection) -> None:
    """The smallest public flavor: 64 MiB RAM, 1 vCPU, 1 GB disk."""
    if conn.compute.find_flavor(FLAVOR["name"]) is None:
        conn.compute.create_flavor(**FLAVOR, is_public=True)
