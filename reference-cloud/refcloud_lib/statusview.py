"""`status`, `logs` and `config`: read-only views of the cloud."""
from __future__ import annotations

from pathlib import Path

import yaml

from . import cloudconfig, procs, provision
from .paths import Layout
from .report import RefcloudError, say
from .services import all_services, by_name


def status(lay: Layout) -> int:
    """Per service: pid, up/down, RSS of its process group. Exit 0 only if all are up."""
    say(f"{'SERVICE':16s}{'PID':>8s}  {'STATE':6s}{'RSS MiB':>9s}  PROCS")
    total, down = 0, 0
    for service in all_services(lay):
        pid = procs.running_pid(lay, service.name)
        if pid is None:
            down += 1
            say(f"{service.name:16s}{'-':>8s}  {'down':6s}{'-':>9s}")
            continue
        members = procs.group_members(pid)
        rss = sum(procs.rss_kib(m) for m in members) / 1024
        total += rss
        say(f"{service.name:16s}{pid:8d}  {'up':6s}{rss:9.1f}  {len(members)}")
    say(f"TOTAL RSS {total:.0f} MiB ({total / 1024:.2f} GiB); "
        f"configuration: {provision.active(lay) or '(none applied)'}; state: {lay.state}")
    return 0 if down == 0 else 3


def tail(path: Path, lines: int) -> str:
    """The last `lines` lines of a file."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 200 * lines))
        text = handle.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


def logs(lay: Layout, service: str | None, lines: int) -> None:
    """Without a service: list the log files. With one: the tail of each of its logs."""
    if service is None:
        for path in sorted(lay.logs.glob("*")) if lay.logs.exists() else []:
            say(f"{path.stat().st_size / 1024:10.1f} KiB  {path}")
        return
    known = by_name(lay)
    if service not in known:
        raise RefcloudError(f"unknown service {service!r}; known: {', '.join(known)}")
    for path in (*known[service].logs, procs.out_log(lay, service)):
        if path.exists():
            say(f"==> {path} <==\n{tail(path, lines)}")


def show_config(lay: Layout, name: str | None) -> None:
    """Print a configuration (default: the active one) as declared."""
    name = name or provision.active(lay)
    if name is None:
        raise RefcloudError("no configuration is active; name one, e.g. `refcloud config upstream`")
    config = cloudconfig.load(name)
    say(f"configuration: {config.name}{' (active)' if name == provision.active(lay) else ''}")
    say(config.description)
    say("changes:\n" + "\n".join(f"  - {c}" for c in config.changes))
    say(yaml.safe_dump({"expected_profile": config.expected_profile,
                        "expected_observations": config.expected_observations},
                       sort_keys=False).rstrip())
