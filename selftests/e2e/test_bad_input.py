"""A user's mistake gets one line saying what is wrong and what to do; exit 2; no traceback;
and the clouds that did work still get their results."""

import json
import socket

import pytest
import yaml

from .conftest import cli


def one_clear_line(done):
    lines = [l for l in done.stderr.splitlines() if l.strip()]
    assert done.returncode == 2, (done.returncode, done.stdout[-1500:], done.stderr[-1500:])
    assert "Traceback" not in done.stderr + done.stdout
    errors = [l for l in lines if l.startswith("os-interop")]
    assert errors, done.stderr
    return errors[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_malformed_clouds_yaml(tmp_path):
    path = tmp_path / "clouds.yaml"
    path.write_text("clouds:\n  a:\n    auth: {auth_url: x\n")
    line = one_clear_line(cli("run", "--cloud", "a", env={"OS_CLIENT_CONFIG_FILE": str(path)}))
    assert str(path) in line and "line" in line


def test_missing_clouds_yaml(tmp_path):
    line = one_clear_line(cli("run", "--cloud", "a",
                              env={"OS_CLIENT_CONFIG_FILE": str(tmp_path / "nope.yaml")}))
    assert "does not exist" in line


def test_unknown_cloud_names_the_known_ones(fleet):
    line = one_clear_line(cli("run", "--cloud", "no-such-cloud",
                              env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)}))
    assert "no-such-cloud" in line and "upstream-default" in line


def _with_extra_clouds(fleet, tmp_path, extra):
    config = fleet.clouds_yaml()
    config["clouds"].update(extra)
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_wrong_password_and_unreachable_cloud_do_not_lose_the_good_cloud(fleet, tmp_path):
    good = fleet.clouds_yaml()["clouds"]["upstream-default"]
    wrong = json.loads(json.dumps(good))
    wrong["auth"]["password"] = "definitely-wrong"
    down = json.loads(json.dumps(good))
    down["auth"]["auth_url"] = f"http://127.0.0.1:{free_port()}/v3"
    path = _with_extra_clouds(fleet, tmp_path, {"wrong-password": wrong, "down": down})
    out = tmp_path / "out"
    done = cli("run", "--cloud", "upstream-default", "--cloud", "wrong-password", "--cloud", "down",
               "--read-only", "--out", str(out), "-n", "3", env={"OS_CLIENT_CONFIG_FILE": str(path)})
    one_clear_line(done)
    assert "definitely-wrong" not in done.stderr + done.stdout
    assert any("wrong-password" in l and "401" in l for l in done.stderr.splitlines())
    assert any("'down'" in l and "cannot connect" in l for l in done.stderr.splitlines())
    good_doc = json.loads((out / "upstream-default" / "results.json").read_text())
    assert good_doc["summary"]["pass"] > 5 and good_doc["run"]["error"] is None
    bad_doc = json.loads((out / "wrong-password" / "results.json").read_text())
    assert "401" in bad_doc["run"]["error"]
    for path in out.rglob("*"):
        if path.is_file():
            assert "definitely-wrong" not in path.read_text(errors="replace")


@pytest.mark.parametrize("content", ["not json", '{"format": "something-else"}', "[]"])
def test_report_and_profile_refuse_what_is_not_a_results_file(tmp_path, content):
    bad = tmp_path / "results.json"
    bad.write_text(content)
    assert "results" in one_clear_line(cli("report", str(bad)))
    assert "results" in one_clear_line(cli("profile", str(bad)))


def test_unknown_group_is_a_usage_error(fleet):
    line = one_clear_line(cli("run", "--group", "dns", "--cloud", "upstream-default",
                              env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)}))
    assert "image_format" in line


def test_an_endpoint_that_never_answers_times_out_with_one_line(fleet, tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)          # accepts connections, never answers
    try:
        good = fleet.clouds_yaml()["clouds"]["upstream-default"]
        hung = json.loads(json.dumps(good))
        hung["auth"]["auth_url"] = f"http://127.0.0.1:{silent.getsockname()[1]}/v3"
        hung["api_timeout"] = 2
        path = _with_extra_clouds(fleet, tmp_path, {"hung": hung})
        line = one_clear_line(cli("run", "--cloud", "hung", "--read-only", "--out", str(tmp_path / "o"),
                                  env={"OS_CLIENT_CONFIG_FILE": str(path)}, timeout=120))
        assert "'hung'" in line and "did not answer" in line
    finally:
        silent.close()


def test_a_probe_that_cannot_be_loaded_is_one_line_and_results_are_still_written(fleet, tmp_path):
    import shutil
    from os_interop import suite
    copy = tmp_path / "suite"
    for part in ("capabilities", "tests", "schemas"):
        shutil.copytree(suite.root() / part, copy / part)
    for part in ("pyproject.toml", "conftest.py"):
        shutil.copy(suite.root() / part, copy / part)
    with open(copy / "tests" / "identity" / "test_identity.py", "a") as f:
        f.write("\ndef broken(:\n")
    done = cli("run", "--cloud", "upstream-default", "--out", str(tmp_path / "out"),
               env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path), "OS_INTEROP_ROOT": str(copy)})
    line = one_clear_line(done)
    assert "test_identity.py" in line and "SyntaxError" in line
    doc = json.loads((tmp_path / "out" / "upstream-default" / "results.json").read_text())
    assert "SyntaxError" in doc["run"]["error"] and doc["run"]["interrupted"] is False
