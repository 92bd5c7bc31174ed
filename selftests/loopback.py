"""Tiny loopback servers for network faults the simulator does not make: a socket that
accepts and never answers, one that resets every connection, a canned answer, and a
proxy that fails the first requests matching a path before forwarding the rest."""

from __future__ import annotations

import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import requests


class Silent:
    """Accepts TCP connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


class Resetting:
    """Accepts, reads the request, and resets the connection (RST, not FIN)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.settimeout(1)
            try:
                conn.recv(65536)
            except OSError:
                pass
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self) -> None:
        self.sock.close()


Answer = tuple[int, dict[str, str], bytes]


class HTTP:
    """Answers each request with `respond(method, path, body) -> (status, headers, body)`,
    or None to forward it to `upstream` (scheme://host:port)."""

    def __init__(self, respond: Callable[[str, str, bytes], Answer | None], upstream: str | None = None,
                 rewrite: Callable[[bytes], bytes] | None = None):
        """`rewrite` changes the bodies forwarded from upstream (links, roles)."""
        self.seen: list[tuple[str, str, int]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = respond(self.command, self.path, body)
                if answer is None:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                    got = requests.request(self.command, upstream + self.path, data=body or None,
                                           headers=headers, allow_redirects=False, timeout=10)
                    answer = (got.status_code, {k: v for k, v in got.headers.items() if k.lower() not in (
                        "content-length", "transfer-encoding", "connection", "content-encoding")},
                        rewrite(got.content) if rewrite else got.content)
                status, headers, payload = answer
                outer.seen.append((self.command, self.path, status))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def failing_first(n: int, match: str, status: int = 503,
                  headers: dict[str, str] | None = None) -> Callable[[str, str, bytes], Answer | None]:
    """The first `n` requests whose path contains `match` get `status`; the rest are forwarded."""
    left = [n]

    def respond(method: str, path: str, body: bytes) -> Answer | None:
        if match in path and left[0] > 0:
            left[0] -= 1
            return status, {"Content-Type": "text/plain", **(headers or {})}, b"try again later"
        return None
    return respond
