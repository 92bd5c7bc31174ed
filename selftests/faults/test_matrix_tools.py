"""The fault matrix's own parts: request templates, sampling, the cause check, the secret and leak checks."""

from __future__ import annotations

import re

from os_interop.simulator import Fleet
from os_interop.simulator.fault_matrix import (Cell, MatrixReport, Pattern, _check_leftovers, _check_secrets, cells,
                                                names_the_cause, sample, template)
from os_interop.simulator.faults import FAULT_KINDS


def test_templates_hide_ids_project_accounts_and_run_names_but_keep_the_rest():
    assert template("/compute/v2.1/servers/1e1ed0ec-41c3-4b2a-b703-d31aaf4688e2") == "/compute/v2.1/servers/{id}"
    assert template("/compute/v2/5a9ecf9f860c465db78f34715cfe8f85/flavors/detail") == "/compute/v2/{id}/flavors/detail"
    assert (template("/object-store/v1/AUTH_77a0/osi-20261202868d09-container/osi-20261202868d09-object")
            == "/object-store/v1/AUTH_{project}/osi-{run}-container/osi-{run}-object")
    assert template("/identity/") == "/identity/" and template("/identity") == "/identity"


def test_a_pattern_matches_its_own_requests_only():
    regex = re.compile(Pattern("GET", "/compute/v2.1/servers/{id}").regex)
    assert regex.search("/compute/v2.1/servers/abc")
    assert not regex.search("/compute/v2.1/servers/abc/action")
    assert not regex.search("/compute/v2.1/servers")
    assert not re.search(Pattern("GET", "/identity").regex, "/identity/")


def test_a_sample_covers_every_personality_and_kind_and_is_the_same_for_the_same_seed():
    calls = {p: [Pattern("GET", f"/{p}/{i}") for i in range(5)] for p in ("a", "b", "c")}
    everything = cells(calls)
    assert len(everything) == 3 * 5 * len(FAULT_KINDS)
    picked = sample(everything, 3 * len(FAULT_KINDS), 1)
    assert {(c.personality, c.kind) for c in picked} == {(p, k) for p in calls for k in FAULT_KINDS}
    assert picked == sample(everything, 3 * len(FAULT_KINDS), 1)
    assert picked != sample(everything, 3 * len(FAULT_KINDS), 2)
    assert len(sample(everything, 4, 1)) == 4


def test_a_reason_names_the_cause_by_its_words_or_by_the_faulted_exchange():
    assert names_the_cause("GET /v2.0/routers answered HTTP 503 [evidence gw1-4]", 503, set())
    assert names_the_cause("unknown answer [evidence main-12]", "reset", {"main-12"})
    assert not names_the_cause("unknown answer [evidence main-120]", "reset", {"main-12"})
    assert names_the_cause("POST /servers timed out after 2.0 s", "stall", set())
    assert not names_the_cause("the cloud has no floating IP source", 500, {"main-3"})
    assert not names_the_cause(None, "truncate", {"main-3"})


def test_the_secret_check_finds_a_token_in_a_file_and_in_the_output(tmp_path):
    with Fleet.start(["upstream-default"]) as fleet:
        token = fleet.state("upstream-default").issue_token("v3")["id"]
        password = fleet.state("upstream-default").password
        (tmp_path / "upstream-default").mkdir()
        (tmp_path / "upstream-default" / "evidence.jsonl").write_text(f'{{"body": "x{token}"}}\n')
        (tmp_path / "clean.txt").write_text("nothing here but " + "A" * 200)
        report = MatrixReport()
        _check_secrets(report, fleet, tmp_path, f"printed: {password}.", {})
    assert sorted(v.detail for v in report.violations) == [
        "a password in the run's output", "a token in upstream-default/evidence.jsonl"]


def test_the_leftover_check_sees_what_a_run_created_and_whether_it_said_so():
    cell = Cell("upstream-default", Pattern("POST", "/network/v2.0/security-groups"), 500)
    with Fleet.start(["upstream-default"]) as fleet:
        report = MatrixReport()
        _check_leftovers(report, cell, "upstream-default", fleet, {"resources": {"leaked": 0}})
        assert report.violations == []
        state = fleet.state("upstream-default")
        with state.lock:
            state.security_groups["x"] = {"id": "x", "name": "osi-left", "tenant_id": state.project_id}
        _check_leftovers(report, cell, "upstream-default", fleet, {"resources": {"leaked": 0}})
        _check_leftovers(report, cell, "upstream-default", fleet, {"resources": {"leaked": 1}})
    assert [(v.cause, v.topic) for v in report.violations] == [
        ("resource left, unreported", "security_groups"), ("resource left", "security_groups")]
