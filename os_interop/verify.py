"""`os-interop verify`: a reviewer checks a bundle offline and re-derives its verdicts.

Checks, each reporting one line per problem: the members against the manifest (an added,
removed or edited file; an edited JSONL line by number and evidence id), the signature
against allowed signers, the results schema, the suite version and capability digest
against the released table, that every observation cites evidence the bundle holds, and
the replay: the same probes, through the same plugin, with the bundle's evidence as their
only cloud (replay.py), must reproduce every observation, verdict and journal event.
Exit 0 verified, 1 not verified, 2 usage error (errors.UserError).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from os_interop import (__version__, bundle, capabilities, guidelines, releases, replay, results,
                        schemas, signing)
from os_interop.errors import UserError

MAX_MEMBER = 512 * 1024 * 1024
REPLAY_TIMEOUT = 1800
PLACEHOLDER = "osi-replay-placeholder-secret"
_EVIDENCE_ID = re.compile(r"\b[\w.]+-\d+\b")     # <worker>-<n>; only ids of the replay's evidence are mapped
_JOURNAL_CLOCK = ("time", "settle_by")


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def bad(self, line: str) -> None:
        self.problems.append(line)

    def note(self, line: str) -> None:
        self.notes.append(line)


# -- the file ---------------------------------------------------------------------------
def unpack(path: Path) -> dict[str, bytes]:
    """The members of a bundle; a file that is not one is a problem of the bundle (exit 1),
    raised as ValueError with the line to print."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            members: dict[str, bytes] = {}
            for info in tar.getmembers():
                if not info.isfile() or "/" in info.name or info.name.startswith(".") or info.size > MAX_MEMBER:
                    raise ValueError(f"member {info.name!r}: not a plain file of a bundle")
                if info.name in members:
                    raise ValueError(f"member {info.name!r}: present twice")
                members[info.name] = tar.extractfile(info).read()  # type: ignore[union-attr]
            return members
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ValueError(f"not a readable tar.gz ({exc.__class__.__name__}: {exc})") from None


def _json(members: dict[str, bytes], name: str, found: Findings) -> Any:
    if name not in members:
        found.bad(f"{name}: missing from the bundle")
        return None
    try:
        return json.loads(members[name])
    except ValueError:
        found.bad(f"{name}: not JSON")
        return None


def _line_name(name: str, line: bytes) -> str:
    """How a JSONL line is known: an evidence id, or a journal entry's seq and event."""
    try:
        record = json.loads(line)
        if name.startswith("journal-"):
            return f"seq {record.get('seq')} {record.get('event')}"
        return str(record.get("id"))
    except (ValueError, AttributeError):
        return "unparsable"


def check_manifest(members: dict[str, bytes], manifest: Any, found: Findings) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != bundle.FORMAT \
            or not isinstance(manifest.get("files"), dict):
        found.bad(f"{bundle.MANIFEST}: not an {bundle.FORMAT} manifest")
        return
    listed: dict[str, str] = manifest["files"]
    present = {n for n in members if n not in (bundle.MANIFEST, bundle.SIGNATURE)}
    for name in sorted(present - set(listed)):
        found.bad(f"{name}: in the bundle but not in its manifest (a file was added)")
    for name in sorted(set(listed) - present):
        found.bad(f"{name}: in the manifest but not in the bundle (a file was removed)")
    for name in sorted(present & set(listed)):
        if bundle.sha256(members[name]) == listed[name]:
            continue
        lines = (manifest.get("lines") or {}).get(name)
        if name.endswith(".jsonl") and isinstance(lines, list):
            now = [line for line in members[name].splitlines() if line.strip()]
            for number, line in enumerate(now, 1):
                if number > len(lines):
                    found.bad(f"{name} line {number} ({_line_name(name, line)}): added after the manifest")
                elif bundle.sha256(line) != lines[number - 1]:
                    found.bad(f"{name} line {number} ({_line_name(name, line)}): edited after the manifest")
            if len(now) < len(lines):
                found.bad(f"{name}: {len(lines) - len(now)} line(s) removed after the manifest")
        else:
            found.bad(f"{name}: edited after the manifest (sha256 differs)")


