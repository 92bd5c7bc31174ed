"""The simulator serves what network_config reads: subnet enable_dhcp, nova's extension list,
and config_drive on servers as nova stores it (asked for, forced, or not loaded at all)."""

from __future__ import annotations

import pytest
import yaml

from os_interop.simulator import Fleet, PersonalityError, find_personality, load_personality

from .conftest import Client


def _variant(tmp_path, name, **compute):
    doc = yaml.safe_load(find_personality("upstream-default").read_text())
    doc["name"] = name
    doc["compute"].update(compute)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("variants")
    paths = [_variant(tmp, "cd-forced", config_drive="forced"),
             _variant(tmp, "cd-absent", config_drive="absent", max_microversion="2.12")]
    with Fleet.start(paths) as fleet:
        yield fleet


def _boot(c: Client, **extra):
    image = c.image("GET", "/v2/images").json()["images"][0]["id"]
    body = {"server": {"name": "osi-test", "imageRef": image, "flavorRef": "1", **extra}}
    return c.compute("POST", "/servers", json=body)


def _detail(c: Client, server_id: str) -> dict:
    return c.compute("GET", f"/servers/{server_id}").json()["server"]


def test_ovh_ipv6_subnet_runs_no_dhcp(client):
    subnets = {s["cidr"]: s for s in client("ovh-2018").network("GET", "/subnets").json()["subnets"]}
    v4, v6 = subnets["51.68.16.0/20"], subnets["2001:41d0:302:1100::/56"]
    assert v4["enable_dhcp"] is True
    assert (v6["enable_dhcp"], v6["ipv6_address_mode"], v6["ipv6_ra_mode"]) == (False, None, None)


def test_optional_config_drive_is_given_when_asked_for(client):
    c = client("upstream-default")
    aliases = {e["alias"] for e in c.compute("GET", "/extensions").json()["extensions"]}
    assert "os-config-drive" in aliases
    asked, plain = _boot(c, config_drive=True), _boot(c)
    assert (asked.status_code, plain.status_code) == (202, 202)
    assert _detail(c, asked.json()["server"]["id"])["config_drive"] == "True"
    assert _detail(c, plain.json()["server"]["id"])["config_drive"] == ""
    for response in (asked, plain):
        c.compute("DELETE", f"/servers/{response.json()['server']['id']}")


def test_forced_config_drive_is_on_every_server(variants):
    c = Client(variants, "cd-forced")
    created = _boot(c)
    assert created.status_code == 202
    assert _detail(c, created.json()["server"]["id"])["config_drive"] == "True"


def test_an_unloaded_extension_is_unlisted_refused_and_unshown(variants):
    c = Client(variants, "cd-absent")
    aliases = {e["alias"] for e in c.compute("GET", "/extensions").json()["extensions"]}
    assert "os-config-drive" not in aliases
    assert _boot(c, config_drive=True).status_code == 400      # v2.1 schema: unexpected member
    created = _boot(c)
    assert "config_drive" not in _detail(c, created.json()["server"]["id"])


def test_config_drive_cannot_be_absent_from_newton_on(tmp_path):
    with pytest.raises(PersonalityError, match="compute.config_drive"):
        load_personality(_variant(tmp_path, "cd-bad", config_drive="absent", max_microversion="2.26"))
