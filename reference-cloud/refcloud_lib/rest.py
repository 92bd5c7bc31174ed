"""Plain REST calls through an openstacksdk service proxy, with checked status."""
from __future__ import annotations

from typing import Any

import requests
from openstack.proxy import Proxy

from .report import RefcloudError


def call(proxy: Proxy, method: str, path: str, body: Any = None,
         ok: tuple[int, ...] = (200, 201, 202, 204), **kwargs: Any) -> requests.Response:
    """`method path` on the service behind `proxy`; RefcloudError unless status in `ok`."""
    response = proxy.request(path, method, json=body, raise_exc=False, **kwargs)
    if response.status_code not in ok:
        raise RefcloudError(f"{method} {response.url} -> HTTP {response.status_code}: "
                            f"{response.text[:400]}")
    return response

