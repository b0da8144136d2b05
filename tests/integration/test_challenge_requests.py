"""What the challenge routes send Cognito, exactly (botocore's Stubber checks every parameter): answers name the user
by the internal username Cognito returned as USER_ID_FOR_SRP, never the email, with SECRET_HASH over that name; the
client only ever echoes one opaque session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from cognito_auth.aws import cognito_client
from tests.support.handlers import call, reset_caches

POOL_ID, CLIENT_ID, SECRET = "us-east-1_Example", "exampleclientid", "the-app-client-secret"
EMAIL, PASSWORD = "jane@example.com", "Correct-Horse1"
SUB = "3f6c2a7e-9b1d-4c8e-a2f5-6d7e8f901234"
COGNITO_SESSION = "AYABeCognitoSession" + "x" * 40
TOKENS = {"AccessToken": "a.b.c", "IdToken": "i.d.t", "RefreshToken": "r.e.f", "ExpiresIn": 900, "TokenType": "Bearer"}


def secret_hash(username: str) -> str:
    return base64.b64encode(
        hmac.new(SECRET.encode(), (username + CLIENT_ID).encode(), hashlib.sha256).digest()
    ).decode()


@pytest.fixture
def cognito(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    monkeypatch.setenv("USER_POOL_ID", POOL_ID)
    monkeypatch.setenv("USER_POOL_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("USER_POOL_CLIENT_SECRET", SECRET)
    monkeypatch.delenv("USER_POOL_CLIENT_SECRET_ARN", raising=False)
    monkeypatch.setenv("EMAIL_SIGN_IN", "true")
    monkeypatch.setenv("EMAIL_MFA", "true")
    reset_caches()
    with Stubber(cognito_client()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    reset_caches()


def challenged(
    stubber: Stubber, name: str, parameters: dict[str, str] | None = None, *, then: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Sign in with the password and meet `name` (after which Cognito is asked what `then` queues); the answer."""
    stubber.add_response(
        "initiate_auth",
        {
            "ChallengeName": name,
            "Session": COGNITO_SESSION,
            "ChallengeParameters": {"USER_ID_FOR_SRP": SUB, **(parameters or {})},
        },
        {
            "ClientId": CLIENT_ID,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": EMAIL, "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash(EMAIL)},
        },
    )
    if then is not None:
        then()
    reply = call("signin", {"email": EMAIL, "password": PASSWORD})
    assert reply.status == 200, reply.body
    assert reply.body["challenge"] == name
    assert SUB not in reply.body["session"]
    assert COGNITO_SESSION not in reply.body["session"]
    return dict(reply.body)


def set_up_at_sign_in(stubber: Stubber) -> dict[str, Any]:
    """Sign in on a pool that requires MFA, as a user with none: TOTP is set up at sign-in (MFA_SETUP)."""

    def associate() -> None:
        stubber.add_response(
            "associate_software_token",
            {"SecretCode": "JBSWY3DPEHPK3PXP", "Session": COGNITO_SESSION + "3"},
            {"Session": COGNITO_SESSION},
        )

    return challenged(stubber, "MFA_SETUP", {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}, then=associate)


def expect_answer(stubber: Stubber, name: str, responses: dict[str, str], session: str = COGNITO_SESSION) -> None:
    stubber.add_response(
        "respond_to_auth_challenge",
        {"AuthenticationResult": TOKENS},
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": name,
            "Session": session,
            # The internal username, and SECRET_HASH over it: with the email, Cognito refuses the hash.
            "ChallengeResponses": {"USERNAME": SUB, "SECRET_HASH": secret_hash(SUB), **responses},
        },
    )


def test_a_new_password_is_answered_for_the_internal_username(cognito: Stubber) -> None:
    body = challenged(cognito, "NEW_PASSWORD_REQUIRED", {"requiredAttributes": "[]"})
    expect_answer(cognito, "NEW_PASSWORD_REQUIRED", {"NEW_PASSWORD": "Brand-New-Passw0rd"})

    reply = call("answer_challenge", {"session": body["session"], "new_password": "Brand-New-Passw0rd"})

    assert (reply.status, reply.body["access_token"], reply.body["refresh_token"]) == (200, "a.b.c", "r.e.f")


