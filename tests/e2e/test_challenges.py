"""The deployed API's sign-in challenges, walked as a mobile app walks them: a user an administrator created sets a
new password; a user enrols TOTP, signs out, signs in and answers with a code (a wrong one first); a user signs in by
emailed code; a user with two factors chooses one. TOTP codes are computed by the test, as an authenticator app
computes them; emailed codes are read where the stack lets a test read them (`mailbox`), and otherwise the walk
stops there, saying why. A feature the stack has off (email MFA and emailed codes need SES) skips its walk."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Mailbox, Stack, confirmed_user, password
from tests.support import totp
from tests.support.reply import Reply

SIGN_IN = "sign-in"


def signed_in(reply: Reply) -> bool:
    return reply.status == 200 and {"access_token", "id_token", "refresh_token"} <= set(reply.body)


def sign_in(stack: Stack, email: str, secret: str) -> Reply:
    return stack.call("POST", "/auth/signin", {"email": email, "password": secret})


def answer(stack: Stack, session: str, **fields: str) -> Reply:
    return stack.call("POST", "/auth/challenge", {"session": session, **fields})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def enrol_totp(stack: Stack, access_token: str) -> tuple[str, int]:
    """Set up TOTP with a code from the secret; the secret and the step of that code (spent now)."""
    setup = stack.call("POST", "/auth/mfa/totp", token=access_token)
    assert setup.status == 200, setup.body
    secret = setup.body["secret"]
    assert f"secret={secret}" in setup.body["otpauth_uri"]
    used = totp.step()
    verified = stack.call("POST", "/auth/mfa/totp/verify", {"code": totp.code(secret)}, token=access_token)
    assert verified.status == 200, verified.body
    return secret, used


def mfa_settings(stack: Stack, access_token: str) -> dict[str, Any]:
    reply = stack.call("GET", "/auth/mfa", token=access_token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def skip_if_off(reply: Reply, what: str) -> None:
    if reply.status == 403 and isinstance(reply.body, dict) and reply.body.get("code") == "FeatureDisabled":
        pytest.skip(f"this stack has {what} off (it needs SES and the Essentials plan: docs/deploy.md)")


def test_a_user_an_administrator_created_sets_a_new_password_and_gets_tokens(stack: Stack) -> None:
    email, temporary, chosen = stack.new_email(), password(), password()
    stack.admin(
        "admin_create_user",
        Username=email,
        TemporaryPassword=temporary,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )

    challenge = sign_in(stack, email, temporary)
    assert challenge.status == 200, challenge.body
    assert challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert "access_token" not in challenge.body
    tokens = answer(stack, challenge.body["session"], new_password=chosen)

    assert signed_in(tokens), tokens.body
    assert stack.call("GET", "/getData", token=tokens.body["access_token"]).status == 200
    reused = answer(stack, challenge.body["session"], new_password=password())
    assert (reused.status, reused.body["code"]) == (401, "InvalidToken")
    assert sign_in(stack, email, temporary).status == 401
    assert signed_in(sign_in(stack, email, chosen))
    assert stack.admin("admin_get_user", Username=email)["UserStatus"] == "CONFIRMED"


def test_a_user_enrols_totp_signs_out_and_signs_in_with_a_code(stack: Stack) -> None:
    email, secret_password = confirmed_user(stack)
    tokens = sign_in(stack, email, secret_password)
    assert signed_in(tokens), tokens.body
    access = tokens.body["access_token"]
    secret, used = enrol_totp(stack, access)
    assert mfa_settings(stack, access) == {"enabled": ["totp"], "preferred": "totp"}
    assert stack.call("POST", "/auth/signout", token=access).status == 200

    challenge = sign_in(stack, email, secret_password)
    assert challenge.status == 200, challenge.body
    assert challenge.body["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert "access_token" not in challenge.body
    code = totp.next_step_code(secret, used)  # the enrolment's code is spent
    refused = answer(stack, challenge.body["session"], code=wrong(code))
    assert (refused.status, refused.body["code"]) == (400, "InvalidCode")

    signed = answer(stack, challenge.body["session"], code=code)
    assert signed_in(signed), signed.body
    assert stack.call("GET", "/getData", token=signed.body["access_token"]).status == 200


def test_a_user_signs_in_with_an_emailed_code(stack: Stack, mailbox: Mailbox) -> None:
    email, _ = confirmed_user(stack)

    started = stack.call("POST", "/auth/signin/email-code", {"email": email})
    skip_if_off(started, "sign-in by emailed code")
    nobody = stack.call("POST", "/auth/signin/email-code", {"email": stack.new_email()})
    assert started.status == nobody.status == 200, (started.body, nobody.body)
    assert started.body["challenge"] == nobody.body["challenge"] == "EMAIL_OTP"
    assert set(started.body) == set(nobody.body)
    guess = answer(stack, nobody.body["session"], code="123456")
    assert (guess.status, guess.body["code"]) == (400, "InvalidCode")

    code = mailbox.code(email, SIGN_IN)
    refused = answer(stack, started.body["session"], code=wrong(code))
    assert (refused.status, refused.body["code"]) == (400, "InvalidCode")
    tokens = answer(stack, started.body["session"], code=code)
    assert signed_in(tokens), tokens.body


@pytest.mark.parametrize("choice", ["totp", "email"])
def test_a_user_with_two_factors_chooses_one(stack: Stack, mailbox: Mailbox, choice: str) -> None:
    if choice == "email":
        mailbox.require()  # before Cognito sends anything
    email, secret_password = confirmed_user(stack)
    access = sign_in(stack, email, secret_password).body["access_token"]
    secret, used = enrol_totp(stack, access)
    skip_if_off(stack.call("PUT", "/auth/mfa", {"email": True}, token=access), "email MFA")
    # TOTP became the preferred factor when it was verified: off and on again leaves neither preferred.
    for change in ({"totp": False}, {"totp": True}):
        changed = stack.call("PUT", "/auth/mfa", change, token=access)
        assert changed.status == 200, (change, changed.body)
    assert mfa_settings(stack, access) == {"enabled": ["totp", "email"], "preferred": None}
    assert stack.call("POST", "/auth/signout", token=access).status == 200

    choose = sign_in(stack, email, secret_password)
    assert choose.status == 200, choose.body
    assert (choose.body["challenge"], choose.body["mfa_options"]) == ("SELECT_MFA_TYPE", ["totp", "email"])
    challenge = answer(stack, choose.body["session"], mfa=choice)
    assert challenge.status == 200, challenge.body

    if choice == "totp":
        assert challenge.body["challenge"] == "SOFTWARE_TOKEN_MFA"
        code = totp.next_step_code(secret, used)
    else:
        assert challenge.body["challenge"] == "EMAIL_OTP"
        code = mailbox.code(email, SIGN_IN)
    tokens = answer(stack, challenge.body["session"], code=code)
    assert signed_in(tokens), tokens.body
