"""Upload one tiny image by the first method the cloud accepts: PUT, import, tasks, then v1.

The order is what a client tries: PUT is the default everywhere; interoperable import is
next; glance tasks via object storage is the Rackspace-era path; glance v1 last, where v2 is
listed but refuses the data (Enter Cloud Suite, 2016: openstacksdk 766297d01 lets
image_api_version "1" pick v1 although v2 is CURRENT). Every step says what it tried and
what the cloud answered (`Upload.tried`, with evidence ids), so "nothing works" names each
refusal, and "only web-download is offered" reads differently from "PUT refused".
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
# v1 listed at the root but not served at /v1 (glance answers unknown paths with its
# version list, a proxy with 404): a fact about the route, not a fault
V1_CREATE = {**STEP, 201: answers.JSON, 300: EMPTY, 404: EMPTY}
IMAGE_TIMEOUT = 120   # default of clouds.yaml osi_image_timeout: an upload or task settling

# Why each interoperable import method can or cannot take a file from the client's disk
# (glance's import methods; web-download is never served a URL: the suite stays on loopback)
LOCAL_FILE = {
    "glance-direct": "takes a local file (stage, then import)",
    "web-download": "needs a URL the cloud fetches",
    "glance-download": "copies an image from another region's glance",
    "copy-image": "copies an existing image between stores",
}
TASKS_STATUS = {"user": 200, "admin-only": 403, "absent": 404}   # image.TASKS, inverted


def local_file(method: str) -> str:
    """What an offered import method does with a local file (unknown names say so)."""
    return LOCAL_FILE.get(method, "not a method glance documents: not tried")


@dataclass(frozen=True)
class Routes:
    """What the cloud offers for uploads, read before trying (each read three-valued)."""
    v2: bool
    v1: bool = False
    import_methods: list[str] | None = None   # None: /v2/info/import absent (or no v2)
    tasks: str | None = None                  # user | admin-only | absent; None without v2
    object_store: bool = False


@dataclass
class Upload:
    disk_format: str
    method: str = "none"            # put | import:glance-direct | tasks | v1 | none
    active: bool = False
    put_status: int | None = None   # the PUT /v2/.../file answer (v1-only clouds: the v1 POST)
    api_version: str | None = None  # the image API the working method went through
    steps: list[tuple[str, str | None]] = field(default_factory=list)   # (what happened, evidence id)
    image_id: str | None = None

    def note(self, what: str, answer: Any = None) -> None:
        """Record a step: what was tried and, when it was sent, what the cloud answered."""
        if answer is None:
            self.steps.append((what, None))
        else:
            self.steps.append((f"{what} answered {answer.status}", answer.evidence_id))

    @property
    def tried(self) -> list[str]:
        """What was tried and what each answered, in order (the observation's value)."""
        return [what for what, _ in self.steps]

    def why_none(self) -> str:
        """The steps with the evidence behind each answer, for a failure message."""
        return "; ".join(what + (f" [evidence {ev}]" if ev else "") for what, ev in self.steps) \
            or "nothing was tried"


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
                        cloud_timeout(cloud, "osi_image_timeout", IMAGE_TIMEOUT), stop=cloud.resources.closed)
    return ok and body.get("status") == "active"


def _create_v2(cloud: CloudUnderTest, disk_format: str, suffix: str) -> tuple[str | None, Any]:
    entry = cloud.resources.intend("image", journal.by_name(image.v2(cloud, "/images?name={name}")),
                                   image.v2(cloud, "/images/{id}"), suffix=suffix)
    answer = cloud.resources.create(entry, lambda: cloud.answer("POST", image.v2(cloud, "/images"), {
        **STEP, 201: answers.JSON}, json={
            "name": entry.name, "disk_format": disk_format, "container_format": "bare",
            "visibility": "private", "tags": [TAG, f"osi-run-{cloud.run_id}"]}),
        id_of=lambda a: answers.field(a, "id"), refused=lambda a: a.status >= 400)
    return (entry.id if answer.status < 400 else None), answer


def _put(cloud: CloudUnderTest, result: Upload, data: bytes) -> int | None:
    """PUT /v2/images/{id}/file; returns the create's status when the create itself was refused."""
    image_id, created = _create_v2(cloud, result.disk_format, "put")
    if image_id is None:
        result.note("POST /v2/images", created)
        return created.status
    result.image_id = image_id
    response = cloud.answer("PUT", image.v2(cloud, f"/images/{image_id}/file"), STEP, data=data,
                            headers={"Content-Type": "application/octet-stream"})
    result.put_status = response.status
    result.note("PUT /v2/images/{id}/file", response)
    if response.status in (200, 201, 204):
        result.method, result.api_version = "put", "2"
        result.active = _wait_active(cloud, image.v2(cloud, f"/images/{image_id}"))
    return None


def _import(cloud: CloudUnderTest, result: Upload, data: bytes) -> None:
    image_id, created = _create_v2(cloud, result.disk_format, "import")
    if image_id is None:
        result.note("import: POST /v2/images", created)
        return
    staged = cloud.answer("PUT", image.v2(cloud, f"/images/{image_id}/stage"), STEP, data=data,
                          headers={"Content-Type": "application/octet-stream"})
    if staged.status >= 300:
        result.note("import: PUT /v2/images/{id}/stage", staged)
        return
    imported = cloud.answer("POST", image.v2(cloud, f"/images/{image_id}/import"), STEP,
                            json={"method": {"name": "glance-direct"}})
    result.note("import: POST /v2/images/{id}/import glance-direct", imported)
    if imported.status < 300:
        result.image_id = image_id
        result.method, result.api_version = "import:glance-direct", "2"
        result.active = _wait_active(cloud, image.v2(cloud, f"/images/{image_id}"))


