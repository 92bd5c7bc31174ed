"""Required means required (issue 8.6) and nothing invented (issue 9.2), on simulated clouds
changed the way real ones are: a project that sees no flavor, a provider with no images."""

import pytest

from os_interop.simulator import Fleet
from reporters import profile

from .conftest import cli, documents

NAME = "upstream-default"


@pytest.fixture
def cloud(tmp_path):
    with Fleet.start([NAME]) as fleet:
        fleet.write_clouds_yaml(tmp_path / "clouds.yaml")
        yield fleet


def _run(fleet, out, *args):
    done = cli("run", "--cloud", NAME, "--out", str(out), *args,
               env={"OS_CLIENT_CONFIG_FILE": str(out.parent / "clouds.yaml")})
    docs = documents(out)
    return done, docs.get(NAME), {c["id"]: c for c in docs[NAME]["capabilities"]} if NAME in docs else {}


def test_a_cloud_where_no_server_boots_does_not_exit_0(cloud, tmp_path):
    cloud.state(NAME).flavors.clear()      # e.g. no flavor is public or shared with the project
    done, doc, caps = _run(cloud, tmp_path / "full")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert caps["compute.boot"]["outcome"] == "fail"
    assert "no flavor visible to the project fits the image" in caps["compute.boot"]["reason"]
    lifecycle = caps["floating_ip.lifecycle"]
    assert (lifecycle["outcome"], lifecycle["status"]) == ("fail", "required")
    assert lifecycle["reason"].startswith("cannot be tried: no server could be booted")
    # an advisory capability blocked the same way stays a skip, with the cause named
    assert caps["network.boot_implicit"]["outcome"] == "skip"
    assert "no server could be booted" in caps["network.boot_implicit"]["reason"]
    assert doc["resources"]["leaked"] == 0

    # selecting only the lifecycle does not hide it either
    done, _, caps = _run(cloud, tmp_path / "lifecycle", "-k", "lifecycle")
    assert done.returncode == 1 and caps["floating_ip.lifecycle"]["outcome"] == "fail"
    assert caps["compute.boot"]["reason"] == "not selected in this run"

    # a read-only run does not select what it cannot try: nothing blocked, exit 0
    done, _, caps = _run(cloud, tmp_path / "ro", "--read-only")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert caps["compute.boot"]["reason"] == "not selected in this run"


def test_no_provider_images_means_no_preferred_format_and_no_profile_key(cloud, tmp_path):
    cloud.state(NAME).images.clear()       # a provider that publishes no images
    done, doc, caps = _run(cloud, tmp_path / "full")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    preferred = caps["image.format.preferred"]
    assert (preferred["outcome"], preferred["reason"]) == (
        "skip", "no provider images: nothing shows a preference")
    assert "image.format" not in doc["observations"]
    assert doc["observations"]["image.public_formats"] == {}
    # the upload still chose a format (its own choice, qcow2 being accepted) and the server
    # booted from the uploaded image
    assert doc["observations"]["image.upload_method"] == "put"
    assert caps["compute.boot"]["outcome"] == "pass"
    emitted = profile.build(doc)["profile"]
    assert "image_format" not in emitted and emitted["image_api_version"] == "2"
    assert "image_format" not in doc["profile_sources"]
    # discovery and the upload agree on v2: both decide (profile_sources)
    assert doc["profile_sources"]["image_api_version"] == ["image.api_version", "image.upload_api_version"]
    assert set(doc["profile_sources"]) == set(emitted) - {"auth", "regions"}
