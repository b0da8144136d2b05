"""Every sign-in challenge a mobile developer meets, walked over real HTTP against `make dev`'s server, with codes read
as a developer reads them (the outbox; TOTP codes computed from the secret, as an authenticator app does): a user an
administrator created sets a new password; a user enrols TOTP, signs out, and signs in with a code; a user signs in
by emailed code, or with email MFA; a user with two factors chooses one; and, on a pool that requires MFA, a user
sets TOTP up at sign-in."""

from __future__ import annotations

import re
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import totp
from tests.support.docs import bash_blocks, page, run_block
from tests.support.local_api import (
    LocalApiProcess,
    codes,
    http,
    sign_in,
    sign_up_and_confirm,
    unique_email,
    wrong,
)
from tests.support.reply import Reply

PASSWORD, TEMPORARY, NEW_PASSWORD = "Correct-Horse1", "Temporary-Passw0rd", "Battery-Staple2"
SIGN_IN = "sign-in"  # the outbox purpose of emailed sign-in codes


def create_user(server: LocalApiProcess, email: str, temporary: str = TEMPORARY, **extra: Any) -> Reply:
    body = {"email": email, "name": "Admin Made", "temporary_password": temporary, **extra}
    return http("POST", f"{server.url}/_local/admin/users", body)


def answer(server: LocalApiProcess, session: str, **fields: str) -> Reply:
    return http("POST", f"{server.url}/auth/challenge", {"session": session, **fields})


def signed_in(reply: Reply) -> bool:
    return reply.status == 200 and {"access_token", "id_token", "refresh_token"} <= set(reply.body)


def enrol_totp(server: LocalApiProcess, access_token: str) -> tuple[str, int]:
    """POST /auth/mfa/totp, then /verify with a code from the secret; the secret and the step of the code used."""
    setup = http("POST", f"{server.url}/auth/mfa/totp", token=access_token)
    assert setup.status == 200, setup.body
    secret = setup.body["secret"]
    assert setup.body["otpauth_uri"].startswith("otpauth://totp/")
    assert urllib.parse.parse_qs(urllib.parse.urlparse(setup.body["otpauth_uri"]).query)["secret"] == [secret]
    used = totp.step()
    verified = http("POST", f"{server.url}/auth/mfa/totp/verify", {"code": totp.code(secret)}, token=access_token)
    assert verified.status == 200, verified.body
    return secret, used


def later_code(secret: str) -> str:
    """A code of the step after this one: the emulator, like Cognito, accepts a step either side of now, and the code
    of this step may be spent already."""
    return totp.code(secret, time.time() + totp.STEP_SECONDS)


