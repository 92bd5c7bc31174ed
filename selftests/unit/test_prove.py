"""`os-interop prove` without a cloud: how the profile is applied, what made the difference,
what the user gets for bad input, and that a client error keeps no secret."""

import json
from types import SimpleNamespace

import pytest
import yaml

from os_interop import cli, prove
from os_interop.prove import flow
from os_interop.journal import Journal
from os_interop.redaction import Redactor

pytestmark = pytest.mark.filterwarnings("ignore")  # openstacksdk's own deprecation chatter
ENTRY = {"auth": {"auth_url": "http://127.0.0.1:9/identity", "username": "u", "password": "s3cret-pw",
                  "project_name": "p"}, "region_name": "RegionOne"}


def result(**failed: str) -> prove.FlowResult:
    return prove.FlowResult(errors={s: failed.get(s) for s in prove.STEPS})


def test_the_profile_is_applied_as_a_vendor_profile_and_left_out_without(monkeypatch, tmp_path):
    other = tmp_path / "clouds.yaml"   # a user's own file must not be read instead
    other.write_text(yaml.safe_dump({"clouds": {"c": {"auth": {"auth_url": "http://127.0.0.1:8/"}}}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(other))
    profile = {"image_format": "raw", "floating_ip_source": "nova", "regions": ["RegionOne"]}
    with_profile = prove.connect({**ENTRY, "profile": "something-else"}, profile, "c")
    bare = prove.connect({**ENTRY, "profile": "something-else"}, None, "c")
    assert with_profile.config.config["image_format"] == "raw"
    assert with_profile.config.config["floating_ip_source"] == "nova"
    assert with_profile.config.config["auth"]["auth_url"] == ENTRY["auth"]["auth_url"]
    assert bare.config.config["image_format"] == "qcow2"          # openstacksdk's default
    assert bare.config.config["floating_ip_source"] == "neutron"


def test_the_difference_is_the_steps_whose_outcome_changed():
    changed = prove.difference(result(), result(image="BadRequest: qcow2 not accepted"))
    assert changed == {"image": {"with": True, "without": False}}
    assert prove.difference(result(), result()) == {}


def test_single_keys_name_the_key_that_alone_fixes_a_step():
    profile = {"image_format": "raw", "secgroup_source": "neutron", "auth": {"auth_url": "x"}}
    bare = result(image="BadRequest")
    seen = []

    def run(config):
        seen.append(sorted(config))
        return result() if config.get("image_format") == "raw" else result(image="BadRequest")
    keys = prove.single_keys(profile, prove.difference(result(), bare), run, bare)
    assert keys == {"image": ["image_format"]}
    assert seen == [["auth", "image_format"], ["auth", "secgroup_source"]]   # where the cloud is stays


def test_no_rerun_when_the_profile_changed_nothing():
    def run(config):
        raise AssertionError("no rerun needed")
    assert prove.single_keys({"image_format": "raw"}, {}, run, result()) == {}


def test_the_document_says_which_keys_and_how_they_were_found():
    proof = prove.Proof("c", "p.json", {"image_format": "raw", "regions": ["r"]},
                        {"profile": result(), "bare": result(image="BadRequest")}, keys={"image": []})
    doc = proof.document()
    assert doc["difference"]["image"]["keys"] == []
    assert "no single key" in doc["difference"]["image"]["found_by"]
    assert doc["profile_keys"] == ["image_format"] and doc["exit_code"] == 0
    failing = prove.Proof("c", "p.json", {}, {"profile": result(server="Timeout"), "bare": result()})
    assert failing.exit_code == 1 and "failed (Timeout)" in prove.render(failing.document())


def test_a_client_error_keeps_no_secret():
    line = flow._one_line(RuntimeError("auth with s3cret-pw\nrefused"), Redactor(["s3cret-pw"]))
    assert "s3cret-pw" not in line and "\n" not in line


def test_the_redactor_knows_the_entry_secrets():
    conn = prove.connect(ENTRY, None, "c")
    assert "s3cret-pw" not in prove.redactor_for(conn).text("password s3cret-pw")


@pytest.mark.parametrize("document", [{"name": "x", "profile": {"image_format": "raw"}}, {"image_format": "raw"}])
def test_a_vendor_file_or_a_bare_profile(document):
    assert prove.profile_body(document, "f") == {"image_format": "raw"}


def _cli(tmp_path, monkeypatch, capsys, *args):
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"c": ENTRY}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    code = cli.main(["prove", "--out", str(tmp_path / "out"), *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("args, words", [
    (["--cloud", "nope"], "unknown cloud 'nope'"),
    (["--cloud", "c", "--profile", "/nonexistent.json"], "cannot read --profile"),
    (["--cloud", "c"], "no profile to prove for 'c'"),
])
def test_bad_input_is_one_line_and_exit_2_before_any_request(tmp_path, monkeypatch, capsys, args, words):
    code, err = _cli(tmp_path, monkeypatch, capsys, *args)   # auth_url port 9: a request would fail
    assert code == 2 and words in err and err.count("\n") == 1


def test_a_profile_that_is_not_json_is_a_usage_error(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "p.json"
    bad.write_text("[1, 2")
    code, err = _cli(tmp_path, monkeypatch, capsys, "--cloud", "c", "--profile", str(bad))
    assert code == 2 and "is not JSON" in err
    bad.write_text(json.dumps([1]))
    code, err = _cli(tmp_path, monkeypatch, capsys, "--cloud", "c", "--profile", str(bad))
    assert code == 2 and "not an openstacksdk vendor profile" in err


def test_a_step_whose_own_reads_fail_is_failed_not_a_crash(tmp_path):
    class Broken:
        config = SimpleNamespace(config={"image_format": "qcow2"})
        session = None

        def __getattr__(self, name):
            raise RuntimeError(f"no {name} service")
    journal = Journal(tmp_path / "j.jsonl", "r1")
    result = flow.Flow(Broken(), journal, 1, Redactor()).run()
    assert not any(result.ok(s) for s in prove.STEPS)
    assert result.errors["image"].startswith("RuntimeError: no image service")


def test_an_entry_naming_an_in_tree_vendor_profile_keeps_where_the_cloud_is():
    from os_interop.prove import config
    entry = config.located({"profile": "citycloud", "auth": {"username": "u", "password": "p"}})
    assert entry["auth"]["auth_url"].startswith("https://") and entry["auth"]["username"] == "u"
    assert "regions" in entry or "region_name" in entry
    assert config.located({"profile": "https://example.invalid", "auth": {}}) == \
        {"profile": "https://example.invalid", "auth": {}}   # never fetched
