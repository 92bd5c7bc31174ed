"""Boot the run's one server: first with no network named (what nova does by itself), then,
if nova refuses, on the advised network. Every probe needing a server shares it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from os_interop import answers, journal
from os_interop.apis import compute
from os_interop.cloud import CloudUnderTest
from os_interop.flows.polling import cloud_timeout, wait_for

# nova's NetworkAmbiguous: the API's 409 message, and the exception's own text (nova/exception.py)
AMBIGUOUS = ("multiple possible networks", "more than one possible network", "networkambiguous")
BOOT_TIMEOUT = 180    # default of clouds.yaml osi_boot_timeout


@dataclass
class Boot:
    implicit: str                     # ok | ambiguous | no-network | error
    server: dict[str, Any] | None = None
    detail: str | None = None


def smallest_flavor(cloud: CloudUnderTest, min_ram: int = 0, min_disk: int = 0) -> dict[str, Any] | None:
    """The cheapest flavor the image fits in (disk 0 means "as large as the image")."""
    body = cloud.json(cloud.get(compute.url(cloud, "/flavors/detail"))) or {}
    fitting = [f for f in body.get("flavors", []) if f.get("ram", 0) >= min_ram
               and (f.get("disk", 0) == 0 or f.get("disk", 0) >= min_disk)]
    return min(fitting, key=lambda f: (f.get("ram", 0), f.get("disk", 0), f.get("vcpus", 0)),
               default=None)


def _create(cloud: CloudUnderTest, image_id: str, flavor_id: str,
            networks: list[dict[str, str]] | None, suffix: str) -> tuple[Any, str | None]:
    entry = cloud.resources.intend("server", journal.by_name(compute.url(cloud, "/servers?name={name}")),
                                   compute.url(cloud, "/servers/{id}"), suffix=suffix, wait_gone=True)
    server: dict[str, Any] = {"name": entry.name, "imageRef": image_id, "flavorRef": flavor_id,
                              "metadata": {"os-interop-run": cloud.run_id}}
    if networks is not None:
        server["networks"] = networks
    answer = cloud.resources.create(
        entry, lambda: cloud.answer("POST", compute.url(cloud, "/servers"), {202: answers.JSON, **journal.DECLINED},
            json={"server": server},
            headers=compute.headers(compute.LEGACY)),
        id_of=lambda a: answers.field(a, "server", "id"), refused=lambda a: a.status != 202)
    return answer.response, entry.id if answer.status == 202 else None


def _wait(cloud: CloudUnderTest, server_id: str) -> dict[str, Any]:
    url = compute.url(cloud, f"/servers/{server_id}")
    _, body = wait_for(lambda: (cloud.json(cloud.get(url, fresh=True)) or {}).get("server", {}),
                       lambda s: s.get("status") in ("ACTIVE", "ERROR"),
                       cloud_timeout(cloud, "osi_boot_timeout", BOOT_TIMEOUT))
    return body


def _fault(response: Any, cloud: CloudUnderTest) -> str:
    body = cloud.json(response)
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
    return (response.text or "")[:200]


def boot(cloud: CloudUnderTest, image: dict[str, Any], fallback_network_id: str | None) -> Boot:
    """At most one server exists afterwards; a refused implicit boot creates nothing."""
    image_id = image["id"]
    flavor = smallest_flavor(cloud, image.get("min_ram") or 0, image.get("min_disk") or 0)
    if flavor is None:
        return Boot("error", detail="no flavor visible to the project fits the image")
    response, server_id = _create(cloud, image_id, flavor["id"], None, "implicit")
    if server_id:
        server = _wait(cloud, server_id)
        has_address = any(server.get("addresses", {}).values())
        if server.get("status") != "ACTIVE":
            return Boot("error", server, f"server went {server.get('status')}: "
                        f"{(server.get('fault') or {}).get('message')}")
        return Boot("ok" if has_address else "no-network", server)
    message = _fault(response, cloud)
    if not any(word in message.lower() for word in AMBIGUOUS):
        return Boot("error", None, f"HTTP {response.status_code}: {message}")
    if fallback_network_id is None:
        return Boot("ambiguous", None, message)
    response, server_id = _create(cloud, image_id, flavor["id"], [{"uuid": fallback_network_id}],
                                  "explicit")
    server = _wait(cloud, server_id) if server_id else None
    return Boot("ambiguous", server if server and server.get("status") == "ACTIVE" else None,
                message)
