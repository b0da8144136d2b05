"""A client that goes silent mid-request is let go after seconds, cleanly: a 408 or a closed connection, never a
request held for minutes, and never a traceback on the console."""

from __future__ import annotations

import socket
import time
import uuid

from local_api.gateway import IDLE_TIMEOUT_SECONDS
from tests.support.local_api import LocalApiProcess, http

PATIENCE = IDLE_TIMEOUT_SECONDS + 10  # how long the test waits before calling the request held


def _connect(server: LocalApiProcess) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=PATIENCE)
    return connection


def _read_all(connection: socket.socket) -> bytes:
    data = b""
    while chunk := connection.recv(65536):
        data += chunk
    return data


def test_a_body_shorter_than_its_content_length_gets_a_408_within_seconds(local_api: LocalApiProcess) -> None:
    marker = uuid.uuid4().hex
    with _connect(local_api) as connection:
        connection.sendall(
            f"POST /auth/signin?{marker} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n".encode()
            + b'{"email": "'
        )
        started = time.monotonic()
        reply = _read_all(connection)
        waited = time.monotonic() - started

    assert reply.startswith(b"HTTP/1.1 408 ")
    assert b'"Request Timeout"' in reply
    assert b"Access-Control-Allow-Origin: *" in reply  # a gateway answer, dressed as the template says
    assert IDLE_TIMEOUT_SECONDS - 1 < waited < PATIENCE
    assert "Traceback" not in local_api.output()
    assert "local API error" not in local_api.output()
    # The server is fine afterwards.
    assert http("POST", f"{local_api.url}/auth/signin", {"email": "a@example.com", "password": "x"}).status == 401


def test_a_connection_that_never_sends_a_request_is_closed_within_seconds(local_api: LocalApiProcess) -> None:
    before = local_api.output()
    with _connect(local_api) as connection:
        started = time.monotonic()
        assert _read_all(connection) == b""
        waited = time.monotonic() - started

    assert waited < PATIENCE
    time.sleep(0.2)
    assert local_api.output() == before  # nothing printed for an idle connection
