"""What docs/local-development.md and SECURITY.md say the local API does, it does: the lifecycle block runs as
written, the pages' blocks can run one after the other, and reset-password answers as SECURITY.md says."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from tests.support.docs import bash_blocks, page, run_block, section
from tests.support.local_api import LocalApiProcess, http

LOCAL = page("docs/local-development.md")
SECURITY = page("SECURITY.md")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


LIFECYCLE = next(block for block in bash_blocks(LOCAL) if "post /auth/signup" in block)
PER_ENDPOINT = "\n".join(bash_blocks(page("docs/api.md")))


def test_the_first_run_says_it_takes_a_minute() -> None:
    assert re.search(r"first run spends about a minute creating\s+`\.venv`", section(page("README.md"), "Quick start"))
    assert re.search(r"first run spends about a minute creating\s+`\.venv`", LOCAL)


def test_each_curl_block_has_its_own_email() -> None:
    """Run in order, the API guide's blocks must not meet the account the lifecycle block changed the password of."""
    lifecycle, per_endpoint = set(EMAIL.findall(LIFECYCLE)), set(EMAIL.findall(PER_ENDPOINT))

    assert len(lifecycle) == 1  # the lifecycle test below runs the block with a fresh address in its place
    assert per_endpoint  # its own, and a second one for change-email
    assert not lifecycle & per_endpoint


def test_the_lifecycle_block_runs_as_written(local_api: LocalApiProcess, tmp_path: Path) -> None:
    """Each `post` answers the status its comment says. The block runs in bash against this run's local API, with a
    fresh address in place of its own (the API lives for the whole test run)."""
    [email] = set(EMAIL.findall(LIFECYCLE))
    script = LIFECYCLE.replace("API=http://127.0.0.1:3000", f"API={local_api.url}").replace(
        email, f"readme-{uuid.uuid4().hex[:8]}@example.com"
    )
    expected = [int(m) for m in re.findall(r"^.*\bpost /auth/.*#\s*(\d{3})", script, re.MULTILINE)]
    run = run_block(script, tmp_path, "lifecycle.sh")

    assert run.returncode == 0, run.stderr
    statuses = [int(s) for s in re.findall(r"-> HTTP (\d{3})", run.stderr)]
    assert len(expected) >= 10
    assert statuses == expected


def test_reset_password_answers_an_unconfirmed_account_as_security_md_says(local_api: LocalApiProcess) -> None:
    email = f"unconfirmed-{uuid.uuid4().hex[:8]}@example.com"
    signup = {"email": email, "name": "U", "password": "Correct-Horse1"}
    assert http("POST", f"{local_api.url}/auth/signup", signup).status == 201

    body = {"email": email, "otp": "123456", "new_password": "Battery-Staple2"}
    reply = http("POST", f"{local_api.url}/auth/reset-password", body)

    assert (reply.status, reply.body["code"]) == (400, "InvalidCode")
    assert re.search(r"reset-password answers an unconfirmed account like a wrong code, 400 `InvalidCode`", SECURITY)