def check_signature(members: dict[str, bytes], allowed_signers: str | None, found: Findings) -> None:
    signature = members.get(bundle.SIGNATURE)
    if allowed_signers is None:
        if signature is not None:
            found.note("signature: present, not checked (pass --allowed-signers FILE)")
        return
    if signature is None:
        found.bad("signature: the bundle is not signed, and --allowed-signers asks for a signature")
        return
    if bundle.MANIFEST not in members:
        return
    signer, problem = signing.verify(members[bundle.MANIFEST], signature, allowed_signers)
    if problem:
        found.bad(problem)
    else:
        found.note(f"signature: good, by {signer}")


def check_release(document: dict[str, Any], environment: Any, found: Findings) -> None:
    suite = document["suite"]
    problem = releases.problem(suite["version"], suite["capabilities_digest"])
    if problem:
        found.bad(f"release: {problem}")
    env_suite = environment.get("suite") if isinstance(environment, dict) else None
    if env_suite != suite:
        said = lambda s: f"{s.get('version')} ({s.get('capabilities_digest')})" if isinstance(s, dict) else repr(s)  # noqa: E731
        found.bad(f"environment.json: suite {said(env_suite)} differs from the results' {said(suite)}")


def _capability_observations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(c["id"], o) for c in document["capabilities"] for o in c.get("observations", ())]


def check_evidence(document: dict[str, Any], evidence: list[dict[str, Any]], found: Findings) -> None:
    ids = {r.get("id") for r in evidence}
    for cap_id, o in _capability_observations(document):
        missing = [e for e in o.get("evidence", ()) if e not in ids]
        if missing:
            found.bad(f"observation {o['key']} ({cap_id}): cites evidence {', '.join(missing)}, "
                      "which the bundle does not hold")
        elif not o.get("evidence"):
            found.bad(f"observation {o['key']} ({cap_id}): cites no evidence")
    if len(evidence) != document["run"].get("requests", len(evidence)):
        found.bad(f"evidence.jsonl: {len(evidence)} exchanges, the results say {document['run']['requests']}")


# -- replay -----------------------------------------------------------------------------
def _unmask(value: Any) -> Any:
    """The masked entry back into a usable one: a placeholder where a secret was."""
    if isinstance(value, dict):
        return {k: _unmask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmask(v) for v in value]
    return PLACEHOLDER if value == "***" else value


def _selection_args(selection: list[str]) -> list[str]:
    args: list[str] = []
    for item in selection:
        flag, _, rest = item.partition(" ")
        args += [flag, rest] if rest else [flag]
    return args


def replay_entry(cloud: dict[str, Any], found: Findings) -> dict[str, Any]:
    """The clouds.yaml entry the replay runs with: placeholders for secrets, and no remote
    vendor profile (openstacksdk would fetch it over the network)."""
    entry = _unmask(cloud.get("entry") or {})
    profile = entry.get("profile")
    if isinstance(profile, str) and urllib.parse.urlparse(profile).netloc:
        del entry["profile"]
        found.note(f"cloud.json: remote profile {profile} not fetched (offline); replayed without it")
    return entry


