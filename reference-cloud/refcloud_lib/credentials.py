"""The one password of a reference cloud (databases, service and demo users).

Made at random when the state directory is created and kept in it (0600).
Everything listens on loopback only; the password mainly keeps copies of the
state directory from sharing credentials.
"""
from __future__ import annotations

import secrets

from .paths import Layout


def password(lay: Layout) -> str:
    """The cloud's password, created on first use."""
    path = lay.state / "password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(12) + "\n")
    return path.read_text().strip()
