"""`os-interop prove`: the talk's flow through openstacksdk's own cloud layer, with and without a profile.

A profile is only worth publishing if a real client does better with it. This runs the flow a
multi-cloud application runs — create an image from a tiny file, boot a server with
``auto_ip`` on the smallest flavor, add a security-group rule — once with the vendor profile
applied the way openstacksdk applies one (a ``profile:`` naming an entry of a
clouds-public.yaml vendor file) and once without it, and says per step what the profile
changed. Steps:

- ``image``: ``create_image`` from a tiny file in the format the config names (openstacksdk's
  default qcow2; a profile's ``image_format`` changes it), ``wait=True``;
- ``server``: ``create_server(auto_ip=True, reuse_ips=False, wait=True)`` on the smallest
  flavor, from the provider's first public image (the uploaded one when it has none);
- ``floating_ip``: the server openstacksdk hands back has a public IPv4 (``public_v4``): a
  floating IP where the cloud needs one, its own address on a directly public network;
- ``security_group_rule``: ``create_security_group`` and an ingress tcp/22 rule in it.

openstacksdk makes the requests, so the journal (os_interop/journal.py) cannot wrap them:
every resource is journaled with its lookup *before* the call that creates it, its id is
taken from the answer or from that lookup afterwards, and cleanup is the journal's own,
also after a failed step and Ctrl-C. Floating IPs openstacksdk allocates carry no name: new
ids attached to the flow's server are proved ours; new unattached ones are reported as
possibly left, never deleted. Nothing ever connects to a server's address.
"""

from __future__ import annotations

import ipaddress
import json
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from os_interop import journal as jr
from os_interop import tiny_images
from os_interop.errors import UserError
from os_interop.redaction import MASK, Redactor

STEPS = ("image", "server", "floating_ip", "security_group_rule")
MODES = ("profile", "bare")
PROFILE_NAME = "osi-prove"
# keys of a vendor profile that say where the cloud is, not how a client must behave
LOCATION_KEYS = frozenset({"auth", "regions", "region_name", "name", "status", "message"})


# -- configuration: the cloud's entry, with or without the profile ---------------------------------
def cloud_entry(name: str) -> dict[str, Any]:
    """The raw clouds.yaml entry of `name` (secure.yaml and OS_* merged, as openstacksdk reads it)."""
    from os_interop import targets
    targets.resolve_names([name])
    targets.region(name)   # a bad entry is a usage error before any cloud is touched
    return dict(targets.openstack_config().cloud_config["clouds"][name])


def profile_body(document: Any, source: str) -> dict[str, Any]:
    """The profile of a vendor file ({"name", "profile"}) or a bare profile mapping."""
    body = document.get("profile") if isinstance(document, dict) and isinstance(document.get("profile"), dict) \
        else document
    if not isinstance(body, dict):
        raise UserError(f"{source} is not an openstacksdk vendor profile (a JSON object, or "
                        "{\"name\": ..., \"profile\": {...}}); write one with `os-interop profile`")
    return body


def load_profile(path: str | None, out: Path, cloud: str) -> tuple[dict[str, Any], str]:
    """--profile FILE, else the profile the cloud's last run implies (<out>/<cloud>/results.json)."""
    if path:
        try:
            return profile_body(json.loads(Path(path).read_text(encoding="utf-8")), path), path
        except OSError as exc:
            raise UserError(f"cannot read --profile {path}: {exc.strerror}; pass an existing file") from None
        except ValueError as exc:
            raise UserError(f"--profile {path} is not JSON ({exc}); pass a vendor profile file") from None
    results = out / cloud / "results.json"
    if not results.exists():
        raise UserError(f"no profile to prove for {cloud!r}: pass --profile FILE, or run "
                        f"`os-interop run --cloud {cloud} --out {out}` first")
    from os_interop import results as results_mod
    from reporters import profile
    return profile.build(results_mod.load(results))["profile"], str(results)


def behaviour_keys(profile: dict[str, Any]) -> list[str]:
    """The profile keys that change what a client does (not where the cloud is)."""
    return sorted(k for k in profile if k not in LOCATION_KEYS)