def mfa_settings(server: LocalApiProcess, access_token: str) -> dict[str, Any]:
    reply = http("GET", f"{server.url}/auth/mfa", token=access_token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def new_user(server: LocalApiProcess) -> tuple[str, str]:
    """A signed-up, confirmed user; their email and access token."""
    email = unique_email()
    sign_up_and_confirm(server, email, PASSWORD)
    reply = sign_in(server, email, PASSWORD)
    assert signed_in(reply), reply.body
    return email, reply.body["access_token"]


def sign_out(server: LocalApiProcess, access_token: str) -> None:
    assert http("POST", f"{server.url}/auth/signout", token=access_token).status == 200


# A user an administrator created -----------------------------------------------------------------------------------


def test_a_user_an_administrator_created_sets_a_new_password_and_gets_tokens(local_api: LocalApiProcess) -> None:
    email = unique_email()
    created = create_user(local_api, email)
    assert (created.status, created.body["user_status"]) == (201, "FORCE_CHANGE_PASSWORD")
    again = create_user(local_api, email.upper())
    assert (again.status, again.body["code"]) == (409, "UserExists")

    challenge = sign_in(local_api, email, TEMPORARY)
    assert challenge.status == 200
    assert challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert "access_token" not in challenge.body
    weak = answer(local_api, challenge.body["session"], new_password="weak")
    assert (weak.status, weak.body["code"]) == (400, "InvalidPassword")

    tokens = answer(local_api, challenge.body["session"], new_password=NEW_PASSWORD)
    assert signed_in(tokens), tokens.body
    assert http("GET", f"{local_api.url}/getData", token=tokens.body["access_token"]).status == 200
    reused = answer(local_api, challenge.body["session"], new_password="Another-Passw0rd")
    assert (reused.status, reused.body["code"]) == (401, "InvalidToken")

    old = sign_in(local_api, email, TEMPORARY)
    assert (old.status, old.body["code"]) == (401, "InvalidCredentials")
    assert signed_in(sign_in(local_api, email, NEW_PASSWORD))


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "InvalidJson"),
        (b'["a list"]', 400, "InvalidJson"),
        (b'{"email": "someone@example.com"}', 400, "ValidationFailed"),
        (b'{"email": "someone@example.com", "temporary_password": "short"}', 400, "InvalidPassword"),
        (b'{"email": "someone@example.com", "temporary_password": "Temporary-Passw0rd", "name": 5}', 400, None),
    ],
    ids=["not json", "not an object", "no password", "weak password", "name not a string"],
)
def test_the_admin_route_refuses_what_cognito_would(
    local_api: LocalApiProcess, body: bytes, status: int, code: str | None
) -> None:
    reply = http("POST", f"{local_api.url}/_local/admin/users", raw=body)

    assert reply.status == status
    assert reply.body["code"] == (code or "ValidationFailed")
    assert "short" not in reply.body["error"]  # a refused password is never echoed


def test_the_admin_route_takes_only_post(local_api: LocalApiProcess) -> None:
    assert http("GET", f"{local_api.url}/_local/admin/users").status == 403


# TOTP ---------------------------------------------------------------------------------------------------------------


