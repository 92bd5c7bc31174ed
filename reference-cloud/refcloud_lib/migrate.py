"""First-time database work: create the schemas and keystone's keys, in parallel.

The five projects' migrations are independent of each other, so each runs as
its own chain of commands in a thread; a failure names the command and its log.
"""
from __future__ import annotations

import grp
import os
import pwd
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from .addresses import REGION, url
from .commands import run
from .conffiles import DATABASES, DB_USER, db_url
from .paths import Layout
from .report import say

Command = Sequence[str]


def create_databases_sql(password: str) -> str:
    """SQL that creates the account and every database (idempotent)."""
    lines = []
    for host in ("127.0.0.1", "localhost"):
        lines.append(f"CREATE USER IF NOT EXISTS '{DB_USER}'@'{host}' IDENTIFIED BY '{password}';")
        lines.append(f"GRANT ALL PRIVILEGES ON *.* TO '{DB_USER}'@'{host}';")
    lines += [f"CREATE DATABASE IF NOT EXISTS {db} CHARACTER SET utf8mb4;" for db in DATABASES]
    return "\n".join(lines + ["FLUSH PRIVILEGES;"]) + "\n"


def chains(lay: Layout, password: str) -> dict[str, list[Command]]:
    """Per project, the ordered commands that build its schema."""
    etc, bin_ = lay.etc, lay.bin
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    keystone = [str(bin_("keystone-manage")), "--config-file", str(etc / "keystone/keystone.conf")]
    glance = [str(bin_("glance-manage")), "--config-file", str(etc / "glance/glance-api.conf")]
    nova = [str(bin_("nova-manage")), "--config-file", str(etc / "nova/nova.conf"),
            "--config-file", str(etc / "nova/nova-db.conf")]
    public = url("keystone")
    return {
        "keystone": [
            [*keystone, "db_sync"],
            [*keystone, "fernet_setup", "--keystone-user", user, "--keystone-group", group],
            [*keystone, "credential_setup", "--keystone-user", user, "--keystone-group", group],
            [*keystone, "bootstrap", "--bootstrap-password", password,
             "--bootstrap-username", "admin", "--bootstrap-project-name", "admin",
             "--bootstrap-role-name", "admin", "--bootstrap-service-name", "keystone",
             "--bootstrap-region-id", REGION, "--bootstrap-admin-url", public,
             "--bootstrap-internal-url", public, "--bootstrap-public-url", public],
        ],
        "placement": [[str(bin_("placement-manage")), "--config-file",
                       str(etc / "placement/placement.conf"), "db", "sync"]],
        "glance": [
            [*glance, "db_sync"],
            [*glance, "db", "load_metadefs", "--path", str(lay.venv / "etc/glance/metadefs")],
        ],
        "neutron": [[str(bin_("neutron-db-manage")), "--config-file", str(etc / "neutron/neutron.conf"),
                     "--config-file", str(etc / "neutron/ml2_conf.ini"), "upgrade", "heads"]],
        "nova": [
            [*nova, "api_db", "sync"],
            [*nova, "cell_v2", "map_cell0", "--database_connection", db_url(password, "nova_cell0")],
            [*nova, "cell_v2", "create_cell", "--name", "cell1"],
            [*nova, "db", "sync"],
        ],
    }


def describe(command: Command) -> str:
    """`nova-manage cell_v2 map_cell0` for a command line (config files and values dropped)."""
    words, skip = [os.path.basename(command[0])], False
    for word in command[1:]:
        if skip or word.startswith("--"):
            skip = word.startswith("--") and not skip
            continue
        words.append(word)
    return " ".join(words[:3])


def run_chain(lay: Layout, project: str, commands: list[Command]) -> float:
    """Run one project's commands in order; return the seconds taken."""
    began = time.monotonic()
    log = lay.logs / f"migrate-{project}.log"
    for command in commands:
        run(command, what=describe(command), log=log, cwd=lay.state)
    return time.monotonic() - began


def migrate_all(lay: Layout, password: str) -> None:
    """Build every schema; print each project's time."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(run_chain, lay, name, cmds)
                   for name, cmds in chains(lay, password).items()}
        for name, future in futures.items():
            say(f"    {name:10s} {future.result():5.1f}s")
