"""openstacksdk's own cloud layer through the talk's flow on every shipped personality.

With the profile os-interop emitted for the personality (vendor-profiles/simulated/<name>.json,
kept equal to the declared profile by selftests/unit/test_vendor_profiles.py) every step the
personality's ``expected_client_flow`` calls possible must succeed, and every impossible one must
fail. The same flow also runs without a profile: what fails then is a finding (``os-interop
prove`` reports it), not an expectation, so only its cleanup is checked here.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from os_interop.simulator import shipped_personalities
from os_interop.simulator.personality import Personality

from .sdk_flow import STEPS, FlowResult, cloud_entry, connect, run_flow

pytestmark = pytest.mark.filterwarnings("ignore")  # openstacksdk's own deprecation chatter
PROFILES = Path(__file__).resolve().parents[2] / "vendor-profiles" / "simulated"


def emitted_profile(fleet, name: str) -> dict:
    path = PROFILES / f"{name}.json"
    assert path.exists(), f"no emitted profile {path} (write it with `os-interop demo`)"
    document = json.loads(path.read_text(encoding="utf-8"))
    return Personality.resolve(document["profile"], fleet.url(name))


def _refused_v1_reservations(fleet, name: str, result: FlowResult) -> list[dict]:
    """Queued, dataless images a refused glance v1 upload reserved (glance v1 does that)."""
    if result.ok("image"):
        return []
    return [i for i in fleet.state(name).created().get("images", [])
            if i["status"] == "queued" and i["checksum"] is None]


def _failed_attach_allocations(fleet, name: str, result: FlowResult, before: set) -> list[dict]:
    """Floating IPs openstacksdk allocated for auto_ip and left when associating them failed
    (it picked an external network the server's router is not on): its leak, not the cloud's."""
    if result.ok("floating_ip"):
        return []
    return [f for f in fleet.state(name).created().get("floatingips", [])
            if ("floatingips", f["id"]) not in before and not f.get("port_id")]


def _run(fleet, name: str) -> dict[str, tuple[FlowResult, list[str], list[str]]]:
    """Both modes on one cloud, one after the other (leftovers are per cloud)."""
    out = {}
    entry = fleet.clouds_yaml()["clouds"][name]
    for mode, profile in (("profile", emitted_profile(fleet, name)), ("bare", None)):
        before = {(kind, r["id"]) for kind, items in fleet.state(name).created().items() for r in items}
        conn = connect(cloud_entry(entry, profile), name)
        try:
            result = run_flow(conn, f"osi-flow-{mode}", timeout=30)
            reserved = _refused_v1_reservations(fleet, name, result)
            for image in reserved:  # cleaned through the API, as the project owner
                conn.image.delete_image(image["id"])
            stranded = _failed_attach_allocations(fleet, name, result, before)
            for fip in stranded:
                conn.network.delete_ip(fip["id"])
        finally:
            conn.close()
        leaked = [f"{kind} {r.get('name')!r}" for kind, items in fleet.state(name).created().items()
                  for r in items if (kind, r["id"]) not in before]
        out[mode] = (result, leaked + result.leftovers,
                     [f"queued image {i['id']}" for i in reserved]
                     + [f"unattached floating IP {f['id']}" for f in stranded])
    return out


def test_every_personality_declares_its_client_flow(personalities):
    missing = sorted(n for n, p in personalities.items() if "expected_client_flow" not in p.data)
    assert not missing, f"declare expected_client_flow in {missing}"


def test_openstacksdk_flow_with_the_emitted_profile_succeeds_where_declared(fleet, personalities):
    """One test for the whole fleet: clouds run in parallel, since openstacksdk sleeps ~5 s per server poll."""
    names = sorted(fleet.clouds)
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        flows = dict(zip(names, pool.map(lambda n: _run(fleet, n), names)))
    findings = {mode: {name: {"steps": runs[mode][0].summary(), "client_leftovers_removed": runs[mode][2]}
                       for name, runs in flows.items()} for mode in ("profile", "bare")}
    print(json.dumps(findings, indent=1))  # what `os-interop prove` will report (-s shows it)
    wrong = []
    for name, runs in flows.items():
        declared = personalities[name].data.get("expected_client_flow")
        result = runs["profile"][0]
        for step in STEPS:
            expected_ok = declared is not None and declared[step] == "ok"
            if result.ok(step) != expected_ok:
                wrong.append(f"{name}.{step}: declared {declared and declared[step]}, got {result.summary()[step]}")
        for mode in ("profile", "bare"):
            if runs[mode][1]:
                wrong.append(f"{name} ({mode}): left behind {runs[mode][1]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", [p.stem for p in shipped_personalities()])
def test_the_cloud_layer_lists_with_the_emitted_profile(fleet, personalities, name):
    """The usual listings work on every personality; security groups wherever the cloud has them."""
    conn = connect(cloud_entry(fleet.clouds_yaml()["clouds"][name], emitted_profile(fleet, name)), name)
    try:
        assert conn.list_images() and conn.list_flavors(get_extra=False)
        for listing in (conn.list_servers, conn.list_networks, conn.list_floating_ips):
            assert isinstance(listing(), list)
        if personalities[name].data.get("expected_client_flow", {}).get("security_group_rule") == "ok":
            assert "default" in [g["name"] for g in conn.list_security_groups()]
    finally:
        conn.close()
