"""One run of the talk's flow through openstacksdk's cloud layer, every creation journaled
before openstacksdk makes it (os_interop/journal.py) and cleaned up by the journal."""

from __future__ import annotations

import ipaddress
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from os_interop import journal as jr
from os_interop import tiny_images
from os_interop.redaction import MASK, Redactor

STEPS = ("image", "server", "floating_ip", "security_group_rule")


@dataclass
class FlowResult:
    """Per step: None (ok) or the client's error in one line; what the journal could not prove gone."""

    errors: dict[str, str | None] = field(default_factory=dict)
    leaked: list[dict[str, Any]] = field(default_factory=list)
    run_id: str = ""

    def ok(self, step: str) -> bool:
        return step in self.errors and self.errors[step] is None

    def summary(self) -> dict[str, str]:
        return {s: "ok" if self.errors.get(s, "not run") is None else f"failed: {self.errors.get(s, 'not run')}"
                for s in STEPS}

    def document(self) -> dict[str, Any]:
        return {"run_id": self.run_id,
                "steps": {s: {"ok": self.ok(s), "error": self.errors.get(s, "not run")} for s in STEPS},
                "leaked": self.leaked}


def _one_line(exc: BaseException, redactor: Redactor) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redactor.text(f"{type(exc).__name__}: {text}")[:400]


def _declined(exc: BaseException) -> bool:
    """The cloud answered the create with a 4xx (not 429): it made nothing."""
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and 400 <= status < 500 and status != 429


def redactor_for(conn: Any) -> Redactor:
    """Every secret of the connection's auth section, and its token once it has one."""
    probe = Redactor()
    auth = conn.config.config.get("auth") or {}
    return Redactor([v for k, v in auth.items() if isinstance(v, str) and probe.data(v, k) == MASK])


def requester(conn: Any) -> jr.Requester:
    """The journal's raw requests, on openstacksdk's own authenticated session."""
    def request(method: str, url: str) -> tuple[int, Any]:
        answer = conn.session.request(url, method, raise_exc=False, headers={"Accept": "application/json"})
        try:
            body = answer.json()
        except ValueError:
            body = None
        return answer.status_code, body
    return request


