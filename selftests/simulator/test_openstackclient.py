"""python-openstackclient, unmodified, against the upstream-default personality.

The ``openstack`` command is optional (``pip install -e '.[osc]'``); without it this module skips.
The commands run in one interactive ``openstack`` session (it reads them from stdin), because each
start of the command costs seconds of plugin loading.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

OPENSTACK = shutil.which("openstack")
pytestmark = pytest.mark.skipif(OPENSTACK is None, reason="python-openstackclient is not installed")

COMMANDS = [
    "image list -f value -c Name",
    "server list -f value -c Name",
    "network list -f value -c Name --sort-column Name",
    "security group create osi-osc-sg -f value -c name",
    "security group rule create --protocol tcp --dst-port 22 osi-osc-sg -f value -c port_range_min",
    "security group rule list osi-osc-sg --ingress --protocol tcp -f value -c Direction",
    "security group delete osi-osc-sg",
    "security group list -f value -c Name",
]


def test_openstack_command_lists_and_adds_a_rule(fleet, tmp_path):
    clouds_yaml = fleet.write_clouds_yaml(tmp_path / "clouds.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=str(clouds_yaml), OS_CLOUD="upstream-default")
    done = subprocess.run([OPENSTACK], input="\n".join(COMMANDS) + "\n", env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.stderr == "", done.stderr
    assert done.stdout.split("\n") == [
        "cirros-0.6.2-x86_64-disk",  # image list
        # server list: nothing
        "private", "public",  # network list
        "osi-osc-sg",  # security group create
        "22",  # security group rule create
        "ingress",  # the rule is there
        # security group delete: no output
        "default",  # only the project's default group is left
        "", "",
    ], done.stdout
    assert fleet.state("upstream-default").created() == {}
