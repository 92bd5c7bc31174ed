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


def _post_servers_seconds(env: dict, out: Path) -> float:
    """How long nova takes to answer POST /servers here, from a clean run's evidence."""
    done = subprocess.run([sys.executable, "-m", "os_interop.cli", "run", "--cloud", "refcloud",
                           "--out", str(out), "-k", "server or lifecycle"], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    posts = [r for r in _records(out / "refcloud" / "evidence.jsonl")
             if r["method"] == "POST" and r["url"].endswith("/servers") and r.get("status") == 202]
    assert posts, "the clean run booted no server"
    return posts[0]["elapsed_ms"] / 1000


def test_sigint_while_post_servers_is_in_flight_leaves_nothing(tmp_path: Path):
    refcloud("up", "--config", "upstream")
    clouds_yaml = refcloud("clouds-yaml").strip().splitlines()[-1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": clouds_yaml, "PYTHONUNBUFFERED": "1"}
    # the signal must land after nova has the request and before it answers: halfway
    halfway = _post_servers_seconds(env, tmp_path / "clean") / 2
    started = time.monotonic()
    out = tmp_path / "interrupted"
    proc = subprocess.Popen([sys.executable, "-m", "os_interop.cli", "run", "--cloud", "refcloud",
                             "--out", str(out)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    journal = out / "refcloud" / "journal-main.jsonl"
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline and not _server_intent(journal):
        time.sleep(0.002)
    assert proc.poll() is None, "the run ended before it tried to boot a server"
    time.sleep(halfway)                 # the intent is written just before POST /servers
    proc.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    stdout, stderr = proc.communicate(timeout=600)
    finished = time.monotonic()
    print(f"POST /servers answers in {2 * halfway:.2f}s; run to signal {signalled - started:.1f}s, "
          f"signal to exit {finished - signalled:.1f}s")
    print(stderr[-3000:])
    assert "Traceback" not in stderr, stderr[-3000:]

    doc = json.loads((out / "refcloud" / "results.json").read_text())
    evidence = _records(out / "refcloud" / "evidence.jsonl")
    answered = [r for r in evidence if r["method"] == "POST" and r["url"].endswith("/servers")
                and r.get("status") is not None]
    assert not answered, "the signal did not land while POST /servers was in flight"
    servers = [i for i in doc["resources"]["items"] if i["kind"] == "server"]
    print(json.dumps(doc["resources"], indent=1))
    assert doc["run"]["interrupted"] is True
    assert doc["resources"]["leaked"] == 0, doc["resources"]["items"]
    assert servers and all(s["state"] == "deleted" for s in servers)
    # nova made it after the client gave up; cleanup found it by its name and deleted it
    assert all(s["id"] for s in servers), servers
    assert [r for r in evidence if r["method"] == "DELETE" and "/servers/" in r["url"]]
    assert leftovers(clouds_yaml, doc["run"]["id"]) == []
