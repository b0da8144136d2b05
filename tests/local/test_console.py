"""What a client controls never reaches the `make dev` console unescaped: no forged log lines, no terminal escapes."""

from __future__ import annotations

import socket
import time
import uuid

import pytest

from local_api.console import printable
from tests.support.local_api import LocalApiProcess, http

ESC = "\x1b"


def _send(server: LocalApiProcess, request_line: bytes) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
        return connection.recv(65536)


def _console_after(server: LocalApiProcess, marker: str) -> str:
    """The console from the line that names `marker` on, once the server has printed it."""
    deadline = time.monotonic() + 10
    while marker not in server.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    output = server.output()
    return output[output.index(marker) :] if marker in output else output


@pytest.mark.parametrize(
    ("path", "escaped"),
    [
        ("%0aPOST%20/auth/signin%20-%3E%20200%20(SignInFunction,%201%20ms)", "\\x0aPOST /auth/signin -> 200"),
        ("%0d%1b[2J%1b[31mred", "\\x0d\\x1b[2J\\x1b[31mred"),
        ("%e2%80%a8%e2%80%ae%c2%85", "\\u2028\\u202e\\x85"),
        ("back%5cslash%5cx0a", "back\\\\slash\\\\x0a"),
    ],
    ids=["forged line", "terminal escapes", "unicode separators", "backslashes"],
)
def test_the_request_line_is_escaped(local_api: LocalApiProcess, path: str, escaped: str) -> None:
    marker = uuid.uuid4().hex
    assert _send(local_api, f"GET /{marker}{path} HTTP/1.1".encode()).startswith(b"HTTP/1.1 403")

    line = _console_after(local_api, marker).partition("\n")[0]
    assert escaped in line
    assert " -> 403 (no route, " in line  # still one line
    assert ESC not in local_api.output()
    # From this request on (earlier tests of the run may have signed in for real): no line forged by the path.
    after = _console_after(local_api, marker).splitlines()
    assert not any(forged.startswith("POST /auth/signin -> 200") for forged in after)


def test_a_method_with_control_characters_is_escaped(local_api: LocalApiProcess) -> None:
    marker = uuid.uuid4().hex
    _send(local_api, f"P\x1b[2JOST /{marker} HTTP/1.1".encode())

    line = _console_after(local_api, marker).partition("\n")[0]
    assert "P\\x1b[2JOST" in local_api.output()
    assert ESC not in local_api.output()
    assert line


def test_an_address_in_the_outbox_line_is_escaped(local_api: LocalApiProcess) -> None:
    """Whatever the email validation lets through, the console line that shows a code stays one line."""
    email = f"e{uuid.uuid4().hex[:8]}\u2028forged@example.com"
    http("POST", f"{local_api.url}/auth/signup", {"email": email, "name": "E", "password": "Correct-Horse1"})

    assert "\u2028" not in local_api.output()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain /auth/signup", "plain /auth/signup"),
        ("Ünïcödé ok", "Ünïcödé ok"),
        ("\n\r\t\x00\x7f\x9b", "\\x0a\\x0d\\x09\\x00\\x7f\\x9b"),
        ("\u200b\ufeff\U000e0001", "\\u200b\\ufeff\\U000e0001"),
        ("\\x0a", "\\\\x0a"),
    ],
)
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown
