"""The whole lifecycle over real HTTP against `make dev`'s server, reading codes as a developer does."""

from __future__ import annotations

from jose import jwt

from local_api import template
from tests.support.local_api import LocalApiProcess, codes, http, sign_in, sign_up_and_confirm, unique_email, wrong

PASSWORD = "Correct-Horse1"
NEW_PASSWORD = "Battery-Staple2"
CLIENT = template.user_pool_client_kwargs(template.load_template(), "local")
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def test_sign_up_then_confirm_with_the_code_from_the_outbox(local_api: LocalApiProcess) -> None:
    email, url = unique_email(), local_api.url
    signup = http("POST", f"{url}/auth/signup", {"email": email, "name": "Dev", "password": PASSWORD})
    assert signup.status == 201
    assert signup.body["user_confirmed"] is False

    [code] = codes(local_api, email, "confirm-sign-up")
    assert len(code) == 6
    assert code.isdigit()
    assert f"confirm-sign-up code for {email}: {code}" in local_api.output()  # shown on the console too
    early = sign_in(local_api, email, PASSWORD)
    assert (early.status, early.body["code"]) == (403, "UserNotConfirmed")

    refused = http("POST", f"{url}/auth/confirm", {"email": email, "code": wrong(code)})
    assert (refused.status, refused.body["code"]) == (400, "InvalidCode")

    assert http("POST", f"{url}/auth/confirm", {"email": email, "code": code}).status == 200
    reused = http("POST", f"{url}/auth/confirm", {"email": email, "code": code})
    assert (reused.status, reused.body["code"]) == (400, "InvalidCode")
    assert sign_in(local_api, email, PASSWORD).status == 200


def test_resend_code_issues_a_new_code_and_the_old_one_stops_working(local_api: LocalApiProcess) -> None:
    email, url = unique_email(), local_api.url
    assert http("POST", f"{url}/auth/signup", {"email": email, "name": "Dev", "password": PASSWORD}).status == 201
    assert http("POST", f"{url}/auth/resend-code", {"email": email}).status == 200

    first, second = codes(local_api, email, "confirm-sign-up")
    if first != second:  # one chance in a million that the new code is the old one
        stale = http("POST", f"{url}/auth/confirm", {"email": email, "code": first})
        assert (stale.status, stale.body["code"]) == (400, "InvalidCode")
    assert http("POST", f"{url}/auth/confirm", {"email": email, "code": second}).status == 200

    # A confirmed user gets no new code, with the same answer as anyone else.
    again = http("POST", f"{url}/auth/resend-code", {"email": email})
    assert again.status == 200
    assert len(codes(local_api, email, "confirm-sign-up")) == 2


def test_session_sign_in_get_data_refresh_sign_out(local_api: LocalApiProcess) -> None:
    email, url = unique_email(), local_api.url
    sign_up_and_confirm(local_api, email, PASSWORD)

    tokens = sign_in(local_api, email, PASSWORD)
    assert tokens.status == 200
    assert tokens.body["token_type"] == "Bearer"
    sub = jwt.get_unverified_claims(tokens.body["access_token"])["sub"]

    data = http("GET", f"{url}/getData", token=tokens.body["access_token"])
    assert data.status == 200
    assert data.body["sub"] == sub

    # The refresh token alone; the template's client rotates it, so the answer carries the next one.
    refreshed = http("POST", f"{url}/auth/refresh", {"refresh_token": tokens.body["refresh_token"]})
    assert refreshed.status == 200
    assert refreshed.body["refresh_token"] != tokens.body["refresh_token"]
    assert http("GET", f"{url}/getData", token=refreshed.body["access_token"]).status == 200
    # An app of the first version sends `username` too: ignored.
    old_app = http("POST", f"{url}/auth/refresh", {"refresh_token": refreshed.body["refresh_token"], "username": sub})
    assert old_app.status == 200

    assert http("POST", f"{url}/auth/signout", token=tokens.body["access_token"]).status == 200
    for refresh_token in (tokens.body["refresh_token"], old_app.body["refresh_token"]):
        refused = http("POST", f"{url}/auth/refresh", {"refresh_token": refresh_token})
        assert (refused.status, refused.body["code"]) == (401, "InvalidToken")


def test_forgot_and_reset_password_with_the_code_from_the_outbox(local_api: LocalApiProcess) -> None:
    email, url = unique_email(), local_api.url
    sign_up_and_confirm(local_api, email, PASSWORD)

    assert http("POST", f"{url}/auth/forgot-password", {"email": email}).status == 200
    [code] = codes(local_api, email, "reset-password")

    refused = http(
        "POST", f"{url}/auth/reset-password", {"email": email, "otp": wrong(code), "new_password": NEW_PASSWORD}
    )
    assert (refused.status, refused.body["code"]) == (400, "InvalidCode")
    assert sign_in(local_api, email, NEW_PASSWORD).status == 401  # nothing changed

    reset = http("POST", f"{url}/auth/reset-password", {"email": email, "otp": code, "new_password": NEW_PASSWORD})
    assert reset.body == {"message": "Password reset successful"}
    reused = http("POST", f"{url}/auth/reset-password", {"email": email, "otp": code, "new_password": PASSWORD})
    assert (reused.status, reused.body["code"]) == (400, "InvalidCode")

    old = sign_in(local_api, email, PASSWORD)
    assert (old.status, old.body["code"]) == (401, "InvalidCredentials")
    assert sign_in(local_api, email, NEW_PASSWORD).status == 200


def test_unknown_emails_get_the_same_answers_and_no_code(local_api: LocalApiProcess) -> None:
    email, url = unique_email(), local_api.url
    assert http("POST", f"{url}/auth/forgot-password", {"email": email}).body == {
        "message": "Verification code sent to your email"
    }
    assert http("POST", f"{url}/auth/resend-code", {"email": email}).status == 200
    assert http("GET", f"{url}/_local/outbox?to={email}").body == []


def test_tokens_live_as_long_as_the_templates_app_client_says(local_api: LocalApiProcess) -> None:
    """expires_in and each token's exp come from the template's UserPoolClient (15 minutes by default), not moto's
    hour."""
    units = CLIENT["TokenValidityUnits"]
    access = CLIENT["AccessTokenValidity"] * UNIT_SECONDS[units["AccessToken"]]
    id_lifetime = CLIENT["IdTokenValidity"] * UNIT_SECONDS[units["IdToken"]]
    email = unique_email()
    sign_up_and_confirm(local_api, email, PASSWORD)

    tokens = sign_in(local_api, email, PASSWORD).body
    refreshed = http("POST", f"{local_api.url}/auth/refresh", {"refresh_token": tokens["refresh_token"]}).body

    for body in (tokens, refreshed):
        assert body["expires_in"] == access
        access_claims = jwt.get_unverified_claims(body["access_token"])
        id_claims = jwt.get_unverified_claims(body["id_token"])
        assert access_claims["exp"] - access_claims["iat"] == access
        assert id_claims["exp"] - id_claims["iat"] == id_lifetime
