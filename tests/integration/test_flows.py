"""Whole user journeys through every handler in-process, against moto's Cognito built from template.yaml."""

from __future__ import annotations

from tests.support.cognito import Pool
from tests.support.handlers import call, invoke, make_event
from tests.support.reply import Reply

EMAIL = "jane@example.com"
PASSWORD = "Example-Passw0rd"
NEW_PASSWORD = "Changed-Passw0rd"


def sign_up_and_confirm(email: str = EMAIL, password: str = PASSWORD) -> None:
    assert call("signup", {"email": email, "name": "Jane", "password": password}).status == 201
    assert call("confirm", {"email": email, "code": "123456"}).status == 200


def sign_in(email: str = EMAIL, password: str = PASSWORD) -> Reply:
    return call("signin", {"email": email, "password": password})


def test_signup_registers_an_unconfirmed_user(pool: Pool) -> None:
    reply = call("signup", {"email": EMAIL, "name": "Jane Doe", "password": PASSWORD})

    assert reply.status == 201
    assert reply.body == {
        "message": reply.body["message"],
        "user_confirmed": False,
        "code_delivery": {"destination": "j***@e***", "medium": "EMAIL"},
    }
    user = pool.user(EMAIL)
    assert user["UserStatus"] == "UNCONFIRMED"
    assert {"Name": "name", "Value": "Jane Doe"} in user["UserAttributes"]


def test_unconfirmed_user_cannot_sign_in(pool: Pool) -> None:
    call("signup", {"email": EMAIL, "name": "Jane", "password": PASSWORD})

    reply = sign_in()

    assert (reply.status, reply.body["code"]) == (403, "UserNotConfirmed")


def test_full_lifecycle(pool: Pool, moto_jwks: list[str]) -> None:
    sign_up_and_confirm()
    assert pool.user(EMAIL)["UserStatus"] == "CONFIRMED"

    tokens = sign_in()
    assert tokens.status == 200
    assert set(tokens.body) == {"access_token", "id_token", "refresh_token", "expires_in", "token_type"}
    assert tokens.body["token_type"] == "Bearer"

    data = call("get_data", token=tokens.body["access_token"])
    assert data.status == 200
    sub = next(a["Value"] for a in pool.user(EMAIL)["UserAttributes"] if a["Name"] == "sub")
    assert data.body["sub"] == sub
    assert data.body["data"]

    # The refresh token alone; the template's client rotates it, so the answer carries the next one.
    refreshed = call("refresh", {"refresh_token": tokens.body["refresh_token"]})
    assert refreshed.status == 200, refreshed.body
    assert set(refreshed.body) == {"access_token", "id_token", "refresh_token", "expires_in", "token_type"}
    assert refreshed.body["refresh_token"] != tokens.body["refresh_token"]
    assert call("get_data", token=refreshed.body["access_token"]).status == 200
    # A client of the first version still sends `username`: ignored, whatever it holds.
    old_client = call("refresh", {"refresh_token": refreshed.body["refresh_token"], "username": EMAIL})
    assert old_client.status == 200, old_client.body

    out = call("signout", token=old_client.body["access_token"])
    assert out.status == 200
    for refresh_token in (tokens.body["refresh_token"], old_client.body["refresh_token"]):
        again = call("refresh", {"refresh_token": refresh_token})
        assert (again.status, again.body["code"]) == (401, "InvalidToken")
    assert call("signout", token=old_client.body["access_token"]).status == 401

    assert call("forgot_password", {"email": EMAIL}).body == {"message": "Verification code sent to your email"}
    reset = call("reset_password", {"email": EMAIL, "otp": "123456", "new_password": NEW_PASSWORD})
    assert reset.status == 200
    assert reset.body == {"message": "Password reset successful"}
    assert sign_in(password=PASSWORD).status == 401
    assert sign_in(password=NEW_PASSWORD).status == 200


def test_reset_password_accepts_the_original_apps_field_names(pool: Pool) -> None:
    sign_up_and_confirm()
    call("forgot_password", {"email": EMAIL})

    reply = call("reset_password", {"email": EMAIL, "code": "123456", "password": NEW_PASSWORD})

    assert reply.status == 200
    assert sign_in(password=NEW_PASSWORD).status == 200


def test_getdata_trusts_the_authorizer_claims(pool: Pool) -> None:
    event_claims = {"sub": "abc-123", "username": "abc-123", "scope": "aws.cognito.signin.user.admin"}
    event = make_event("get_data")
    event["requestContext"]["authorizer"] = {"claims": event_claims}
    reply = invoke("get_data", event)

    assert reply.status == 200
    assert reply.body["sub"] == "abc-123"


def test_getdata_without_token_serves_nothing(pool: Pool, moto_jwks: list[str]) -> None:
    reply = call("get_data")

    assert reply.status == 401
    assert reply.body == {"error": reply.body["error"], "code": "InvalidToken"}
    assert "data" not in reply.body


def test_getdata_refuses_an_id_token(pool: Pool, moto_jwks: list[str]) -> None:
    sign_up_and_confirm()
    tokens = sign_in().body

    assert call("get_data", token=tokens["id_token"]).status == 401


def test_new_password_required_challenge_is_returned_not_a_crash(pool: Pool) -> None:
    pool.client.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=EMAIL,
        TemporaryPassword="Temp-Passw0rd",
        MessageAction="SUPPRESS",
    )

    reply = sign_in(password="Temp-Passw0rd")

    assert reply.status == 200
    assert reply.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert reply.body["session"]
