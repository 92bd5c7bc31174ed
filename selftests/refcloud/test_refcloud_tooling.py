"""The reference cloud's own tooling, without a cloud: configurations are consistent, every
generated configuration file keeps services on loopback, the tiny qcow2 is valid, and
process control stops exactly the process groups it started."""

import configparser
import ipaddress
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "reference-cloud"))

from refcloud_lib import catalog, cloudconfig, conffiles, images, inifile, procs, readiness, sgtemplate  # noqa: E402
from refcloud_lib.addresses import CATALOG, HOST, PORTS  # noqa: E402
from refcloud_lib.observe import profile  # noqa: E402
from refcloud_lib.paths import Layout  # noqa: E402
from refcloud_lib.services import Service, all_services  # noqa: E402

NAMES = cloudconfig.available()


def test_the_configurations_exist():
    assert set(NAMES) == {"upstream", "raw-only", "import-only", "no-floating-ip",
                          "public-direct", "ambiguous-networks", "open-ssh",
                          "discovery-quirks", "nat-choices", "two-externals", "mixed-direct",
                          "egress-less", "cidr-ssh", "ssh-everywhere", "no-port-security"}


@pytest.mark.parametrize("name", NAMES)
def test_template_changes_name_real_rules(name):
    """A removal must match one of neutron's shipped template rules (else it silently does
    nothing), and an added rule must not be one neutron ships (reset would keep it)."""
    config = cloudconfig.load(name)
    for wanted in config.removed_sg_rules:
        assert any(sgtemplate.matches(rule, wanted) for rule in sgtemplate.SHIPPED), wanted
    for rule in config.default_sg_rules:
        assert not sgtemplate.is_neutron_default(rule), rule
    assert all(sgtemplate.is_neutron_default(rule) for rule in sgtemplate.SHIPPED)


@pytest.mark.parametrize("name", NAMES)
def test_declared_profile_is_composed_from_declared_observations(name):
    config = cloudconfig.load(name)
    assert profile.compose(config.expected_observations) == config.expected_profile


@pytest.mark.parametrize("name", NAMES)
def test_configuration_is_well_formed(name):
    config = cloudconfig.load(name)
    owners = {spec["owner"] for spec in config.networks} | {r["owner"] for r in config.routers}
    assert owners <= {"admin", "member"}
    subnets = {s["name"] for spec in config.networks for s in spec.get("subnets", [])}
    for router in config.routers:
        assert set(router["interfaces"]) <= subnets
    for key, value in config.expected_observations.items():
        assert re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", key), key
        if isinstance(value, list) and key != "image.versions":
            assert value == sorted(value), f"{key} is not sorted"


def test_only_the_direct_layouts_hand_out_global_addresses():
    for name in NAMES:
        cidrs = [s["cidr"] for spec in cloudconfig.load(name).networks for s in spec["subnets"]]
        is_global = [ipaddress.ip_network(c).is_global for c in cidrs]
        assert any(is_global) == (name in ("public-direct", "mixed-direct")), (name, cidrs)


@pytest.fixture
def layout(tmp_path):
    lay = Layout(tmp_path)
    for path in (lay.run, lay.logs, lay.etc):
        path.mkdir(parents=True)
    return lay


@pytest.mark.parametrize("name", NAMES)
def test_generated_files_keep_every_service_on_loopback(layout, name):
    files = conffiles.render_all(layout, "pw", cloudconfig.load(name).settings)
    for relative, text in files.items():
        if relative.endswith((".conf", ".ini", "my.cnf")) and not relative.startswith("rabbitmq/"):
            configparser.ConfigParser(interpolation=None, strict=False).read_string(text)
        for url in re.findall(r"[a-z+]+://[^\s;,\]]+", text):
            # loopback only; glance's public_endpoint may name localhost (discovery-quirks)
            assert urlsplit(url).hostname in cloudconfig.LOOPBACK_NAMES, (relative, url)
        for bind in re.findall(r"(?:http|http-socket|bind-address|listeners\.tcp\.1)\s*=\s*(\S+)", text):
            assert bind.startswith(HOST), (relative, bind)
    assert all(service.argv for service in all_services(layout))


def test_glance_settings_reach_the_config_file(layout):
    raw = conffiles.render_all(layout, "pw", cloudconfig.load("raw-only").settings)
    assert "disk_formats = raw" in raw["glance/glance-api.conf"]
    policy = conffiles.render_all(layout, "pw", cloudconfig.load("import-only").settings)
    assert '"upload_image": "!"' in policy["glance/policy.yaml"]


def test_glance_public_endpoint_reaches_the_config_file(layout):
    files = conffiles.render_all(layout, "pw", cloudconfig.load("discovery-quirks").settings)
    assert "public_endpoint = http://localhost:9292" in files["glance/glance-api.conf"]
    files = conffiles.render_all(layout, "pw", cloudconfig.load("upstream").settings)
    assert "public_endpoint =" not in files["glance/glance-api.conf"]


