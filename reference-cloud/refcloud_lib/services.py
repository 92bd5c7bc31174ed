"""The table of services: how each one is started, in which order, and when
it counts as ready. Only data and small builders here; procs.py runs them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import readiness
from .addresses import HOST, PORTS, url
from .conffiles import UWSGI_PROCESSES
from .paths import Layout

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
NOVA_COMMON = ("nova/nova.conf", "nova/nova-db.conf")


@dataclass(frozen=True)
class Service:
    """One process tree of the cloud."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    probe: readiness.Probe
    configs: tuple[str, ...]        # files under state/etc it reads (restart if changed)
    logs: tuple[Path, ...]          # its own log(s); <name>.out holds stdout/stderr
    timeout: float = 180.0          # seconds to become ready
    ports: tuple[int, ...] = ()     # loopback TCP ports it listens on


def base_env(lay: Layout) -> dict[str, str]:
    """A clean environment: no OS_* or proxy variables leak into services."""
    return {"PATH": f"{lay.venv / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(lay.state / "home"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def mariadb(lay: Layout) -> Service:
    """The private MariaDB server."""
    return Service(
        "mariadb", ("/usr/sbin/mariadbd", f"--defaults-file={lay.etc / 'my.cnf'}"),
        base_env(lay),
        readiness.Greeting(PORTS["mariadb"], expect=readiness.mysql_handshake),
        ("my.cnf",), (lay.logs / "mariadb.log",), ports=(PORTS["mariadb"],))


def epmd(lay: Layout) -> Service:
    """Erlang's port mapper, run by us so it is not left behind as a daemon."""
    return Service(
        "epmd", ("/usr/bin/epmd", "-address", HOST, "-port", str(PORTS["epmd"])),
        base_env(lay), readiness.Greeting(PORTS["epmd"]), (), (), ports=(PORTS["epmd"],))


def rabbitmq_env(lay: Layout) -> dict[str, str]:
    """A private RabbitMQ node under state/rabbitmq, loopback only.

    Every variable is set explicitly: rabbitmq-env also honours unprefixed
    names such as LOGS, so a clean environment matters.
    """
    home = lay.state / "rabbitmq"
    return {**base_env(lay),
            "HOME": str(home),                       # .erlang.cookie lives here
            "RABBITMQ_NODENAME": "rabbit@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": HOST,
            "RABBITMQ_NODE_PORT": str(PORTS["rabbitmq"]),
            "RABBITMQ_DIST_PORT": str(PORTS["rabbitmq-dist"]),
            "ERL_EPMD_ADDRESS": HOST,
            "ERL_EPMD_PORT": str(PORTS["epmd"]),
            "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(lay.logs),
            "RABBITMQ_LOGS": str(lay.logs / "rabbitmq.log"),
            "RABBITMQ_PID_FILE": str(home / "beam.pid"),
            "RABBITMQ_CONFIG_FILE": str(lay.etc / "rabbitmq/rabbitmq"),  # .conf appended
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(lay.etc / "rabbitmq/enabled_plugins"),
            # the Erlang distribution port listens on loopback too
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}"}


def rabbitmq(lay: Layout) -> Service:
    """The private RabbitMQ node."""
    return Service(
        "rabbitmq", (RABBITMQ_SERVER,), rabbitmq_env(lay),
        readiness.Greeting(PORTS["rabbitmq"], readiness.AMQP_HEADER,
                           readiness.amqp_method_frame),
        ("rabbitmq/rabbitmq.conf", "rabbitmq/enabled_plugins"),
        (lay.logs / "rabbitmq.log",), ports=(PORTS["rabbitmq"], PORTS["rabbitmq-dist"]))


def uwsgi_app(lay: Layout, name: str, ready_path: str, configs: tuple[str, ...]) -> Service:
    """An API served by uWSGI from state/etc/uwsgi/<name>.ini."""
    out = lay.logs / f"{name}.out"
    return Service(
        name, (str(lay.bin("uwsgi")), "--ini", str(lay.etc / f"uwsgi/{name}.ini")),
        base_env(lay), readiness.Http(url(name, ready_path), out, UWSGI_PROCESSES[name]),
        (f"uwsgi/{name}.ini", *configs), (lay.logs / f"{name}.log",), ports=(PORTS[name],))


def nova_rpc(lay: Layout, name: str, ready_pattern: str, with_db: bool) -> Service:
    """nova-conductor, -scheduler or -compute (compute gets no database config)."""
    configs = NOVA_COMMON if with_db else NOVA_COMMON[:1]
    log = lay.logs / f"{name}.log"
    argv = [str(lay.bin(name))]
    for config in configs:
        argv += ["--config-file", str(lay.etc / config)]
    argv += ["--log-file", str(log)]
    return Service(name, tuple(argv), base_env(lay),
                   readiness.LogLine(log, ready_pattern), configs, (log,))


def all_services(lay: Layout) -> list[Service]:
    """Every service, in start order (each depends only on those before it)."""
    return [
        mariadb(lay),
        epmd(lay),
        rabbitmq(lay),
        uwsgi_app(lay, "keystone", "/v3", ("keystone/keystone.conf",)),
        uwsgi_app(lay, "placement", "/", ("placement/placement.conf",)),
        uwsgi_app(lay, "glance-api", "/", ("glance/glance-api.conf", "glance/policy.yaml")),
        uwsgi_app(lay, "neutron-api", "/", ("neutron/neutron.conf", "neutron/ml2_conf.ini")),
        uwsgi_app(lay, "nova-api", "/", (*NOVA_COMMON, "nova/nova-api.conf")),
        nova_rpc(lay, "nova-conductor", r"Starting conductor node", True),
        nova_rpc(lay, "nova-scheduler", r"Starting scheduler node", True),
        # logged once init_host and the first resource update are done
        nova_rpc(lay, "nova-compute", r"update_resources thread pool .* initialized", False),
    ]


def by_name(lay: Layout) -> dict[str, Service]:
    """The services keyed by name."""
    return {service.name: service for service in all_services(lay)}
