"""Ctrl-C while `POST /servers` is in flight on genuine nova: the run's own cleanup waits for
the server nova creates after the client gave up, deletes it, and nothing of the run is left
in the project (admin view).

Needs the reference cloud installed; runs when OSI_REFCLOUD=1 (see test_reference_cloud.py).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_reference_cloud import leftovers, refcloud

pytestmark = [
    pytest.mark.refcloud,
    pytest.mark.skipif(os.environ.get("OSI_REFCLOUD") != "1",
                       reason="reference cloud not requested: OSI_REFCLOUD=1 pytest -m refcloud selftests/refcloud"),
]


def _server_intent(journal: Path) -> bool:
    if not journal.exists():
        return False
    return any('"kind": "server"' in line and '"event": "intend"' in line
               for line in journal.read_text().splitlines())


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _interrupted_run(env: dict, out: Path, delay: float) -> tuple[str, dict, list[dict], float]:
    """A full run, SIGINT `delay` s after the server's intent is journaled (just before the
    POST); returns stderr, results, evidence and the seconds from signal to exit."""
    proc = subprocess.Popen([sys.executable, "-m", "os_interop.cli", "run", "--cloud", "refcloud",
                             "--out", str(out)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    journal = out / "refcloud" / "journal-main.jsonl"
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline and not _server_intent(journal):
        time.sleep(0.002)
    assert proc.poll() is None, "the run ended before it tried to boot a server"
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    _, stderr = proc.communicate(timeout=600)
    took = time.monotonic() - signalled
    assert "Traceback" not in stderr, stderr[-3000:]
    doc = json.loads((out / "refcloud" / "results.json").read_text())
    return stderr, doc, _records(out / "refcloud" / "evidence.jsonl"), took


def test_sigint_while_post_servers_is_in_flight_leaves_nothing(tmp_path: Path):
    refcloud("up", "--config", "upstream")
    clouds_yaml = refcloud("clouds-yaml").strip().splitlines()[-1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": clouds_yaml, "PYTHONUNBUFFERED": "1"}
    # the signal must land after nova has the request and before it answers (~0.3 s warm);
    # a try whose POST was answered anyway must still leave nothing, and the next one is sooner
    for attempt, delay in enumerate((0.1, 0.05, 0.02, 0.15)):
        stderr, doc, evidence, took = _interrupted_run(env, tmp_path / f"try{attempt}", delay)
        answered = [r for r in evidence if r["method"] == "POST" and r["url"].endswith("/servers")
                    and r.get("status") is not None]
        print(f"try {attempt}: signal {delay}s after the intent; POST /servers "
              f"{'answered' if answered else 'in flight'}; signal to exit {took:.1f}s")
        assert doc["run"]["interrupted"] is True
        assert doc["resources"]["leaked"] == 0, doc["resources"]["items"]
        assert leftovers(clouds_yaml, doc["run"]["id"]) == []
        if not answered:
            break
    else:
        pytest.fail("no try landed while POST /servers was in flight")
    print(stderr[-2000:])
    print(json.dumps(doc["resources"], indent=1))
    servers = [i for i in doc["resources"]["items"] if i["kind"] == "server"]
    assert servers and all(s["state"] == "deleted" for s in servers)
    # nova made it after the client gave up; cleanup found it by its name and deleted it
    assert all(s["id"] for s in servers), servers
    assert [r for r in evidence if r["method"] == "DELETE" and "/servers/" in r["url"]]
