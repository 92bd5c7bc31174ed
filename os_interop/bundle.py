"""A submission bundle: one cloud's results, evidence, journals and environment in one file.

The bundle is a deterministic tar.gz (sorted members, fixed times and owners) so the same
run bundles to the same bytes. Its manifest.json lists every member's sha256 and, for the
JSONL files, every line's, so `verify` can name an edited line; a signature
(`ssh-keygen -Y sign -n os-interop`) over the manifest is stored beside it inside the
bundle and so covers every member. cloud.json is the clouds.yaml entry the run used with
its secrets masked: what `verify` needs to replay the probes, never a credential.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import platform
import tarfile
from importlib import metadata
from pathlib import Path
from typing import Any

from os_interop import __version__, atomic, capabilities, results, signing
from os_interop.errors import UserError
from os_interop.redaction import Redactor

FORMAT = "os-interop-bundle/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
PACKAGES = ("pytest", "keystoneauth1", "openstacksdk", "requests", "jsonschema")
_DROPPED = ("cacert", "cert", "key")    # file paths: useless offline, and not the reviewer's business


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def environment() -> dict[str, Any]:
    """What the bundle was made with: suite, capability digest, interpreter, client libraries."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"suite": {"version": __version__, "capabilities_digest": capabilities.load().digest},
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "packages": versions}


def cloud_entry(name: str) -> tuple[dict[str, Any], list[str]]:
    """The clouds.yaml entry of `name` with every secret masked, and the secrets themselves
    (so the caller can prove none reached the bundle)."""
    from os_interop import session, targets
    try:
        raw = targets.openstack_config().cloud_config.get("clouds", {}).get(name)
        region = targets.region(name)
    except UserError as exc:
        raise UserError(f"{exc} (bundle reads the clouds.yaml entry the run used, leaving its secrets "
                        "out: point OS_CLIENT_CONFIG_FILE at that clouds.yaml)") from None
    except Exception as exc:   # openstacksdk's own config errors
        raise UserError(f"cloud {name!r}: cannot read its clouds.yaml entry ({exc}); the bundle "
                        "needs it (secrets are left out) to let verify replay the run") from None
    entry = dict(raw) if isinstance(raw, dict) else {
        "auth_type": region.config.get("auth_type"), "auth": region.config.get("auth", {}),
        "region_name": region.region_name}
    secrets = session.secrets_in(region.config)
    redactor = Redactor(secrets)
    masked = redactor.data({k: v for k, v in entry.items() if k not in _DROPPED})
    return masked, secrets


def _lines(data: bytes) -> list[str]:
    return [sha256(line) for line in data.splitlines() if line.strip()]


def manifest(members: dict[str, bytes], cloud: str, run_id: str) -> dict[str, Any]:
    return {"format": FORMAT, "cloud": cloud, "run": run_id,
            "files": {n: sha256(b) for n, b in sorted(members.items())},
            "lines": {n: _lines(b) for n, b in sorted(members.items()) if n.endswith(".jsonl")}}


def pack(members: dict[str, bytes]) -> bytes:
    """A tar.gz whose bytes depend on the members only."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for name in sorted(members):
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(members[name]), 0, 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                tar.addfile(info, io.BytesIO(members[name]))
    return buffer.getvalue()


def label(document: dict[str, Any]) -> str:
    """How the run named the target: its label (cloud and region) where it has one."""
    return document["cloud"].get("label") or document["cloud"]["name"]


def _cloud_dir(out_dir: Path, cloud: str | None) -> Path:
    if not out_dir.is_dir():
        raise UserError(f"{out_dir}: no such directory; pass the --out directory of a run")
    if (out_dir / "results.json").exists():
        return out_dir
    found = {str(p.parent.relative_to(out_dir)): p.parent for p in sorted(out_dir.rglob("results.json"))}
    if cloud is None:
        if len(found) != 1:
            raise UserError(f"{out_dir} holds {len(found)} clouds' results "
                            f"({', '.join(found) or 'none'}); pass --cloud LABEL")
        return next(iter(found.values()))
    for where, directory in found.items():
        if cloud == where or cloud == label(results.load(directory)):
            return directory
    raise UserError(f"{out_dir} has no results for cloud {cloud!r} "
                    f"(it has: {', '.join(found) or 'none'}); fix --cloud")


def make(out_dir: Path, output: Path, cloud: str | None = None, key: str | None = None) -> Path:
    """Write the bundle of one cloud of a run's --out directory; sign it when `key` is given."""
    if key is not None:
        signing.check_key(key)        # before any work: a missing key is a usage error
    cloud_dir = _cloud_dir(out_dir, cloud)
    document = results.load(cloud_dir)
    name = document["cloud"]["name"]
    entry, secrets = cloud_entry(name)
    members: dict[str, bytes] = {
        "results.json": (cloud_dir / "results.json").read_bytes(),
        "evidence.jsonl": (cloud_dir / "evidence.jsonl").read_bytes()
        if (cloud_dir / "evidence.jsonl").exists() else b"",
        "environment.json": _json(environment()),
        "cloud.json": _json({"name": name, "entry": entry}),
    }
    for journal in sorted(cloud_dir.glob("journal-*.jsonl")):
        members[journal.name] = journal.read_bytes()
    leaked = [n for n, data in members.items() for s in secrets if s.encode() in data]
    if leaked:     # the recorder redacts; this is the last line of defence, never expected
        raise RuntimeError(f"internal error: a credential of {name!r} is in {', '.join(sorted(set(leaked)))}; "
                           "bundle not written")
    members[MANIFEST] = _json(manifest(members, name, document["run"]["id"]))
    if key is not None:
        members[SIGNATURE] = signing.sign(members[MANIFEST], key)
    data = pack(members)
    if output.exists() and output.is_dir():
        raise UserError(f"-o {output} is a directory; name the bundle file to write")
    atomic.write_bytes(output, data)
    return output


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()
