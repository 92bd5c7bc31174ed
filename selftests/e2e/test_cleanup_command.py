"""`os-interop cleanup` deletes what a killed run's journal proves it created, and nothing else."""


import requests

from os_interop.journal import Journal, by_name

from .conftest import cli


def _token_and_image_url(fleet, name):
    cloud = fleet.clouds_yaml()["clouds"][name]
    auth = cloud["auth"]
    response = requests.post(auth["auth_url"].rstrip("/") + "/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": auth["username"], "password": auth["password"], "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": auth["project_name"], "domain": {"name": "Default"}}}}},
        timeout=10)
    token = response.headers["X-Subject-Token"]
    image = next(ep["url"] for svc in response.json()["token"]["catalog"] if svc["type"] == "image"
                 for ep in svc["endpoints"] if ep["interface"] == "public")
    return token, image.rstrip("/")


def test_cleanup_deletes_only_journaled_resources(fleet, tmp_path):
    name = "upstream-default"
    token, image = _token_and_image_url(fleet, name)
    headers = {"X-Auth-Token": token}
    journal = Journal(tmp_path / name / "journal-gw9.jsonl", "killedrun")
    ours = journal.intend("image", by_name(f"{image}/v2/images?name={{name}}"), f"{image}/v2/images/{{id}}")
    created = requests.post(f"{image}/v2/images", headers=headers, timeout=10, json={
        "name": ours.name, "disk_format": "raw", "container_format": "bare"}).json()
    # the run was killed before it journaled the id: cleanup must find it by exact name
    lookalike = requests.post(f"{image}/v2/images", headers=headers, timeout=10, json={
        "name": ours.name + "-not-ours", "disk_format": "raw", "container_format": "bare"}).json()
    env = {"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)}
    dry = cli("cleanup", "--cloud", name, "--out", str(tmp_path), "--run", "killedrun", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"found {created['id']}: would delete" in dry.stdout and lookalike["id"] not in dry.stdout
    listed = {i["id"] for i in requests.get(f"{image}/v2/images", headers=headers, timeout=10).json()["images"]}
    assert created["id"] in listed                  # a dry run deletes nothing
    done = cli("cleanup", "--cloud", name, "--out", str(tmp_path), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "deleted" in done.stdout and ours.name in done.stdout
    remaining = {i["id"] for i in requests.get(f"{image}/v2/images", headers=headers,
                                                timeout=10).json()["images"]}
    assert created["id"] not in remaining
    assert lookalike["id"] in remaining
    requests.delete(f"{image}/v2/images/{lookalike['id']}", headers=headers, timeout=10)
    again = cli("cleanup", "--cloud", name, "--out", str(tmp_path),
                env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)})
    assert again.returncode == 0 and "nothing to clean up" in again.stdout


def test_cleanup_without_journals_says_where_it_looked(fleet, tmp_path):
    done = cli("cleanup", "--cloud", "upstream-default", "--out", str(tmp_path),
               env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)})
    assert done.returncode == 2 and "no journals" in done.stderr and "Traceback" not in done.stderr


def test_cleanup_of_an_unknown_run_is_one_line_and_exit_2(fleet, tmp_path):
    Journal(tmp_path / "upstream-default" / "journal-main.jsonl", "realrun").intend("image")
    done = cli("cleanup", "--cloud", "upstream-default", "--out", str(tmp_path), "--run", "doesnotexist",
               env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)})
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert "doesnotexist" in done.stderr and "realrun" in done.stderr
