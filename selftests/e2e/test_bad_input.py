"""A user's mistake gets one line saying what is wrong and what to do; exit 2; no traceback;
and the clouds that did work still get their results."""

import json
import socket

import pytest
import yaml

from selftests import loopback

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
    assert any("'down'" in l and "refused the connection" in l for l in done.stderr.splitlines())
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


def one_line_and_exit(done, code):
    """A cloud that stayed unreachable: exit 1 (not 2), one line naming what happened."""
    assert done.returncode == code, (done.returncode, done.stdout[-1500:], done.stderr[-1500:])
    assert "Traceback" not in done.stderr + done.stdout
    errors = [l for l in done.stderr.splitlines() if l.startswith("os-interop")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def _entry(fleet, auth_url, **extra):
    entry = json.loads(json.dumps(fleet.clouds_yaml()["clouds"]["upstream-default"]))
    entry["auth"]["auth_url"] = auth_url
    entry.update(extra)
    return entry


def test_an_endpoint_that_never_answers_times_out_after_the_configured_wait(fleet, tmp_path):
    silent = loopback.Silent()
    try:
        path = _with_extra_clouds(fleet, tmp_path, {"hung": _entry(
            fleet, f"http://127.0.0.1:{silent.port}/v3", api_timeout=1)})
        done = cli("run", "--cloud", "hung", "--read-only", "--out", str(tmp_path / "o"),
                   env={"OS_CLIENT_CONFIG_FILE": str(path)}, timeout=120)
        line = one_line_and_exit(done, 1)
        assert "'hung'" in line and "timed out after 1 s" in line and "3 tries" in line, line
        tries = [json.loads(l) for l in (tmp_path / "o" / "hung" / "evidence.jsonl").read_text().splitlines()]
        assert [t["try"]["try"] for t in tries if t["method"] == "GET"] == [1, 2, 3]
        assert all(t["status"] is None and "Timeout" in t["error"] for t in tries)
    finally:
        silent.close()


def test_an_endpoint_that_resets_every_connection_says_so_exit_1(fleet, tmp_path):
    resetting = loopback.Resetting()
    try:
        path = _with_extra_clouds(fleet, tmp_path, {"resets": _entry(
            fleet, f"http://127.0.0.1:{resetting.port}/v3")})
        done = cli("run", "--cloud", "resets", "--read-only", "--out", str(tmp_path / "o"),
                   env={"OS_CLIENT_CONFIG_FILE": str(path)}, timeout=120)
        line = one_line_and_exit(done, 1)
        assert "'resets'" in line and "reset the connection" in line and "3 tries" in line, line
        assert resetting.accepted >= 3
    finally:
        resetting.close()


def _behind_proxy(fleet, tmp_path, respond, name):
    upstream = fleet.clouds_yaml()["clouds"]["upstream-default"]["auth"]["auth_url"]
    base = upstream.split("/", 3)
    proxy = loopback.HTTP(respond, upstream="/".join(base[:3]))
    path = _with_extra_clouds(fleet, tmp_path, {name: _entry(fleet, f"{proxy.url}/{base[3]}")})
    return proxy, path


def test_a_single_503_during_discovery_no_longer_sinks_the_cloud(fleet, tmp_path):
    proxy, path = _behind_proxy(fleet, tmp_path, loopback.failing_first(1, "/identity"), "flaky")
    try:
        out = tmp_path / "o"
        done = cli("run", "--cloud", "flaky", "--read-only", "--out", str(out),
                   env={"OS_CLIENT_CONFIG_FILE": str(path)}, timeout=120)
        assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
        doc = json.loads((out / "flaky" / "results.json").read_text())
        assert doc["run"]["error"] is None and doc["summary"]["error"] == 0
        evidence = [json.loads(l) for l in (out / "flaky" / "evidence.jsonl").read_text().splitlines()]
        first, second = evidence[0], evidence[1]
        assert (first["status"], first["try"]["try"]) == (503, 1)
        assert (second["url"], second["try"]["try"]) == (first["url"], 2) and second["status"] < 400
        assert [s for _, _, s in proxy.seen[:2]] == [503, second["status"]]
    finally:
        proxy.close()


def test_a_cloud_that_keeps_answering_503_fails_with_exit_1_and_the_others_go_on(fleet, tmp_path):
    proxy, path = _behind_proxy(fleet, tmp_path, loopback.failing_first(99, "/identity", 503,
                                                                        {"Retry-After": "0"}), "down503")
    try:
        out = tmp_path / "o"
        done = cli("run", "--cloud", "down503", "--cloud", "upstream-default", "--read-only",
                   "--out", str(out), "-n", "2", env={"OS_CLIENT_CONFIG_FILE": str(path)}, timeout=120)
        line = one_line_and_exit(done, 1)
        assert "'down503'" in line and "HTTP 503 from GET http://127.0.0.1" in line and "3 tries" in line
        assert len(proxy.seen) == 3                                  # bounded: 3 tries, no more
        assert json.loads((out / "down503" / "results.json").read_text())["run"]["error_kind"] == "unreachable"
        good = json.loads((out / "upstream-default" / "results.json").read_text())
        assert good["run"]["error"] is None and good["summary"]["pass"] > 5
    finally:
        proxy.close()


def test_a_retry_after_longer_than_the_budget_is_not_cut_short(fleet, tmp_path):
    proxy, path = _behind_proxy(fleet, tmp_path, loopback.failing_first(99, "/identity", 429,
                                                                        {"Retry-After": "3600"}), "slow")
    try:
        done = cli("run", "--cloud", "slow", "--read-only", "--out", str(tmp_path / "o"),
                   env={"OS_CLIENT_CONFIG_FILE": str(path)}, timeout=120)
        line = one_line_and_exit(done, 1)
        assert "HTTP 429" in line and len(proxy.seen) == 1     # never retried before the server asked
        first = json.loads((tmp_path / "o" / "slow" / "evidence.jsonl").read_text().splitlines()[0])
        assert first["response_headers"]["Retry-After"] == "3600"     # kept as received
    finally:
        proxy.close()


V2_TOKEN = "v2-live-token-0123456789abcdef"


def test_a_broken_v2_token_body_never_reaches_a_file_or_the_terminal(tmp_path):
    def respond(method, path, body):
        if path.rstrip("/").endswith("/v2.0"):
            return 200, {"Content-Type": "application/json"}, json.dumps({"version": {
                "id": "v2.0", "status": "stable", "links": [{"rel": "self", "href": server.url + "/v2.0/"}]}}).encode()
        if path.endswith("/tokens"):          # truncated JSON that carries the token
            return 200, {"Content-Type": "application/json"}, (
                '{"access": {"token": {"id": "' + V2_TOKEN + '", "expires": "2099-01-01T00:00:00Z"').encode()
        return 404, {}, b""
    server = loopback.HTTP(respond)
    try:
        path = tmp_path / "clouds.yaml"
        path.write_text(yaml.safe_dump({"clouds": {"v2": {"identity_api_version": "2.0", "auth": {
            "auth_url": server.url + "/v2.0", "username": "u", "password": "pw-never-written",
            "project_name": "p"}}}}))
        out = tmp_path / "o"
        done = cli("run", "--cloud", "v2", "--read-only", "--out", str(out), "--junitxml",
                   str(tmp_path / "junit.xml"), env={"OS_CLIENT_CONFIG_FILE": str(path)}, timeout=120)
        line = one_line_and_exit(done, 1)
        assert "'v2'" in line and "cannot be read" in line, line
        assert any(p == "/v2.0/tokens" for _, p, _ in server.seen)
        written = [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file() and p != path]
        assert (tmp_path / "junit.xml").exists() and len(written) >= 3
        for text in [done.stdout, done.stderr] + written:
            assert V2_TOKEN not in text and "pw-never-written" not in text
        sealed = [json.loads(l)["response_body"] for l in (out / "v2" / "evidence.jsonl").read_text().splitlines()
                  if json.loads(l)["url"].endswith("/tokens")]
        assert sealed and all(b["unparsable"] and len(b["sha256"]) == 64 and b["length"] > 40 for b in sealed)
    finally:
        server.close()


def test_a_cloud_entry_without_auth_url_is_one_line_before_any_cloud_is_touched(fleet, tmp_path):
    entry = _entry(fleet, "unused")
    del entry["auth"]["auth_url"]
    path = _with_extra_clouds(fleet, tmp_path, {"no-url": entry})
    before = sum(fleet.request_counts().values())
    line = one_clear_line(cli("run", "--cloud", "upstream-default", "--cloud", "no-url", "--out",
                              str(tmp_path / "o"), env={"OS_CLIENT_CONFIG_FILE": str(path)}))
    assert "'no-url'" in line and "auth_url" in line
    assert sum(fleet.request_counts().values()) == before and not (tmp_path / "o").exists()


def test_a_cloud_entry_without_a_user_is_one_line(fleet, tmp_path):
    entry = _entry(fleet, fleet.clouds_yaml()["clouds"]["upstream-default"]["auth"]["auth_url"])
    del entry["auth"]["username"]
    path = _with_extra_clouds(fleet, tmp_path, {"no-user": entry})
    line = one_clear_line(cli("run", "--cloud", "no-user", env={"OS_CLIENT_CONFIG_FILE": str(path)}))
    assert "'no-user'" in line and "username" in line


def test_out_that_is_a_file_or_cannot_be_created_is_refused_up_front(fleet, tmp_path):
    a_file = tmp_path / "results-file"
    a_file.write_text("x")
    before = sum(fleet.request_counts().values())
    for out, words in ((a_file, "is a file"), (a_file / "sub", "cannot be written")):
        line = one_clear_line(cli("run", "--cloud", "upstream-default", "--out", str(out),
                                  env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)}))
        assert str(out) in line and words in line, line
    assert sum(fleet.request_counts().values()) == before


