"""`up` and `down`: bringing the whole cloud up (first boot or restart, then
the requested configuration) and stopping every process it started."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from . import cloudapi, cloudconfig, credentials, identity, migrate, procs, provision
from .commands import run
from .configfiles_io import write_changed
from .conffiles import render_all
from .paths import Layout
from .report import RefcloudError, Stopwatch, say, step
from .services import Service, all_services

INFRA = ("mariadb", "epmd", "rabbitmq")


def initialized_marker(lay: Layout) -> Path:
    """Exists once a first boot has completed."""
    return lay.state / "initialized"


def make_dirs(lay: Layout) -> None:
    """Create the state directory tree."""
    for path in (lay.etc, lay.logs, lay.run, lay.state / "home", lay.state / "mysql",
                 lay.state / "rabbitmq/mnesia", lay.data / "keystone",
                 lay.data / "glance/images", lay.data / "glance/staging",
                 lay.data / "glance/tasks", lay.data / "neutron/lock",
                 lay.data / "nova/lock", lay.data / "nova/instances"):
        path.mkdir(parents=True, exist_ok=True)


def start_one(lay: Layout, service: Service) -> None:
    """Start `service` unless running; print its readiness time."""
    seconds = procs.start(lay, service)
    pid = procs.running_pid(lay, service.name)
    if seconds is None:
        say(f"    {service.name:15s} already running (pid {pid})")
    else:
        say(f"    {service.name:15s} ready in {seconds:5.1f}s (pid {pid})")


def start_all(lay: Layout, services: list[Service]) -> None:
    """Start `services` in order, each waited for."""
    for service in services:
        start_one(lay, service)


def init_mariadb(lay: Layout, password: str, service: Service) -> None:
    """A new MariaDB data directory, the server, the account and the databases."""
    cnf = f"--defaults-file={lay.etc / 'my.cnf'}"
    log = lay.logs / "mariadb-install.log"
    if not (lay.state / "mysql/data/mysql").exists():
        run(["mariadb-install-db", cnf, "--auth-root-authentication-method=normal",
             "--skip-test-db"], what="mariadb-install-db", log=log)
    start_one(lay, service)
    run(["mariadb", cnf, "-uroot"], what="create databases", log=log,
        stdin_text=migrate.create_databases_sql(password))


def map_compute_host(lay: Layout, password: str, timeout: float = 120) -> None:
    """Wait for nova-compute's node record, then map it into cell1."""
    admin = cloudapi.admin(password)
    deadline = time.monotonic() + timeout
    while not list(admin.compute.hypervisors()):
        if time.monotonic() > deadline:
            raise RefcloudError("nova-compute registered no hypervisor", lay.logs / "nova-compute.log")
        time.sleep(1)
    run([lay.bin("nova-manage"), "--config-file", lay.etc / "nova/nova.conf",
         "--config-file", lay.etc / "nova/nova-db.conf", "cell_v2", "discover_hosts"],
        what="nova-manage cell_v2 discover_hosts", log=lay.logs / "migrate-nova.log")


def first_boot(lay: Layout, password: str, services: list[Service]) -> None:
    """From an empty state directory to every service running."""
    by_name = {s.name: s for s in services}
    with step("MariaDB: data directory, server, databases"):
        init_mariadb(lay, password, by_name["mariadb"])
    with step("RabbitMQ"):
        start_all(lay, [by_name["epmd"], by_name["rabbitmq"]])
    migrated = lay.state / "migrated"
    if not migrated.exists():   # the one step that cannot simply run twice
        with step("database schemas and keystone keys (parallel)"):
            migrate.migrate_all(lay, password)
        migrated.write_text(time.strftime("%F %T\n"))
    with step("keystone, service users and catalog"):
        start_one(lay, by_name["keystone"])
        identity.register_services(cloudapi.admin(password), password)
    with step("remaining services"):
        start_all(lay, services)
    with step("nova: map the compute host into cell1"):
        map_compute_host(lay, password)
    initialized_marker(lay).write_text(time.strftime("%F %T\n"))


def restart_changed(lay: Layout, services: list[Service], changed: set[str]) -> None:
    """Stop running services whose config files changed, then start all missing ones."""
    restart = [s.name for s in services
               if set(s.configs) & changed and procs.running_pid(lay, s.name)]
    if restart:
        say(f"    restarting (config changed): {', '.join(restart)}")
        procs.stop(lay, restart)
    start_all(lay, services)


def up(lay: Layout, config_name: str | None, fresh: bool = False) -> None:
    """The `up` subcommand; `fresh` re-applies an already active configuration."""
    total = Stopwatch()
    if not lay.bin("uwsgi").exists():
        raise RefcloudError(f"not installed in {lay.venv}: run `refcloud install` first")
    active = provision.active(lay)
    config = cloudconfig.load(config_name or active or cloudconfig.DEFAULT)
    make_dirs(lay)
    password = credentials.password(lay)
    changed = write_changed(lay, render_all(lay, password, config.settings))
    services = all_services(lay)
    if not initialized_marker(lay).exists():
        say(f"first boot of the reference cloud in {lay.state}")
        try:
            first_boot(lay, password, services)
        except RefcloudError as error:
            error.hint = ("once the cause is fixed, `refcloud up` continues where this stopped; "
                          "`refcloud reset` starts from scratch")
            raise
    else:
        with step("services"):
            restart_changed(lay, services, changed)
    if active == config.name and not fresh:
        say(f"configuration {config.name} is already active (--fresh for a new member project)")
    else:
        provision.apply(lay, password, config)
    say(f"up: configuration {config.name} ready in {total}; clouds.yaml: {lay.clouds_yaml} "
        "(clouds 'refcloud' and 'refcloud-admin')")


def down(lay: Layout) -> None:
    """Stop every service refcloud started: APIs and nova first, then the infrastructure."""
    services = [s.name for s in all_services(lay)]
    with step("stopping services"):
        stopped = procs.stop(lay, [n for n in services if n not in INFRA])
        stopped += procs.stop(lay, ["rabbitmq", "epmd"])
        stopped += procs.stop(lay, ["mariadb"])
        say(f"    stopped: {', '.join(stopped) or 'nothing was running'}")
    listening = [f"{s.name}:{p}" for s in all_services(lay) if s.name in stopped
                 for p in s.ports if procs.port_taken(p)]
    if listening:
        raise RefcloudError(f"still listening after down: {', '.join(listening)}")


def reset(lay: Layout) -> None:
    """`down`, then delete the state directory (the venv stays)."""
    down(lay)
    if lay.state.exists():
        shutil.rmtree(lay.state)
        say(f"removed {lay.state}")