def test_a_weak_new_password_is_refused_before_cognito(cognito: Stubber) -> None:
    body = challenged(cognito, "NEW_PASSWORD_REQUIRED")

    reply = call("answer_challenge", {"session": body["session"], "new_password": "weak"})

    assert (reply.status, reply.body["code"]) == (400, "InvalidPassword")


@pytest.mark.parametrize(
    ("name", "key"), [("SOFTWARE_TOKEN_MFA", "SOFTWARE_TOKEN_MFA_CODE"), ("EMAIL_OTP", "EMAIL_OTP_CODE")]
)
def test_an_mfa_code_is_answered_under_its_challenges_key(cognito: Stubber, name: str, key: str) -> None:
    body = challenged(cognito, name, {"CODE_DELIVERY_DESTINATION": "j***@e***"} if name == "EMAIL_OTP" else {})
    if name == "EMAIL_OTP":
        assert body["code_delivery"] == {"destination": "j***@e***", "medium": "EMAIL"}
    expect_answer(cognito, name, {key: "123456"})

    reply = call("answer_challenge", {"session": body["session"], "code": "123456", "challenge": name})

    assert reply.status == 200
    assert reply.body["access_token"] == "a.b.c"


def test_a_choice_of_factor_is_offered_by_the_apis_names_and_answered_by_cognitos(cognito: Stubber) -> None:
    body = challenged(cognito, "SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'})
    assert body["mfa_options"] == ["totp", "email"]
    cognito.add_response(
        "respond_to_auth_challenge",
        {"ChallengeName": "EMAIL_OTP", "Session": COGNITO_SESSION + "2", "ChallengeParameters": {}},
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "SELECT_MFA_TYPE",
            "Session": COGNITO_SESSION,
            "ChallengeResponses": {"USERNAME": SUB, "SECRET_HASH": secret_hash(SUB), "ANSWER": "EMAIL_OTP"},
        },
    )

    reply = call("answer_challenge", {"session": body["session"], "mfa": "email"})

    # The next challenge keeps the internal username inside its own session.
    assert (reply.status, reply.body["challenge"]) == (200, "EMAIL_OTP")
    expect_answer(cognito, "EMAIL_OTP", {"EMAIL_OTP_CODE": "654321"}, session=COGNITO_SESSION + "2")
    assert call("answer_challenge", {"session": reply.body["session"], "code": "654321"}).status == 200


def test_totp_is_set_up_at_sign_in_when_the_pool_requires_mfa(cognito: Stubber) -> None:
    body = set_up_at_sign_in(cognito)
    assert body["totp"]["secret"] == "JBSWY3DPEHPK3PXP"
    assert body["totp"]["otpauth_uri"].startswith("otpauth://totp/")
    assert "secret=JBSWY3DPEHPK3PXP" in body["totp"]["otpauth_uri"]
    cognito.add_response(
        "verify_software_token",
        {"Status": "SUCCESS", "Session": COGNITO_SESSION + "4"},
        {"Session": COGNITO_SESSION + "3", "UserCode": "123456"},
    )
    expect_answer(cognito, "MFA_SETUP", {}, session=COGNITO_SESSION + "4")

    reply = call("answer_challenge", {"session": body["session"], "code": "123456"})

    assert (reply.status, reply.body["id_token"]) == (200, "i.d.t")


def test_an_answer_that_does_not_fit_the_sessions_challenge_is_refused(cognito: Stubber) -> None:
    body = challenged(cognito, "SOFTWARE_TOKEN_MFA")

    wrong_challenge = call("answer_challenge", {"session": body["session"], "code": "1", "challenge": "EMAIL_OTP"})
    no_code = call("answer_challenge", {"session": body["session"], "new_password": "Brand-New-Passw0rd"})

    assert (wrong_challenge.status, wrong_challenge.body["code"]) == (400, "ValidationFailed")
    assert (no_code.status, no_code.body["code"]) == (400, "ValidationFailed")
    assert "'code' is required" in no_code.body["error"]


def test_a_used_or_expired_cognito_session_is_a_401(cognito: Stubber) -> None:
    body = challenged(cognito, "SOFTWARE_TOKEN_MFA")
    cognito.add_client_error("respond_to_auth_challenge", "NotAuthorizedException", "Invalid session for the user.")

    reply = call("answer_challenge", {"session": body["session"], "code": "123456"})

    assert (reply.status, reply.body["code"]) == (401, "InvalidToken")