@pytest.mark.parametrize("selection", [["-k", "no_such_probe_anywhere"],
                                       ["--group", "floating_ip", "-k", "image_upload_nothing"]])
def test_a_selection_that_selects_nothing_says_so(fleet, tmp_path, selection):
    before = sum(fleet.request_counts().values())
    line = one_clear_line(cli("run", "--cloud", "upstream-default", "--out", str(tmp_path / "o"),
                              *selection, env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)}))
    assert "select no probe" in line and "os-interop capabilities" in line and selection[-1] in line
    assert sum(fleet.request_counts().values()) == before


@pytest.mark.parametrize("value", ["-1", "two", "1.5", ""])
def test_an_invalid_worker_count_is_one_line(value):
    done = cli("run", "-n", value)
    line = one_clear_line(done)
    assert len([l for l in done.stderr.splitlines() if l.strip()]) == 1
    assert "-n" in line and repr(value) in line


def test_admin_credentials_bring_one_warning_line_and_the_run_goes_on(fleet, tmp_path):
    upstream = fleet.clouds_yaml()["clouds"]["upstream-default"]["auth"]["auth_url"]
    base = "/".join(upstream.split("/", 3)[:3])
    holder = {}
    # identity through a proxy whose links point back at itself and whose tokens say admin
    proxy = loopback.HTTP(lambda m, p, b: None, upstream=base, rewrite=lambda body: body.replace(
        base.encode(), holder["url"].encode()).replace(b'"member"', b'"admin"'))
    holder["url"] = proxy.url
    try:
        path = _with_extra_clouds(fleet, tmp_path, {"as-admin": _entry(fleet, upstream.replace(base, proxy.url))})
        out = tmp_path / "o"
        done = cli("run", "--cloud", "as-admin", "--read-only", "--out", str(out), "-k", "identity",
                   env={"OS_CLIENT_CONFIG_FILE": str(path)}, timeout=120)
        assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-1500:])
        warnings = [l for l in done.stderr.splitlines() if l.startswith("os-interop: warning")]
        assert len(warnings) == 1 and "'as-admin'" in warnings[0] and "admin role" in warnings[0]
        assert "differ from what a member sees" in warnings[0]
        assert any(p.endswith("/tokens") for _, p, _ in proxy.seen)
    finally:
        proxy.close()


def test_a_member_gets_no_admin_warning(fleet, tmp_path):
    done = cli("run", "--cloud", "upstream-default", "--read-only", "--out", str(tmp_path / "o"), "-k", "identity",
               env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)})
    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr[-1500:]
