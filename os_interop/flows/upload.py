"""Upload one tiny image by the first method the cloud accepts: PUT, then import, then tasks.

The order is what a client tries: PUT is the default everywhere; interoperable import is
next; glance tasks via object storage is the Rackspace-era path. Each attempt's HTTP
status is kept so probes can say exactly which method was refused and how.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from os_interop import answers, tiny_images
from os_interop.answers import EMPTY
from os_interop.apis import image
from os_interop.cloud import CloudUnderTest
from os_interop.flows.polling import wait_for
from os_interop.resources import TAG

SETTLED = ("active", "killed", "deleted", "deactivated")
DONE = (200, 201, 202, 204)
REFUSED = (403, 405, 409, 415)     # a refusal of this method: try the next one
# Answers of an upload step that are facts; anything else (5xx, 429, 401, a reset) is
# unknown and raises, so a fault is never read as "PUT not allowed".
STEP = {s: EMPTY for s in (*DONE, 400, 413, *REFUSED)}


@dataclass
class Upload:
    disk_format: str
    method: str = "none"            # put | import:glance-direct | tasks | none
    active: bool = False
    put_status: int | None = None   # the PUT /file (or v1 POST) answer: only statuses in STEP
    attempts: dict[str, Any] = field(default_factory=dict)
    image_id: str | None = None


def _status_of(cloud: CloudUnderTest, url: str) -> dict[str, Any]:
    """One poll of an image or task: its JSON object; a 5xx or unparsable answer is Unknown,
    never "it did not become active"."""
    found = cloud.answer("GET", url, fresh=True)
    body = found.body
    if not isinstance(body, dict):
        raise answers.Unknown(f"GET {url} answered HTTP {found.status} without an object",
                              found.evidence_id)
    return body


def _read(method: str, url: str, response: Any, expect: Any = STEP) -> answers.Answer:
    return answers.interpret(method, url, response, expect)


def _wait_active(cloud: CloudUnderTest, url: str, timeout: float = 90) -> bool:
    ok, body = wait_for(lambda: _status_of(cloud, url),
                        lambda b: b.get("status") in SETTLED, timeout)
    return ok and body.get("status") == "active"


def _create_v2(cloud: CloudUnderTest, disk_format: str, suffix: str) -> tuple[str | None, Any]:
    entry = cloud.resources.intend("image", find_url=image.v2(cloud, "/images?name={name}"),
                                   delete_template=image.v2(cloud, "/images/{id}"), suffix=suffix)
    response = cloud.post(image.v2(cloud, "/images"), json={
        "name": entry.name, "disk_format": disk_format, "container_format": "bare",
        "visibility": "private", "tags": [TAG, f"osi-run-{cloud.run_id}"]})
    found = _read("POST", image.v2(cloud, "/images"), response, {**STEP, 201: answers.JSON})
    if response.status_code != 201:
        return None, response
    image_id = answers.field(found, "id")
    entry.created(image_id, image.v2(cloud, f"/images/{image_id}"))
    return image_id, response


def _put(cloud: CloudUnderTest, result: Upload, data: bytes) -> None:
    image_id, created = _create_v2(cloud, result.disk_format, "put")
    result.attempts["create"] = created.status_code
    if image_id is None:
        return
    result.image_id = image_id
    response = cloud.answer("PUT", image.v2(cloud, f"/images/{image_id}/file"), STEP, data=data,
                            headers={"Content-Type": "application/octet-stream"})
    result.put_status = response.status
    if response.status in (200, 201, 204):
        result.method, result.active = "put", _wait_active(cloud, image.v2(cloud, f"/images/{image_id}"))


def _import(cloud: CloudUnderTest, result: Upload, data: bytes) -> None:
    image_id, created = _create_v2(cloud, result.disk_format, "import")
    if image_id is None:
        result.attempts["import"] = created.status_code
        return
    staged = cloud.answer("PUT", image.v2(cloud, f"/images/{image_id}/stage"), STEP, data=data,
                          headers={"Content-Type": "application/octet-stream"})
    imported = cloud.answer("POST", image.v2(cloud, f"/images/{image_id}/import"), STEP,
                            json={"method": {"name": "glance-direct"}}) if staged.status < 300 else staged
    result.attempts["import"] = imported.status
    if imported.status < 300:
        result.image_id = image_id
        result.method = "import:glance-direct"
        result.active = _wait_active(cloud, image.v2(cloud, f"/images/{image_id}"))


def _tasks(cloud: CloudUnderTest, result: Upload, data: bytes) -> None:
    swift = cloud.endpoint("object-store")
    container = cloud.resources.intend("container", delete_template=None)
    response = cloud.put(f"{swift}/{container.name}")
    _read("PUT", f"{swift}/{container.name}", response)
    if response.status_code not in (201, 202, 204):
        result.attempts["tasks"] = f"container {response.status_code}"
        return
    container.created(container.name, f"{swift}/{container.name}")
    obj = cloud.resources.intend("object")
    response = cloud.put(f"{swift}/{container.name}/{obj.name}", data=data,
                         headers={"Content-Type": "application/octet-stream"})
    _read("PUT", f"{swift}/{container.name}/{obj.name}", response)
    if response.status_code not in (201, 202):
        result.attempts["tasks"] = f"object {response.status_code}"
        return
    obj.created(obj.name, f"{swift}/{container.name}/{obj.name}")
    img = cloud.resources.intend("image", find_url=image.v2(cloud, "/images?name={name}"),
                                 delete_template=image.v2(cloud, "/images/{id}"), suffix="task")
    task = cloud.post(image.v2(cloud, "/tasks"), json={"type": "import", "input": {
        "import_from": f"{container.name}/{obj.name}", "import_from_format": result.disk_format,
        "image_properties": {"name": img.name, "disk_format": result.disk_format,
                             "container_format": "bare"}}})
    found = _read("POST", image.v2(cloud, "/tasks"), task, {**STEP, 201: answers.JSON})
    result.attempts["tasks"] = task.status_code
    if task.status_code != 201:
        return
    task_url = image.v2(cloud, f"/tasks/{answers.field(found, 'id')}")
    ok, body = wait_for(lambda: _status_of(cloud, task_url),
                        lambda b: b.get("status") in ("success", "failure"), 120, 2)
    image_id = body.get("result").get("image_id") if isinstance(body.get("result"), dict) else None
    if image_id:
        img.created(image_id, image.v2(cloud, f"/images/{image_id}"))
        result.image_id, result.method = image_id, "tasks"
        result.active = body.get("status") == "success" and _wait_active(
            cloud, image.v2(cloud, f"/images/{image_id}"))


def _v1(cloud: CloudUnderTest, result: Upload, data: bytes) -> None:
    entry = cloud.resources.intend("image", find_url=image.v1(cloud, "/images?name={name}"),
                                   delete_template=image.v1(cloud, "/images/{id}"), suffix="v1")
    response = cloud.post(image.v1(cloud, "/images"), data=data, headers={
        "Content-Type": "application/octet-stream", "x-image-meta-name": entry.name,
        "x-image-meta-disk_format": result.disk_format, "x-image-meta-container_format": "bare",
        "x-image-meta-is_public": "false"})
    found = _read("POST", image.v1(cloud, "/images"), response, {**STEP, 201: answers.JSON})
    result.put_status = response.status_code
    if response.status_code == 201:
        body, image_id = answers.field(found, "image"), answers.field(found, "image", "id")
        entry.created(image_id, image.v1(cloud, f"/images/{image_id}"))
        result.image_id, result.method = image_id, "put"
        result.active = body.get("status") == "active"


def upload(cloud: CloudUnderTest, disk_format: str, v2: bool, import_methods: list[str] | None,
           tasks_for_users: bool) -> Upload:
    """Try the methods in a client's order and stop at the first that is accepted."""
    result = Upload(disk_format)
    data = tiny_images.build(disk_format)
    if not v2:
        _v1(cloud, result, data)
        return result
    _put(cloud, result, data)
    if result.method == "none" and result.put_status in REFUSED:
        if "glance-direct" in (import_methods or []):
            _import(cloud, result, data)
        if result.method == "none" and tasks_for_users and cloud.endpoint("object-store"):
            _tasks(cloud, result, data)
    return result
