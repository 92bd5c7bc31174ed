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
        targets.check(["c"])
    assert "'c'" in str(caught.value) and words in str(caught.value) and "\n" not in str(caught.value)


def test_a_complete_entry_passes(tmp_path, monkeypatch):
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"c": {"auth": {
        "auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p", "project_name": "x"}}}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    targets.check(["c"])