def connect(entry: dict[str, Any], profile: dict[str, Any] | None, name: str = "prove") -> Any:
    """An openstacksdk Connection for `entry`; with `profile` it is a vendor profile the entry
    names (`profile: osi-prove` in a clouds-public.yaml), as openstacksdk's loader expands one;
    without, the entry with no profile at all. The user's own files and OS_* are not read (an
    OS_CLIENT_CONFIG_FILE would be read instead of the temporary file)."""
    import openstack
    entry = {k: v for k, v in entry.items() if k not in ("profile", "cloud")}
    vendor: dict[str, Any] = {"public-clouds": {}}
    if profile is not None:
        entry["profile"] = PROFILE_NAME
        vendor["public-clouds"][PROFILE_NAME] = profile
    with tempfile.TemporaryDirectory() as tmp:   # holds the password only while it is read
        clouds, public = Path(tmp) / "clouds.yaml", Path(tmp) / "clouds-public.yaml"
        clouds.write_text(yaml.safe_dump({"clouds": {name: entry}}), encoding="utf-8")
        public.write_text(yaml.safe_dump(vendor), encoding="utf-8")
        config = openstack.config.OpenStackConfig(config_files=[str(clouds)], vendor_files=[str(public)],
                                                  secure_files=[], load_envvars=False)
        region = config.get_one(cloud=name)
    return openstack.connection.Connection(config=region)


# -- one run of the flow ------------------------------------------------------------------------------
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
        if entry.ids:
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
            image = self.image()
            self.server(image)
            self.security_group_rule()
        finally:
            self.clean_up()
        return self.result

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
            before = self._fip_ids(fips) if fips else []
        except Exception as exc:  # noqa: BLE001
            self.result.errors["server"] = _one_line(exc, self.redactor)
            self.result.errors["floating_ip"] = "not reached: no server"
            return
        entry = self.journal.intend("server", jr.by_name(self._compute() + "/servers?name={name}"),
                                    delete_template=self._compute() + "/servers/{id}", wait_gone=True)
        fip_entry = self.journal.intend("floating_ip", jr.new_ids(fips[0], fips[1], before),
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
            active = entry.ids and all(conn.compute.get_server(i).status == "ACTIVE" for i in entry.ids)
            self.result.errors["server"] = None if active else _one_line(exc, self.redactor)
            self.result.errors["floating_ip"] = _one_line(exc, self.redactor) if active else "not reached: no server"
        self._account(entry, error)
        if fip_entry is not None:
            self._prove_fips(fip_entry, fips, entry.ids)

    def _fip_ids(self, fips: tuple[str, str, str]) -> list[str]:
        status, body = self.request("GET", fips[0])
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get(fips[1]), list):
            raise RuntimeError(f"GET {fips[0]} answered HTTP {status}: cannot tell new floating IPs apart")
        return sorted(str(f["id"]) for f in body[fips[1]] if isinstance(f, dict) and "id" in f)

    def _prove_fips(self, entry: jr.Entry, fips: tuple[str, str, str], servers: list[str]) -> None:
        """New floating IPs attached to the flow's server are ours; new unattached ones are
        only candidates (another client may have made them): reported, never deleted."""
        try:
            new = set(jr.find(entry.lookup, entry.name, self.request))
            ports: set[str] = set()
            if fips[1] == "floatingips":
                for sid in servers:
                    status, body = self.request("GET", self._network() + f"/ports?device_id={sid}")
                    ports |= {p["id"] for p in (body or {}).get("ports", [])} if status == 200 else set()
            status, body = self.request("GET", fips[0])
            listed = body.get(fips[1], []) if status == 200 and isinstance(body, dict) else []
        except Exception:   # noqa: BLE001 - cleanup's resolve reports the candidates
            return
        ours = sorted(str(f["id"]) for f in listed if str(f.get("id")) in new
                      and (f.get("port_id") in ports or f.get("instance_id") in servers))
        for rid in ours:
            entry.created(rid)
        rest = sorted(new - set(ours))
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


# -- with, without, and which keys made the difference ---------------------------------------------
Runner = Callable[[dict[str, Any] | None], FlowResult]


def difference(with_profile: FlowResult, bare: FlowResult) -> dict[str, dict[str, Any]]:
    """Steps whose outcome the profile changed: {step: {"with": ok, "without": ok}}."""
    return {s: {"with": with_profile.ok(s), "without": bare.ok(s)} for s in STEPS
            if with_profile.ok(s) != bare.ok(s)}


