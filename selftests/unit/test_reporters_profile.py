"""The openstacksdk vendor profile: composition, schema validity, diff, and a round trip through
openstacksdk's own config loader (remote .well-known profile on loopback, and a local vendor file).
"""

import copy
import http.server
import json
import os
import threading
import uuid
from importlib import resources
from pathlib import Path

import jsonschema
import openstack.connection
import pytest
import yaml
from openstack.config import OpenStackConfig, vendors

from os_interop import results, schemas
from os_interop.errors import UserError
from reporters import profile, sdk_vendors

DATA = Path(__file__).parent / "data"
# openstacksdk's own deprecation notice when a CloudRegion is built; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:Support for InfluxDB")

RACKSPACE_PROFILE = {
    "name": "rackspace",
    "profile": {
        "auth": {"auth_url": "https://identity.api.rackspacecloud.com/v2.0/"},
        "disable_vendor_agent": {"vm_mode": "hvm", "xenapi_use_agent": "False"},
        "floating_ip_source": "None",
        "has_network": False,
        "identity_api_version": "2.0",
        "image_api_use_tasks": True,
        "image_api_version": "2",
        "image_format": "vhd",
        "interface": "public",
        "regions": ["DFW"],
        "requires_floating_ip": False,
        "secgroup_source": "None",
    },
}
MULTINET_PROFILE = {
    "name": "multinet",
    "profile": {
        "floating_ip_source": "neutron",
        "has_network": True,
        "identity_api_version": "3",
        "image_format": "raw",
        "interface": "public",
        "networks": [
            {"name": "ext-net", "nat_source": True},
            {"name": "private-a", "default_interface": True, "nat_destination": True},
            {"name": "public-direct", "routes_externally": True},
        ],
        "regions": ["Kna1"],
        "requires_floating_ip": True,
    },
}


def document(name: str) -> dict:
    doc = results.load(DATA / f"results-{name}.json")
    assert schemas.first_error("results", doc) is None
    return doc


def assert_vendor_schema_valid(vendor: dict) -> None:
    schema = json.loads(resources.files("openstack.config").joinpath("vendor-schema.json")
                        .read_text("utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(vendor)


# --- build -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [("rackspace", RACKSPACE_PROFILE),
                                            ("multinet", MULTINET_PROFILE)])
def test_build_gives_exactly_the_observed_profile(name, expected):
    vendor = profile.build(document(name))
    assert vendor == expected
    assert_vendor_schema_valid(vendor)


def test_build_drops_unobserved_and_null_keys():
    got = profile.build(document("multinet"))["profile"]
    # not selected / absent in that run: image.api_version, security_group.source, upload
    for key in ("image_api_version", "secgroup_source", "image_api_use_tasks",
                "disable_vendor_agent", "image_endpoint_override", "auth"):
        assert key not in got
    devstack = profile.build(document("devstack"))["profile"]
    assert "networks" not in devstack          # all network observations null or empty
    assert "image_endpoint_override" not in devstack


def test_build_name_override_and_well_known_shape():
    """The vendor file is also what a vendor serves at /.well-known/openstack/api."""
    doc = document("rackspace")
    assert profile.build(doc, "my-vendor")["name"] == "my-vendor"
    assert set(profile.build(doc)) == {"name", "profile"}


def test_networks_profile_key_may_name_the_flag():
    """capabilities/*.yaml say `profile_key: networks` (flag from the observation key);
    `networks[].<flag>` is accepted too."""
    doc = copy.deepcopy(document("multinet"))
    for cap in doc["capabilities"]:
        for obs in cap["observations"]:
            if obs.get("profile_key") == "networks":
                obs["profile_key"] = "networks[]." + obs["key"].rsplit(".", 1)[-1]
                renamed = "renamed." + obs["key"].replace(".", "_")  # flag not in the key now
                doc["observations"][renamed] = doc["observations"].pop(obs["key"])
                obs["key"] = renamed
    assert profile.build(doc)["profile"]["networks"] == MULTINET_PROFILE["profile"]["networks"]


def test_build_rejects_what_openstacksdk_would_not_accept():
    doc = copy.deepcopy(document("rackspace"))
    doc["observations"]["floating_ip.source"] = "none"   # schema enum is "neutron"|"nova"|"None"
    with pytest.raises(RuntimeError, match="floating_ip_source"):
        profile.build(doc)


# --- published files ---------------------------------------------------------------------

@pytest.mark.parametrize("filename, content, message", [
    ("broken.json", '{"name": "x", "profile": {', "not valid JSON"),
    ("broken.yaml", "profile: [unclosed\n  image_format: raw", "not valid YAML"),
    ("list.json", "[1, 2]", "expected a mapping"),
    ("remote.json", '{"name": "vexxhost", "profile": "https://vexxhost.com"}', "remote profile"),
    ("nested.json", '{"name": "ovh", "profile": {"profile": "https://ovhcloud.com"}}', "remote profile"),
    ("missing.json", None, "no such file"),
])
def test_load_published_bad_file_is_a_one_line_user_error(tmp_path, filename, content, message):
    path = tmp_path / filename
    if content is not None:
        path.write_text(content)
    with pytest.raises(UserError, match=message) as info:
        sdk_vendors.load(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


# --- round trip through openstacksdk's own loader --------------------------------------------

@pytest.fixture
def sdk_env(monkeypatch):
    """No OS_* variables or proxies leaking in; openstacksdk's vendor cache reset afterwards."""
    for key in list(os.environ):
        if key.startswith("OS_") or key.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(vendors, "_VENDOR_DEFAULTS", {})


@pytest.fixture
def serve():
    """Serve a document at http://127.0.0.1:<port>/.well-known/openstack/api; yields a function
    returning the base URL, and records the paths requested."""
    servers, requested = [], []

    def start(body: dict) -> str:
        payload = json.dumps(body).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requested.append(self.path)
                ok = self.path == "/.well-known/openstack/api"
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload if ok else b"{}")

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    start.requested = requested
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def clouds_yaml(tmp_path: Path, profile_ref: str, auth_url: str | None) -> Path:
    auth = {"username": "demo", "password": "secret", "project_name": "demo",
            "user_domain_name": "Default", "project_domain_name": "Default"}
    if auth_url:
        auth["auth_url"] = auth_url
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"target": {"profile": profile_ref, "auth": auth}}}))
    return path


