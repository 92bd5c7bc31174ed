"""Boot the run's one server: first with no network named (what nova does by itself), then,
if nova refuses, on the advised network. Every probe needing a server shares it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from os_interop import answers, critical_path, journal
from os_interop.answers import EMPTY
from os_interop.apis import compute, network, network_config
from os_interop.cloud import CloudUnderTest
from os_interop.flows.polling import cloud_timeout, wait_for

# nova's NetworkAmbiguous: the API's 409 message, and the exception's own text (nova/exception.py)
AMBIGUOUS = ("multiple possible networks", "more than one possible network", "networkambiguous")
BOOT_TIMEOUT = 180    # default of clouds.yaml osi_boot_timeout
# Refusals of POST /servers a member can really get (NetworkAmbiguous 409, quota 403/413,
# a bad request 400); anything else (5xx, 429, 401) is unknown, never "the boot failed".
REFUSALS = {400: EMPTY, 403: EMPTY, 409: EMPTY, 413: EMPTY}


@dataclass
class Boot:
    implicit: str                     # ok | ambiguous | no-network | error
    server: dict[str, Any] | None = None
    detail: str | None = None


class Ported:
    """The first look at the run's server after which neutron lists a port of it with an
    address, set by the boot's poll while the server may still build; None once the boot
    ended without one. Genuine nova shows a server's addresses only once it is ACTIVE, but
    the port it made for the server is in neutron's listing during the build.

    A probe that needs only the server's port (the floating IP lifecycle) sets `wanted` and
    acts from here, so its requests overlap the rest of the build; it takes its verdict from
    the finished boot. `looked`: the poll read the port listing (its cached answer may be
    from the build, so a probe acting after the boot reads it afresh)."""

    def __init__(self) -> None:
        self.wanted = False
        self.looked = False
        self.server: dict[str, Any] | None = None
        self._seen = threading.Event()

    def seen(self, server: dict[str, Any]) -> None:
        if not self._seen.is_set():
            self.server = server
            self._seen.set()

    def settle(self) -> None:
        """The boot is over: a waiter still waiting gets None (and the boot's own outcome)."""
        self._seen.set()

    def done(self) -> bool:
        return self._seen.is_set()

    def wait(self) -> dict[str, Any] | None:
        self._seen.wait()
        return self.server


def ported(cloud: CloudUnderTest) -> Ported:
    return cloud.remember("server:ported", Ported)


def _look_for_port(cloud: CloudUnderTest, server: dict[str, Any]) -> None:
    """Between two polls (a server that went ERROR ends them): does neutron list an addressed
    port of the server yet? Only while a probe wants to know. A read that fails ends the
    looking, never the boot: the probe then reads the listing itself, after the boot, and
    meets the failure there."""
    milestone = ported(cloud)
    if not milestone.wanted or milestone.done():
        return
    try:
        if network.service(cloud) != network.PRESENT:
            milestone.wanted = False
            return
        milestone.looked = True
        ports = network.listing(cloud, "ports", f"?device_id={server['id']}", fresh=True)
    except answers.Unknown:
        milestone.wanted = False
        return
    if any(isinstance(p, dict) and p.get("fixed_ips") for p in ports):
        milestone.seen(server)


def smallest_flavor(cloud: CloudUnderTest, min_ram: int = 0, min_disk: int = 0) -> dict[str, Any] | None:
    """The cheapest flavor the image fits in (disk 0 means "as large as the image"); None
    only when the listing says none fits. An unreadable listing is Unknown."""
    # remembered: the boot reads it ahead, beside the image and network reads (tests/conftest.py)
    found = cloud.remember("flavors", lambda: cloud.answer("GET", compute.url(cloud, "/flavors/detail")))
    flavors = answers.items(found, "flavors")
    if not all(isinstance(f.get(k, 0), int) for f in flavors for k in ("ram", "disk", "vcpus")):
        raise answers.Unknown("GET /flavors/detail: a flavor's ram, disk or vcpus is not a number",
                              found.evidence_id)
    fitting = [f for f in flavors if f.get("ram", 0) >= min_ram
               and (f.get("disk", 0) == 0 or f.get("disk", 0) >= min_disk)]
    return min(fitting, key=lambda f: (f.get("ram", 0), f.get("disk", 0), f.get("vcpus", 0)),
               default=None)


def config_drive(cloud: CloudUnderTest) -> dict[str, Any]:
    """The create's config-drive members, read once for the run's creates (and ahead of them)."""
    return cloud.remember("config_drive_request", lambda: network_config.config_drive_request(cloud))


def _create(cloud: CloudUnderTest, image_id: str, flavor_id: str,
            networks: list[dict[str, str]] | None, suffix: str) -> tuple[Any, str | None]:
    entry = cloud.resources.intend("server", journal.by_name(compute.url(cloud, "/servers?name={name}")),
                                   compute.url(cloud, "/servers/{id}"), suffix=suffix, wait_gone=True)
    server: dict[str, Any] = {"name": entry.name, "imageRef": image_id, "flavorRef": flavor_id,
                              "metadata": {"os-interop-run": cloud.run_id}}
    server.update(config_drive(cloud))   # where the cloud accepts one
    if networks is not None:
        server["networks"] = networks
    answer = cloud.resources.create(
        entry, lambda: cloud.answer("POST", compute.url(cloud, "/servers"), {202: answers.JSON, **REFUSALS},
                                    json={"server": server}, headers=compute.headers(compute.LEGACY)),
        id_of=lambda a: answers.field(a, "server", "id"), refused=lambda a: a.status != 202)
    return answer.response, entry.id if answer.status == 202 else None


def _poll(cloud: CloudUnderTest, url: str) -> dict[str, Any]:
    """One look at the server; a 5xx or unparsable answer is Unknown, not "never active"."""
    found = cloud.answer("GET", url, fresh=True)
    server = answers.field(found, "server")
    if not isinstance(server, dict):
        raise answers.Unknown(f"GET {url}: 'server' is not an object", found.evidence_id)
    return server


def _wait(cloud: CloudUnderTest, server_id: str) -> dict[str, Any]:
    critical_path.server_building()     # what this target still does waits on the build
    url = compute.url(cloud, f"/servers/{server_id}")
    last: list[dict[str, Any]] = []      # the latest look

    def look() -> dict[str, Any]:
        # the port of the server as the last look saw it, before the next look: the poll's
        # own answer must be this thread's last request (a replay ends the wait by it)
        if last:
            _look_for_port(cloud, last[0])
        last[:] = [_poll(cloud, url)]
        return last[0]
    _, body = wait_for(look,
                       lambda s: s.get("status") in ("ACTIVE", "ERROR"),
                       cloud_timeout(cloud, "osi_boot_timeout", BOOT_TIMEOUT), stop=cloud.resources.closed)
    return body


def _refused(cloud: CloudUnderTest, response: Any) -> None:
    """A create that made no server must be a refusal a member can get; else Unknown."""
    if response.status_code == 202:
        raise answers.Unknown("POST /servers answered HTTP 202 without a readable server id",
                              answers.evidence_of(response))
    answers.interpret("POST", compute.url(cloud, "/servers"), response, REFUSALS)


def _fault(response: Any, cloud: CloudUnderTest) -> str:
    body = cloud.json(response)
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
    return (response.text or "")[:200]


def boot(cloud: CloudUnderTest, image: dict[str, Any],
         fallback_network: Callable[[], str | None] = lambda: None) -> Boot:
    """At most one server exists afterwards; a refused implicit boot creates nothing.

    `fallback_network` (the advised network's id, or None) is asked for only when nova refuses
    to choose: the first create waits for no network read, and a network read that fails is
    then raised here, before the second create, never as a failed boot of the first."""
    image_id = image["id"]
    flavor = smallest_flavor(cloud, image.get("min_ram") or 0, image.get("min_disk") or 0)
    if flavor is None:
        return Boot("error", detail="no flavor visible to the project fits the image")
    response, server_id = _create(cloud, image_id, flavor["id"], None, "implicit")
    if server_id:
        server = _wait(cloud, server_id)
        addresses = server.get("addresses")
        has_address = isinstance(addresses, dict) and any(addresses.values())
        if server.get("status") != "ACTIVE":
            return Boot("error", server, f"server went {server.get('status')}: "
                        f"{(server.get('fault') or {}).get('message')}")
        return Boot("ok" if has_address else "no-network", server)
    _refused(cloud, response)
    message = _fault(response, cloud)
    if not any(word in message.lower() for word in AMBIGUOUS):
        return Boot("error", None, f"HTTP {response.status_code}: {message}")
    fallback_network_id = fallback_network()
    if fallback_network_id is None:
        return Boot("ambiguous", None, message)
    response, server_id = _create(cloud, image_id, flavor["id"], [{"uuid": fallback_network_id}],
                                  "explicit")
    if not server_id:
        _refused(cloud, response)
    server = _wait(cloud, server_id) if server_id else None
    if server and server.get("status") == "ACTIVE":
        return Boot("ambiguous", server, message)
    why = (f"went {server.get('status')}" if server else
           f"was refused: HTTP {response.status_code}: {_fault(response, cloud)}")
    return Boot("ambiguous", None, f"{message}; the boot on the advised network {why}")