def single_keys(profile: dict[str, Any], changed: dict[str, dict[str, Any]], run: Runner,
                bare: FlowResult) -> dict[str, list[str]]:
    """For steps that work only with the profile: the keys that alone (added to the bare
    config, everything else left to openstacksdk) make them work."""
    fixed = [s for s, d in changed.items() if d["with"] and not d["without"]]
    found: dict[str, list[str]] = {s: [] for s in fixed}
    if not fixed:
        return found
    location = {k: v for k, v in profile.items() if k in LOCATION_KEYS}
    for key in behaviour_keys(profile):
        result = run({**location, key: profile[key]})
        for step in fixed:
            if result.ok(step) and not bare.ok(step):
                found[step].append(key)
    return found


@dataclass
class Proof:
    cloud: str
    source: str
    profile: dict[str, Any]
    runs: dict[str, FlowResult]
    keys: dict[str, list[str]] | None = None   # None: single-key reruns not made

    @property
    def changed(self) -> dict[str, dict[str, Any]]:
        return difference(self.runs["profile"], self.runs["bare"])

    @property
    def exit_code(self) -> int:
        return 0 if all(self.runs["profile"].ok(s) for s in STEPS) else 1

    def document(self) -> dict[str, Any]:
        changed = self.changed
        for step, entry in changed.items():
            if self.keys is not None and step in self.keys:
                entry["keys"] = self.keys[step]
                entry["found_by"] = "single keys" if self.keys[step] else "no single key: the profile's keys together"
            else:
                entry["keys"] = behaviour_keys(self.profile)
                entry["found_by"] = "with vs without (single-key reruns not made)"
        return {"cloud": self.cloud, "profile_source": self.source, "profile_keys": behaviour_keys(self.profile),
                "runs": {m: r.document() for m, r in self.runs.items()}, "difference": changed,
                "exit_code": self.exit_code}


def render(doc: dict[str, Any]) -> str:
    lines = [f"{doc['cloud']}: openstacksdk's cloud layer, with the profile ({doc['profile_source']}) "
             "and without"]
    for step in STEPS:
        cells = []
        for mode in MODES:
            s = doc["runs"][mode]["steps"][step]
            cells.append(f"{'with' if mode == 'profile' else 'without'}: "
                         + ("ok" if s["ok"] else f"failed ({s['error']})"))
        lines.append(f"  {step:20} " + "; ".join(cells))
        if step in doc["difference"]:
            d = doc["difference"][step]
            lines.append(f"  {'':20} made the difference: {', '.join(d['keys']) or '-'} ({d['found_by']})")
    for mode in MODES:
        for left in doc["runs"][mode]["leaked"]:
            lines.append(f"  left behind ({mode} run {doc['runs'][mode]['run_id']}): {left['kind']} "
                         f"{left['name']} {left.get('id') or ''} {left.get('reason') or ''}".rstrip())
    lines.append("with the profile every step works" if doc["exit_code"] == 0
                 else "with the profile some step fails")
    return "\n".join(lines)


def prove(cloud: str, entry: dict[str, Any], profile: dict[str, Any], source: str, out: Path,
          timeout: float = 120, keys: bool = True) -> Proof:
    """Both runs (and the single-key reruns) on one cloud, journaled under <out>/<cloud>/."""
    journal_path = out / cloud / "journal-prove.jsonl"

    def run(with_profile: dict[str, Any] | None) -> FlowResult:
        conn = connect(entry, with_profile, cloud)
        try:
            return run_flow(conn, journal_path, timeout)
        finally:
            conn.close()

    runs = {"profile": run(profile), "bare": run(None)}
    proof = Proof(cloud, source, profile, runs)
    if keys:
        proof.keys = single_keys(profile, proof.changed, run, runs["bare"])
    return proof


def main(cloud: str, profile_path: str | None, out: Path, fmt: str, keys: bool, timeout: float) -> int:
    entry = cloud_entry(cloud)
    profile, source = load_profile(profile_path, out, cloud)
    try:
        proof = prove(cloud, entry, profile, source, out, timeout, keys)
    except KeyboardInterrupt:
        print(f"os-interop: interrupted; what may be left: os-interop cleanup --cloud {cloud} --out {out}")
        raise
    doc = proof.document()
    print(json.dumps(doc, indent=2) if fmt == "json" else render(doc))
    return proof.exit_code
