"""The deployed API over HTTPS, as a mobile app uses it: sign up, confirm, sign in, call the protected endpoint,
refresh, sign out, recover a password; and API Gateway's authorizer refusing every token it should."""

from __future__ import annotations

import base64
import json

from tests.e2e.conftest import Stack, password

UNAUTHORIZED = {"message": "Unauthorized"}  # API Gateway's own answer: the function never ran


def sign_up_and_confirm(stack: Stack) -> tuple[str, str]:
    email, secret = stack.new_email(), password()
    reply = stack.call("POST", "/auth/signup", {"email": email, "name": "E2E Test", "password": secret})
    assert reply.status == 201, reply.body
    # The code went to the mailbox simulator; an administrator confirms instead, as support staff would.
    stack.admin("admin_confirm_sign_up", Username=email)
    return email, secret


def sub_of(stack: Stack, email: str) -> str:
    attributes = stack.admin("admin_get_user", Username=email)["UserAttributes"]
    return str(next(a["Value"] for a in attributes if a["Name"] == "sub"))


def test_whole_session_lifecycle(stack: Stack) -> None:
    email, secret = stack.new_email(), password()

    signup = stack.call("POST", "/auth/signup", {"email": email, "name": "E2E Test", "password": secret})
    assert signup.status == 201, signup.body
    assert signup.body["user_confirmed"] is False
    assert signup.body["code_delivery"]["medium"] == "EMAIL"
    assert email not in json.dumps(signup.body)  # the destination is masked

    unconfirmed = stack.call("POST", "/auth/signin", {"email": email, "password": secret})
    assert (unconfirmed.status, unconfirmed.body["code"]) == (403, "UserNotConfirmed")
    wrong_code = stack.call("POST", "/auth/confirm", {"email": email, "code": "000000"})
    assert (wrong_code.status, wrong_code.body["code"]) == (400, "InvalidCode")
    assert stack.call("POST", "/auth/resend-code", {"email": email}).status == 200

    stack.admin("admin_confirm_sign_up", Username=email)
    tokens = stack.call("POST", "/auth/signin", {"email": email, "password": secret})
    assert tokens.status == 200, tokens.body
    assert tokens.body["token_type"] == "Bearer"

    data = stack.call("GET", "/getData", token=tokens.body["access_token"])
    assert data.status == 200, data.body
    sub = sub_of(stack, email)
    assert data.body["sub"] == sub

    refreshed = stack.call("POST", "/auth/refresh", {"refresh_token": tokens.body["refresh_token"], "username": sub})
    assert refreshed.status == 200, refreshed.body
    assert stack.call("GET", "/getData", token=refreshed.body["access_token"]).status == 200

    assert stack.call("POST", "/auth/signout", token=refreshed.body["access_token"]).status == 200
    # Signed out: the refresh token is revoked, and Cognito refuses the access token for sign-out.
    again = stack.call("POST", "/auth/refresh", {"refresh_token": tokens.body["refresh_token"], "username": sub})
    assert again.status == 401, again.body
    assert stack.call("POST", "/auth/signout", token=refreshed.body["access_token"]).status == 401


def test_wrong_password_and_unknown_user_get_the_same_answer(stack: Stack) -> None:
    email, _ = sign_up_and_confirm(stack)

    wrong = stack.call("POST", "/auth/signin", {"email": email, "password": password()})
    unknown = stack.call("POST", "/auth/signin", {"email": stack.new_email(), "password": password()})

    assert wrong.status == unknown.status == 401
    assert wrong.body == unknown.body


def test_password_recovery(stack: Stack) -> None:
    email, old = sign_up_and_confirm(stack)

    known = stack.call("POST", "/auth/forgot-password", {"email": email})
    unknown = stack.call("POST", "/auth/forgot-password", {"email": stack.new_email()})
    assert known.status == unknown.status == 200
    assert known.body == unknown.body == {"message": "Verification code sent to your email"}

    new = password()
    wrong = stack.call("POST", "/auth/reset-password", {"email": email, "otp": "000000", "new_password": new})
    assert (wrong.status, wrong.body["code"]) == (400, "InvalidCode")

    # The emailed code cannot be read here: an administrator sets the new password, as support staff would.
    stack.admin("admin_set_user_password", Username=email, Password=new, Permanent=True)
    assert stack.call("POST", "/auth/signin", {"email": email, "password": new}).status == 200
    assert stack.call("POST", "/auth/signin", {"email": email, "password": old}).status == 401


def tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "00000000-0000-0000-0000-000000000000"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_the_authorizer_refuses_bad_tokens_before_the_function_runs(stack: Stack) -> None:
    email, secret = sign_up_and_confirm(stack)
    tokens = stack.call("POST", "/auth/signin", {"email": email, "password": secret}).body
    unsigned = tokens["access_token"].rsplit(".", 1)[0] + "."

    refused = {
        "no token": stack.call("GET", "/getData"),
        "garbage": stack.call("GET", "/getData", token="not-a-jwt"),
        "id token (no scope)": stack.call("GET", "/getData", token=tokens["id_token"]),
        "refresh token": stack.call("GET", "/getData", token=tokens["refresh_token"]),
        "tampered payload": stack.call("GET", "/getData", token=tamper(tokens["access_token"])),
        "no signature": stack.call("GET", "/getData", token=unsigned),
    }

    assert {name: reply.status for name, reply in refused.items()} == dict.fromkeys(refused, 401)
    assert {name: reply.body for name, reply in refused.items()} == dict.fromkeys(refused, UNAUTHORIZED)
    assert stack.call("GET", "/getData", token=tokens["access_token"]).status == 200


def test_bad_input_gets_a_4xx_with_a_stable_code(stack: Stack) -> None:
    reply = stack.call("POST", "/auth/signup", {"email": "not-an-email", "name": "x", "password": "short"})

    assert 400 <= reply.status < 500
    assert set(reply.body) == {"error", "code"}
