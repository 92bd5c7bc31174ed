"""Starting, watching and stopping service processes by pid file.

Each service is started in its own session, so its process group id is its
pid: stopping signals exactly that group and nothing else on the machine.
A pid file holds "<pid> <start time>", so a recycled pid is never mistaken
for ours.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from .addresses import HOST
from .paths import Layout
from .report import RefcloudError
from .services import Service


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat fields after the command name (index 0 = state)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def start_time(pid: int) -> int | None:
    """Start time of a process in clock ticks since boot (None if gone)."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def running_pid(lay: Layout, name: str) -> int | None:
    """The pid of service `name` if its pid file names a live process of ours."""
    try:
        pid, started = (int(x) for x in lay.pidfile(name).read_text().split())
    except (OSError, ValueError):
        return None
    fields = _stat_fields(pid)
    if not fields or fields[0] == "Z" or int(fields[19]) != started:
        return None
    return pid


def group_members(pgid: int) -> list[int]:
    """Live processes in process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and fields[0] != "Z" and int(fields[2]) == pgid:
                members.append(int(entry.name))
    return sorted(members)


def rss_kib(pid: int) -> int:
    """Resident memory of a process in KiB (0 if gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def port_taken(port: int) -> bool:
    """True when something already accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def out_log(lay: Layout, name: str) -> Path:
    """Where a service's stdout and stderr go."""
    return lay.logs / f"{name}.out"


def spawn(lay: Layout, service: Service) -> int:
    """Start `service` detached in its own session; write its pid file."""
    for port in service.ports:
        if port_taken(port):
            raise RefcloudError(f"{service.name}: 127.0.0.1:{port} is already in use by a "
                                "process refcloud did not start")
    service.probe.arm()
    out = out_log(lay, service.name)
    with out.open("ab") as handle:
        handle.write(f"\n--- refcloud start {time.strftime('%F %T')}\n".encode())
        handle.flush()
        proc = subprocess.Popen(service.argv, env=service.env, cwd=lay.state,
                                stdin=subprocess.DEVNULL, stdout=handle,
                                stderr=subprocess.STDOUT, start_new_session=True)
    lay.pidfile(service.name).write_text(f"{proc.pid} {start_time(proc.pid)}\n")
    return proc.pid


def wait_ready(lay: Layout, service: Service, pid: int) -> None:
    """Poll the service's probe; fail early if it dies, late if it never gets ready."""
    deadline = time.monotonic() + service.timeout
    log = service.logs[0] if service.logs else out_log(lay, service.name)
    while not service.probe.ready():
        if running_pid(lay, service.name) != pid:
            raise RefcloudError(f"{service.name} exited during start-up "
                                f"(also see {out_log(lay, service.name)})", log)
        if service.probe.failed():
            raise RefcloudError(f"{service.name} could not load its application "
                                f"(also see {out_log(lay, service.name)})", log)
        if time.monotonic() > deadline:
            raise RefcloudError(f"{service.name} not ready after {service.timeout:.0f}s "
                                f"(also see {out_log(lay, service.name)})", log)
        time.sleep(0.25)


def start(lay: Layout, service: Service) -> float | None:
    """Start and wait for one service; None if it was already running."""
    if running_pid(lay, service.name):
        return None
    began = time.monotonic()
    pid = spawn(lay, service)
    try:
        wait_ready(lay, service, pid)
    except RefcloudError:
        stop(lay, [service.name])   # leave nothing half-started behind
        raise
    return time.monotonic() - began


def signal_group(pid: int, sig: int) -> None:
    """Send `sig` to a process group, if it still exists."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def stop(lay: Layout, names: list[str], grace: float = 30.0) -> list[str]:
    """SIGTERM the named services' process groups together, SIGKILL stragglers.

    Returns the names that were running. Pid files are removed.
    """
    pids = {name: pid for name in names if (pid := running_pid(lay, name))}
    for pid in pids.values():
        signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(group_members(pid) for pid in pids.values()):
        time.sleep(0.2)
    for pid in pids.values():
        if group_members(pid):
            signal_group(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(group_members(pid) for pid in pids.values()):
        if time.monotonic() > deadline:
            left = [n for n, pid in pids.items() if group_members(pid)]
            raise RefcloudError(f"could not stop: {', '.join(left)}")
        time.sleep(0.1)
    for name in names:
        lay.pidfile(name).unlink(missing_ok=True)
    return list(pids)
