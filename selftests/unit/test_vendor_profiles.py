"""The profiles committed in vendor-profiles/ are current and valid."""

import json
from pathlib import Path

import jsonschema
import pytest

from os_interop.simulator import load_personality, shipped_personalities
from reporters import profile

ROOT = Path(__file__).resolve().parents[2] / "vendor-profiles"


@pytest.mark.parametrize("path", shipped_personalities(), ids=lambda p: p.stem)
def test_simulated_profile_matches_its_personality(path):
    personality = load_personality(path)
    committed = json.loads((ROOT / "simulated" / f"{personality.name}.json").read_text())
    body = dict(committed["profile"])
    body.pop("regions", None)
    assert committed["name"] == personality.name
    assert body == personality.expected_profile


@pytest.mark.parametrize("path", sorted(ROOT.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_committed_profiles_validate_against_openstacksdk_schema(path):
    jsonschema.validate(json.loads(path.read_text()), profile.vendor_schema())


CONFIGS = sorted((ROOT.parent / "reference-cloud" / "configs").glob("*.yaml"))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_reference_cloud_profile_matches_its_configuration(config):
    import yaml
    declared = yaml.safe_load(config.read_text())
    committed = json.loads((ROOT / "reference-cloud" / f"{config.stem}.json").read_text())
    body = dict(committed["profile"])
    body.pop("regions", None)
    assert body == declared["expected_profile"]
