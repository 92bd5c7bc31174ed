"""`refcloud check`: prove a configuration's declared observations on the real cloud.

Runs as the member user (clouds.yaml entry `refcloud`), observes every key of
the vocabulary it can with plain API calls (creating a tiny image, a server,
a floating IP and a security group, all deleted again), then compares with
`expected_observations` and the composed profile with `expected_profile`.
"""
from __future__ import annotations

import json
from typing import Any

from . import cloudconfig, provider, provision
from .observe import floating, identity, image, network, profile, secgroups
from .observe.api import Cloud
from .paths import Layout
from .report import RefcloudError, Stopwatch, say

MISSING = object()


def find_id(cloud: Cloud, service: str, path: str, key: str, name: str) -> str:
    """The id of the provider resource named `name` in a listing."""
    items = [i for i in cloud.json(service, path)[key] if i["name"] == name]
    if not items:
        raise RefcloudError(f"provider resource {name!r} missing: run `refcloud up` again")
    return items[0]["id"]


def observe_servers(cloud: Cloud, observed: dict[str, Any], notes: dict[str, Any],
                    http: dict[str, int]) -> None:
    """Implicit boot, then (if refused) a boot on the advised network; FIP checks."""
    image_id = find_id(cloud, "image", f"/images?name={provider.IMAGE_NAME}", "images",
                       provider.IMAGE_NAME)
    flavor_id = find_id(cloud, "compute", "/flavors", "flavors", provider.FLAVOR["name"])
    status, body = network.boot(cloud, image_id, flavor_id, None, "implicit")
    http["implicit_boot"] = status
    notes["boot with no network (microversion 2.1)"] = (
        f"HTTP {status}" + (f" {json.dumps(body)[:200]}" if status != 202 else f" -> {body['status']}"))
    observed["network.boot_implicit"] = network.boot_implicit(status, body)
    server = body if status == 202 and body["status"] == "ACTIVE" else None
    candidates = observed["network.candidates"]
    if server is None and candidates:
        chosen = observed["network.default_interface"] or candidates[0]
        net_id = next(n["id"] for n in network.networks(cloud) if n["name"] == chosen)
        status, body = network.boot(cloud, image_id, flavor_id, net_id, "explicit")
        notes[f"boot on network {chosen}"] = f"HTTP {status} -> {body.get('status')}"
        server = body if status == 202 and body["status"] == "ACTIVE" else None
    observed["floating_ip.server_address"] = floating.server_address(server)
    if server is not None:
        notes["server addresses"] = json.dumps(server["addresses"])
    if server is not None and "security-group" in observed["network.extensions"]:
        observed["security_group.server_not_enforced_on"] = secgroups.server_not_enforced_on(
            cloud, server, observed["network.extensions"])
    if server is not None and observed["floating_ip.source"] == "neutron":
        external = observed["floating_ip.nat_source"] or observed["floating_ip.external_networks"][0]
        observed["floating_ip.lifecycle"] = floating.lifecycle(cloud, server, external)


def observe_all(cloud: Cloud, notes: dict[str, Any], http: dict[str, int]) -> dict[str, Any]:
    """Every observation the check can make, in vocabulary order."""
    observed = {**identity.observe(cloud), **image.versions(cloud), **image.formats(cloud)}
    uploads, statuses = image.uploads(cloud, observed["image.format"])
    observed.update(uploads)
    http.update(statuses)
    observed.update(network.static(cloud))
    extensions = observed["network.extensions"]
    observed.update(floating.static(cloud, extensions))
    observe_servers(cloud, observed, notes, http)
    observed.update(secgroups.observe(cloud, extensions))
    return observed


def cleanup(cloud: Cloud) -> None:
    """Undo what the check created, newest first."""
    for undo in reversed(cloud.created):
        try:
            undo()
        except Exception as error:  # keep cleaning; report what is left
            say(f"  cleanup failed: {error}")


def compare(expected: dict[str, Any], observed: dict[str, Any]) -> int:
    """Print one line per declared key; return the number of mismatches."""
    bad = 0
    for key, want in expected.items():
        got = observed.get(key, MISSING)
        if got == want:
            say(f"  ok        {key} = {json.dumps(want)}")
        else:
            bad += 1
            shown = "(not observed)" if got is MISSING else json.dumps(got)
            say(f"  MISMATCH  {key}: expected {json.dumps(want)}, observed {shown}")
    return bad


def check(lay: Layout, name: str | None) -> int:
    """The `check` subcommand; exit status 0 only if everything matches."""
    watch = Stopwatch()
    active = provision.active(lay)
    name = name or active
    if name is None or name != active:
        raise RefcloudError(f"configuration {name!r} is not active (active: {active}); "
                            f"run `refcloud up --config {name}` first")
    config = cloudconfig.load(name)
    cloud = Cloud.open(str(lay.clouds_yaml), "refcloud")
    notes: dict[str, Any] = {}
    http: dict[str, int] = {}
    try:
        observed = observe_all(cloud, notes, http)
    except AssertionError as error:   # an API answered something the check cannot read on
        raise RefcloudError(f"check {name} FAILED: {error}") from None
    finally:
        cleanup(cloud)
    say(f"configuration {name}: facts seen")
    for what, value in notes.items():
        say(f"  {what}: {value}")
    say("expected_http (status codes of the calls that show the divergence):")
    bad = compare(config.expected_http, http)
    say("expected_observations:")
    bad += compare(config.expected_observations, observed)
    undeclared = sorted(set(observed) - set(config.expected_observations))
    if undeclared:
        say("observed but not declared:")
        for key in undeclared:
            say(f"  {key} = {json.dumps(observed[key])}")
    composed = profile.compose(observed)
    if composed == config.expected_profile:
        say(f"expected_profile: ok {json.dumps(composed, sort_keys=True)}")
    else:
        bad += 1
        say(f"expected_profile: MISMATCH\n  declared {json.dumps(config.expected_profile, sort_keys=True)}"
            f"\n  composed {json.dumps(composed, sort_keys=True)}")
    say(f"check {name}: {'PASSED' if bad == 0 else f'FAILED ({bad} mismatches)'} in {watch}")
    return 0 if bad == 0 else 1
