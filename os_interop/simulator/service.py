"""What every simulated service is made of: routing, the service (errors, hooks) and its resource parts.

A new service is a :class:`Service` subclass with a ``prefix`` and ``name``, its resources as
:class:`Part` subclasses; :mod:`.services` lists which services a cloud mounts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .http import HTTPError, Request, Response, keystone_error

Handler = Callable[..., Response]


@dataclass
class Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    auth: bool


class Router:
    """Method + path-template routing (``/v2/images/{image_id}/file``); one per service."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler, auth: bool = True) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/"))
        pattern = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", pattern)
        regex = re.compile("^" + pattern + "/?$")
        for verb in method.split("|"):
            self.routes.append(Route(verb, template, regex, handler, auth))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """Returns (route, params, path_known); path_known without route means 405."""
        matches = [(r, m) for r in self.routes if (m := r.regex.match(path))]
        for wanted in (method, "GET" if method == "HEAD" else None):
            for route, m in matches:
                if route.method == wanted:
                    return route, m.groupdict(), True
        return None, {}, bool(matches)


class Service:
    """A simulated OpenStack service mounted at ``prefix`` of a cloud: its errors, hooks and parts.

    The service keeps what is common to its API (error shape, version discovery, authentication,
    microversions); each resource family is a :class:`Part` listed in :attr:`parts`, which adds its
    own routes. The service's own routes come first.
    """

    prefix = ""        # where the cloud mounts it: /compute
    name = ""          # catalog name: nova
    service_type = ""  # catalog type: compute
    parts: tuple[type[Part], ...] = ()

    def __init__(self, cloud: Any):
        self.cloud = cloud
        self.state = cloud.state
        self.personality = cloud.personality
        self.router = Router()
        self.routes()
        self.part: dict[type[Part], Part] = {}
        for cls in self.parts:
            self.part[cls] = part = cls(self)
            part.routes(self.router)

    def routes(self) -> None:
        """Routes of the service itself (version documents); resources' routes live in their parts."""

    @property
    def url(self) -> str:
        """Unversioned root URL of this service."""
        return self.cloud.base_url + self.prefix

    @property
    def catalog_url(self) -> str:
        """The URL the catalog lists (versioned or project-scoped where the personality says so)."""
        return self.url

    def error(self, status: int, message: str, kind: str | None = None) -> HTTPError:
        """Service-specific error body; overridden per service."""
        return keystone_error(status, message)

    def before(self, req: Request, route: Route) -> None:
        """Hook run before a routed handler (authentication, microversions)."""
        if route.auth:
            req.auth = self.cloud.authenticate(req.headers.get("X-Auth-Token"))

    def after(self, req: Request, resp: Response) -> Response:
        return resp

    def not_found(self, req: Request) -> Response:
        raise self.error(404, "The resource could not be found.")

    def handle(self, req: Request, subpath: str) -> Response:
        route, params, known = self.router.match(req.method, subpath or "/")
        if route is None:
            if known:
                raise self.error(405, f"The method {req.method} is not allowed for this resource.")
            return self.not_found(req)
        self.before(req, route)
        try:
            return self.after(req, route.handler(req, **{k: unquote(v) for k, v in params.items()}))
        except json.JSONDecodeError:
            raise self.error(400, "Malformed request body: not valid JSON.") from None


class Part:
    """One resource family of a service (servers, flavors, images, ports...): routes and handlers.

    Shares the service's cloud, state, personality, URL and error shape; a part that needs another
    one asks the service for it (``self.service.part[Other]``) when it needs it, so every part exists
    once per service and none holds another.
    """

    def __init__(self, service: Service):
        self.service = service
        self.cloud = service.cloud
        self.state = service.state
        self.personality = service.personality

    @property
    def url(self) -> str:
        return self.service.url

    def error(self, status: int, message: str, kind: str | None = None) -> HTTPError:
        return self.service.error(status, message, kind)

    def routes(self, r: Router) -> None:  # pragma: no cover - overridden
        raise NotImplementedError
