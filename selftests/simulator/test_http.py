"""The simulator's HTTP layer on the wire: framing, keep-alive, HEAD, bodiless answers, bad framing."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest

NAME = "upstream-default"


@pytest.fixture()
def address(fleet):
    parts = urlsplit(fleet.url(NAME))
    return parts.hostname, parts.port


def _exchange(address, raw: bytes) -> bytes:
    """Send ``raw``, half-close, and read until the server closes."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
        return out


def _token_body(fleet) -> bytes:
    auth = fleet.clouds_yaml()["clouds"][NAME]["auth"]
    return json.dumps({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": auth["username"], "password": auth["password"], "domain": {"name": auth["user_domain_name"]}}}},
        "scope": {"project": {"name": auth["project_name"], "domain": {"name": auth["project_domain_name"]}}}}}).encode()


def test_chunked_body_with_extensions_and_trailer_is_read_whole(fleet, address):
    body = _token_body(fleet)
    half = len(body) // 2
    chunks = (f"{half:x};ext=1\r\n".encode() + body[:half] + b"\r\n"
              + f"{len(body) - half:X}\r\n".encode() + body[half:] + b"\r\n" + b"0\r\nX-Trailer: t\r\n\r\n")
    head = (b"POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    answer = _exchange(address, head + chunks)
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:200]


@pytest.mark.parametrize("framing, body", [
    (b"Transfer-Encoding: chunked", b"zz\r\n{}\r\n0\r\n\r\n"),     # chunk size is not hex
    (b"Transfer-Encoding: chunked", b"10\r\n{}"),                  # chunk cut short
    (b"Content-Length: ten", b"{}"),                               # not a number
    (b"Content-Length: -2", b"{}"),
    (b"Content-Length: 10", b"{}"),                                # body cut short
])
def test_a_body_that_cannot_be_delimited_gets_400_and_the_connection_closes(address, framing, body):
    raw = b"POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\n\r\n" + body
    answer = _exchange(address, raw)
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"connection: close" in head


def test_keep_alive_serves_several_requests_on_one_connection(address):
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/identity/")
            response = conn.getresponse()
            assert response.status == 300 and json.loads(response.read())["versions"]["values"]
        assert conn.sock is not None  # never closed in between
    finally:
        conn.close()


def test_head_has_the_get_length_and_no_body(address):
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        conn.request("GET", "/image/versions")
        get = conn.getresponse()
        length = len(get.read())
        conn.request("HEAD", "/image/versions")
        head = conn.getresponse()
        assert head.status == 200 and head.getheader("Content-Length") == str(length) and head.read() == b""
        conn.request("GET", "/image/versions")  # the connection is still in step: no stray body bytes
        assert conn.getresponse().status == 200
    finally:
        conn.close()


def test_204_carries_no_content_length(fleet, address):
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        conn.request("POST", "/identity/v3/auth/tokens", body=_token_body(fleet),
                     headers={"Content-Type": "application/json"})
        created = conn.getresponse()
        created.read()
        token = created.getheader("X-Subject-Token")
        conn.request("DELETE", "/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
        revoked = conn.getresponse()
        assert revoked.status == 204 and revoked.getheader("Content-Length") is None and revoked.read() == b""
    finally:
        conn.close()
