"""Plain REST calls through an openstacksdk service proxy, with checked status."""
from __future__ import annotations

from typing import Any

from .report import RefcloudError


def call(proxy, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200, 201, 202, 204),
         **kwargs: Any):
    """`method path` on the service behind `proxy`; RefcloudError unless status in `ok`."""
    response = proxy.request(path, method, json=body, raise_exc=False, **kwargs)
    if response.status_code not in ok:
        raise RefcloudError(f"{method} {response.url} -> HTTP {response.status_code}: "
                            f"{response.text[:400]}")
    return response


def get_json(proxy, path: str) -> Any:
    return call(proxy, "GET", path).json()
