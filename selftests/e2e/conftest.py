"""End-to-end selftests: the real CLI, in a subprocess, against the simulated vendor fleet."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from os_interop.simulator import Fleet, load_personality, shipped_personalities


def cli(*args, env=None, timeout=600, **kwargs):
    """Run `os-interop ARGS` as a user would; returns the CompletedProcess (text)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "os_interop.cli", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, **kwargs)


@pytest.fixture(scope="session")
def personalities():
    return {p.name: p for p in map(load_personality, shipped_personalities())}


@pytest.fixture(scope="session")
def fleet(personalities, tmp_path_factory):
    with Fleet.start(list(personalities.values())) as running:
        path = tmp_path_factory.mktemp("fleet") / "clouds.yaml"
        running.write_clouds_yaml(path)
        running.clouds_yaml_path = path
        yield running


@pytest.fixture(scope="session")
def full_run(fleet, tmp_path_factory):
    """One full run over the whole fleet, shared by the assertions that read its output."""
    out = tmp_path_factory.mktemp("run")
    done = cli("run", "--all-clouds", "--out", str(out), "-n", "4",
               env={"OS_CLIENT_CONFIG_FILE": str(fleet.clouds_yaml_path)})
    return done, out


def documents(out: Path) -> dict:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/results.json"))}
