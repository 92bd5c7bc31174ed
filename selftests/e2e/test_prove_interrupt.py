"""`os-interop prove` under SIGINT and SIGTERM: openstacksdk's create in flight or done, the
journal's cleanup leaves nothing of the flow in the simulated cloud (its state is inspected
directly), exit 130 and the command that would finish the job. Uses test_interrupt's held
requests."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .test_interrupt import Hold, _wait, one_cloud  # noqa: F401 - one_cloud is a fixture

PROFILE = Path(__file__).resolve().parents[2] / "vendor-profiles" / "simulated" / "upstream-default.json"
NAME = "upstream-default"


def _prove(clouds_yaml, out):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": str(clouds_yaml), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "os_interop.cli", "prove", "--cloud", NAME, "--profile",
                             str(PROFILE), "--out", str(out), "--no-single-keys", "--timeout", "60"],
                            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _ended(proc):
    stdout, stderr = proc.communicate(timeout=180)
    assert "Traceback" not in stderr, stderr[-3000:]
    assert proc.returncode == 130, stdout[-2000:] + stderr[-2000:]
    assert "os-interop cleanup --cloud upstream-default" in stdout
    return stdout


@pytest.mark.parametrize("method, pattern, signum", [
    ("POST", r"/v2/images$", signal.SIGINT), ("POST", r"/servers$", signal.SIGTERM),
    ("POST", r"/v2\.0/security-groups$", signal.SIGINT)], ids=["image-SIGINT", "server-SIGTERM", "secgroup-SIGINT"])
def test_a_signal_while_openstacksdk_creates_leaves_nothing(one_cloud, tmp_path, method, pattern, signum):  # noqa: F811
    fleet, cloud, clouds_yaml = one_cloud(NAME)
    hold = Hold(cloud, method, pattern, delay=1.0)
    proc = _prove(clouds_yaml, tmp_path)
    _wait(proc, hold.arrived.is_set, f"{method} {pattern}", timeout=120)
    proc.send_signal(signum)
    _ended(proc)
    assert hold.done.wait(10), "the held create never completed in the simulated cloud"
    assert cloud.state.created() == {}, cloud.state.created()
    journal = (tmp_path / NAME / "journal-prove.jsonl").read_text()
    assert '"event": "intend"' in journal and '"event": "deleted"' in journal


def test_a_signal_after_the_server_is_active_cleans_up(one_cloud, tmp_path):  # noqa: F811
    fleet, cloud, clouds_yaml = one_cloud(NAME)
    proc = _prove(clouds_yaml, tmp_path)
    _wait(proc, lambda: any(str(s.get("name", "")).startswith("osi-") and s.get("status") == "ACTIVE"
                            for s in cloud.state.snapshot()["servers"]), "an ACTIVE server", timeout=120)
    proc.send_signal(signal.SIGINT)
    _ended(proc)
    assert cloud.state.created() == {}, cloud.state.created()
