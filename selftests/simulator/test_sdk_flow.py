"""`os-interop prove` on every shipped personality: openstacksdk's cloud layer through the talk's flow.

With the profile os-interop emitted for the personality (vendor-profiles/simulated/<name>.json,
kept equal to the declared profile by selftests/unit/test_vendor_profiles.py) every step the
personality's ``expected_client_flow`` calls possible must succeed, and every impossible one must
fail. The same flow also runs without a profile: what fails then is a finding (`prove` reports it
and the keys that made the difference), not an expectation, so only its cleanup is checked. The
simulator's own state is the ground truth for what was left behind.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from os_interop import prove
from os_interop.simulator import shipped_personalities
from os_interop.simulator.personality import Personality

pytestmark = pytest.mark.filterwarnings("ignore")  # openstacksdk's own deprecation chatter
PROFILES = Path(__file__).resolve().parents[2] / "vendor-profiles" / "simulated"
NAMES = [p.stem for p in shipped_personalities()]


def emitted_profile(fleet, name: str) -> dict:
    path = PROFILES / f"{name}.json"
    assert path.exists(), f"no emitted profile {path} (write it with `os-interop demo`)"
    return Personality.resolve(prove.profile_body(json.loads(path.read_text(encoding="utf-8")), str(path)),
                               fleet.url(name))


def _created(fleet, name: str) -> set:
    return {(kind, r["id"]) for kind, items in fleet.state(name).created().items() for r in items}


def _prove(fleet, name: str, out: Path) -> tuple[prove.Proof, list[str], list[str]]:
    """Both runs on one cloud; (proof, what the cloud still holds, candidates prove reported)."""
    before = _created(fleet, name)
    proof = prove.prove(name, fleet.clouds_yaml()["clouds"][name], emitted_profile(fleet, name), "emitted",
                        out, timeout=30, keys=False)
    written = json.dumps(proof.document()) + prove.render(proof.document()) + \
        (out / name / "journal-prove.jsonl").read_text()
    assert not [s for s in fleet.secrets(name) if s in written], f"{name}: a secret in prove's output or journal"
    candidates = []
    for run in proof.runs.values():
        for entry in run.leaked:    # only nameless candidates may be reported, never deleted
            assert entry["kind"] in ("floating_ip", "image") and entry["reason"].startswith("possibly left"), entry
            candidates.append(entry["reason"])
    created = fleet.state(name).created()
    # openstacksdk's own leaks: floating IPs after a failed attach, nameless glance v1 reservations
    stranded = [("floatingips", f["id"]) for f in created.get("floatingips", [])
                if ("floatingips", f["id"]) not in before and not f.get("port_id")]
    stranded += [("images", i["id"]) for i in created.get("images", [])
                 if ("images", i["id"]) not in before and i["name"] is None and i["status"] == "queued"]
    if stranded:   # each reported by prove, then removed as the project owner
        conn = prove.connect(fleet.clouds_yaml()["clouds"][name], None, name)
        try:
            for kind, rid in stranded:
                assert rid in " ".join(candidates), f"{name}: {kind} {rid} left and not reported"
                (conn.network.delete_ip if kind == "floatingips" else conn.image.delete_image)(rid)
        finally:
            conn.close()
    left = [f"{kind} {r.get('name')!r}" for kind, items in fleet.state(name).created().items()
            for r in items if (kind, r["id"]) not in before]
    return proof, left, candidates


@pytest.fixture(scope="module")
def proofs(fleet, tmp_path_factory):
    """Every personality proved once, in parallel (openstacksdk sleeps ~5 s per server poll)."""
    out = tmp_path_factory.mktemp("prove")
    with ThreadPoolExecutor(max_workers=len(NAMES)) as pool:
        done = dict(zip(NAMES, pool.map(lambda n: _prove(fleet, n, out), NAMES)))
    print(json.dumps({n: p.document() for n, (p, _, _) in done.items()}, indent=1))  # -s shows the findings
    return done


def test_every_personality_declares_its_client_flow(personalities):
    missing = sorted(n for n, p in personalities.items() if "expected_client_flow" not in p.data)
    assert not missing, f"declare expected_client_flow in {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_prove_with_the_emitted_profile_matches_the_declared_flow(proofs, personalities, name):
    proof, left, _ = proofs[name]
    declared = personalities[name].data["expected_client_flow"]
    got = proof.runs["profile"]
    wrong = [f"{step}: declared {declared[step]}, got {got.summary()[step]}" for step in prove.STEPS
             if got.ok(step) != (declared[step] == "ok")]
    assert not wrong, "\n".join(wrong)
    assert proof.exit_code == (0 if all(v == "ok" for v in declared.values()) else 1)
    assert not left, f"left in the cloud: {left}"


@pytest.mark.parametrize("name", NAMES)
def test_the_cloud_layer_lists_with_the_emitted_profile(fleet, personalities, name):
    """The usual listings work on every personality; security groups wherever the cloud has them."""
    conn = prove.connect(fleet.clouds_yaml()["clouds"][name], emitted_profile(fleet, name), name)
    try:
        assert conn.list_images() and conn.list_flavors(get_extra=False)
        for listing in (conn.list_servers, conn.list_networks, conn.list_floating_ips):
            assert isinstance(listing(), list)
        if personalities[name].data.get("expected_client_flow", {}).get("security_group_rule") == "ok":
            assert "default" in [g["name"] for g in conn.list_security_groups()]
    finally:
        conn.close()