def run_replay(workdir: Path, members: dict[str, bytes], document: dict[str, Any],
               entry: dict[str, Any]) -> tuple[dict[str, Any] | None, Path, str]:
    """Run the probes against the bundle's evidence; (replayed document or None, its cloud
    directory, the pytest output when it produced none)."""
    from os_interop.runner import RunRequest, pytest_args
    import yaml
    evidence_dir = workdir / "evidence"
    evidence_dir.mkdir()
    (evidence_dir / "evidence.jsonl").write_bytes(members.get("evidence.jsonl", b""))
    name, target = document["cloud"]["name"], bundle.label(document)
    clouds_yaml = workdir / "clouds.yaml"
    clouds_yaml.write_text(yaml.safe_dump({"clouds": {name: entry}}))
    out = workdir / "replayed"
    request = RunRequest(targets=[], out=out, workers=0, guideline=document["run"].get("guideline"),
                         extra=_selection_args(document["run"].get("selection") or [])
                         + ["--os-cloud", target, "--osi-replay", str(evidence_dir)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", *pytest_args(request, document["run"]["id"])],
                              cwd=workdir, env=env, capture_output=True, text=True, timeout=REPLAY_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, out / name, f"the replay did not finish in {REPLAY_TIMEOUT} s"
    written = sorted(out.rglob("results.json"))
    if len(written) != 1:
        return None, out, (done.stdout + done.stderr).strip()[-2000:]
    return json.loads(written[0].read_text(encoding="utf-8")), written[0].parent, ""


def _id_map(replayed_dir: Path, log: list[dict[str, Any]], recorded: list[dict[str, Any]]) -> dict[str, str]:
    """Replay evidence id -> the recorded id that answered it: from the answer's header, or,
    for a try that got no answer, the order in which records of that (method, URL) were used."""
    mapping: dict[str, str] = {}
    key_of = {r["id"]: (r.get("method"), r.get("url")) for r in recorded}
    failed_in_order: dict[tuple, list[str]] = {}
    for event in log:
        if event["event"] == "answered":
            rec = next((r for r in recorded if r["id"] == event["id"]), None)
            if rec is not None and rec.get("status") is None:
                failed_in_order.setdefault(key_of[rec["id"]], []).append(rec["id"])
    path = replayed_dir / "evidence.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for line in lines:
        record = json.loads(line)
        origin = (record.get("response_headers") or {}).get(replay.REPLAY_OF)
        if origin is None and record.get("status") is None:
            queue = failed_in_order.get((record.get("method"), record.get("url"))) or []
            origin = queue.pop(0) if queue else None
        mapping[record["id"]] = origin or f"{record['id']}(not from the evidence)"
    return mapping


def _mapped(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _EVIDENCE_ID.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)
    if isinstance(value, list):
        return [_mapped(v, mapping) for v in value]
    return value


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def compare(document: dict[str, Any], replayed: dict[str, Any], mapping: dict[str, str],
            found: Findings) -> None:
    """Every verdict and observation of the bundle, against the replay's."""
    named: set[str] = set()          # observation keys already reported through their capability
    flat_a, flat_b = results.values(document), results.values(replayed)
    mine = {c["id"]: c for c in document["capabilities"]}
    theirs = {c["id"]: c for c in replayed["capabilities"]}
    for cap_id in sorted(set(mine) | set(theirs), key=lambda i: (i not in mine, i)):
        a, b = mine.get(cap_id), theirs.get(cap_id)
        if a is None or b is None:
            found.bad(f"verdict {cap_id}: only in the {'replay' if a is None else 'bundle'}")
            continue
        b_reason = _mapped(b["reason"], mapping)
        if a["outcome"] != b["outcome"]:
            found.bad(f"verdict {cap_id}: the bundle says {a['outcome']}, the replay gives "
                      f"{b['outcome']}{f' ({b_reason})' if b_reason else ''}")
        elif a["reason"] != b_reason:
            found.bad(f"verdict {cap_id}: reason {a['reason']!r} in the bundle, {b_reason!r} in the replay")
        if a.get("value") != b.get("value"):    # the value the capability displays
            found.bad(f"verdict {cap_id}: value {_short(a.get('value'))} in the bundle, "
                      f"{_short(b.get('value'))} in the replay")
        b_obs = {o["key"]: o for o in b.get("observations", ())}
        for o in a.get("observations", ()):
            other = b_obs.pop(o["key"], None)
            if other is None:
                found.bad(f"observation {o['key']} ({cap_id}): not observed by the replay")
            elif flat_a.get(o["key"]) != flat_b.get(o["key"]):
                named.add(o["key"])
                found.bad(f"observation {o['key']} ({cap_id}): the bundle says {_short(flat_a.get(o['key']))}, "
                          f"the replay observed {_short(flat_b.get(o['key']))}")
            elif o.get("evidence") != _mapped(other.get("evidence", []), mapping):
                found.bad(f"observation {o['key']} ({cap_id}): cites {o.get('evidence')}, the replay "
                          f"read {_mapped(other.get('evidence', []), mapping)}")
        for key in b_obs:
            found.bad(f"observation {key} ({cap_id}): observed by the replay, not in the bundle")
        a_tests = {t["id"]: t for t in a.get("tests", ())}
        for t in b.get("tests", ()):
            mine_t = a_tests.get(t["id"])
            if mine_t is not None and mine_t["outcome"] != t["outcome"]:
                found.bad(f"test {t['id']}: {mine_t['outcome']} in the bundle, {t['outcome']} in the replay")
    for key in sorted(set(flat_a) | set(flat_b)):
        if flat_a.get(key) != flat_b.get(key) and key in flat_a and key not in named:
            found.bad(f"observation {key}: the bundle says {_short(flat_a.get(key))}, "
                      f"the replay observed {_short(flat_b.get(key))}")
    if document["summary"] != replayed["summary"]:
        found.bad(f"summary: {_short(document['summary'])} in the bundle, "
                  f"{_short(replayed['summary'])} in the replay")
    strip = lambda items: [{k: v for k, v in i.items() if k != "reason"} for i in items]  # noqa: E731
    if strip(document["resources"]["items"]) != strip(replayed["resources"]["items"]):
        found.bad("resources: the created/deleted resources differ from the replay's")


def _journal_events(blobs: list[tuple[str, bytes]]) -> list[tuple[str, int, str]]:
    events = []
    for name, data in blobs:
        for number, line in enumerate((l for l in data.splitlines() if l.strip()), 1):
            try:
                event = {k: v for k, v in json.loads(line).items() if k not in _JOURNAL_CLOCK}
            except ValueError:
                event = {"unparsable": line.decode("utf-8", "replace")}
            events.append((name, number, json.dumps(event, sort_keys=True)))
    return events


def compare_journals(members: dict[str, bytes], replayed_dir: Path, found: Findings) -> None:
    mine = _journal_events([(n, b) for n, b in sorted(members.items()) if n.startswith("journal-")])
    theirs = [e for _, _, e in _journal_events(
        [(p.name, p.read_bytes()) for p in sorted(replayed_dir.glob("journal-*.jsonl"))])]
    for name, number, event in mine:
        if event in theirs:
            theirs.remove(event)
        else:
            found.bad(f"{name} line {number}: not what the replay journaled ({event[:100]})")
    for event in theirs:
        found.bad(f"journal: the replay journaled {event[:100]}, which the bundle lacks")


def judge_replay(log: list[dict[str, Any]], recorded: list[dict[str, Any]], found: Findings) -> None:
    used = set()
    for event in log:
        what = event["event"]
        if what == "answered":
            used.add(event["id"])
        elif what == "missing":
            found.bad(f"replay: {event['method']} {event['url']} (call {event['nth']}) is not in the "
                      "evidence: the probes asked what the bundle does not hold")
        elif what == "request_body":
            found.bad(f"evidence {event['id']} ({event['method']} {event['url']}): the recorded request "
                      "body differs from what the probe sends")
        elif what == "not_stored":
            found.note(f"evidence {event['id']}: response body {event['why']}; replayed as empty")
    for record in recorded:
        if record["id"] not in used:
            found.bad(f"evidence {record['id']} ({record.get('method')} {record.get('url')}): never asked "
                      "for by the replayed probes")


# -- the command ------------------------------------------------------------------------
def verify(path: Path, guideline_id: str | None = None, allowed_signers: str | None = None,
           today: datetime.date | None = None) -> int:
    """Check a bundle; print every reason it is not verified, one line each."""
    if not path.is_file():
        raise UserError(f"{path}: no such file; pass a bundle written by os-interop bundle")
    if allowed_signers is not None and not Path(allowed_signers).is_file():
        raise UserError(f"--allowed-signers {allowed_signers}: no such file; pass an ssh allowed_signers file")
    chosen = guidelines.select(guideline_id, today) if guideline_id else None   # unknown id: exit 2 first
    started = time.perf_counter()
    found = Findings()
    try:
        members = unpack(path)
    except ValueError as exc:
        found.bad(f"{path}: {exc}")
        return _report(path, found, None, started)
    manifest = _json(members, bundle.MANIFEST, found)
    if manifest is not None:
        check_manifest(members, manifest, found)
    check_signature(members, allowed_signers, found)
    document = _json(members, "results.json", found)
    environment = _json(members, "environment.json", found)
    cloud = _json(members, "cloud.json", found)
    problem = schemas.first_error("results", document) if document is not None else "missing"
    if problem:
        if document is not None:
            found.bad(f"results.json: not a valid results document at {problem}")
        return _report(path, found, None, started)
    check_release(document, environment, found)
    if document["run"].get("interrupted"):
        found.bad("results.json: the run was interrupted; submit the bundle of a complete run")
    try:
        recorded = [json.loads(l) for l in members.get("evidence.jsonl", b"").splitlines() if l.strip()]
    except ValueError:
        found.bad("evidence.jsonl: a line is not JSON")
        return _report(path, found, None, started)
    check_evidence(document, recorded, found)
    replayed = None
    installed = {"version": __version__, "capabilities_digest": capabilities.load().digest}
    if isinstance(cloud, dict) and document["suite"] != installed:
        found.bad(f"replay: the bundle was made by os-interop {document['suite']['version']} "
                  f"({document['suite']['capabilities_digest']}), this is {installed['version']} "
                  f"({installed['capabilities_digest']}): install that version to replay its probes")
    elif isinstance(cloud, dict):
        with tempfile.TemporaryDirectory(prefix="osi-verify-") as tmp:
            entry = replay_entry(cloud, found)
            replayed, replayed_dir, output = run_replay(Path(tmp), members, document, entry)
            log = replay.read_log(Path(tmp) / "evidence")
            if replayed is None:
                found.bad(f"replay: the probes produced no results ({output.splitlines()[-1] if output else 'no output'})")
            else:
                mapping = _id_map(replayed_dir, log, recorded)
                compare(document, replayed, mapping, found)
                compare_journals(members, replayed_dir, found)
            judge_replay(log, recorded, found)
    if isinstance(cloud, dict) and replayed is not None:
        document = replayed            # graded on what the evidence re-derives, not on the claims
    graded = None
    try:
        graded = chosen or guidelines.select(document["run"].get("guideline"), today)
    except UserError as exc:
        found.note(f"grade: {exc}")
    grade = guidelines.grade(document, graded, today or datetime.date.today()) if graded else None
    return _report(path, found, grade, started)


def _report(path: Path, found: Findings, grade: guidelines.Grade | None, started: float) -> int:
    took = time.perf_counter() - started
    for line in found.notes:
        print(f"  note: {line}")
    if grade is not None:
        for line in grade.lines():
            print(f"  {line}")
    if found.problems:
        print(f"os-interop verify {path}: NOT verified ({len(found.problems)} reason(s), {took:.1f} s)")
        for line in found.problems:
            print(f"  - {line}")
        return 1
    print(f"os-interop verify {path}: verified ({took:.1f} s)")
    return 0
