"""A run on the simulator, bundled, then tampered with part by part: verify names each change.

Two kinds of tampering: naive (a member edited, the manifest left alone: found by the
manifest, down to the JSONL line) and careful (the manifest rewritten to match: found by the
signature, or by the replay re-deriving what the evidence really says).
"""

import json
import shutil
import subprocess

import pytest

from os_interop import bundle, verify
from os_interop.simulator import Fleet, load_personality, shipped_personalities
from os_interop.simulator.faults import FaultSpec

from selftests.e2e.conftest import cli

CLOUD = "upstream-default"


def _personality():
    return load_personality(next(p for p in shipped_personalities() if load_personality(p).name == CLOUD))


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One run on upstream-default (it boots a server, so the journal has entries), bundled."""
    tmp = tmp_path_factory.mktemp("verify")
    with Fleet.start([_personality()]) as fleet:
        clouds_yaml = fleet.write_clouds_yaml(tmp / "clouds.yaml")
        env = {"OS_CLIENT_CONFIG_FILE": str(clouds_yaml)}
        run = cli("run", "--cloud", CLOUD, "--out", str(tmp / "out"), "-n", "0", env=env)
        assert run.returncode == 0, run.stderr
        done = cli("bundle", str(tmp / "out"), "-o", str(tmp / "bundle.tar.gz"), env=env)
        assert done.returncode == 0, done.stderr
        again = cli("bundle", str(tmp / "out"), "-o", str(tmp / "again.tar.gz"), env=env)
        assert again.returncode == 0, again.stderr
        secrets = fleet.secrets(CLOUD)
    return {"dir": tmp, "bundle": tmp / "bundle.tar.gz", "again": tmp / "again.tar.gz",
            "secrets": secrets, "env": env}


def _members(made):
    return verify.unpack(made["bundle"])


def _write(made, members, name, remanifest=True):
    members = dict(members)
    if remanifest:
        doc = json.loads(members["results.json"])
        members.pop(bundle.MANIFEST, None)
        members[bundle.MANIFEST] = bundle._json(bundle.manifest(
            {k: v for k, v in members.items() if k != bundle.SIGNATURE}, doc["cloud"]["name"], doc["run"]["id"]))
    path = made["dir"] / f"{name}.tar.gz"
    path.write_bytes(bundle.pack(members))
    return path


def _verify(path, *args):
    done = cli("verify", str(path), *args)
    return done.returncode, done.stdout + done.stderr


def _edit_json(members, name, change):
    doc = json.loads(members[name])
    change(doc)
    return {**members, name: bundle._json(doc)}


def _edit_line(members, name, index, change):
    lines = members[name].splitlines()
    record = json.loads(lines[index])
    change(record)
    lines[index] = json.dumps(record, sort_keys=True).encode()
    return {**members, name: b"\n".join(lines) + b"\n"}


def _reasons(output):
    return [line[4:] for line in output.splitlines() if line.startswith("  - ")]


def test_the_untouched_bundle_verifies(made):
    code, out = _verify(made["bundle"])
    assert code == 0, out
    assert "verified" in out and f"guideline 2026.12 (effective): {CLOUD} compliant" in out
    assert json.loads(_members(made)["results.json"])["run"]["guideline"] == "2026.12"


def test_bundling_is_deterministic(made):
    assert made["bundle"].read_bytes() == made["again"].read_bytes()


def test_no_password_or_token_of_the_run_is_in_the_bundle(made):
    data = b"".join(_members(made).values())
    assert len(made["secrets"]) >= 2          # the password and at least one issued token
    leaked = [s for s in made["secrets"] if s.encode() in data]
    assert leaked == []


def test_an_edited_observation_value_is_named(made):
    def change(doc):
        assert any(o["key"] == "image.disk_formats" for o in next(
            c for c in doc["capabilities"] if c["id"] == "image.format.accepted")["observations"])
        doc["observations"]["image.disk_formats"] = ["qcow2"]
    code, out = _verify(_write(made, _edit_json(_members(made), "results.json", change), "obs"))
    assert code == 1
    assert [r for r in _reasons(out) if r.startswith("observation image.disk_formats (image.format.accepted): "
                                                      "the bundle says [\"qcow2\"], the replay observed")]


def test_an_edited_verdict_is_named(made):
    def change(doc):
        next(c for c in doc["capabilities"] if c["id"] == "compute.boot")["outcome"] = "fail"
    code, out = _verify(_write(made, _edit_json(_members(made), "results.json", change), "verdict"))
    assert code == 1
    assert "verdict compute.boot: the bundle says fail, the replay gives pass" in _reasons(out)


def test_an_edited_evidence_status_is_named_by_line_and_by_what_it_changes(made):
    members = _members(made)
    records = [json.loads(l) for l in members["evidence.jsonl"].splitlines()]
    index = next(i for i, r in enumerate(records) if r["method"] == "GET" and "/v2/images?" in r["url"])
    edited = _edit_line(members, "evidence.jsonl", index, lambda r: r.update(status=404))
    code, out = _verify(_write(made, edited, "ev-naive", remanifest=False))
    assert code == 1
    assert f"evidence.jsonl line {index + 1} ({records[index]['id']}): edited after the manifest" in _reasons(out)
    code, out = _verify(_write(made, edited, "ev-careful"))
    assert code == 1
    # the edited listing feeds the image reads (which probe reads it first depends on the boot
    # thread's timing): some image verdict or observation must come out different
    assert any(r.startswith(("observation image.", "verdict image.")) for r in _reasons(out)), out


def test_an_edited_evidence_request_body_is_named(made):
    members = _members(made)
    records = [json.loads(l) for l in members["evidence.jsonl"].splitlines()]
    index = next(i for i, r in enumerate(records) if r["method"] == "POST" and isinstance(r["request_body"], dict)
                 and "tokens" not in r["url"])
    edited = _edit_line(members, "evidence.jsonl", index, lambda r: r.update(request_body={"edited": True}))
    code, out = _verify(_write(made, edited, "ev-body"))
    assert code == 1
    rec = records[index]
    assert (f"evidence {rec['id']} (POST {rec['url']}): the recorded request body differs from what "
            "the probe sends") in _reasons(out)


def test_a_removed_and_an_added_evidence_line_are_named(made):
    members = _members(made)
    lines = members["evidence.jsonl"].splitlines()
    records = [json.loads(l) for l in lines]
    index = next(i for i, r in enumerate(records) if r["method"] == "GET" and r["url"].endswith("/v2/schemas/image"))
    gone = {**members, "evidence.jsonl": b"\n".join(lines[:index] + lines[index + 1:]) + b"\n"}
    code, out = _verify(_write(made, gone, "ev-gone"))
    assert code == 1
    assert any(r.startswith(f"replay: GET {records[index]['url']} (call 1) is not in the evidence")
               for r in _reasons(out)), out
    assert any(r.startswith("observation image.disk_formats (image.format.accepted): cites evidence "
                            f"{records[index]['id']}, which the bundle does not hold") for r in _reasons(out)), out
    extra = dict(records[index], id="main-999")
    added = {**members, "evidence.jsonl": members["evidence.jsonl"] + json.dumps(extra).encode() + b"\n"}
    code, out = _verify(_write(made, added, "ev-added"))
    assert code == 1
    assert any(r.startswith("evidence main-999 (GET ") and "never asked for" in r for r in _reasons(out)), out


def test_an_edited_journal_line_is_named(made):
    members = _members(made)
    edited = _edit_line(members, "journal-main.jsonl", 1, lambda r: r.update(id="not-what-was-created"))
    code, out = _verify(_write(made, edited, "journal-naive", remanifest=False))
    assert code == 1
    assert "journal-main.jsonl line 2 (seq 1 created): edited after the manifest" in _reasons(out)
    code, out = _verify(_write(made, edited, "journal-careful"))
    assert code == 1
    assert any(r.startswith("journal-main.jsonl line 2: not what the replay journaled") for r in _reasons(out)), out


def test_an_edited_environment_is_named(made):
    members = _members(made)
    edited = _edit_json(members, "environment.json", lambda e: e.update(python="2.7.18"))
    code, out = _verify(_write(made, edited, "env-naive", remanifest=False))
    assert code == 1 and _reasons(out) == ["environment.json: edited after the manifest (sha256 differs)"]
    edited = _edit_json(members, "environment.json", lambda e: e["suite"].update(version="9.9.9"))
    code, out = _verify(_write(made, edited, "env-careful"))
    assert code == 1
    assert any(r.startswith("environment.json: suite 9.9.9 (sha256:") for r in _reasons(out)), out


def test_capabilities_not_released_are_named(made):
    def change(doc):
        doc["suite"]["capabilities_digest"] = "sha256:" + "0" * 64
    code, out = _verify(_write(made, _edit_json(_members(made), "results.json", change), "digest"))
    assert code == 1
    assert any(r.startswith("release: capabilities digest sha256:000") and "edited" in r for r in _reasons(out))


def test_an_added_and_a_removed_file_are_named(made):
    members = _members(made)
    code, out = _verify(_write(made, {**members, "notes.txt": b"trust me"}, "added", remanifest=False))
    assert code == 1 and "notes.txt: in the bundle but not in its manifest (a file was added)" in _reasons(out)
    gone = {k: v for k, v in members.items() if k != "journal-main.jsonl"}
    code, out = _verify(_write(made, gone, "removed", remanifest=False))
    assert code == 1
    assert "journal-main.jsonl: in the manifest but not in the bundle (a file was removed)" in _reasons(out)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen (openssh-client)")
def test_signature_is_checked_against_allowed_signers(made):
    tmp = made["dir"]
    for who in ("vendor", "intruder"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(tmp / who)], check=True)
    allowed = tmp / "allowed_signers"
    allowed.write_text(f"vendor@example.com namespaces=\"os-interop\" {(tmp / 'vendor.pub').read_text()}")
    signed = tmp / "signed.tar.gz"
    done = cli("bundle", str(tmp / "out"), "-o", str(signed), "--sign", str(tmp / "vendor"), env=made["env"])
    assert done.returncode == 0, done.stderr
    code, out = _verify(signed, "--allowed-signers", str(allowed))
    assert code == 0 and "signature: good, by vendor@example.com" in out, out

    members = verify.unpack(signed)       # a careful edit: manifest rewritten, old signature kept
    edited = _edit_json(members, "environment.json", lambda e: e.update(python="3.99"))
    doc = json.loads(members["results.json"])
    resigned = {**edited, bundle.MANIFEST: bundle._json(bundle.manifest(
        {k: v for k, v in edited.items() if k not in (bundle.MANIFEST, bundle.SIGNATURE)},
        doc["cloud"]["name"], doc["run"]["id"]))}
    path = tmp / "resigned.tar.gz"
    path.write_bytes(bundle.pack(resigned))
    code, out = _verify(path, "--allowed-signers", str(allowed))
    assert code == 1 and any(r.startswith("signature: does not match the manifest") for r in _reasons(out)), out

    other = tmp / "other.tar.gz"
    assert cli("bundle", str(tmp / "out"), "-o", str(other), "--sign", str(tmp / "intruder"),
               env=made["env"]).returncode == 0
    code, out = _verify(other, "--allowed-signers", str(allowed))
    assert code == 1 and any("not in the allowed signers" in r for r in _reasons(out)), out

    code, out = _verify(made["bundle"], "--allowed-signers", str(allowed))
    assert code == 1 and any(r.startswith("signature: the bundle is not signed") for r in _reasons(out))


def test_usage_errors_exit_2_in_one_line(made):
    for args in (["run", "--cloud", CLOUD, "--out", str(made["dir"] / "o2"), "--guideline", "1999.01"],
                 ["report", str(made["dir"] / "out"), "--guideline", "1999.01"],
                 ["verify", str(made["dir"] / "nope.tar.gz")],
                 ["verify", str(made["bundle"]), "--guideline", "1999.01"],
                 ["verify", str(made["bundle"]), "--allowed-signers", str(made["dir"] / "nope")],
                 ["bundle", str(made["dir"] / "out"), "-o", str(made["dir"] / "x.tar.gz"),
                  "--sign", str(made["dir"] / "no-key")],
                 ["bundle", str(made["dir"] / "nowhere"), "-o", str(made["dir"] / "x.tar.gz")]):
        done = cli(*args, env=made["env"])
        assert done.returncode == 2, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("os-interop: error:")


def test_a_file_that_is_not_a_bundle_is_not_verified(made):
    junk = made["dir"] / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    code, out = _verify(junk)
    assert code == 1 and "not a readable tar.gz" in out


def test_unknown_answers_replay_to_the_same_errors(tmp_path):
    """A run hit by faults (5xx with and without retry, 429, reset of a create, a body cut
    short, a body that does not parse): the replay meets the same answers and failures and
    re-derives the same error verdicts, naming the same evidence."""
    spec = FaultSpec.from_data({"seed": 3, "faults": [
        {"match": {"method": "POST", "path": "^/compute/v2\\.1/servers$"}, "kind": "reset", "count": 1},
        {"match": {"method": "GET", "path": "^/network/v2\\.0/ports"}, "kind": 429, "count": 1},
        {"match": {"method": "GET", "path": "^/image$"}, "kind": 503, "count": 1},
        {"match": {"method": "GET", "path": "^/compute/v2\\.1/flavors"}, "kind": "truncate", "count": 1},
        {"match": {"method": "GET", "path": "^/network/v2\\.0/security-groups"}, "kind": "unparsable", "count": 1},
    ]})
    with Fleet.start([_personality()], faults=spec, api_timeout=5) as fleet:
        env = {"OS_CLIENT_CONFIG_FILE": str(fleet.write_clouds_yaml(tmp_path / "clouds.yaml"))}
        cli("run", "--cloud", CLOUD, "--out", str(tmp_path / "out"), "-n", "0", env=env)
        assert cli("bundle", str(tmp_path / "out"), "-o", str(tmp_path / "b.tar.gz"), env=env).returncode == 0
    doc = json.loads(verify.unpack(tmp_path / "b.tar.gz")["results.json"])
    assert doc["summary"]["error"] > 0          # the faults did reach verdicts
    code, out = _verify(tmp_path / "b.tar.gz")
    assert code == 0, out
