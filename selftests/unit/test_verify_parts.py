"""Parts of verify that need no replay: the manifest, the replay's clouds.yaml entry."""

from os_interop import bundle, verify


def test_replay_entry_has_placeholders_and_no_remote_profile():
    found = verify.Findings()
    entry = verify.replay_entry({"entry": {"profile": "https://cloud.example.com", "region_name": "R",
                                           "auth": {"password": "***", "username": "u"}}}, found)
    assert entry == {"region_name": "R", "auth": {"password": verify.PLACEHOLDER, "username": "u"}}
    assert found.notes == ["cloud.json: remote profile https://cloud.example.com not fetched (offline); "
                           "replayed without it"]
    assert verify.replay_entry({"entry": {"profile": "rackspace"}}, found) == {"profile": "rackspace"}


def test_manifest_names_edited_added_and_removed_lines():
    members = {"evidence.jsonl": b'{"id": "main-1"}\n{"id": "main-2"}\n', "results.json": b"{}"}
    manifest = bundle.manifest(members, "c", "r")
    found = verify.Findings()
    verify.check_manifest(members, manifest, found)
    assert found.problems == []
    edited = {"evidence.jsonl": b'{"id": "main-1", "status": 1}\n', "results.json": b"{}", "x": b""}
    verify.check_manifest(edited, manifest, found)
    assert found.problems == [
        "x: in the bundle but not in its manifest (a file was added)",
        "evidence.jsonl line 1 (main-1): edited after the manifest",
        "evidence.jsonl: 1 line(s) removed after the manifest"]


def test_bundle_bytes_depend_on_members_only():
    members = {"b": b"2", "a": b"1"}
    assert bundle.pack(members) == bundle.pack(dict(reversed(list(members.items()))))
