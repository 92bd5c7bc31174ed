"""The SDK maintainer's loop on the simulated fleet: survey -> diff -> patch, against a git copy
of the installed openstacksdk's vendors/ (the personality's `modelled_on:` names the file)."""

import json
import re
import shutil
import subprocess

import pytest
import yaml

from reporters import profile_diff, sdk_vendors

from .conftest import cli

def modelled_on_vendor(personalities) -> dict[str, str]:
    """personality -> the openstacksdk vendor its modelled_on names, where openstacksdk still
    ships it (a removed or remote-only vendor has nothing to patch)."""
    named = {name: sdk_vendors.named_in(p.data.get("modelled_on", [])) for name, p in personalities.items()}
    return {name: vendor for name, vendor in named.items() if vendor}


def git(repo, *args) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def vendors_repo(tmp_path):
    repo = tmp_path / "vendors"
    repo.mkdir()
    for path in sdk_vendors.shipped().values():
        shutil.copy(path, repo / path.name)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@127.0.0.1", "commit", "-qm", "shipped")
    return repo


def load(path):
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def changed_lines(diff: str) -> list[str]:
    """+/- lines of a -U0 diff, less a line that only gained or lost its trailing comma."""
    minus = [l[1:].rstrip().rstrip(",") for l in diff.splitlines() if l.startswith("-") and not l.startswith("---")]
    plus = [l[1:].rstrip().rstrip(",") for l in diff.splitlines() if l.startswith("+") and not l.startswith("+++")]
    for line in list(minus):
        if line in plus:
            minus.remove(line)
            plus.remove(line)
    return minus + plus


def test_survey_diff_patch_on_the_fleet(full_run, personalities, vendors_repo, monkeypatch):
    _, out = full_run
    mapping = modelled_on_vendor(personalities)
    assert {"rackspace-2015": "rackspace", "limestone-2018": "limestonenetworks"}.items() <= mapping.items()
    maps = [arg for p, v in sorted(mapping.items()) for arg in ("--map", f"{p}={v}")]

    done = cli("profile", str(out), "--update-dir", str(vendors_repo), *maps)
    assert done.returncode == 0, done.stderr
    files = {sdk_vendors.shipped()[v].name for v in mapping.values()}
    reported = {}
    for line in done.stdout.splitlines():
        if not line.startswith("skipped") and ": note:" not in line:
            path, _, rest = line.partition(": ")
            reported[path.rsplit("/", 1)[-1]] = [] if rest == "current" else \
                [c.split(":")[0] for c in rest.split("; ")]
    assert set(reported) == files
    assert sum(line.startswith("skipped") for line in done.stdout.splitlines()) == \
        len(personalities) - len(mapping)

    touched = set(git(vendors_repo, "diff", "--name-only").split())
    assert touched == {name for name, keys in reported.items() if keys}
    original = {path.name: path for path in sdk_vendors.shipped().values()}
    for name in touched:
        keys = reported[name]
        # semantically: exactly the reported keys changed, auth/regions/status/... as shipped
        before = profile_diff.flatten(sdk_vendors.profile_of(load(original[name])))
        after = profile_diff.flatten(sdk_vendors.profile_of(load(vendors_repo / name)))
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert changed == set(keys), name
        # textually: every changed line is a line of a reported key
        leaves = {k.rsplit(".", 1)[-1].split("[")[0] for k in keys}
        for line in changed_lines(git(vendors_repo, "diff", "-U0", "--", name)):
            token = re.match(r'\s*"?([\w-]+)"?\s*:', line)
            assert token and token.group(1) in leaves, (name, line)

    # prove it: the patched files now agree with every run, and a second update changes nothing
    for cloud, vendor in mapping.items():
        path = vendors_repo / sdk_vendors.shipped()[vendor].name
        diff = cli("profile", str(out / cloud), "--diff", str(path), "--format", "json")
        assert diff.returncode == 0, diff.stdout
        summary = json.loads(diff.stdout)["comparisons"][0]["summary"]
        assert summary["differs"] == summary["only-observed"] == 0, (cloud, summary)
    again = cli("profile", str(out), "--update-dir", str(vendors_repo), *maps)
    assert sorted(l for l in again.stdout.splitlines() if not l.startswith("skipped")) == \
        sorted(f"{vendors_repo / name}: current" for name in files)

    # openstacksdk's own vendor loader reads the patched directory
    from openstack.config import vendors
    monkeypatch.setattr(vendors, "_VENDORS_PATH", str(vendors_repo))
    monkeypatch.setattr(vendors, "_VENDOR_DEFAULTS", {})
    for vendor in mapping.values():
        assert vendors.get_profile(vendor) == sdk_vendors.profile_of(
            load(vendors_repo / sdk_vendors.shipped()[vendor].name))


def test_diff_against_each_modelled_vendor_has_no_noise(full_run, personalities):
    """No auth URL, region name, default or version spelling among the compared keys."""
    _, out = full_run
    for cloud, vendor in modelled_on_vendor(personalities).items():
        done = cli("profile", str(out / cloud), "--diff", f"openstacksdk:{vendor}", "--format", "json")
        comparison = json.loads(done.stdout)["comparisons"][0]
        keys = {d["key"] for d in comparison["differences"]}
        assert not {k for k in keys if k.startswith("auth") or k == "regions"}, cloud
        assert done.returncode == (1 if comparison["summary"]["differs"] else 0)
        for d in comparison["differences"]:
            if d["status"] == "only-observed":   # never a default the SDK already applies
                assert sdk_vendors.default(d["key"]) in (sdk_vendors.MISSING, None) or \
                    sdk_vendors.normal(d["key"], d["observed"]) != \
                    sdk_vendors.normal(d["key"], sdk_vendors.default(d["key"])), (cloud, d)


def test_two_regions_patch_the_region_that_differs(tmp_path, vendors_repo):
    """limestone-regions (qcow2 in us-dfw-1, raw in us-slc) against limestonenetworks.yaml
    (raw for the whole cloud, networks per region): only us-dfw-1's values gain image_format."""
    from os_interop.simulator import Fleet, load_personality
    from os_interop.simulator.personality import PERSONALITY_DIR
    path = PERSONALITY_DIR / "regions" / "limestone-regions.yaml"
    if not path.is_file():
        pytest.skip("no two-region personality in this checkout")
    with Fleet.start([load_personality(path)]) as fleet:
        clouds_yaml = tmp_path / "clouds.yaml"
        fleet.write_clouds_yaml(clouds_yaml)
        run = cli("run", "--cloud", "limestone-regions", "--out", str(tmp_path / "out"), "-n", "2",
                  env={"OS_CLIENT_CONFIG_FILE": str(clouds_yaml)})
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    done = cli("profile", str(tmp_path / "out"), "--update-dir", str(vendors_repo),
               "--map", "limestone-regions=limestonenetworks")
    assert done.returncode == 0, done.stderr
    name = sdk_vendors.shipped()["limestonenetworks"].name
    after = yaml.safe_load((vendors_repo / name).read_text())["profile"]
    regions = {r["name"]: r["values"] for r in after["regions"]}
    assert regions["us-dfw-1"]["image_format"] == "qcow2"
    assert "image_format" not in regions["us-slc"] and after["image_format"] == "raw"
    added = [l for l in changed_lines(git(vendors_repo, "diff", "-U0", "--", name))]
    assert "        image_format: qcow2" in added
    again = cli("profile", str(tmp_path / "out"), "--diff", str(vendors_repo / name))
    assert again.returncode == 0, again.stdout
