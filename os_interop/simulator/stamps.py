"""Ids, MAC addresses and timestamps new resources get, in the shapes the OpenStack APIs use."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta, timezone


def now(delta: timedelta = timedelta()) -> str:
    """UTC timestamp in the ``2016-12-17T14:25:05Z`` style the APIs use."""
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    return str(uuid.uuid4())


def new_mac() -> str:
    return "fa:16:3e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))
