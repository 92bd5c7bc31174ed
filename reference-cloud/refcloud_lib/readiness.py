"""Readiness probes: how refcloud knows a service it started can be used.

Each probe is armed just before its process starts (so it only looks at log
lines written afterwards) and then polled until it says ready.
"""
from __future__ import annotations

import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from .addresses import HOST

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Probe:
    """Base: `arm()` before start, then `ready()` until True."""

    def arm(self) -> None:
        """Remember where logs end now."""

    def ready(self) -> bool:
        raise NotImplementedError

    def failed(self) -> bool:
        """True when the logs already show that it cannot become ready."""
        return False


class LogLine(Probe):
    """Ready when `count` new lines of `path` match `pattern`."""

    def __init__(self, path: Path, pattern: str, count: int = 1) -> None:
        self.path, self.pattern, self.count = path, re.compile(pattern), count
        self.offset = 0

    def arm(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def ready(self) -> bool:
        if not self.path.exists():
            return False
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            text = handle.read().decode("utf-8", "replace")
        return len(self.pattern.findall(text)) >= self.count


def http_answers(url: str) -> bool:
    """True when `url` answers HTTP below 500 (401/404 count: the app is up)."""
    try:
        with _NO_PROXY.open(url, timeout=5) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (OSError, ValueError):
        return False


class Http(Probe):
    """Ready when every lazily loaded uWSGI worker has its app and `url` answers."""

    def __init__(self, url: str, uwsgi_log: Path, workers: int) -> None:
        self.url = url
        self.workers = LogLine(uwsgi_log, r"WSGI app 0 \(mountpoint='[^']*'\) ready", workers)
        self.broken = LogLine(uwsgi_log, r"unable to load app")

    def arm(self) -> None:
        self.workers.arm()
        self.broken.arm()

    def failed(self) -> bool:
        return self.broken.ready()

    def ready(self) -> bool:
        return self.workers.ready() and http_answers(self.url)


class Greeting(Probe):
    """Ready when a TCP server on `port`, sent `hello`, answers bytes `expect` likes.

    MariaDB greets every client with its handshake packet (protocol 10);
    RabbitMQ answers an AMQP 0-9-1 header with a method frame (type 1).
    Without `expect`, an accepted connection is enough.
    """

    def __init__(self, port: int, hello: bytes = b"",
                 expect: Callable[[bytes], bool] | None = None) -> None:
        self.port, self.hello, self.expect = port, hello, expect

    def ready(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=3) as conn:
                if self.hello:
                    conn.sendall(self.hello)
                return self.expect is None or self.expect(conn.recv(16))
        except OSError:
            return False


def mysql_handshake(data: bytes) -> bool:
    """A MySQL protocol greeting: 4-byte packet header, then protocol version 10."""
    return len(data) > 4 and data[4] == 10


AMQP_HEADER = b"AMQP\x00\x00\x09\x01"


def amqp_method_frame(data: bytes) -> bool:
    """The first frame of an AMQP server: a method frame on channel 0."""
    return data[:3] == b"\x01\x00\x00"