class Flow:
    """The four steps on one connection, every creation journaled before openstacksdk makes it."""

    def __init__(self, conn: Any, journal: jr.Journal, timeout: float, redactor: Redactor) -> None:
        self.conn, self.journal, self.timeout, self.redactor = conn, journal, timeout, redactor
        self.request = requester(conn)
        self.result = FlowResult(run_id=journal.run_id)

    # where things live, for lookups and deletes
    def _network(self) -> str:
        return self.conn.network.get_endpoint().rstrip("/").removesuffix("/v2.0") + "/v2.0"

    def _compute(self) -> str:
        return self.conn.compute.get_endpoint().rstrip("/")

    def _account(self, entry: jr.Entry, exc: BaseException | None) -> None:
        """After the call that may have made `entry`: an id from the lookup, or, when the cloud
        answered (a 4xx, or a success without this resource), proved never created. Without an
        answer the entry stays in flight; cleanup waits for it."""
        if entry.ids or entry.state != "intended":
            return
        try:
            found = jr.find(entry.lookup, entry.name, self.request) if entry.lookup else []
        except jr.LookupFailed:
            if _declined(exc) and self.request("GET", entry.lookup["url"])[0] == 404:
                self.journal.mark(entry, "deleted", "not created: the cloud declined and has no such collection")
            return   # otherwise it proves nothing: cleanup looks again
        except Exception:   # noqa: BLE001
            return
        for rid in found:
            entry.created(rid)
        if not found and (exc is None or _declined(exc)):
            self.journal.mark(entry, "deleted", "not created: the lookup after the answer found nothing")

    def run(self) -> FlowResult:
        try:
            image = self._step(("image",), self.image)
            self._step(("server", "floating_ip"), lambda: self.server(image))
            self._step(("security_group_rule",), self.security_group_rule)
        finally:
            self.clean_up()
        return self.result

    def _step(self, steps: tuple[str, ...], call: Any) -> Any:
        """A step whose own reads (endpoints, listings) fail is failed with that error, not a crash."""
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - e.g. no such service in the catalog
            for step in steps:
                self.result.errors.setdefault(step, _one_line(exc, self.redactor))
            return None

    def clean_up(self) -> None:
        try:
            self.result.leaked = [e.summary() for e in jr.cleanup(self.journal.entries, self.request)]
        except KeyboardInterrupt:
            jr.stopped(self.journal.entries)
            self.result.leaked = [e.summary() for e in self.journal.entries if e.state != "deleted"]
            raise

    def image(self) -> Any:
        conn, name = self.conn, jr.resource_name(self.journal.run_id, "image")
        disk_format = conn.config.config["image_format"]
        endpoint = conn.image.get_endpoint().rstrip("/")
        v1 = (conn.image.get_api_major_version() or (2,))[0] == 1   # what discovery chose, not the config
        entries = self._upload_objects(name)
        entry = self.journal.intend("image", jr.by_name(endpoint + ("/images/detail" if v1 else "/images")
                                                        + "?name={name}"),
                                    delete_template=endpoint + "/images/{id}")
        entries.append(entry)
        # openstacksdk 4.x sends glance v1 its metadata as a JSON body that v1 ignores: a refused
        # upload can leave a queued image without the name; such new ids are only candidates
        reserved = self._new_ids_entry("image", endpoint + "/images/detail", "images",
                                       endpoint + "/images/{id}") if v1 else None
        image, error = None, None
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{name}.{disk_format}"
            path.write_bytes(tiny_images.build(disk_format) if disk_format in ("qcow2", "raw", "vhd")
                             else tiny_images.raw())
            try:
                image = conn.create_image(name, filename=str(path), disk_format=disk_format,
                                          container_format="bare", wait=True, timeout=self.timeout)
                entry.created(image.id)
                self.result.errors["image"] = None if image.status == "active" else f"image is {image.status}"
            except Exception as exc:  # noqa: BLE001 - the client's failure is the finding
                error = exc
                self.result.errors["image"] = _one_line(exc, self.redactor)
        for e in entries:
            self._account(e, error if e is entry else None)
        if reserved is not None:
            self._candidates(reserved, set(entry.ids))
        return image if self.result.ok("image") else None

    def _new_ids_entry(self, kind: str, url: str, collection: str, template: str) -> jr.Entry | None:
        """Journal a nameless creation by the ids listed before it (None: the list is unreadable)."""
        status, body = self.request("GET", url)
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get(collection), list):
            return None
        before = [str(i["id"]) for i in body[collection] if isinstance(i, dict) and "id" in i]
        return self.journal.intend(kind, jr.new_ids(url, collection, before), delete_template=template,
                                   suffix="unnamed")

    def _candidates(self, entry: jr.Entry, ours: set[str]) -> None:
        """New ids that are not the ones proved ours: reported as possibly left, never deleted."""
        try:
            rest = sorted(set(jr.find(entry.lookup, entry.name, self.request)) - ours)
        except Exception:   # noqa: BLE001 - cleanup's resolve reports them
            return
        if rest:
            self.journal.mark(entry, "leaked", f"possibly left: new {entry.kind} ids that cannot be proved "
                              f"ours (openstacksdk's own leftovers): {', '.join(rest)}")
        else:
            self.journal.mark(entry, "deleted", "not created: no new id")

    def _upload_objects(self, image_name: str) -> list[jr.Entry]:
        """Glance tasks upload through swift: openstacksdk's container (when it is not there yet)
        and the object named after the image, journaled like everything else."""
        conn = self.conn
        if not conn.config.config.get("image_api_use_tasks") or not conn.has_service("object-store"):
            return []
        container = conn._OBJECT_AUTOCREATE_CONTAINER
        base = conn.object_store.get_endpoint().rstrip("/") + "/" + container
        made = []
        status, _ = self.request("HEAD", base)
        if status == 404:
            made.append(self.journal.intend("container", jr.at(base), delete_template=base))
        obj = f"{base}/{image_name}"
        made.append(self.journal.intend("object", jr.at(obj), delete_template=obj))
        return made

    def _floating_ips(self) -> tuple[str, str, str] | None:
        """(list URL, collection, item URL template) of the floating IPs openstacksdk would make."""
        conn = self.conn
        source = _source(conn, "floating_ip_source")
        if source == "neutron":
            base = self._network() + "/floatingips"
            return base, "floatingips", base + "/{id}"
        if source == "nova":
            base = self._compute() + "/os-floating-ips"
            return base, "floating_ips", base + "/{id}"
        return None

    def server(self, image: Any) -> None:
        conn, name = self.conn, jr.resource_name(self.journal.run_id, "server")
        try:
            public = [i for i in conn.list_images() if i.status == "active" and (image is None or i.id != image.id)
                      and (i.get("visibility") == "public" or i.get("is_public") is True)]
            boot_image = public[0] if public else image
            if boot_image is None:
                raise RuntimeError("no image to boot: the provider has none and the upload failed")
            flavor = min(conn.list_flavors(get_extra=False), key=lambda f: (f.ram, f.vcpus, f.disk, f.id))
            fips = self._floating_ips()
            before = self._fip_ids(fips) if fips else None
        except Exception as exc:  # noqa: BLE001
            self.result.errors["server"] = _one_line(exc, self.redactor)
            self.result.errors["floating_ip"] = "not reached: no server"
            return
        entry = self.journal.intend("server", jr.by_name(self._compute() + "/servers?name={name}"),
                                    delete_template=self._compute() + "/servers/{id}", wait_gone=True)
        # unreadable list: no way to tell new ones apart; those attached to the new server are still ours
        fip_entry = self.journal.intend("floating_ip", jr.new_ids(fips[0], fips[1], before) if before is not None
                                        else None,
                                        delete_template=fips[2]) if fips else None
        error = None
        try:
            server = conn.create_server(name, image=boot_image, flavor=flavor, auto_ip=True, reuse_ips=False,
                                        wait=True, timeout=self.timeout)
            entry.created(server.id)
            self.result.errors["server"] = None
            server = conn.get_server(server.id)  # create_server hands back a bare server; this adds public_v4
            self.result.errors["floating_ip"] = None if _public_ipv4(server) else (
                f"no public IPv4 on the server (addresses: {sorted(server.get('addresses') or {})})")
        except Exception as exc:  # noqa: BLE001 - create_server raises for the floating IP too
            error = exc
            self._account(entry, exc)
            try:   # the floating IP step failing makes create_server raise too
                active = bool(entry.ids) and all(conn.compute.get_server(i).status == "ACTIVE" for i in entry.ids)
            except Exception:  # noqa: BLE001 - unreadable: the server step is not proved ok
                active = False
            self.result.errors["server"] = None if active else _one_line(exc, self.redactor)
            self.result.errors["floating_ip"] = _one_line(exc, self.redactor) if active else "not reached: no server"
        self._account(entry, error)
        if fip_entry is not None:
            self._prove_fips(fip_entry, fips, entry.ids)

    def _fip_ids(self, fips: tuple[str, str, str]) -> list[str] | None:
        """The floating IPs there before the boot; None when the list cannot be read."""
        try:
            status, body = self.request("GET", fips[0])
        except Exception:  # noqa: BLE001 - then openstacksdk's own attempt is the finding
            return None
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get(fips[1]), list):
            return None
        return sorted(str(f["id"]) for f in body[fips[1]] if isinstance(f, dict) and "id" in f)

    def _prove_fips(self, entry: jr.Entry, fips: tuple[str, str, str], servers: list[str]) -> None:
        """New floating IPs attached to the flow's server are ours; new unattached ones are
        only candidates (another client may have made them): reported, never deleted."""
        try:
            new = set(jr.find(entry.lookup, entry.name, self.request)) if entry.lookup else None
            ports: set[str] = set()
            if fips[1] == "floatingips":
                for sid in servers:
                    status, body = self.request("GET", self._network() + f"/ports?device_id={sid}")
                    ports |= {p["id"] for p in (body or {}).get("ports", [])} if status == 200 else set()
            status, body = self.request("GET", fips[0])
        except Exception:   # noqa: BLE001 - cleanup's resolve reports the candidates
            return
        if status == 404:   # the cloud has no such collection: nothing can have been made in it
            self.journal.mark(entry, "deleted", f"not created: GET {fips[0]} answered HTTP 404")
            return
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get(fips[1]), list):
            if entry.lookup is None:
                self.journal.mark(entry, "leaked", f"possibly left: GET {fips[0]} answered HTTP {status}, so a "
                                  "floating IP openstacksdk may have made cannot be looked up")
            return
        listed = body[fips[1]]
        ours = sorted(str(f["id"]) for f in listed if isinstance(f, dict) and (new is None or str(f.get("id")) in new)
                      and (f.get("port_id") in ports or f.get("instance_id") in servers))
        for rid in ours:
            entry.created(rid)
        rest = sorted((new or set()) - set(ours))
        if rest:
            self.journal.mark(entry, "leaked", "possibly left: new floating IPs not attached to the flow's "
                              f"server cannot be proved ours: {', '.join(rest)}")
        elif not ours:
            self.journal.mark(entry, "deleted", "not created: no new floating IP")

    def security_group_rule(self) -> None:
        conn, name = self.conn, jr.resource_name(self.journal.run_id, "sg")
        source = _source(conn, "secgroup_source")
        entry = None
        if source == "neutron":
            base = self._network() + "/security-groups"
            entry = self.journal.intend("sg", jr.by_name(base + "?name={name}"), delete_template=base + "/{id}")
        elif source == "nova":
            base = self._compute() + "/os-security-groups"
            entry = self.journal.intend("sg", jr.by_name(base), delete_template=base + "/{id}")
        error = None
        try:
            group = conn.create_security_group(name, "os-interop prove")
            if entry is not None:
                entry.created(group["id"])
            conn.create_security_group_rule(group["id"], port_range_min=22, port_range_max=22, protocol="tcp",
                                            remote_ip_prefix="0.0.0.0/0", direction="ingress", ethertype="IPv4")
            self.result.errors["security_group_rule"] = None
        except Exception as exc:  # noqa: BLE001
            error = exc
            self.result.errors["security_group_rule"] = _one_line(exc, self.redactor)
        if entry is not None:
            self._account(entry, error)


def _source(conn: Any, key: str) -> str | None:
    """The API openstacksdk's cloud layer will use for floating IPs or security groups: a
    configured "neutron" on a cloud without a network service falls back to nova."""
    source = str(conn.config.config.get(key) or "").lower()
    if source not in ("neutron", "nova"):
        return None
    return "neutron" if source == "neutron" and conn.has_service("network") else "nova"


def _public_ipv4(server: Any) -> bool:
    address = getattr(server, "public_v4", None) or ""  # an attribute the cloud layer computes
    try:
        return ipaddress.ip_address(address).version == 4
    except ValueError:
        return False


def run_flow(conn: Any, journal_path: Path, timeout: float = 60,
             run_id: str | None = None) -> FlowResult:
    """One run of the flow on `conn`, journaled at `journal_path` and cleaned up."""
    journal = jr.Journal(journal_path, run_id or jr.new_run_id(), requester(conn),
                         answer_window=float(conn.config.config.get("api_timeout") or 30))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # openstacksdk's deprecation chatter is not a finding
        return Flow(conn, journal, timeout, redactor_for(conn)).run()