def test_a_user_enrols_totp_signs_out_and_signs_in_with_a_code(local_api: LocalApiProcess) -> None:
    email, access = new_user(local_api)
    secret, _ = enrol_totp(local_api, access)
    assert mfa_settings(local_api, access) == {"enabled": ["totp"], "preferred": "totp"}
    sign_out(local_api, access)

    challenge = sign_in(local_api, email, PASSWORD)
    assert challenge.status == 200
    assert challenge.body["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert "access_token" not in challenge.body
    right = later_code(secret)
    refused = answer(local_api, challenge.body["session"], code=wrong(right))
    assert (refused.status, refused.body["code"]) == (400, "InvalidCode")

    tokens = answer(local_api, challenge.body["session"], code=right)
    assert signed_in(tokens), tokens.body
    assert http("GET", f"{local_api.url}/getData", token=tokens.body["access_token"]).status == 200

    # The code is spent: another sign-in cannot use it.
    again = sign_in(local_api, email, PASSWORD)
    spent = answer(local_api, again.body["session"], code=right)
    assert (spent.status, spent.body["code"]) == (400, "InvalidCode")


def test_two_users_get_different_totp_secrets(local_api: LocalApiProcess) -> None:
    secrets = {
        http("POST", f"{local_api.url}/auth/mfa/totp", token=new_user(local_api)[1]).body["secret"] for _ in "ab"
    }

    assert len(secrets) == 2


def test_a_wrong_first_code_does_not_turn_totp_on(local_api: LocalApiProcess) -> None:
    _, access = new_user(local_api)
    secret = http("POST", f"{local_api.url}/auth/mfa/totp", token=access).body["secret"]

    reply = http("POST", f"{local_api.url}/auth/mfa/totp/verify", {"code": wrong(totp.code(secret))}, token=access)

    assert (reply.status, reply.body["code"]) == (400, "InvalidCode")
    assert mfa_settings(local_api, access) == {"enabled": [], "preferred": None}


# Emailed codes ------------------------------------------------------------------------------------------------------


def test_a_user_signs_in_with_an_emailed_code(local_api: LocalApiProcess) -> None:
    email = unique_email()
    sign_up_and_confirm(local_api, email, PASSWORD)

    started = http("POST", f"{local_api.url}/auth/signin/email-code", {"email": email})
    assert started.status == 200
    assert started.body["challenge"] == "EMAIL_OTP"
    assert started.body["code_delivery"]["medium"] == "EMAIL"
    [code] = codes(local_api, email, SIGN_IN)
    assert f"{SIGN_IN} code for {email}: {code}" in local_api.output()
    refused = answer(local_api, started.body["session"], code=wrong(code))
    assert (refused.status, refused.body["code"]) == (400, "InvalidCode")

    tokens = answer(local_api, started.body["session"], code=code)
    assert signed_in(tokens), tokens.body
    assert http("GET", f"{local_api.url}/getData", token=tokens.body["access_token"]).status == 200


def test_an_address_without_an_account_gets_the_same_answer_and_no_code(local_api: LocalApiProcess) -> None:
    known = unique_email()
    sign_up_and_confirm(local_api, known, PASSWORD)
    unknown = unique_email()

    registered = http("POST", f"{local_api.url}/auth/signin/email-code", {"email": known})
    nobody = http("POST", f"{local_api.url}/auth/signin/email-code", {"email": unknown})

    assert nobody.status == registered.status == 200
    assert set(nobody.body) == set(registered.body)
    assert nobody.body["challenge"] == registered.body["challenge"]
    assert codes(local_api, unknown, SIGN_IN) == []
    guess = answer(local_api, nobody.body["session"], code="123456")
    assert (guess.status, guess.body["code"]) == (400, "InvalidCode")  # what a wrong code for a real account gets


def test_a_user_with_email_mfa_signs_in_with_the_emailed_code(local_api: LocalApiProcess) -> None:
    email, access = new_user(local_api)
    turned_on = http("PUT", f"{local_api.url}/auth/mfa", {"email": True, "preferred": "email"}, token=access)
    assert (turned_on.status, turned_on.body) == (200, {"enabled": ["email"], "preferred": "email"})
    sign_out(local_api, access)

    challenge = sign_in(local_api, email, PASSWORD)
    assert challenge.status == 200
    assert challenge.body["challenge"] == "EMAIL_OTP"
    assert "access_token" not in challenge.body
    [code] = codes(local_api, email, SIGN_IN)
    refused = answer(local_api, challenge.body["session"], code=wrong(code))
    assert (refused.status, refused.body["code"]) == (400, "InvalidCode")

    assert signed_in(answer(local_api, challenge.body["session"], code=code))


# Two factors ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("choice", ["totp", "email"])
def test_a_user_with_two_factors_chooses_one(local_api: LocalApiProcess, choice: str) -> None:
    email, access = new_user(local_api)
    secret, _ = enrol_totp(local_api, access)
    url = f"{local_api.url}/auth/mfa"
    # Both factors on and neither preferred: TOTP was preferred when it was verified, so it goes off and on again.
    for change in ({"email": True}, {"totp": False}, {"totp": True}):
        assert http("PUT", url, change, token=access).status == 200, change
    assert mfa_settings(local_api, access) == {"enabled": ["totp", "email"], "preferred": None}
    sign_out(local_api, access)

    choose = sign_in(local_api, email, PASSWORD)
    assert choose.status == 200
    assert (choose.body["challenge"], choose.body["mfa_options"]) == ("SELECT_MFA_TYPE", ["totp", "email"])
    challenge = answer(local_api, choose.body["session"], mfa=choice)
    assert challenge.status == 200

    if choice == "totp":
        assert challenge.body["challenge"] == "SOFTWARE_TOKEN_MFA"
        assert codes(local_api, email, SIGN_IN) == []
        code = later_code(secret)
    else:
        assert challenge.body["challenge"] == "EMAIL_OTP"
        [code] = codes(local_api, email, SIGN_IN)
    assert signed_in(answer(local_api, challenge.body["session"], code=code))


# A pool that requires MFA -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mfa_required() -> Iterator[LocalApiProcess]:
    """`make dev ARGS='--param MfaConfiguration=ON'`: every user must have a second factor."""
    server = LocalApiProcess("--param", "MfaConfiguration=ON")
    yield server
    server.stop()


def set_up_totp_at_sign_in(server: LocalApiProcess, challenge: Reply) -> tuple[str, Reply]:
    assert challenge.status == 200, challenge.body
    assert challenge.body["challenge"] == "MFA_SETUP"
    secret = challenge.body["totp"]["secret"]
    assert f"secret={secret}" in challenge.body["totp"]["otpauth_uri"]
    refused = answer(server, challenge.body["session"], code=wrong(totp.code(secret)))
    assert (refused.status, refused.body["code"]) == (400, "InvalidCode")
    return secret, answer(server, challenge.body["session"], code=totp.code(secret))


def test_a_user_without_a_factor_sets_up_totp_at_sign_in_where_mfa_is_required(mfa_required: LocalApiProcess) -> None:
    email = unique_email()
    sign_up_and_confirm(mfa_required, email, PASSWORD)

    secret, tokens = set_up_totp_at_sign_in(mfa_required, sign_in(mfa_required, email, PASSWORD))

    assert signed_in(tokens), tokens.body
    assert mfa_settings(mfa_required, tokens.body["access_token"])["enabled"] == ["totp"]
    off = http("PUT", f"{mfa_required.url}/auth/mfa", {"totp": False}, token=tokens.body["access_token"])
    assert (off.status, off.body["code"]) == (400, "ValidationFailed")  # the pool requires MFA
    assert "cannot be turned off" in off.body["error"]
    sign_out(mfa_required, tokens.body["access_token"])
    challenge = sign_in(mfa_required, email, PASSWORD)
    assert challenge.body["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert signed_in(answer(mfa_required, challenge.body["session"], code=later_code(secret)))


def test_a_user_an_administrator_created_sets_a_password_then_totp(mfa_required: LocalApiProcess) -> None:
    email = unique_email()
    assert create_user(mfa_required, email).status == 201
    challenge = sign_in(mfa_required, email, TEMPORARY)
    assert challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED"

    _, tokens = set_up_totp_at_sign_in(
        mfa_required, answer(mfa_required, challenge.body["session"], new_password=NEW_PASSWORD)
    )

    assert signed_in(tokens), tokens.body


# docs/local-development.md --------------------------------------------------------------------------------------------


def test_the_challenge_block_of_the_local_development_page_runs_as_written(
    local_api: LocalApiProcess, tmp_path: Path
) -> None:
    """docs/local-development.md's "Sign-in challenges" block, after the lifecycle block's `API`, `post` and `field`,
    against this run's local API with a fresh address: each `post` and `bearer` answers the status its comment says."""
    blocks = bash_blocks(page("docs/local-development.md"))
    lifecycle = next(block for block in blocks if "post /auth/signup" in block)
    [block] = [block for block in blocks if "/_local/admin/users" in block]
    setup = [line for line in lifecycle.splitlines() if line.startswith(("API=", "post()", "field()"))]
    [email] = set(re.findall(r"[\w.+-]+@example\.com", block))
    script = "\n".join(setup).replace("http://127.0.0.1:3000", local_api.url) + "\n" + block
    script = script.replace(email, f"readme-{uuid.uuid4().hex[:8]}@example.com")
    expected = [int(m) for m in re.findall(r"^.*\b(?:post|bearer) /.*#\s*(\d{3})", script, re.MULTILINE)]
    run = run_block(script, tmp_path, "challenges.sh")

    assert run.returncode == 0, run.stderr
    assert len(expected) >= 8
    assert [int(s) for s in re.findall(r"-> HTTP (\d{3})", run.stderr)] == expected