def fallback_auth_url(doc: dict) -> str | None:
    """clouds.yaml supplies auth_url only when the profile cannot (the run did not record it)."""
    return None if doc["cloud"]["auth_url"] else "http://127.0.0.1:1/v3"


def assert_region_carries(region, vendor: dict) -> None:
    """Every emitted key reaches the CloudRegion openstacksdk builds, and a Connection builds."""
    p = vendor["profile"]
    config = region.config
    for key in ("image_format", "floating_ip_source", "secgroup_source", "image_api_use_tasks",
                "has_network", "disable_vendor_agent"):
        if key in p:
            assert config[key] == p[key], key
    for service, key in (("image", "image_api_version"), ("identity", "identity_api_version")):
        if key in p:
            assert region.get_api_version(service) == p[key]
    if "interface" in p:
        assert region.get_interface() == p["interface"]
    if "requires_floating_ip" in p:
        assert region.requires_floating_ip() is p["requires_floating_ip"]
    if "regions" in p:
        assert region.region_name == p["regions"][0]
    if "auth" in p:
        assert config["auth"]["auth_url"] == p["auth"]["auth_url"]
    nets = p.get("networks", [])
    flagged = {flag: [n["name"] for n in nets if n.get(flag)]
               for flag in ("nat_destination", "nat_source", "default_interface", "routes_externally")}
    assert [region.get_nat_destination()] == (flagged["nat_destination"] or [None])
    assert [region.get_nat_source()] == (flagged["nat_source"] or [None])
    assert [region.get_default_network()] == (flagged["default_interface"] or [None])
    assert region.get_external_networks() == flagged["routes_externally"]
    assert openstack.connection.Connection(config=region).config is region


@pytest.mark.parametrize("name", ["rackspace", "multinet"])
def test_round_trip_remote_well_known_profile(tmp_path, sdk_env, serve, name):
    doc = document(name)
    vendor = profile.build(doc, name=f"osi-test-{uuid.uuid4().hex[:8]}")  # no in-tree clash
    base = serve(vendor)
    config_file = clouds_yaml(tmp_path, base, fallback_auth_url(doc))
    region = OpenStackConfig(config_files=[str(config_file)], vendor_files=[]).get_one(cloud="target")
    assert "/.well-known/openstack/api" in serve.requested
    assert_region_carries(region, vendor)


def test_round_trip_remote_rackspace_values(tmp_path, sdk_env, serve):
    vendor = profile.build(document("rackspace"), name="osi-test-rax-" + uuid.uuid4().hex[:8])
    region = OpenStackConfig(config_files=[str(clouds_yaml(tmp_path, serve(vendor), None))],
                             vendor_files=[]).get_one(cloud="target")
    assert region.config["image_format"] == "vhd"
    assert region.get_api_version("image") == "2"
    assert region.config["floating_ip_source"] == "None"
    assert region.requires_floating_ip() is False
    assert region.config["image_api_use_tasks"] is True


@pytest.mark.parametrize("name", ["rackspace", "multinet"])
def test_round_trip_local_vendor_file(tmp_path, sdk_env, name):
    doc = document(name)
    vendor = profile.build(doc, name=f"osi-test-{uuid.uuid4().hex[:8]}")
    vendor_file = tmp_path / "clouds-public.yaml"
    vendor_file.write_text(yaml.safe_dump({"public-clouds": {vendor["name"]: vendor["profile"]}}))
    config_file = clouds_yaml(tmp_path, vendor["name"], fallback_auth_url(doc))
    region = OpenStackConfig(config_files=[str(config_file)],
                             vendor_files=[str(vendor_file)]).get_one(cloud="target")
    assert_region_carries(region, vendor)


def test_results_name_the_observations_that_decided_each_profile_key():
    from os_interop.profile_sources import sources
    caps = [
        {"outcome": "pass", "observations": [
            {"key": "image.format", "profile_key": "image_format"},
            {"key": "image.public_formats"}]},
        {"outcome": "error", "observations": [
            {"key": "floating_ip.source", "profile_key": "floating_ip_source"}]},
        {"outcome": "diverge", "observations": [
            {"key": "network.default_interface", "profile_key": "networks"},
            {"key": "floating_ip.nat_source", "profile_key": "networks[].nat_source"},
            {"key": "floating_ip.routes_externally", "profile_key": "networks"},
            {"key": "image.endpoint_override", "profile_key": "image_endpoint_override"}]},
    ]
    values = {"image.format": "raw", "image.public_formats": {"raw": 2}, "floating_ip.source": "None",
              "network.default_interface": "private", "floating_ip.nat_source": None,
              "floating_ip.routes_externally": [], "image.endpoint_override": None}
    assert sources(caps, values) == {"image_format": ["image.format"], "networks": ["network.default_interface"]}
