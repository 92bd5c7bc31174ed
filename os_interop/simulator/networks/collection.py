"""What every neutron collection does the same way: list (filters, tags, pagination, fields), show, update,
delete, tags. A resource module subclasses :class:`Collection` and fills in only what differs: who sees
a record, its view, how it is created, which fields an update may change, what deleting it involves.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from ..http import Request, Response, empty, json_response
from ..listing import MarkerNotFound, attribute_filter, paginate, public, select_fields, tag_filter
from .errors import NetError
from ..service import Part, Router
from ..stamps import now

RESERVED = ("fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse",
            "tags", "tags-any", "not-tags", "not-tags-any")


def policy(rule: str) -> NetError:
    """neutron's answer when oslo.policy refuses ``rule``."""
    return NetError(403, "PolicyNotAuthorized", f"({rule}) is disallowed by policy")


class Collection(Part):
    """One neutron collection at ``/v2.0/<collection>``; the class attributes name it."""

    collection = ""            # URL segment: security-groups
    singular = ""              # body key of one record: security_group
    kind = ""                  # CloudState store: security_groups
    not_found = ("", "")       # NeutronError type and message ({} is the id)
    extension: str | None = None   # served only when the personality lists this extension
    updatable: frozenset[str] = frozenset()
    # accepted in any update body without being copied (routers and floating IPs act on them in before_update)
    update_side_effects = frozenset({"external_gateway_info", "port_id", "fixed_ip_address"})
    taggable = True

    @property
    def key(self) -> str:
        """The collection's key in a list body (underscores, like neutron's)."""
        return self.collection.replace("-", "_")

    def routes(self, r: Router) -> None:
        base = f"/v2.0/{self.collection}"
        r.add("GET", base, self.list)
        r.add("POST", base, self.create)
        r.add("GET", base + "/{rid}", self.show)
        r.add("PUT", base + "/{rid}", self.update)
        r.add("DELETE", base + "/{rid}", self.delete)
        if self.taggable:
            r.add("GET|PUT|DELETE", base + "/{rid}/tags", self.tags)
            r.add("GET|PUT|DELETE", base + "/{rid}/tags/{tag}", self.tags)

    # -- what resource modules override ------------------------------------------------------------
    def visible(self, project: str) -> list[dict[str, Any]]:
        return [x for x in self.state.store[self.kind].values() if x["project_id"] == project]

    def view(self, record: dict[str, Any]) -> dict[str, Any]:
        return public(record)

    def new(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def before_update(self, record: dict[str, Any], body: dict[str, Any]) -> None:
        """Checks and side effects of an update, before the plain fields are copied."""

    def remove(self, record: dict[str, Any]) -> None:
        del self.state.store[self.kind][record["id"]]

    # -- shared behaviour -------------------------------------------------------------------------------
    def other(self, cls: type[Collection]) -> Collection:
        """A sibling collection (a subnet's network, a rule's group)."""
        return self.service.part[cls]  # type: ignore[return-value]

    def find(self, req: Request, rid: str, owned: bool = False) -> dict[str, Any]:
        self.service.require(self.extension)
        project = req.auth["project_id"]
        record = next((x for x in self.visible(project) if x["id"] == rid), None)
        if record is None:
            kind, message = self.not_found
            raise NetError(404, kind, message.format(rid))
        if owned and record["project_id"] != project:
            raise policy(f"rule:update_{self.singular}")
        return record

    def list(self, req: Request) -> Response:
        self.service.require(self.extension)
        with self.state.lock:
            records = self.visible(req.auth["project_id"])
            records = tag_filter(attribute_filter(records, req.query, reserved=RESERVED), req.query)
            records.sort(key=lambda x: (x.get("created_at", ""), x["id"]))
            try:
                page, next_marker = paginate(records, req.q("limit"), req.q("marker"))
            except MarkerNotFound as exc:
                kind, message = self.not_found
                raise NetError(404, kind, message.format(exc)) from None
            body: dict[str, Any] = {self.key: [select_fields(self.view(x), req.query.get("fields")) for x in page]}
        if next_marker:
            params = [(k, v) for k, vs in req.query.items() if k != "marker" for v in vs] + [("marker", next_marker)]
            href = f"{self.url}/v2.0/{self.collection}?{urlencode(params)}"
            body[f"{self.key}_links"] = [{"rel": "next", "href": href}]
        return json_response(200, body)

    def show(self, req: Request, rid: str) -> Response:
        with self.state.lock:
            view = self.view(self.find(req, rid))
        return json_response(200, {self.singular: select_fields(view, req.query.get("fields"))})

    def body(self, req: Request) -> dict[str, Any]:
        try:
            body = req.json()[self.singular]
            assert isinstance(body, dict)
            return body
        except (ValueError, KeyError, TypeError, AssertionError):
            raise NetError(400, "BadRequest", f"Resource body required: '{self.singular}' object expected") from None

    def create(self, req: Request) -> Response:
        self.service.require(self.extension)
        body = self.body(req)
        with self.state.lock:
            record = self.new(req, body)
            if body.get("tags") and "tags" in record:
                record["tags"] = list(dict.fromkeys(body["tags"]))
            return json_response(201, {self.singular: self.view(record)})

    def update(self, req: Request, rid: str) -> Response:
        body = self.body(req)
        with self.state.lock:
            record = self.find(req, rid, owned=True)
            self.before_update(record, body)
            for key in set(body) & self.updatable:
                record[key] = body[key]
            unknown = set(body) - self.updatable - self.update_side_effects - {"tags"}
            if unknown:
                raise NetError(400, "HTTPBadRequest", f"Cannot update read-only attribute {sorted(unknown)[0]}")
            if "updated_at" in record:
                record["updated_at"] = now()
                record["revision_number"] = record.get("revision_number", 0) + 1
            return json_response(200, {self.singular: self.view(record)})

    def delete(self, req: Request, rid: str) -> Response:
        with self.state.lock:
            self.remove(self.find(req, rid, owned=True))
        return empty(204)

    def tags(self, req: Request, rid: str, tag: str | None = None) -> Response:
        with self.state.lock:
            record = self.find(req, rid, owned=req.method != "GET")
            tags: list[str] = record["tags"]
            if req.method == "GET":
                if tag is None:
                    return json_response(200, {"tags": list(tags)})
                if tag not in tags:
                    raise NetError(404, "TagNotFound", f"Tag {tag} could not be found for {self.singular} {rid}.")
                return empty(204)
            if req.method == "PUT" and tag is None:
                record["tags"] = list(dict.fromkeys(_tag_list(req)))
                return json_response(200, {"tags": record["tags"]})
            if req.method == "PUT":
                if tag not in tags:
                    tags.append(tag)
                return empty(201)
            if tag is None:
                tags.clear()
            elif tag in tags:
                tags.remove(tag)
            else:
                raise NetError(404, "TagNotFound", f"Tag {tag} could not be found for {self.singular} {rid}.")
            return empty(204)


def _tag_list(req: Request) -> list[str]:
    try:
        tags = req.json()["tags"]
        assert isinstance(tags, list)
        return [str(t) for t in tags]
    except (ValueError, KeyError, TypeError, AssertionError):
        raise NetError(400, "InvalidInput", "Invalid input for operation: 'tags' must be a list.") from None
