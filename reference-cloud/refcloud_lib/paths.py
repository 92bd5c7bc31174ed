"""Where everything lives: the install home, the venv and the state directory."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent.parent   # reference-cloud/


def default_home() -> Path:
    """$REFCLOUD_HOME, else a system path for root and a cache path for users."""
    if os.environ.get("REFCLOUD_HOME"):
        return Path(os.environ["REFCLOUD_HOME"]).expanduser().resolve()
    if os.geteuid() == 0:
        return Path("/var/lib/os-interop-refcloud")
    return Path.home() / ".cache" / "os-interop-refcloud"


@dataclass(frozen=True)
class Layout:
    """All paths of one reference cloud installation.

    home/venv   the services' virtualenv (made by `install`)
    home/state  everything the running cloud writes: databases, configs,
                logs, pid files, keys, images, clouds.yaml (`rm -rf` resets)
    """

    home: Path

    @property
    def venv(self) -> Path:
        return self.home / "venv"

    @property
    def state(self) -> Path:
        return self.home / "state"

    @property
    def etc(self) -> Path:
        return self.state / "etc"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def run(self) -> Path:
        return self.state / "run"

    @property
    def data(self) -> Path:
        return self.state / "data"

    @property
    def clouds_yaml(self) -> Path:
        return self.state / "clouds.yaml"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def bin(self, name: str) -> Path:
        """An executable of the venv."""
        return self.venv / "bin" / name

    def pidfile(self, service: str) -> Path:
        return self.run / f"{service}.pid"

    def site_packages(self) -> Path:
        """The venv's site-packages directory (one python version per venv)."""
        found = sorted((self.venv / "lib").glob("python3.*/site-packages"))
        if not found:
            raise FileNotFoundError(f"no site-packages under {self.venv}/lib")
        return found[0]


def layout() -> Layout:
    """The layout for the current environment."""
    return Layout(default_home())
