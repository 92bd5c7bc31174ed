"""A cloud with two regions (limestone-regions): each region probed and declared true, one
profile in openstacksdk's regions form, --region, and --shard runs merged by report/profile."""

import json

import pytest

from os_interop.simulator import Fleet, load_personality
from os_interop.simulator.personality import PERSONALITY_DIR
from os_interop.simulator.regions import region_names, region_personality

from .conftest import cli, documents

NAME = "limestone-regions"
LABELS = [f"{NAME}@us-dfw-1", f"{NAME}@us-slc"]


@pytest.fixture(scope="module")
def regional(tmp_path_factory):
    personality = load_personality(PERSONALITY_DIR / "regions" / f"{NAME}.yaml")
    with Fleet.start([personality]) as running:
        path = tmp_path_factory.mktemp("regions") / "clouds.yaml"
        running.write_clouds_yaml(path)
        running.clouds_yaml_path = path
        running.env = {"OS_CLIENT_CONFIG_FILE": str(path)}
        yield running


@pytest.fixture(scope="module")
def both_regions(regional, tmp_path_factory):
    out = tmp_path_factory.mktemp("both")
    return cli("run", "--cloud", NAME, "--out", str(out), "-n", "2", env=regional.env), out


def region_clouds(fleet):
    first = fleet.clouds[NAME]
    return {c.personality.region: c for c in (first, *first.regions)}


def test_every_region_is_probed_and_observed_as_its_personality_declares(both_regions, regional):
    done, out = both_regions
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    docs = documents(out)
    assert sorted(docs) == LABELS
    personality = regional.clouds[NAME].personality
    wrong = {}
    for region, cloud in region_clouds(regional).items():
        doc = docs[f"{NAME}@{region}"]
        assert doc["cloud"] == {"name": NAME, "region": region, "label": f"{NAME}@{region}",
                                "auth_url": regional.clouds_yaml()["clouds"][NAME]["auth"]["auth_url"]}
        assert doc["summary"]["error"] == 0 and doc["resources"]["leaked"] == 0, region
        declared = region_personality(personality, region).expected_observations
        observed = doc["observations"]
        wrong[region] = {k: (observed.get(k, "<not observed>"), v) for k, v in declared.items()
                         if observed.get(k, "<not observed>") != v}
        assert cloud.state.created() == {k: [] for k in cloud.state.created()}, region
        assert cloud.request_count > 0, f"{region}: no request reached its own endpoints"
    assert wrong == {r: {} for r in region_names(personality)}, "(observed, declared) per key"


def test_one_profile_in_the_regions_form_equals_the_declared_one(both_regions, regional, tmp_path):
    _, out = both_regions
    done = cli("profile", str(out), "-o", str(tmp_path / "profile.json"))
    assert done.returncode == 0, done.stderr
    emitted = json.loads((tmp_path / "profile.json").read_text())
    assert emitted["name"] == NAME
    emitted["profile"].pop("auth")
    assert emitted["profile"] == regional.clouds[NAME].personality.expected_profile


def test_region_probes_only_that_region_and_an_unknown_one_touches_nothing(regional, tmp_path):
    done = cli("run", "--cloud", NAME, "--region", "us-slc", "--read-only", "--out", str(tmp_path / "one"),
               env=regional.env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(documents(tmp_path / "one")) == [f"{NAME}@us-slc"]
    before = {r: c.request_count for r, c in region_clouds(regional).items()}
    done = cli("run", "--cloud", NAME, "--region", "us-nowhere", "--out", str(tmp_path / "none"), env=regional.env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"os-interop: error: cloud '{NAME}' has no region 'us-nowhere'; its regions: us-dfw-1, us-slc "
        "(clouds.yaml `regions:`); pick one of them"]
    assert {r: c.request_count for r, c in region_clouds(regional).items()} == before


def test_shards_split_the_regions_and_report_and_profile_merge_their_trees(regional, tmp_path):
    for k in (1, 2):
        done = cli("run", "--cloud", NAME, "--shard", f"{k}/2", "--read-only",
                   "--out", str(tmp_path / "artifacts" / f"shard-{k}"), env=regional.env)
        assert done.returncode == 0, done.stderr[-2000:]
        assert len(documents(tmp_path / "artifacts" / f"shard-{k}")) == 1
    done = cli("report", str(tmp_path / "artifacts"), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["clouds"] == LABELS
    done = cli("profile", str(tmp_path / "artifacts"))
    assert done.returncode == 0, done.stderr
    assert [r["name"] for r in json.loads(done.stdout)["profile"]["regions"]] == ["us-dfw-1", "us-slc"]


def test_cleanup_of_the_entry_looks_at_every_region(both_regions, regional):
    _, out = both_regions
    done = cli("cleanup", "--cloud", NAME, "--out", str(out), "--dry-run", env=regional.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"nothing to clean up on {label}: every journaled resource is deleted" for label in LABELS]
