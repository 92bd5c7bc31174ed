"""`refcloud install`: Debian packages plus a dedicated venv with pinned services.

Idempotent: apt is skipped when the packages are there, pip when the venv's
stamp matches the requirement files, so a second run takes seconds.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

from .commands import run
from .paths import SOURCE_DIR, Layout
from .report import RefcloudError, Stopwatch, say, step

# mariadb-server: neutron's migrations need a server database (sqlite fails);
# rabbitmq-server: the message bus nova's services talk over.
APT_PACKAGES = ["mariadb-server", "rabbitmq-server"]
REQUIREMENTS = SOURCE_DIR / "requirements.txt"
LOCK = SOURCE_DIR / "requirements-lock.txt"
ML2_SOURCE = SOURCE_DIR / "loopback-ml2"
ML2_DIST = "refcloud-loopback-ml2"


def missing_debs(packages: list[str]) -> list[str]:
    """The packages of `packages` dpkg does not report as installed."""
    missing = []
    for package in packages:
        try:
            status = run(["dpkg-query", "-W", "-f=${Status}", package],
                         what=f"dpkg-query {package}")
        except RefcloudError:
            status = ""
        if "install ok installed" not in status:
            missing.append(package)
    return missing


def wanted_debs() -> list[str]:
    """APT_PACKAGES plus build tools when the machine lacks them (uWSGI compiles)."""
    wanted = list(APT_PACKAGES)
    if shutil.which("gcc") is None:
        wanted.append("build-essential")
    if not Path(sysconfig.get_paths()["include"], "Python.h").exists():
        wanted.append("python3-dev")
    return wanted


def install_debs(home: Path) -> None:
    """apt-get update + install what is missing, without starting system daemons."""
    missing = missing_debs(wanted_debs())
    if not missing:
        say(f"    present: {' '.join(APT_PACKAGES)}")
        return
    if os.geteuid() != 0:
        raise RefcloudError(f"install needs root for apt-get (missing: {' '.join(missing)})")
    log = home / "install-apt.log"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    guard = Path("/usr/sbin/policy-rc.d")
    made_guard = not guard.exists()
    if made_guard:  # keep apt from starting a system MariaDB/RabbitMQ on our ports
        guard.write_text("#!/bin/sh\nexit 101\n")
        guard.chmod(0o755)
    try:
        t = Stopwatch()
        run(["apt-get", "update"], what="apt-get update", log=log, env=env)
        say(f"    apt-get update {t}")
        t = Stopwatch()
        run(["apt-get", "install", "-y", "--no-install-recommends", *missing],
            what="apt-get install", log=log, env=env)
        say(f"    apt-get install {' '.join(missing)} {t}")
    finally:
        if made_guard:
            guard.unlink()


def base_python() -> str:
    """The interpreter the venv is made from: $REFCLOUD_PYTHON or this one."""
    python = os.environ.get("REFCLOUD_PYTHON", sys.executable)
    if sys.version_info < (3, 10) and "REFCLOUD_PYTHON" not in os.environ:
        raise RefcloudError("Python >= 3.10 is needed (set REFCLOUD_PYTHON)")
    return python


def make_venv(lay: Layout) -> None:
    """Create the venv unless it exists."""
    if lay.python.exists():
        say(f"    present: {lay.venv}")
        return
    run([base_python(), "-m", "venv", lay.venv], what="python -m venv",
        log=lay.home / "install-pip.log")
    say(f"    created {lay.venv}")


def source_digest(use_lock: bool) -> str:
    """A hash of everything that decides the venv's content."""
    digest = hashlib.sha256()
    files = [REQUIREMENTS, *(sorted(ML2_SOURCE.glob("*.py")) + [ML2_SOURCE / "pyproject.toml"])]
    if use_lock:
        files.append(LOCK)
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def pip_install(lay: Layout, relock: bool) -> None:
    """Install the pinned services and the loopback ML2 driver into the venv."""
    use_lock = LOCK.exists() and not relock
    stamp = lay.venv / ".refcloud-installed"
    digest = source_digest(use_lock)
    if stamp.exists() and stamp.read_text().strip() == digest:
        say("    venv up to date (requirements unchanged)")
        return
    log = lay.home / "install-pip.log"
    pip = [lay.python, "-m", "pip", "install", "--disable-pip-version-check"]
    t = Stopwatch()
    constraints = ["-c", LOCK] if use_lock else []
    say(f"    pip install -r requirements.txt {'-c requirements-lock.txt' if use_lock else '(no lock yet)'}"
        f" (log: {log})")
    run([*pip, "-r", REQUIREMENTS, *constraints], what="pip install", log=log, timeout=1800)
    say(f"    services installed in {t}")
    with tempfile.TemporaryDirectory() as tmp:  # build outside the source tree
        copy = Path(tmp) / "loopback-ml2"
        shutil.copytree(ML2_SOURCE, copy)
        run([*pip, copy], what="pip install loopback-ml2", log=log)
    if not use_lock:
        freeze = run([lay.python, "-m", "pip", "freeze", "--exclude", ML2_DIST],
                     what="pip freeze")
        LOCK.write_text("# pip freeze of a working reference-cloud venv; "
                        "`refcloud install --relock` rewrites it\n" + freeze)
        say(f"    wrote {LOCK}")
        digest = source_digest(True)
    stamp.write_text(digest + "\n")


def precompile(lay: Layout) -> None:
    """Byte-compile the venv once (services run with PYTHONDONTWRITEBYTECODE)."""
    run([lay.python, "-m", "compileall", "-q", "-j", "0", lay.site_packages()],
        what="compileall", log=lay.home / "install-pip.log", timeout=1800)


def install(lay: Layout, relock: bool = False) -> None:
    """The whole `install` subcommand."""
    total = Stopwatch()
    lay.home.mkdir(parents=True, exist_ok=True)
    with step("Debian packages"):
        install_debs(lay.home)
    with step("virtualenv"):
        make_venv(lay)
    with step("Python packages"):
        pip_install(lay, relock)
    with step("byte-compile"):
        precompile(lay)
    say(f"install finished in {total} (venv {lay.venv})")