def _tasks(cloud: CloudUnderTest, result: Upload, data: bytes) -> None:
    swift = cloud.endpoint("object-store")
    container = cloud.resources.intend("container", journal.at(f"{swift}/{{name}}"), f"{swift}/{{name}}")
    answer = cloud.resources.create(container, lambda: cloud.answer(
        "PUT", container.url(container.name), STEP),
        id_of=lambda a: container.name, refused=lambda a: a.status >= 400)
    if answer.status >= 400:
        result.note("tasks: PUT the swift container", answer)
        return
    obj = cloud.resources.intend("object", journal.at(f"{swift}/{container.name}/{{name}}"),
                                 f"{swift}/{container.name}/{{name}}")
    answer = cloud.resources.create(obj, lambda: cloud.answer(
        "PUT", obj.url(obj.name), STEP, data=data, headers={"Content-Type": "application/octet-stream"}),
        id_of=lambda a: obj.name, refused=lambda a: a.status >= 400)
    if answer.status >= 400:
        result.note("tasks: PUT the swift object", answer)
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
    result.note("tasks: POST /v2/tasks", found)
    if found.status != 201:
        return
    task_url = image.v2(cloud, f"/tasks/{answers.field(found, 'id')}")
    ok, body = wait_for(lambda: _status_of(cloud, task_url),
                        lambda b: b.get("status") in ("success", "failure"),
                        cloud_timeout(cloud, "osi_image_timeout", IMAGE_TIMEOUT), stop=cloud.resources.closed)
    if not ok:   # still running: a timeout is unknown, never "the tasks method makes no image"
        raise answers.Unknown(f"GET {task_url}: the glance task was still {body.get('status')!r} "
                              f"after {cloud_timeout(cloud, 'osi_image_timeout', IMAGE_TIMEOUT):.0f} s")
    image_id = body.get("result").get("image_id") if isinstance(body.get("result"), dict) else None
    if image_id:
        img.created(image_id)
        result.image_id, result.method, result.api_version = image_id, "tasks", "2"
        result.active = body.get("status") == "success" and _wait_active(
            cloud, image.v2(cloud, f"/images/{image_id}"))
    else:
        result.tried.append(f"tasks: the task ended {body.get('status')!r} without an image")


def _v1(cloud: CloudUnderTest, result: Upload, data: bytes, only_api: bool) -> None:
    """POST /v1/images with the data and x-image-meta-* headers, as glance v1 reads them;
    `only_api`: v1 is all the cloud offers, so this POST is its direct upload (put_status)."""
    entry = cloud.resources.intend("image", journal.by_name(image.v1(cloud, "/images?name={name}")),
                                   image.v1(cloud, "/images/{id}"), suffix="v1")
    answer = cloud.resources.create(entry, lambda: cloud.answer("POST", image.v1(cloud, "/images"), V1_CREATE,
        data=data, headers={
            "Content-Type": "application/octet-stream", "x-image-meta-name": entry.name,
            "x-image-meta-disk_format": result.disk_format, "x-image-meta-container_format": "bare",
            "x-image-meta-is_public": "false"}),
        id_of=lambda a: answers.field(a, "image", "id"), refused=lambda a: a.status != 201)
    result.note("v1: POST /v1/images with the data", answer)
    if only_api:
        result.put_status = answer.status
    if answer.status == 201:
        result.image_id, result.method, result.api_version = entry.id, "v1", "1"
        result.active = answers.field(answer, "image").get("status") == "active"
    elif answer.status >= 400:
        # glance v1 reserves the image before it refuses the data: find it for cleanup
        cloud.resources.settle(entry, answered=True)


def _import_offer(methods: list[str] | None) -> str:
    if methods is None:
        return "import: /v2/info/import absent (404)"
    if not methods:
        return "import methods offered: none"
    named = ", ".join(f"{m} ({local_file(m)})" for m in methods)
    return f"import methods offered: {named}; no glance-direct"


def _tasks_offer(tasks: str | None, object_store: bool) -> str:
    if tasks == "user" and not object_store:
        return "tasks: open to users (GET /v2/tasks answered 200) but no object storage to stage the data"
    return f"tasks: {tasks} (GET /v2/tasks answered {TASKS_STATUS.get(tasks or '', '?')})"


def upload(cloud: CloudUnderTest, disk_format: str, routes: Routes) -> Upload:
    """Try the methods in a client's order and stop at the first that is accepted."""
    result = Upload(disk_format)
    data = tiny_images.build(disk_format)
    v2_refused = not routes.v2
    if routes.v2:
        create_refused = _put(cloud, result, data)
        v2_refused = result.put_status in REFUSED or create_refused in REFUSED
        if result.method == "none" and result.put_status in REFUSED:
            if "glance-direct" in (routes.import_methods or []):
                _import(cloud, result, data)
            else:
                result.note(_import_offer(routes.import_methods))
            if result.method == "none":
                if routes.tasks == "user" and routes.object_store:
                    _tasks(cloud, result, data)
                else:
                    result.note(_tasks_offer(routes.tasks, routes.object_store))
    if result.method == "none" and v2_refused:
        if routes.v1:
            _v1(cloud, result, data, only_api=not routes.v2)
        else:
            result.note("v1: not offered")
    return result
