"""Upload one tiny image by the first method the cloud accepts: PUT, then import, then tasks.

The order is what a client tries: PUT is the default everywhere; interoperable import is
next; glance tasks via object storage is the Rackspace-era path. Each attempt's HTTP
status is kept so probes can say exactly which method was refused and how.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from os_interop import answers, journal, tiny_images
from os_interop.answers import EMPTY
from os_interop.apis import image
from os_interop.cloud import CloudUnderTest
from os_interop.flows.polling import cloud_timeout, wait_for
from os_interop.journal import TAG

SETTLED = ("active", "killed", "deleted", "deactivated")
DONE = (200, 201, 202, 204)
REFUSED = (403, 405, 409, 415)     # a refusal of this method: try the next one
# Answers of an upload step that are facts; anything else (5xx, 429, 401, a reset) is
# unknown and raises, so a fault is never read as "PUT not allowed".
STEP = {s: EMPTY for s in (*DONE, 400, 413, *REFUSED)}
IMAGE_TIMEOUT = 120   # default of clouds.yaml osi_image_timeout: an upload or task settling


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


def _wait_active(cloud: CloudUnderTest, url: str) -> bool:
    ok, body = wait_for(lambda: _status_of(cloud, url), lambda b: b.get("status") in SETTLED,
                        cloud_timeout(cloud, "osi_image_timeout", IMAGE_TIMEOUT))
    return ok and body.get("status") == "active"


def _create_v2(cloud: CloudUnderTest, disk_format: str, suffix: str) -> tuple[str | None, Any]:
    entry = cloud.resources.intend("image", journal.by_name(image.v2(cloud, "/images?name={name}")),
                                   image.v2(cloud, "/images/{id}"), suffix=suffix)
    answer = cloud.resources.create(entry, lambda: cloud.answer("POST", image.v2(cloud, "/images"), {
        **STEP, 201: answers.JSON}, json={
            "name": entry.name, "disk_format": disk_format, "container_format": "bare",
            "visibility": "private", "tags": [TAG, f"osi-run-{cloud.run_id}"]}),
        id_of=lambda a: answers.field(a, "id"), refused=lambda a: a.status >= 400)
    return (entry.id if answer.status < 400 else None), answer.response


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
    container = cloud.resources.intend("container", journal.at(f"{swift}/{{name}}"), f"{swift}/{{name}}")
    answer = cloud.resources.create(container, lambda: cloud.answer(
        "PUT", container.url(container.name), STEP),
        id_of=lambda a: container.name, refused=lambda a: a.status >= 400)
    if answer.status >= 400:
        result.attempts["tasks"] = f"container {answer.status}"
        return
    obj = cloud.resources.intend("object", journal.at(f"{swift}/{container.name}/{{name}}"),
                                 f"{swift}/{container.name}/{{name}}")
    answer = cloud.resources.create(obj, lambda: cloud.answer(
        "PUT", obj.url(obj.name), STEP, data=data, headers={"Content-Type": "application/octet-stream"}),
        id_of=lambda a: obj.name, refused=lambda a: a.status >= 400)
    if answer.status >= 400:
        result.attempts["tasks"] = f"object {answer.status}"
        return
    # the task makes the image: journaled by the name the task is told to give it
    img = cloud.resources.intend("image", journal.by_name(image.v2(cloud, "/images?name={name}")),
                                 image.v2(cloud, "/images/{id}"), suffix="task")
    # a task is not deletable and is never retried: a lost answer leaves the image to the journal
    found = cloud.answer("POST", image.v2(cloud, "/tasks"), {**STEP, 201: answers.JSON}, json={
        "type": "import", "input": {
            "import_from": f"{container.name}/{obj.name}", "import_from_format": result.disk_format,
            "image_properties": {"name": img.name, "disk_format": result.disk_format,
                                 "container_format": "bare"}}})
    result.attempts["tasks"] = found.status
    if found.status != 201:
        return
    task_url = image.v2(cloud, f"/tasks/{answers.field(found, 'id')}")
    ok, body = wait_for(lambda: _status_of(cloud, task_url),
                        lambda b: b.get("status") in ("success", "failure"),
                        cloud_timeout(cloud, "osi_image_timeout", IMAGE_TIMEOUT))
    image_id = body.get("result").get("image_id") if isinstance(body.get("result"), dict) else None
    if image_id:
        img.created(image_id)
        result.image_id, result.method = image_id, "tasks"
        result.active = body.get("status") == "success" and _wait_active(
            cloud, image.v2(cloud, f"/images/{image_id}"))


def _v1(cloud: CloudUnderTest, result: Upload, data: bytes) -> None:
    entry = cloud.resources.intend("image", journal.by_name(image.v1(cloud, "/images?name={name}")),
                                   image.v1(cloud, "/images/{id}"), suffix="v1")
    answer = cloud.resources.create(entry, lambda: cloud.answer("POST", image.v1(cloud, "/images"), {
        **STEP, 201: answers.JSON}, data=data, headers={
            "Content-Type": "application/octet-stream", "x-image-meta-name": entry.name,
            "x-image-meta-disk_format": result.disk_format, "x-image-meta-container_format": "bare",
            "x-image-meta-is_public": "false"}),
        id_of=lambda a: answers.field(a, "image", "id"), refused=lambda a: a.status >= 400)
    result.put_status = answer.status
    if answer.status == 201:
        result.image_id, result.method = entry.id, "put"
        result.active = answers.field(answer, "image").get("status") == "active"


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
