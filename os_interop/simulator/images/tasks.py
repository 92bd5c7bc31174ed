"""glance v2 tasks: an import task turns a swift object into an image when the task is shown."""

from __future__ import annotations

from typing import Any

from ..http import Request, Response, json_response
from ..listing import paginate, public
from ..service import Router
from ..stamps import new_id, now
from .records import ImagePart


class Tasks(ImagePart):
    def routes(self, r: Router) -> None:
        if self.personality.image.v2_max_minor is None:
            return
        r.add("GET", "/v2/tasks", self.list_tasks)
        r.add("POST", "/v2/tasks", self.create_task)
        r.add("GET", "/v2/tasks/{task_id}", self.show_task)

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
        image = self.records.new(req, {"name": props.pop("name", name),
                                      "disk_format": defaults.disk_format or first_format,
                                      "container_format": defaults.container_format or "bare"})
        image.update({k: str(v) for k, v in props.items()})
        self.records.set_data(image, obj["_data"])
        task.update(status="success", result={"image_id": image["id"]})