def test_catalog_paths_stay_on_refcloud_addresses():
    default = catalog.wanted({})
    assert default == {t: u for _, t, u in CATALOG}
    quirks = catalog.wanted(cloudconfig.load("discovery-quirks").catalog_paths)
    assert quirks == {**default, "image": f"http://{HOST}:{PORTS['glance-api']}/v2"}


def test_inifile_repeats_list_keys():
    text = inifile.render({"uwsgi": {"env[]": ["A=1", "B=2"], "master": True}})
    assert text.splitlines()[1:] == ["env = A=1", "env = B=2", "master = true"]


def test_tiny_qcow2_header():
    data = images.qcow2(64 << 20)
    magic, version = struct.unpack(">4sI", data[:8])
    size, = struct.unpack(">Q", data[24:32])
    assert (magic, version, size) == (b"QFI\xfb", 3, 64 << 20)
    assert len(data) == 3 * 65536 + 8


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img not installed")
def test_tiny_qcow2_passes_qemu_img_check(tmp_path):
    path = tmp_path / "tiny.qcow2"
    path.write_bytes(images.qcow2())
    done = subprocess.run(["qemu-img", "check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_protocol_greetings():
    assert readiness.mysql_handshake(b"\x5b\x00\x00\x00\x0a11.4")
    assert not readiness.mysql_handshake(b"\x5b\x00\x00")
    assert readiness.amqp_method_frame(b"\x01\x00\x00\x00\x00\x01\xfc")
    assert not readiness.amqp_method_frame(b"AMQP\x00\x00\x09\x01")


def sleeper(layout, name, pattern="ready"):
    """A fake service: a shell that forks a child, says `ready` and sleeps."""
    log = layout.logs / f"{name}.out"
    return Service(name, ("/bin/sh", "-c", "sleep 60 & echo ready; wait"), {"PATH": "/usr/bin:/bin"},
                   readiness.LogLine(log, pattern), (), (log,), timeout=10)


def test_start_and_stop_only_touch_their_own_process_group(layout):
    outsider = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        service = sleeper(layout, "fake")
        assert procs.start(layout, service) is not None
        pid = procs.running_pid(layout, "fake")
        assert pid and len(procs.group_members(pid)) == 2
        assert procs.start(layout, service) is None          # already running
        assert procs.stop(layout, ["fake"]) == ["fake"]
        assert procs.group_members(pid) == [] and procs.running_pid(layout, "fake") is None
        assert outsider.poll() is None                        # not ours: untouched
    finally:
        outsider.kill()
        outsider.wait()


def test_a_stale_pid_file_is_not_trusted(layout):
    layout.pidfile("ghost").write_text(f"{procs.os.getpid()} 1\n")   # our pid, wrong start time
    assert procs.running_pid(layout, "ghost") is None
    assert procs.stop(layout, ["ghost"]) == []


def test_a_service_that_never_gets_ready_is_stopped_and_named(layout):
    service = sleeper(layout, "stuck", pattern="never printed")
    service = Service(**{**service.__dict__, "timeout": 1})
    started = time.monotonic()
    with pytest.raises(procs.RefcloudError, match="stuck not ready"):
        procs.start(layout, service)
    assert time.monotonic() - started < 15
    assert procs.running_pid(layout, "stuck") is None


def test_ports_are_loopback_and_distinct():
    assert len(set(PORTS.values())) == len(PORTS)


def test_refcloud_check_classifies_rules_like_the_suite():
    """refcloud check's own reading of security-group rules (an independent implementation)
    agrees with the probes' on the layouts the configurations reproduce."""
    from os_interop.apis import security_groups as suite
    from refcloud_lib.observe import secgroups as check

    def rule(direction, ethertype="IPv4", protocol=None, port=None, prefix=None, group=None):
        return {"direction": direction, "ethertype": ethertype, "protocol": protocol, "port_range_min": port,
                "port_range_max": port, "remote_ip_prefix": prefix, "remote_group_id": group}
    layouts = [
        [rule("ingress", group="g"), rule("ingress", "IPv6", group="g"), rule("egress"), rule("egress", "IPv6")],
        [rule("ingress", group="g"), rule("ingress", "IPv6", group="g")],                      # egress-less
        [rule("ingress", group="g"), rule("ingress", protocol="tcp", port=22, prefix="10.0.0.0/8"),
         rule("egress")],                                                                     # cidr-ssh, IPv4 out
        [rule("ingress", protocol="tcp", port=22, prefix="0.0.0.0/0"), rule("egress", protocol="tcp", port=443),
         rule("egress", "IPv6", prefix="::/0")],
    ]
    for rules in layouts:
        assert check.egress_families(rules) == suite.egress_families(rules)
        assert check.foreign(rules, "g") == suite.foreign_ingress(rules, "g")
        assert check.open_ports(rules) == suite.open_to_world(rules)
