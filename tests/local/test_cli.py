"""The command itself: --help, a clean stop on Ctrl-C, a busy port, bad settings, and a real (here: moto) pool."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from jose import jwt

from local_api import template
from tests.support.local_api import POOL_SETTINGS, ROOT, LocalApiProcess, http, sign_in


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in POOL_SETTINGS}
    return subprocess.run(
        [sys.executable, "-m", "local_api", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return True
    return False


def test_help_explains_settings_and_state() -> None:
    result = run("--help")
    assert result.returncode == 0
    for needle in (
        "PORT",
        "127.0.0.1",
        "USER_POOL_ID",
        "USER_POOL_CLIENT_ID",
        "USER_POOL_CLIENT_SECRET",
        "/_local/outbox",
        "/docs",
        "memory",
        "Ctrl-C",
    ):
        assert needle in result.stdout, needle


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "70000"], {}, "--port must be between 0 and 65535"),
        (["--user-pool-id", "eu-west-1_AbC123"], {}, "needs both"),
        (["--param", "NoEquals"], {}, "NAME=VALUE"),
        ([], {"USER_POOL_CLIENT_ID": "abc"}, "needs both"),
    ],
)
def test_bad_settings_are_explained(args: list[str], env: dict[str, str], message: str) -> None:
    result = run(*args, env=env)
    assert result.returncode == 2
    assert message in result.stderr


def test_ctrl_c_stops_the_api_and_the_emulator() -> None:
    server = LocalApiProcess()
    emulator = re.search(r"emulator \(moto\) on (http://127\.0\.0\.1:\d+)", server.output())
    assert emulator is not None
    assert http("POST", f"{server.url}/auth/signin", {"email": "a@example.com", "password": "x"}).status == 401

    assert server.stop() == 0
    assert "Stopped." in server.output()
    assert refuses_connections(server.url)
    assert refuses_connections(emulator.group(1))


def test_a_busy_port_is_reported_and_nothing_is_left_running() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("--port", str(port))
    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stdout
    assert "Stopped." in result.stdout


@pytest.fixture
def real_pool() -> Iterator[dict[str, Any]]:
    """Stands in for a team's existing pool: a moto server (in this process) with the template's pool and client."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        idp = boto3.client("cognito-idp", region_name="eu-west-1", endpoint_url=endpoint)
        document = template.load_template()
        pool_id = idp.create_user_pool(**template.user_pool_kwargs(document))["UserPool"]["Id"]
        client = idp.create_user_pool_client(**template.user_pool_client_kwargs(document, pool_id))["UserPoolClient"]
        yield {"idp": idp, "endpoint": endpoint, "pool_id": pool_id, "client": client}
    finally:
        server.stop()


def test_a_real_pool_is_used_instead_of_the_emulator(real_pool: dict[str, Any]) -> None:
    client = real_pool["client"]
    server = LocalApiProcess(
        env={
            "USER_POOL_ID": real_pool["pool_id"],
            "USER_POOL_CLIENT_ID": client["ClientId"],
            "USER_POOL_CLIENT_SECRET": client["ClientSecret"],
            "COGNITO_ENDPOINT_URL": real_pool["endpoint"],
        }
    )
    try:
        banner = server.output()
        assert f"real Cognito user pool {real_pool['pool_id']}" in banner
        assert "with a secret" in banner
        assert client["ClientSecret"] not in banner
        # No emulator, so no outbox: that route does not exist.
        assert http("GET", f"{server.url}/_local/outbox").status == 403

        email, password = "team@example.com", "Correct-Horse1"
        signup = http("POST", f"{server.url}/auth/signup", {"email": email, "name": "Team", "password": password})
        assert signup.status == 201
        user = real_pool["idp"].admin_get_user(UserPoolId=real_pool["pool_id"], Username=email)
        assert user["UserStatus"] == "UNCONFIRMED"  # the user is in the team's pool
        real_pool["idp"].admin_confirm_sign_up(UserPoolId=real_pool["pool_id"], Username=email)

        tokens = sign_in(server, email, password)
        assert tokens.status == 200
        assert jwt.get_unverified_claims(tokens.body["access_token"])["iss"].endswith(real_pool["pool_id"])
        # The authorizer checks tokens against that pool's published keys.
        assert http("GET", f"{server.url}/getData", token=tokens.body["access_token"]).status == 200
    finally:
        assert server.stop() == 0


def _emulator_url(output: str) -> str:
    found = re.search(r"emulator \(moto\) on (http://127\.0\.0\.1:\d+)", output)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stop_signal_twice_still_stops_cleanly(sig: int) -> None:
    """As when both `make` and the server get SIGTERM (a process group killed), or an impatient second Ctrl-C: the
    second signal arrives while the emulator is stopping."""
    server = LocalApiProcess()
    emulator = _emulator_url(server.output())
    server.process.send_signal(sig)
    time.sleep(0.1)

    assert server.stop(sig=sig) == 0
    assert "Traceback" not in server.output()
    assert server.output().rstrip().endswith("Stopped.")
    assert refuses_connections(server.url)
    assert refuses_connections(emulator)


MAKE = shutil.which("make") or "make"


class MakeDev:
    """`make dev PORT=0` as a developer runs it, in its own session; the process tree is make -> python."""

    def __init__(self) -> None:
        clean = {k: v for k, v in os.environ.items() if k not in (*POOL_SETTINGS, "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        self.log = tempfile.NamedTemporaryFile(prefix="make-dev-", suffix=".log", delete=False)  # noqa: SIM115
        self.make = subprocess.Popen(
            [MAKE, "--no-print-directory", "dev", "PORT=0"],
            cwd=ROOT,
            env={**clean, "PYTHONUNBUFFERED": "1"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while "Press Ctrl-C to stop." not in self.output():
            assert self.make.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.1)
        children = Path(f"/proc/{self.make.pid}/task/{self.make.pid}/children").read_text().split()
        [self.server] = [int(pid) for pid in children]
        found = re.search(r"Auth API \(local\) on (http://127\.0\.0\.1:\d+)", self.output())
        assert found is not None
        self.url, self.emulator = found.group(1), _emulator_url(self.output())

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def server_running(self) -> bool:
        try:
            os.kill(self.server, 0)
        except ProcessLookupError:
            return False
        # Gone but not yet reaped by its new parent counts as stopped.
        return Path(f"/proc/{self.server}/stat").read_text().split(") ")[1][0] != "Z"

    def wait_for_server_to_end(self, timeout: float = 20) -> bool:
        deadline = time.monotonic() + timeout
        while self.server_running() and time.monotonic() < deadline:
            time.sleep(0.1)
        return not self.server_running()

    def close(self) -> None:
        """Whatever the test did, nothing it started is left: the session's processes, by their group id."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.make.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.server, signal.SIGKILL)
        self.make.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@pytest.fixture
def make_dev() -> Iterator[MakeDev]:
    running = MakeDev()
    yield running
    running.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["make gets SIGTERM", "make is killed"])
def test_make_dev_leaves_nothing_running_when_make_ends(make_dev: MakeDev, sig: int) -> None:
    """`kill <make's pid>`, or make gone without a word: the server and its emulator stop too, cleanly."""
    os.kill(make_dev.make.pid, sig)

    assert make_dev.wait_for_server_to_end(), make_dev.output()
    assert "Stopped." in make_dev.output()
    assert "Traceback" not in make_dev.output()
    assert refuses_connections(make_dev.url)
    assert refuses_connections(make_dev.emulator)
