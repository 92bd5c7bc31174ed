"""Where the probes run does not change what they find: forked children (`os-interop run`), one
process (-n 0) and pytest-xdist workers give the same observations; pytest's terminal shows
what it always shows; a child killed hard is swept by its parent, and a signal sent to the
parent alone reaches every child once."""

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import psutil
import yaml

from os_interop.simulator import Fleet

from .conftest import cli, documents
from .test_interrupt import Hold, _wait, one_cloud  # noqa: F401  (one_cloud is a fixture)

ROOT = Path(__file__).resolve().parents[2]
TWO = ["upstream-default", "citycloud-2018"]


def values(out):
    return {name: doc["observations"] for name, doc in documents(out).items()}


def env_of(fleet):
    return {"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)}


def test_forked_children_and_one_process_observe_the_same(fleet, tmp_path):
    args = ["run", "--cloud", TWO[0], "--cloud", TWO[1], "--read-only"]
    forked = cli(*args, "--out", str(tmp_path / "forked"), "-n", "2", env=env_of(fleet))
    single = cli(*args, "--out", str(tmp_path / "single"), "-n", "0", env=env_of(fleet))
    roomy = cli(*args, "--out", str(tmp_path / "roomy"), "-n", "5", env=env_of(fleet))  # more room than clouds
    assert forked.returncode == single.returncode == roomy.returncode == 0, \
        forked.stdout[-2000:] + forked.stderr[-2000:] + roomy.stderr[-2000:]
    assert sorted(values(tmp_path / "forked")) == sorted(TWO)
    assert values(tmp_path / "forked") == values(tmp_path / "single") == values(tmp_path / "roomy")
    for done in (forked, single):      # capability lines, pytest's own summary, ours, the matrix
        lines = done.stdout.splitlines()
        assert any(l.startswith("citycloud-2018") and "identity.versions" in l for l in lines)
        assert any("passed" in l and "deselected" in l for l in lines), done.stdout[-1500:]
        assert "os-interop summary" in done.stdout and "divergence matrix" in done.stdout
        assert sum(1 for l in lines if l.split()[:1] == ["target"]) == 1      # one summary table


def test_a_reader_leaving_ends_the_output_not_the_run(fleet, tmp_path):
    """`os-interop run ... | head -1`: every cloud still finishes, cleans up and is written,
    with the exit code a full reading would have given, and no traceback."""
    args = ["run", "--cloud", TWO[0], "--cloud", TWO[1], "--read-only"]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")}, **env_of(fleet)}
    proc = subprocess.Popen([sys.executable, "-m", "os_interop.cli", *args, "--out", str(tmp_path / "cut")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = proc.stdout.readline()
    proc.stdout.close()                     # the reader leaves, as head does
    _, err = proc.communicate(timeout=300)
    whole = cli(*args, "--out", str(tmp_path / "whole"), env=env_of(fleet))
    assert first.startswith(b"os-interop run ")
    assert proc.returncode == whole.returncode == 0, err.decode()[-2000:]
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()[-2000:]
    cut, full = documents(tmp_path / "cut"), documents(tmp_path / "whole")
    assert sorted(cut) == sorted(TWO)
    outcomes = lambda docs: {n: {c["id"]: c["outcome"] for c in d["capabilities"]}  # noqa: E731
                             for n, d in docs.items()}
    assert outcomes(cut) == outcomes(full)
    assert values(tmp_path / "cut") == values(tmp_path / "whole")


def test_xdist_workers_keep_a_target_together_and_carry_its_observations(fleet, tmp_path):
    junit = tmp_path / "junit.xml"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")}, **env_of(fleet)}
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/", "--os-cloud", TWO[0], "--os-cloud", TWO[1],
                           "--read-only", "-n", "2", "--osi-out", str(tmp_path / "xdist"), "--junitxml", str(junit),
                           "-p", "no:cacheprovider"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    single = cli("run", "--cloud", TWO[0], "--cloud", TWO[1], "--read-only", "--out", str(tmp_path / "single"),
                 "-n", "0", env=env_of(fleet))
    assert values(tmp_path / "xdist") == values(tmp_path / "single")
    for name in TWO:
        evidence = [json.loads(l) for l in (tmp_path / "xdist" / name / "evidence.jsonl").read_text().splitlines()]
        logins = [e for e in evidence if e["method"] == "POST" and e["url"].endswith("/auth/tokens")]
        assert len(logins) == 1, f"{name}: its probes ran on several workers"
    tree = ET.parse(junit).getroot()
    assert len(list(tree.iter("testcase"))) > 20
    assert not list(tree.iter("property")), "os-interop data leaked into JUnit properties"


def test_a_cloud_name_with_brackets_is_a_parameter_not_a_parse(fleet, tmp_path):
    config = fleet.clouds_yaml()
    odd = "lab[2]@east"
    config["clouds"][odd] = config["clouds"]["upstream-default"]
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump(config))
    done = cli("run", "--cloud", odd, "--read-only", "--out", str(tmp_path / "o"), "-n", "1",
               env={"OS_CLIENT_CONFIG_FILE": str(path)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    doc = documents(tmp_path / "o")[odd]
    assert doc["cloud"]["name"] == odd and doc["summary"]["pass"] > 5
    assert doc["observations"] == values(tmp_path / "o")[odd] and doc["observations"]["identity.versions"]


def test_verbose_shows_pytests_own_lines_and_passes_its_options(fleet, tmp_path):
    done = cli("run", "--cloud", "upstream-default", "--read-only", "-k", "identity", "-v",
               "--out", str(tmp_path), "--", "--tb=line", "-rA", env=env_of(fleet))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "test_identity.py::test_catalog[upstream-default] PASSED" in done.stdout
    assert "PASSED tests/identity/test_identity.py::test_catalog[upstream-default]" in done.stdout   # -rA
    assert "identity.catalog" in done.stdout and "os-interop summary" in done.stdout


def test_a_child_killed_hard_is_swept_by_its_parent(one_cloud, tmp_path):  # noqa: F811
    name = "upstream-default"
    fleet, cloud, clouds_yaml = one_cloud(name)
    hold = Hold(cloud, "GET", r"/servers/[0-9a-f-]{36}$", 30)     # parked in its first server poll
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": str(clouds_yaml)}
    proc = subprocess.Popen([sys.executable, "-m", "os_interop.cli", "run", "--cloud", name, "--out",
                             str(tmp_path), "-n", "1"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait(proc, hold.arrived.is_set, "the first poll of the server")
    children = psutil.Process(proc.pid).children()
    assert len(children) == 1
    children[0].send_signal(signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr[-2000:]
    assert proc.returncode == 1, stdout[-2000:] + stderr[-2000:]
    doc = documents(tmp_path)[name]
    assert "killed by signal 9" in doc["run"]["error"]
    assert doc["resources"]["leaked"] == 0 and doc["resources"]["deleted"] >= 1, doc["resources"]["items"]
    assert cloud.state.created() == {}, cloud.state.created()


def _priorities(pid: int) -> list[int]:
    return sorted(os.getpriority(os.PRIO_PROCESS, t.id) for t in psutil.Process(pid).threads())


def test_a_child_whose_server_builds_yields_the_cpu_and_one_process_never_does(one_cloud, tmp_path):  # noqa: F811
    """critical_path.py: while its server builds, every thread of the forked child runs at
    nice 19 and the parent keeps its priority; with -n 0 the one process keeps its own."""
    name = "upstream-default"
    fleet, cloud, clouds_yaml = one_cloud(name)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "OS_CLIENT_CONFIG_FILE": str(clouds_yaml)}
    own = os.getpriority(os.PRIO_PROCESS, 0)
    seen = {}
    for processes in ("1", "0"):
        hold = Hold(cloud, "GET", r"/servers/[0-9a-f-]{36}$", 3)      # the build, waited for
        proc = subprocess.Popen([sys.executable, "-m", "os_interop.cli", "run", "--cloud", name, "--out",
                                 str(tmp_path / processes), "-n", processes], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _wait(proc, hold.arrived.is_set, "the first poll of the server")
        children = psutil.Process(proc.pid).children()
        seen[processes] = (_priorities(proc.pid), [_priorities(c.pid) for c in children])
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stdout[-2000:] + stderr[-2000:]
    parent, (child,) = seen["1"]
    assert set(parent) == {own} and set(child) == {max(own, 19)} and len(child) >= 2, seen
    alone, none = seen["0"]
    assert set(alone) == {own} and none == [], seen


def test_a_signal_to_the_parent_alone_reaches_each_child_once(tmp_path):
    """SIGTERM to the parent's pid only (a service manager, `kill PID`): every child cleans up."""
    with Fleet.start(TWO) as fleet:
        path = fleet.write_clouds_yaml(tmp_path / "clouds.yaml")
        holds = [Hold(fleet.clouds[n], "GET", r"/servers/[0-9a-f-]{36}$", 20) for n in TWO]
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
               "OS_CLIENT_CONFIG_FILE": str(path)}
        proc = subprocess.Popen([sys.executable, "-m", "os_interop.cli", "run", "--cloud", TWO[0], "--cloud",
                                 TWO[1], "--out", str(tmp_path / "out"), "-n", "2"], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _wait(proc, lambda: all(h.arrived.is_set() for h in holds), "a server poll on both clouds", timeout=120)
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=120)
        assert "Traceback" not in stderr, stderr[-3000:]
        assert proc.returncode == 130, stdout[-2000:] + stderr[-2000:]
        docs = documents(tmp_path / "out")
        assert sorted(docs) == sorted(TWO)
        for name in TWO:
            assert docs[name]["run"]["interrupted"] is True
            assert docs[name]["resources"]["leaked"] == 0, docs[name]["resources"]["items"]
            assert fleet.state(name).created() == {}, (name, fleet.state(name).created())
