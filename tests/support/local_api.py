"""Start the local API the way `make dev` does (`python -m local_api`) and talk to it over real HTTP."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Headers

from tests.support.cognito import moto_private_jwk
from tests.support.reply import Reply, parse_body

ROOT = Path(__file__).resolve().parents[2]
# Settings a developer's shell (or another test) may hold that would change which Cognito the server uses.
POOL_SETTINGS = ("USER_POOL_ID", "USER_POOL_CLIENT_ID", "USER_POOL_CLIENT_SECRET", "COGNITO_ENDPOINT_URL", "PORT")

# No proxy, even if the environment names one: everything here is on loopback.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(
    method: str,
    url: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    token: str | None = None,
) -> Reply:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310 - loopback
    try:
        with _opener.open(request, timeout=30) as response:
            status, reply_headers, text = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, reply_headers, text = error.code, error.headers, error.read()
    return Reply(status, parse_body(text), Headers(list(reply_headers.items())))


class LocalApiProcess:
    """`python -m local_api --port 0` in a subprocess; its console goes to a file the tests can read."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        base_env = {k: v for k, v in os.environ.items() if k not in POOL_SETTINGS}
        self._log = tempfile.NamedTemporaryFile(prefix="local-api-", suffix=".log", delete=False)  # noqa: SIM115
        self._final_output: str | None = None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local_api", "--port", "0", *args],
            cwd=ROOT,
            env={**base_env, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.url = self._wait_for(r"Auth API \(local\) on (http://127\.0\.0\.1:\d+)")

    def output(self) -> str:
        if self._final_output is not None:
            return self._final_output
        return Path(self._log.name).read_text(errors="replace")

    def _wait_for(self, pattern: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.output()
            if "Press Ctrl-C to stop." in text and (found := re.search(pattern, text)):
                return found.group(1)
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"the local API exited ({self.process.returncode}):\n{text}")
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the local API did not start within {timeout} s:\n{self.output()}")

    def stop(self, timeout: float = 20, sig: int = signal.SIGINT) -> int:
        """Ctrl-C (or `sig`), as a developer stops it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._final_output is None:
            self._final_output = self.output()
            self._log.close()
            Path(self._log.name).unlink(missing_ok=True)
        return self.process.returncode


def sign(claims: dict[str, Any], key: Any = None) -> str:
    """A JWT signed with the emulator's own key (moto's, whose JWKS the pool publishes), or with another key
    under the same key id."""
    from jose import jwt

    return str(jwt.encode(claims, key or moto_private_jwk(), algorithm="RS256", headers={"kid": "dummy"}))


def unique_email() -> str:
    return f"dev-{uuid.uuid4().hex[:10]}@example.com"


def codes(server: LocalApiProcess, email: str, purpose: str) -> list[str]:
    """The codes the outbox holds for this address (found as the pool finds it) and purpose, oldest first."""
    reply = http("GET", f"{server.url}/_local/outbox?to={urllib.parse.quote(email)}")
    assert reply.status == 200
    return [m["code"] for m in reply.body if m["purpose"] == purpose]


def sign_up_and_confirm(server: LocalApiProcess, email: str, password: str) -> None:
    assert (
        http("POST", f"{server.url}/auth/signup", {"email": email, "name": "Dev", "password": password}).status == 201
    )
    code = codes(server, email, "confirm-sign-up")[-1]
    assert http("POST", f"{server.url}/auth/confirm", {"email": email, "code": code}).status == 200


def sign_in(server: LocalApiProcess, email: str, password: str) -> Reply:
    return http("POST", f"{server.url}/auth/signin", {"email": email, "password": password})


def new_user_tokens(server: LocalApiProcess, password: str) -> dict[str, Any]:
    """Sign a fresh user up, confirm them with the outbox code, and return their sign-in tokens."""
    email = unique_email()
    sign_up_and_confirm(server, email, password)
    reply = sign_in(server, email, password)
    assert reply.status == 200
    return dict(reply.body)


def wrong(code: str) -> str:
    """A well-formed code that is certainly not `code`."""
    return f"{(int(code) + 1) % 10**6:06d}"
