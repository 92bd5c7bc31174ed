"""HTTP plumbing shared by every simulated service: requests, responses, the wire.

Services (service.py) only see :class:`Request` and return :class:`Response` (or raise
:class:`HTTPError`); nothing outside this module touches sockets, so every service behaves the same on the wire
(keep-alive, chunked uploads, HEAD without body, request ids, request counting). Each response
leaves in one write on a TCP_NODELAY socket, so no response waits on Nagle and delayed ACKs;
injected wire faults (stall, reset, truncate) are carried out here, where the socket is.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import struct
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Request:
    """One parsed HTTP request, as every service sees it."""

    method: str
    path: str  # percent-decoded path, without the query string
    query: dict[str, list[str]]
    headers: Any  # email.message.Message: case-insensitive .get()
    body: bytes
    base_url: str  # scheme://host:port of the simulated cloud
    raw_query: str = ""
    auth: Any = None  # set by the service once the token is validated
    microversion: tuple[int, int] | None = None  # compute only
    service_base: str = ""  # compute only: versioned (and project-scoped) URL the request came in on

    def q(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """Decoded JSON body; a malformed body raises ValueError for the service to map."""
        if not self.body:
            return {}
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    """What a service returns; the server writes it."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    fault: Any = None  # a faults.Rule whose wire effect (stall, reset, truncate) replaces the plain answer

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self


class HTTPError(Exception):
    """Raised anywhere inside a handler to answer with an error response."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the usual OpenStack request id header."""
    resp = Response(status, json.dumps(obj).encode("utf-8"), [("Content-Type", "application/json")])
    for name, value in (headers or {}).items():
        resp.header(name, value)
    return resp


def empty(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    resp = Response(status)
    for name, value in (headers or {}).items():
        resp.header(name, value)
    return resp


def text_response(status: int, text: str, content_type: str = "text/plain; charset=UTF-8") -> Response:
    return Response(status, text.encode("utf-8"), [("Content-Type", content_type)])


def keystone_error(status: int, message: str) -> HTTPError:
    """Keystone and keystonemiddleware error shape (also used for 401s in front of every service)."""
    title = HTTPStatus(status).phrase
    return HTTPError(json_response(status, {"error": {"code": status, "message": message, "title": title}}))


def unauthorized() -> HTTPError:
    """What keystonemiddleware answers when X-Auth-Token is missing or invalid."""
    err = keystone_error(401, "The request you have made requires authentication.")
    err.response.header("WWW-Authenticate", "Keystone uri=\"\"")
    return err


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class BadFraming(Exception):
    """The request body cannot be delimited (bad chunk size, bad Content-Length, body cut short)."""


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body, by chunked framing (which wins over Content-Length, RFC 9112 6.3) or Content-Length."""
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        chunks = []
        while True:
            line = handler.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadFraming(f"bad chunk size line {line[:40]!r}") from None
            if size < 0:
                raise BadFraming(f"bad chunk size {size}")
            if size == 0:
                while handler.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields are not used
                return b"".join(chunks)
            chunk = handler.rfile.read(size)
            if len(chunk) < size or handler.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadFraming("chunk cut short or not followed by CRLF")
            chunks.append(chunk)
    text = handler.headers.get("Content-Length")
    if text is None:
        return b""
    if not text.strip().isdigit():
        raise BadFraming(f"bad Content-Length {text[:40]!r}")
    length = int(text)
    body = handler.rfile.read(length) if length else b""
    if len(body) < length:
        raise BadFraming(f"body cut short: {len(body)} of {length} bytes")
    return body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "os-interop-simulator"
    sys_version = ""
    timeout = 60  # idle keep-alive connections eventually free their thread
    disable_nagle_algorithm = True  # TCP_NODELAY: a response leaves as soon as it is written

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _serve(self) -> None:
        cloud = self.server.cloud  # type: ignore[attr-defined]
        try:
            body = _read_body(self)
        except BadFraming as exc:  # the connection cannot carry another request: answer and close
            resp = text_response(400, f"Bad Request: {exc}\n").header("Connection", "close")
            self._write(cloud, resp, *self._encode(resp))
            return
        parts = urlsplit(self.path)
        req = Request(
            method=self.command,
            path=unquote(parts.path) or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            raw_query=parts.query,
            headers=self.headers,
            body=body,
            base_url=cloud.base_url,
        )
        resp = cloud.dispatch(req)
        if not any(k.lower() == "x-openstack-request-id" for k, _ in resp.headers):
            resp.header("X-Openstack-Request-Id", "req-" + str(uuid.uuid4()))
        head, body = self._encode(resp)
        try:
            self._write(cloud, resp, head, body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout, a Ctrl-C)
            self.close_connection = True

    def _write(self, cloud: Any, resp: Response, head: bytes, body: bytes) -> None:
        fault = resp.fault
        if fault is None:
            self.wfile.write(head + body)  # one write: no Nagle / delayed-ACK stall between the two
        elif fault.kind == "truncate":
            self.wfile.write(head + body[:len(body) // 2])  # Content-Length says more than arrives
            self.close_connection = True
        elif fault.kind == "unparsable":  # a complete answer whose body is cut: it does not decode
            cut = Response(resp.status, body[:len(body) // 2],
                           [(k, v) for k, v in resp.headers if k.lower() != "content-length"])
            self.wfile.write(b"".join(self._encode(cut)))
        elif fault.kind == "stall":
            cloud.faults.sleep(fault.stall_s)  # never answer; the client gives up first
            self.close_connection = True
        elif fault.kind == "reset":  # processed, then RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

    def _encode(self, resp: Response) -> tuple[bytes, bytes]:
        """Status line and headers, and the body to send (none for HEAD, 204 and 304).

        A HEAD answer's Content-Length is the GET body's; 204 and 304 carry none (RFC 9110 8.6).
        """
        bodiless = resp.status in (204, 304)
        no_body = self.command == "HEAD" or bodiless
        lines = [f"HTTP/1.1 {resp.status} {_phrase(resp.status)}",
                 f"Server: {self.version_string()}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in resp.headers]
        if not bodiless and not any(k.lower() == "content-length" for k, _ in resp.headers):
            lines.append(f"Content-Length: {len(resp.body)}")
        if any(k.lower() == "connection" and v.lower() == "close" for k, v in resp.headers):
            self.close_connection = True
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head, b"" if no_body else resp.body

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_COPY = _serve


class CloudHTTPServer(ThreadingHTTPServer):
    """One listening socket per simulated cloud, bound to loopback on an ephemeral port.

    Its accept loop blocks on the socket and a wake-up pipe instead of polling: an idle cloud
    costs no CPU. (socketserver's serve_forever wakes every poll_interval to look for
    shutdown(); at 0.05 s, 200 idle clouds took a sixth of a core from the clients they serve.)"""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, cloud: Any):
        self.cloud = cloud
        super().__init__(("127.0.0.1", 0), _Handler)
        self._stopping = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self.thread = threading.Thread(target=self._accept, name=f"sim-{cloud.personality.name}", daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> None:
        self.thread.start()

    def _accept(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self.socket and not self._stopping.is_set():
                        self.handle_request()      # ready: accepts at once, a thread per connection

    def stop(self) -> None:
        self._stopping.set()
        os.write(self._wake_write, b"x")
        if self.thread.ident is not None:
            self.thread.join(timeout=5)
        self.server_close()
        os.close(self._wake_read)
        os.close(self._wake_write)


def internal_error(service: Any, exc: BaseException) -> Response:
    """A 500 in the service's own error shape; the traceback goes to stderr for debugging."""
    traceback.print_exception(exc, file=sys.stderr)
    if service is None:
        return text_response(500, "Internal Server Error")
    return service.error(500, f"Unexpected simulator error: {exc!r}").response
