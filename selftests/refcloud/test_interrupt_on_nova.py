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


def _server_intent(cloud_dir: Path) -> bool:
    """Some process of the run (the forked child probing this cloud) journaled the server."""
    return any('"kind": "server"' in line and '"event": "intend"' in line
               for journal in cloud_dir.glob("journal-*.jsonl") for line in journal.read_text().splitlines())


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _interrupted_run(env: dict, out: Path, delay: float) -> tuple[str, dict, list[dict], float, float]:
    """A full run, SIGINT `delay` s after the server's intent is journaled (just before the
    POST); returns stderr, results, evidence and the seconds from signal to exit."""
    proc = subprocess.Popen([sys.executable, "-m", "os_interop.cli", "run", "--cloud", "refcloud",
                             "--out", str(out)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline and not _server_intent(out / "refcloud"):
        time.sleep(0.002)
    assert proc.poll() is None, "the run ended before it tried to boot a server"
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    signalled, signalled_at = time.monotonic(), time.time()
    _, stderr = proc.communicate(timeout=600)
    took = time.monotonic() - signalled
    assert "Traceback" not in stderr, stderr[-3000:]
    doc = json.loads((out / "refcloud" / "results.json").read_text())
    return stderr, doc, _records(out / "refcloud" / "evidence.jsonl"), took, signalled_at


def test_sigint_while_post_servers_is_in_flight_leaves_nothing(tmp_path: Path):
    refcloud("up", "--config", "upstream")
    clouds_yaml = refcloud("clouds-yaml").strip().splitlines()[-1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": clouds_yaml, "PYTHONUNBUFFERED": "1"}
    # the signal must land after nova has the request and before it answers (~0.3 s warm);
    # a try whose POST was answered first must still leave nothing, and the next one is sooner.
    # The POST runs in the boot's own thread: an interrupt does not cut it, so its answer (or
    # its loss) comes after the signal, and cleanup deletes what it made.
    for attempt, delay in enumerate((0.1, 0.05, 0.02, 0.15, 0.01, 0.0)):
        stderr, doc, evidence, took, signalled_at = _interrupted_run(env, tmp_path / f"try{attempt}", delay)
        answered = [r for r in evidence if r["method"] == "POST" and r["url"].endswith("/servers")
                    and r.get("status") is not None and r["time"] <= signalled_at]
        print(f"try {attempt}: signal {delay}s after the intent; POST /servers "
              f"{'answered before it' if answered else 'in flight'}; signal to exit {took:.1f}s")
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
    # nova made it while the run was stopping; cleanup knows its id (from the answer that
    # arrived after the signal, or by its name) and deleted it
    assert all(s["id"] for s in servers), servers
    assert [r for r in evidence if r["method"] == "DELETE" and "/servers/" in r["url"]]
