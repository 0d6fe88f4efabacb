"""The server `tandem serve` runs (and the container, which runs `tandem serve`) caps the
request line and headers: past `TANDEM_MAX_REQUEST_HEAD_BYTES` the answer is a 431 problem
and the connection closes, long before a 50 MB header is read."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live_server import LiveServer, live_server

LIMIT = 16 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir: Path = tmp_path_factory.mktemp("head-limit")
    with live_server(data_dir, TANDEM_MAX_REQUEST_HEAD_BYTES=str(LIMIT)) as running:
        yield running


def exchange(server: LiveServer, *requests: bytes, chunk: int = 65536) -> bytes:
    """Send raw requests on one connection; everything the server answers until it closes
    the connection (or goes quiet)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        try:
            for request in requests:
                for start in range(0, len(request), chunk):
                    sock.sendall(request[start : start + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: what we test for
        sock.settimeout(2)
        received = b""
        try:
            while data := sock.recv(65536):
                received += data
        except (TimeoutError, ConnectionResetError):
            pass
        return received


def get(header_value_size: int, *, keep_alive: bool = False) -> bytes:
    connection = "keep-alive" if keep_alive else "close"
    return (
        f"GET /livez HTTP/1.1\r\nHost: localhost\r\nConnection: {connection}\r\n"
        f"X-Padding: {'a' * header_value_size}\r\n\r\n"
    ).encode()


def statuses(raw: bytes) -> list[int]:
    return [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)]


def test_headers_within_the_limit_are_served(server: LiveServer):
    assert statuses(exchange(server, get(LIMIT // 2))) == [200]


def test_headers_past_the_limit_are_a_431_problem(server: LiveServer):
    raw = exchange(server, get(LIMIT + 1))
    assert statuses(raw) == [431]
    head, body = raw.split(b"\r\n\r\n", 1)
    assert b"content-type: application/problem+json" in head.lower()
    problem = json.loads(body)
    assert problem["type"] == "/problems/request-header-too-large"
    assert problem["status"] == 431


def test_a_50_mb_header_is_refused_before_it_is_read(server: LiveServer):
    started = time.monotonic()
    raw = exchange(server, get(50 * 1024 * 1024))
    assert statuses(raw) == [431]
    assert time.monotonic() - started < 10
    # The server still answers everyone else at once.
    assert statuses(exchange(server, get(10))) == [200]


def test_each_request_on_a_kept_alive_connection_has_the_limit(server: LiveServer):
    raw = exchange(server, get(LIMIT // 2, keep_alive=True), get(LIMIT + 100))
    assert statuses(raw) == [200, 431]
    # Also when the second request arrives in the same read as the first (pipelined).
    pipelined = get(LIMIT // 2, keep_alive=True) + get(LIMIT + 100)
    assert statuses(exchange(server, pipelined, chunk=len(pipelined))) == [200, 431]


def test_a_large_body_is_not_counted_as_header(server: LiveServer):
    body = b"x" * (LIMIT * 4)
    request = (
        b"POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    # One write, so the body arrives in the same read as the headers.
    assert statuses(exchange(server, request, chunk=len(request))) not in ([431], [])