def test_a_wrong_code_is_a_400_and_the_session_still_answers(cognito: Stubber) -> None:
    body = challenged(cognito, "SOFTWARE_TOKEN_MFA")
    cognito.add_client_error("respond_to_auth_challenge", "CodeMismatchException", "Invalid code received for user")
    expect_answer(cognito, "SOFTWARE_TOKEN_MFA", {"SOFTWARE_TOKEN_MFA_CODE": "222222"})

    wrong = call("answer_challenge", {"session": body["session"], "code": "111111"})
    right = call("answer_challenge", {"session": body["session"], "code": "222222"})

    assert (wrong.status, wrong.body["code"]) == (400, "InvalidCode")
    assert right.status == 200


def test_a_session_sealed_an_age_ago_is_refused_without_asking_cognito(
    cognito: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = challenged(cognito, "SOFTWARE_TOKEN_MFA")
    later = time.time() + 181
    monkeypatch.setattr(time, "time", lambda: later)

    reply = call("answer_challenge", {"session": body["session"], "code": "123456"})

    assert (reply.status, reply.body["code"]) == (401, "InvalidToken")


def test_passwordless_sign_in_starts_the_user_auth_flow_with_an_email_code(cognito: Stubber) -> None:
    cognito.add_response(
        "initiate_auth",
        {"ChallengeName": "EMAIL_OTP", "Session": COGNITO_SESSION, "ChallengeParameters": {"USER_ID_FOR_SRP": SUB}},
        {
            "ClientId": CLIENT_ID,
            "AuthFlow": "USER_AUTH",
            "AuthParameters": {
                "USERNAME": EMAIL,
                "PREFERRED_CHALLENGE": "EMAIL_OTP",
                "SECRET_HASH": secret_hash(EMAIL),
            },
        },
    )
    started = call("email_sign_in", {"email": EMAIL})
    assert started.status == 200
    assert started.body["challenge"] == "EMAIL_OTP"
    expect_answer(cognito, "EMAIL_OTP", {"EMAIL_OTP_CODE": "123456"})

    reply = call("answer_challenge", {"session": started.body["session"], "code": "123456"})

    assert reply.status == 200


def test_passwordless_sign_in_answers_an_unknown_address_alike_and_accepts_no_code(cognito: Stubber) -> None:
    cognito.add_client_error("initiate_auth", "UserNotFoundException", "User does not exist.")

    started = call("email_sign_in", {"email": "nobody@example.com"})
    answered = call("answer_challenge", {"session": started.body["session"], "code": "123456"})

    assert started.status == 200
    assert set(started.body) == {"challenge", "session", "code_delivery"}
    assert started.body["code_delivery"] == {"destination": "n***@e***", "medium": "EMAIL"}
    assert (answered.status, answered.body["code"]) == (400, "InvalidCode")  # as a wrong code for a real account


def test_passwordless_sign_in_is_a_clear_403_where_the_stack_has_it_off(
    cognito: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMAIL_SIGN_IN", "false")
    reset_caches()

    reply = call("email_sign_in", {"email": EMAIL})

    assert (reply.status, reply.body["code"]) == (403, "FeatureDisabled")


@pytest.mark.parametrize("session", ["", "x" * 9000, "not a session!", "AAAA"], ids=["empty", "huge", "bad", "short"])
def test_a_malformed_session_is_refused_without_asking_cognito(cognito: Stubber, session: str) -> None:
    reply = call("answer_challenge", {"session": session, "code": "123456"})

    assert reply.status in (400, 401)
    assert reply.body["code"] in ("ValidationFailed", "InvalidToken")


def test_a_session_never_reaches_the_logs_or_other_answers(
    cognito: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    body = challenged(cognito, "SOFTWARE_TOKEN_MFA")
    cognito.add_client_error("respond_to_auth_challenge", "CodeMismatchException", "Invalid code received for user")

    call("answer_challenge", {"session": body["session"], "code": "111111"})

    logged = capsys.readouterr().out
    for secret in (body["session"], COGNITO_SESSION, "111111", PASSWORD):
        assert secret not in logged


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef"])
def test_a_totp_set_up_code_that_is_not_six_digits_is_a_wrong_code_without_asking_cognito(
    cognito: Stubber, code: str
) -> None:
    body = set_up_at_sign_in(cognito)

    reply = call("answer_challenge", {"session": body["session"], "code": code})

    assert (reply.status, reply.body["code"]) == (400, "InvalidCode")
