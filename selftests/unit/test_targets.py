"""A clouds.yaml entry that cannot authenticate is found before any request: keystoneauth's
own plugin loading says which options each auth_type needs."""

import pytest
import yaml

from os_interop import targets
from os_interop.errors import UserError


@pytest.mark.parametrize("entry, words", [
    ({"auth": {"username": "u", "password": "p", "project_name": "x"}}, "lacks auth_url"),
    ({"auth": {"auth_url": "http://127.0.0.1:9/v3", "password": "p"}}, "lacks username (or user_id)"),
    ({"auth": {"auth_url": "http://127.0.0.1:9/v3", "username": "u"}}, "lacks password"),
    ({"auth_type": "v3applicationcredential", "auth": {"auth_url": "http://127.0.0.1:9/v3"}},
     "application credential"),
    ({"auth_type": "v3token", "auth": {"auth_url": "http://127.0.0.1:9/v3"}}, "lacks token"),
])
def test_an_incomplete_entry_is_one_line_naming_what_is_missing(tmp_path, monkeypatch, entry, words):
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"c": entry}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    with pytest.raises(UserError) as caught:
        targets.resolve(["c"])
    assert "'c'" in str(caught.value) and words in str(caught.value) and "\n" not in str(caught.value)


def test_a_complete_entry_passes(tmp_path, monkeypatch):
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"c": {"auth": {
        "auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p", "project_name": "x"}}}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    targets.resolve(["c"])


AUTH = {"auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p", "project_name": "x"}


@pytest.fixture
def clouds(tmp_path, monkeypatch):
    """Write a clouds.yaml with these entries and point openstacksdk at it."""
    monkeypatch.delenv("OS_CLOUD", raising=False)
    monkeypatch.delenv("OS_REGION_NAME", raising=False)

    def write(entries: dict) -> None:
        path = tmp_path / "clouds.yaml"
        path.write_text(yaml.safe_dump({"clouds": entries}))
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    return write


def labels(found):
    return [(t.cloud, t.region, t.label) for t in found]


def test_every_region_an_entry_names_is_a_target_labelled_cloud_at_region(clouds):
    clouds({"multi": {"auth": AUTH, "regions": ["r1", {"name": "r2", "values": {"interface": "internal"}}]},
            "single": {"auth": AUTH, "region_name": "only"}, "none": {"auth": AUTH}})
    assert labels(targets.resolve(["multi", "single", "none"])) == [
        ("multi", "r1", "multi@r1"), ("multi", "r2", "multi@r2"),
        ("single", "only", "single"), ("none", None, "none")]
    assert targets.region("multi@r2").get_interface() == "internal"   # the region's values apply
    assert targets.target("multi@r2").describe() == {
        "name": "multi", "region": "r2", "label": "multi@r2", "auth_url": AUTH["auth_url"]}


def test_region_picks_regions_and_a_label_names_one(clouds):
    clouds({"multi": {"auth": AUTH, "regions": ["r1", "r2"]}, "single": {"auth": AUTH, "region_name": "only"}})
    assert labels(targets.resolve(["multi"], regions=["r2"])) == [("multi", "r2", "multi@r2")]
    assert labels(targets.resolve(["single"], regions=["only"])) == [("single", "only", "single")]
    assert labels(targets.resolve(["multi@r1"])) == [("multi", "r1", "multi@r1")]   # the plugin's input
    assert targets.resolve_names(["multi"]) == ["multi@r1", "multi@r2"]


@pytest.mark.parametrize("names, region, words", [
    (["multi"], "r9", "cloud 'multi' has no region 'r9'; its regions: r1, r2"),
    (["single"], "r1", "cloud 'single' has no region 'r1'; its regions: only"),
    (["multi@r9"], None, "cloud 'multi' has no region 'r9'"),
    (["nosuch@r1"], None, "unknown cloud 'nosuch@r1'"),
])
def test_an_unknown_region_is_one_line_before_any_request(clouds, names, region, words):
    clouds({"multi": {"auth": dict(AUTH, auth_url="http://127.0.0.1:1/v3"), "regions": ["r1", "r2"]},
            "single": {"auth": AUTH, "region_name": "only"}})
    with pytest.raises(UserError) as caught:
        targets.resolve(names, regions=[region] if region else None)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_an_incomplete_entry_is_found_in_every_region_it_names(clouds):
    clouds({"multi": {"auth": {"auth_url": "http://127.0.0.1:9/v3", "username": "u"}, "regions": ["r1", "r2"]}})
    with pytest.raises(UserError, match="cloud 'multi': its auth section lacks password"):
        targets.resolve(["multi"])
