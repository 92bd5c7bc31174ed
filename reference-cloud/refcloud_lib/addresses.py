"""The loopback addresses the cloud listens on. Nothing binds anything else."""
from __future__ import annotations

HOST = "127.0.0.1"

PORTS = {
    "mariadb": 3306,
    "epmd": 4369,
    "rabbitmq": 5672,
    "rabbitmq-dist": 25672,
    "keystone": 5000,
    "placement": 8778,
    "glance-api": 9292,
    "neutron-api": 9696,
    "nova-api": 8774,
}


def url(service: str, path: str = "") -> str:
    """http://127.0.0.1:<port of service><path>."""
    return f"http://{HOST}:{PORTS[service]}{path}"


# What keystone's catalog says (public, internal and admin alike). Identity is
# registered unversioned and compute as /v2.1, as devstack does.
CATALOG = [
    # (service name, service type, endpoint URL)
    ("keystone", "identity", url("keystone")),
    ("glance", "image", url("glance-api")),
    ("placement", "placement", url("placement")),
    ("neutron", "network", url("neutron-api")),
    ("nova", "compute", url("nova-api", "/v2.1")),
]
AUTH_URL = url("keystone")
REGION = "RegionOne"
