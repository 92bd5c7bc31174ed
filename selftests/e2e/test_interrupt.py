"""Ctrl-C in the middle of a run: what was created is deleted and results are still written."""

import json
import signal
import subprocess
import sys
import time

from .conftest import documents


import pytest


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_after_the_server_exists_cleans_up_and_keeps_results(fleet, tmp_path, signum):
    env = {"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path), "PYTHONUNBUFFERED": "1"}
    import os
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")}, **env}
    name = "upstream-default"
    proc = subprocess.Popen([sys.executable, "-m", "os_interop.cli", "run", "--cloud", name,
                             "--out", str(tmp_path), "-n", "0"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(str(s.get("name", "")).startswith("osi-") for s in fleet.state(name).snapshot()["servers"]):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before a server was booted"
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=180)
    assert "Traceback" not in stderr, stderr[-2000:]
    doc = documents(tmp_path)[name]
    assert doc["run"]["interrupted"] is True
    assert doc["resources"]["leaked"] == 0, doc["resources"]["items"]
    assert f"osi-{doc['run']['id']}" not in json.dumps(fleet.state(name).snapshot(), default=str)
