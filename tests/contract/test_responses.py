"""What the real handlers answer, in-process against moto's Cognito (botocore's Stubber where moto cannot answer),
is what openapi.yaml documents for that operation and status: body, content type and required headers.

Adding a route: its function's valid request and the Cognito calls it makes go in VALID (one entry per path through
the function that calls other operations), which runs it against every error Cognito declares for each call; then
a test of each answer a client must be able to tell apart (the success shapes, and the codes its route documents).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.session
import msgspec
import pytest
from botocore import xform_name
from botocore.stub import Stubber
from werkzeug.datastructures import Headers

from tests.contract.openapi import behind_authorizer, contract, route_of, template_routes
from tests.contract.test_spec import BEARER_ROUTES, REQUEST_MODELS
from tests.support.cognito import Pool
from tests.support.handlers import invoke, make_event, reset_caches
from tests.support.reply import Reply

EMAIL = "jane@example.com"
PASSWORD = "Example-Passw0rd"
NEW_PASSWORD = "Changed-Passw0rd"
SUB = "3f6c2a7e-9b1d-4c8e-a2f5-6d7e8f901234"
# A secret as long as Cognito makes them: botocore refuses a ClientSecret under 24 characters.
CLIENT_ID, CLIENT_SECRET = "contractclient", "1contract2client3secret4for5the6offline7tests"
COGNITO_SESSION = "AYABeCognitoSession" + "x" * 40
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
AUTH_RESULT = {
    "AccessToken": "access.token.value",
    "IdToken": "id.token.value",
    "RefreshToken": "refresh.token.value",
    "ExpiresIn": 3600,
    "TokenType": "Bearer",
}
USER: dict[str, Any] = {
    "Username": SUB,
    "UserAttributes": [
        {"Name": "sub", "Value": SUB},
        {"Name": "email", "Value": EMAIL},
        {"Name": "email_verified", "Value": "true"},
        {"Name": "name", "Value": "Jane Doe"},
    ],
    "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
    "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
}


def challenge(name: str, **parameters: str) -> dict[str, Any]:
    """InitiateAuth's or RespondToAuthChallenge's answer when Cognito asks for `name`."""
    parameters = {"USER_ID_FOR_SRP": SUB, **parameters}
    return {"ChallengeName": name, "Session": COGNITO_SESSION, "ChallengeParameters": parameters}


@dataclass(frozen=True)
class Sealed:
    """In a VALID body: the challenge session the API would have issued for `challenge`, sealed when the request is
    made (a session sealed at import would expire during a long run)."""

    challenge: str


# A Cognito operation the handler calls, and what the Stubber answers when the call succeeds.
Call = tuple[str, dict[str, Any]]

# A valid request for each function that calls Cognito, and the Cognito calls it then makes, in order (keys are
# function folders; `function:variant` is another path through the same function, calling other operations). The
# error tests below fail each call in turn, after answering the ones before it, with every error Cognito declares.
VALID: dict[str, tuple[dict[str, Any] | None, tuple[Call, ...]]] = {
    "signup": (
        {"email": EMAIL, "name": "Jane Doe", "password": PASSWORD},
        (("sign_up", {"UserConfirmed": False, "UserSub": SUB}),),
    ),
    "confirm": ({"email": EMAIL, "code": "123456"}, (("confirm_sign_up", {}),)),
    "resend_code": ({"email": EMAIL}, (("resend_confirmation_code", {}),)),
    "signin": (
        {"email": EMAIL, "password": PASSWORD},
        (("initiate_auth", {"AuthenticationResult": AUTH_RESULT}),),
    ),
    "signin:mfa-setup": (  # the pool requires MFA and the user has none: a TOTP secret comes with the challenge
        {"email": EMAIL, "password": PASSWORD},
        (
            ("initiate_auth", challenge("MFA_SETUP", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]')),
            ("associate_software_token", {"SecretCode": TOTP_SECRET, "Session": COGNITO_SESSION}),
        ),
    ),
    "refresh": (
        {"refresh_token": "a-refresh-token"},
        (("get_tokens_from_refresh_token", {"AuthenticationResult": AUTH_RESULT}),),
    ),
    "signout": (None, (("global_sign_out", {}),)),
    "revoke": ({"refresh_token": "a-refresh-token"}, (("revoke_token", {}),)),
    "forgot_password": ({"email": EMAIL}, (("forgot_password", {}),)),
    "reset_password": (
        {"email": EMAIL, "otp": "123456", "new_password": NEW_PASSWORD},
        (("confirm_forgot_password", {}),),
    ),
    "answer_challenge": (
        {"session": Sealed("SOFTWARE_TOKEN_MFA"), "code": "123456"},
        (("respond_to_auth_challenge", {"AuthenticationResult": AUTH_RESULT}),),
    ),
    "answer_challenge:mfa-setup": (
        {"session": Sealed("MFA_SETUP"), "code": "123456"},
        (
            ("verify_software_token", {"Status": "SUCCESS", "Session": COGNITO_SESSION}),
            ("respond_to_auth_challenge", {"AuthenticationResult": AUTH_RESULT}),
        ),
    ),
    "answer_challenge:next-mfa-setup": (  # a new password set, then TOTP must be set up
        {"session": Sealed("NEW_PASSWORD_REQUIRED"), "new_password": NEW_PASSWORD},
        (
            ("respond_to_auth_challenge", challenge("MFA_SETUP", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]')),
            ("associate_software_token", {"SecretCode": TOTP_SECRET, "Session": COGNITO_SESSION}),
        ),
    ),
    "email_sign_in": (
        {"email": EMAIL},
        (("initiate_auth", challenge("EMAIL_OTP", CODE_DELIVERY_DESTINATION="j***@e***")),),
    ),
    "get_profile": (None, (("get_user", USER),)),
    "update_profile": ({"name": "Jane Q. Doe"}, (("update_user_attributes", {}), ("get_user", USER))),
    "change_password": (
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        (("change_password", {}),),
    ),
    "change_email": ({"new_email": "jane.new@example.com"}, (("update_user_attributes", {}),)),
    "verify_email": ({"code": "123456"}, (("verify_user_attribute", {}),)),
    "delete_account": (None, (("delete_user", {}),)),
    "setup_totp": (None, (("get_user", USER), ("associate_software_token", {"SecretCode": TOTP_SECRET}))),
    "verify_totp": (
        {"code": "123456"},
        (("verify_software_token", {"Status": "SUCCESS"}), ("set_user_mfa_preference", {})),
    ),
    "get_mfa": (None, (("get_user", USER),)),
    "set_mfa": (
        {"totp": False},
        (("get_user", USER), ("set_user_mfa_preference", {}), ("get_user", {**USER, "UserMFASettingList": []})),
    ),
}
# Functions whose route takes no body.


def function_of(case: str) -> str:
    """The function folder of a VALID key (`signin:mfa-setup` is signin's)."""
    return case.split(":", 1)[0]


def has_body(function: str) -> bool:
    return "requestBody" in contract().operation(*route_of(function))


FUNCTIONS = sorted({function_of(case) for case in VALID})
WITH_BODY = [function for function in FUNCTIONS if has_body(function)]
BEARER = [function for function in FUNCTIONS if route_of(function) in BEARER_ROUTES]


def answer(function: str, body: Any = None, *, claims: dict[str, str] | None = None, **kwargs: Any) -> Reply:
    """Invoke a handler in-process (with the claims API Gateway's authorizer passes on, if given); fail if its reply
    is not what openapi.yaml documents."""
    event = make_event(function, body, **kwargs)
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    reply = invoke(function, event)
    method, path = route_of(function)
    problems = contract().problems(method, path, reply)
    assert not problems, f"{method} {path} answered {reply.status} {reply.body!r} off contract: " + "; ".join(problems)
    return reply


def claims(*, signed_in_minutes_ago: float = 1, client_id: str = CLIENT_ID) -> dict[str, str]:
    """What API Gateway's Cognito authorizer passes on of a valid access token: every claim as a string."""
    return {
        "sub": SUB,
        "username": SUB,
        "client_id": client_id,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": str(int(time.time() - 60 * signed_in_minutes_ago)),
    }


def sealed(challenge: str, cognito_session: str = COGNITO_SESSION) -> str:
    """The session the API issues with a challenge, sealed as the handlers seal it (the offline settings)."""
    from cognito_auth.aws import client_secret
    from cognito_auth.sessions import ChallengeSession, seal
    from cognito_auth.settings import get_settings

    session = ChallengeSession(cognito_session, SUB, challenge, time.time())
    return seal(session, secret=client_secret(), client_id=get_settings().client_id)


def request(case: str, **overrides: Any) -> dict[str, Any]:
    """`answer`'s arguments for the VALID request of `case`: its body, the access token where the route reads one,
    and the authorizer's claims where the route is behind it; `overrides` are body fields."""
    function = function_of(case)
    body, _ = VALID[case]
    kwargs: dict[str, Any] = {}
    if body is not None:
        merged = {**body, **overrides}
        kwargs["body"] = {k: sealed(v.challenge) if isinstance(v, Sealed) else v for k, v in merged.items()}
    if route_of(function) in BEARER_ROUTES:
        kwargs["token"] = "an-access-token"
    if behind_authorizer(route_of(function)):
        kwargs["claims"] = claims()
    return kwargs


def succeed(stub: Stubber, case: str, calls: int | None = None) -> None:
    """Queue the successful answers of the case's Cognito calls (the first `calls` of them)."""
    for operation, response in VALID[case][1][:calls]:
        stub.add_response(operation, response)


@contextmanager
def cognito_stub() -> Iterator[Stubber]:
    from cognito_auth.aws import cognito_client

    stub = Stubber(cognito_client())
    with stub:
        yield stub
    stub.assert_no_pending_responses()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """Settings of a deployed function whose every Cognito call is answered by the Stubber (none may go out): for
    answers that need no real pool, without the cost of starting moto. A stack with SES, so with sign-in by emailed
    code and email MFA on."""
    monkeypatch.setenv("USER_POOL_ID", "us-east-1_contract")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("USER_POOL_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("EMAIL_SIGN_IN", "true")
    monkeypatch.setenv("EMAIL_MFA", "true")
    reset_caches()
    with cognito_stub() as stub:
        yield stub
    reset_caches()


def sub_of(pool: Pool, email: str = EMAIL) -> str:
    return next(a["Value"] for a in pool.user(email)["UserAttributes"] if a["Name"] == "sub")


def signed_up(pool: Pool) -> str:
    """A confirmed user of the moto pool, signed in: the access token."""
    answer("signup", VALID["signup"][0])
    answer("confirm", {"email": EMAIL, "code": "123456"})
    return str(answer("signin", {"email": EMAIL, "password": PASSWORD}).body["access_token"])


# -- success answers, against moto where it has the operation


def test_registration_answers_conform(pool: Pool) -> None:
    first = answer("signup", VALID["signup"][0])
    again = answer("signup", VALID["signup"][0])
    confirmed = answer("confirm", {"email": EMAIL, "code": "123456"})

    assert (first.status, first.body["user_confirmed"]) == (201, False)
    assert again.body == first.body
    assert confirmed.status == 200


def test_session_answers_conform(pool: Pool, moto_jwks: list[str]) -> None:
    """Against the emulator's GetTokensFromRefreshToken: the template's client rotates refresh tokens."""
    access = signed_up(pool)
    refresh_token = answer("signin", {"email": EMAIL, "password": PASSWORD}).body["refresh_token"]

    data = answer("get_data", token=access)
    refreshed = answer("refresh", {"refresh_token": refresh_token})
    old_client = answer("refresh", {"refresh_token": refreshed.body["refresh_token"], "username": EMAIL})
    out = answer("signout", token=access)
    again = answer("signout", token=access)
    revoked = answer("refresh", {"refresh_token": old_client.body["refresh_token"]})

    assert (data.status, refreshed.status, old_client.status, out.status) == (200, 200, 200, 200)
    assert data.body["sub"] == sub_of(pool)
    assert refreshed.body["refresh_token"] != refresh_token
    assert (again.status, again.body["code"]) == (401, "InvalidToken")
    assert (revoked.status, revoked.body["code"]) == (401, "InvalidToken")


def test_account_answers_conform(pool: Pool) -> None:
    access = signed_up(pool)
    signed_in: dict[str, Any] = {"token": access, "claims": claims(client_id=pool.client_id)}

    profile = answer("get_profile", **signed_in)
    renamed = answer("update_profile", {"name": "Jane Q. Doe"}, **signed_in)
    mfa = answer("get_mfa", **signed_in)
    wrong = answer("change_password", {"current_password": NEW_PASSWORD, "new_password": PASSWORD}, **signed_in)
    changed = answer("change_password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, **signed_in)
    answer("signout", token=access)
    signed_out = answer("get_profile", **signed_in)

    assert profile.status == 200
    assert (profile.body["sub"], profile.body["email"], profile.body["name"]) == (sub_of(pool), EMAIL, "Jane Doe")
    assert profile.body["mfa"] == mfa.body == {"enabled": [], "preferred": None}
    assert (renamed.status, renamed.body["name"]) == (200, "Jane Q. Doe")
    assert (wrong.status, wrong.body["code"]) == (401, "InvalidCredentials")
    assert changed.status == 200
    # The authorizer accepts a signed-out access token until it expires; Cognito does not.
    assert (signed_out.status, signed_out.body["code"]) == (401, "InvalidToken")


def test_password_recovery_answers_conform(pool: Pool) -> None:
    answer("signup", VALID["signup"][0])
    answer("confirm", {"email": EMAIL, "code": "123456"})

    forgot = answer("forgot_password", {"email": EMAIL})
    reset = answer("reset_password", {"email": EMAIL, "otp": "123456", "new_password": NEW_PASSWORD})
    legacy = answer("reset_password", {"email": EMAIL, "code": "123456", "password": PASSWORD})

    assert (forgot.status, reset.status, legacy.status) == (200, 200, 200)
    assert answer("signin", {"email": EMAIL, "password": PASSWORD}).status == 200


def test_a_sign_in_challenge_conforms(pool: Pool) -> None:
    pool.client.admin_create_user(
        UserPoolId=pool.pool_id, Username=EMAIL, TemporaryPassword="Temp-Passw0rd", MessageAction="SUPPRESS"
    )

    reply = answer("signin", {"email": EMAIL, "password": "Temp-Passw0rd"})

    assert reply.body["challenge"] == "NEW_PASSWORD_REQUIRED"


# -- success answers, offline: every valid request, then the shapes a client tells apart


@pytest.mark.parametrize("case", sorted(VALID))
def test_every_valid_request_is_answered_as_documented(offline: Stubber, case: str) -> None:
    succeed(offline, case)
    reply = answer(function_of(case), **request(case))

    assert 200 <= reply.status < 300


def test_getdata_behind_the_authorizer_conforms(offline: Stubber) -> None:
    event = make_event("get_data")
    event["requestContext"]["authorizer"] = {"claims": {"sub": SUB, "username": SUB}}
    reply = invoke("get_data", event)

    assert contract().problems("GET", "/getData", reply) == []
    assert reply.body["sub"] == SUB


def test_signup_on_a_pool_that_confirms_at_once_conforms(offline: Stubber) -> None:
    offline.add_response("sign_up", {"UserConfirmed": True, "UserSub": SUB})
    offline.add_response("initiate_auth", {"AuthenticationResult": AUTH_RESULT})
    signed_in = answer("signup", VALID["signup"][0])
    offline.add_response("sign_up", {"UserConfirmed": True, "UserSub": SUB})
    offline.add_response("initiate_auth", challenge("NEW_PASSWORD_REQUIRED"))
    challenged = answer("signup", VALID["signup"][0])

    assert (signed_in.status, signed_in.body["user_confirmed"], signed_in.body["token_type"]) == (201, True, "Bearer")
    assert challenged.status == 201
    assert "access_token" not in challenged.body


def test_refresh_needs_the_refresh_token_alone(offline: Stubber) -> None:
    """`username` is accepted and ignored (deprecated): what the first clients sent, even a wrong one, changes
    nothing. A new refresh token comes back only when the app client rotates them."""
    sent = {"RefreshToken": "a-refresh-token", "ClientId": CLIENT_ID, "ClientSecret": CLIENT_SECRET}
    without_rotation = {k: v for k, v in AUTH_RESULT.items() if k != "RefreshToken"}
    offline.add_response("get_tokens_from_refresh_token", {"AuthenticationResult": without_rotation}, sent)
    offline.add_response("get_tokens_from_refresh_token", {"AuthenticationResult": AUTH_RESULT}, sent)

    old_client = answer("refresh", {"refresh_token": "a-refresh-token", "username": EMAIL})
    rotated = answer("refresh", {"refresh_token": "a-refresh-token"})

    assert old_client.status == 200
    assert "refresh_token" not in old_client.body
    assert rotated.body["refresh_token"] == AUTH_RESULT["RefreshToken"]


@pytest.mark.parametrize(
    ("name", "parameters", "extra"),
    [
        ("NEW_PASSWORD_REQUIRED", {"requiredAttributes": "[]"}, {}),
        ("SOFTWARE_TOKEN_MFA", {}, {}),
        ("EMAIL_OTP", {"CODE_DELIVERY_DESTINATION": "j***@e***"}, {"code_delivery": {"destination": "j***@e***"}}),
        (
            "SELECT_MFA_TYPE",
            {"MFAS_CAN_CHOOSE": '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'},
            {"mfa_options": ["totp", "email"]},
        ),
        ("MFA_SETUP", {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}, {"totp": {"secret": TOTP_SECRET}}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_sign_in_challenge_conforms(
    offline: Stubber, name: str, parameters: dict[str, str], extra: dict[str, Any]
) -> None:
    offline.add_response("initiate_auth", challenge(name, **parameters))
    if name == "MFA_SETUP":
        offline.add_response("associate_software_token", {"SecretCode": TOTP_SECRET, "Session": COGNITO_SESSION})

    reply = answer("signin", VALID["signin"][0])

    assert reply.status == 200
    assert set(reply.body) == {"challenge", "session", *extra}
    assert reply.body["challenge"] == name
    for key, value in extra.items():
        shown = reply.body[key]
        assert (shown if isinstance(value, list) else {k: shown[k] for k in value}) == value
    # One opaque string: neither Cognito's session nor the internal username can be read from it.
    assert COGNITO_SESSION not in reply.body["session"]
    assert SUB not in reply.body["session"]


def test_a_challenge_answered_with_the_next_challenge_conforms(offline: Stubber) -> None:
    offline.add_response("respond_to_auth_challenge", challenge("EMAIL_OTP"))

    chosen = answer("answer_challenge", **request("answer_challenge", session=Sealed("SELECT_MFA_TYPE"), mfa="email"))

    assert (chosen.status, chosen.body["challenge"]) == (200, "EMAIL_OTP")
    assert chosen.body["code_delivery"]["medium"] == "EMAIL"


def test_sign_in_by_emailed_code_answers_an_unknown_email_alike(offline: Stubber) -> None:
    succeed(offline, "email_sign_in")
    offline.add_client_error("initiate_auth", "UserNotFoundException", "raw AWS message")

    known = answer("email_sign_in", {"email": EMAIL})
    unknown = answer("email_sign_in", {"email": "nobody@example.com"})
    answered = answer("answer_challenge", {"session": unknown.body["session"], "code": "123456"})

    assert known.status == unknown.status == 200
    assert set(known.body) == set(unknown.body) == {"challenge", "session", "code_delivery"}
    assert known.body["challenge"] == unknown.body["challenge"] == "EMAIL_OTP"
    assert (answered.status, answered.body["code"]) == (400, "InvalidCode")  # as a wrong code for an account


@pytest.mark.parametrize("cognito_error", ["UnsupportedTokenTypeException", "InvalidParameterException"])
def test_revoke_answers_any_token_alike(offline: Stubber, cognito_error: str) -> None:
    """RFC 7009: an unknown, malformed or already revoked token is not an error."""
    succeed(offline, "revoke")
    offline.add_client_error("revoke_token", cognito_error, "raw AWS message")

    revoked = answer("revoke", **request("revoke"))
    unknown = answer("revoke", **request("revoke"))

    assert (revoked.status, unknown.status) == (200, 200)
    assert unknown.body == revoked.body


def test_an_email_change_to_an_address_in_use_is_answered_alike(offline: Stubber) -> None:
    succeed(offline, "change_email")
    offline.add_client_error("update_user_attributes", "AliasExistsException", "raw AWS message")

    free = answer("change_email", **request("change_email"))
    taken = answer("change_email", **request("change_email"))

    assert free.status == taken.status == 202
    assert taken.body == free.body
    assert free.body["code_delivery"] == {"destination": "j***@e***", "medium": "EMAIL"}


def test_the_profile_and_the_mfa_settings_conform(offline: Stubber) -> None:
    nameless = {**USER, "UserAttributes": [a for a in USER["UserAttributes"] if a["Name"] != "name"]}
    offline.add_response("get_user", USER)
    offline.add_response("get_user", nameless)
    offline.add_response("get_user", USER)

    profile = answer("get_profile", **request("get_profile"))
    without_name = answer("get_profile", **request("get_profile"))
    mfa = answer("get_mfa", **request("get_mfa"))

    assert profile.body == {
        "sub": SUB,
        "email": EMAIL,
        "email_verified": True,
        "name": "Jane Doe",
        "mfa": {"enabled": ["totp"], "preferred": "totp"},
    }
    assert without_name.body["name"] is None
    assert mfa.body == profile.body["mfa"]


def test_totp_set_up_conforms(offline: Stubber) -> None:
    succeed(offline, "setup_totp")

    reply = answer("setup_totp", **request("setup_totp"))

    assert set(reply.body) == {"secret", "otpauth_uri"}
    assert reply.body["secret"] == TOTP_SECRET
    assert reply.body["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={TOTP_SECRET}" in reply.body["otpauth_uri"]


# -- representative errors


def _input_errors() -> list[tuple[str, str, int, str]]:
    cases = [
        ("{}", 400, "ValidationFailed"),
        ('{"email": 42, "password": null, "totp": "yes"}', 400, "ValidationFailed"),
        ('{"email": "jane@example.com",', 400, "InvalidJson"),
        ('["not", "an", "object"]', 400, "InvalidJson"),
        (json.dumps({"email": EMAIL, "padding": "x" * 17_000}), 413, "PayloadTooLarge"),
    ]
    return [
        (function, raw_body, status, code)
        for function in WITH_BODY
        for raw_body, status, code in cases
        # An empty object is a valid PUT /auth/mfa (it changes nothing).
        if raw_body != "{}" or _requires_a_field(function)
    ]


def _requires_a_field(function: str) -> bool:
    return any(field.required for field in msgspec.structs.fields(REQUEST_MODELS[route_of(function)]))


@pytest.mark.parametrize(("function", "raw_body", "status", "code"), _input_errors())
def test_input_errors_conform(offline: Stubber, function: str, raw_body: str, status: int, code: str) -> None:
    reply = answer(function, raw_body=raw_body)

    assert (reply.status, reply.body["code"]) == (status, code)


@pytest.mark.parametrize(
    ("case", "field"),
    [("signup", "password"), ("change_password", "new_password"), ("answer_challenge:next-mfa-setup", "new_password")],
)
def test_a_weak_password_is_refused_before_cognito(offline: Stubber, case: str, field: str) -> None:
    reply = answer(function_of(case), **request(case, **{field: "short"}))

    assert (reply.status, reply.body["code"]) == (400, "InvalidPassword")


def test_sign_in_refusals_conform(pool: Pool) -> None:
    answer("signup", VALID["signup"][0])
    unconfirmed = answer("signin", {"email": EMAIL, "password": PASSWORD})
    answer("confirm", {"email": EMAIL, "code": "123456"})
    wrong = answer("signin", {"email": EMAIL, "password": "Wrong-Passw0rd"})
    unknown = answer("signin", {"email": "nobody@example.com", "password": PASSWORD})

    assert (unconfirmed.status, unconfirmed.body["code"]) == (403, "UserNotConfirmed")
    assert (wrong.status, wrong.body["code"]) == (401, "InvalidCredentials")
    assert unknown.body == wrong.body


@pytest.mark.parametrize("token", [None, "not-a-jwt"], ids=["no-token", "garbage"])
def test_getdata_refuses_a_token_no_authorizer_checked(
    offline: Stubber, moto_jwks: list[str], token: str | None
) -> None:
    reply = answer("get_data", token=token)

    assert (reply.status, reply.body["code"]) == (401, "InvalidToken")


@pytest.mark.parametrize("function", BEARER)
def test_a_request_without_a_token_is_refused(offline: Stubber, moto_jwks: list[str], function: str) -> None:
    """Only outside API Gateway (whose authorizer answers first) or on signout, which has no authorizer."""
    kwargs = {k: v for k, v in request(function).items() if k not in ("token", "claims")}
    reply = answer(function, **kwargs)

    assert (reply.status, reply.body["code"]) == (401, "InvalidToken")


@pytest.mark.parametrize(
    ("case", "cognito_error", "status", "code"),
    [
        ("confirm", "CodeMismatchException", 400, "InvalidCode"),
        ("reset_password", "ExpiredCodeException", 400, "ExpiredCode"),
        ("signin", "PasswordResetRequiredException", 403, "PasswordResetRequired"),
        ("resend_code", "ForbiddenException", 403, "Forbidden"),
        ("refresh", "NotAuthorizedException", 401, "InvalidToken"),
        ("refresh", "RefreshTokenReuseException", 401, "InvalidToken"),
        ("get_profile", "NotAuthorizedException", 401, "InvalidToken"),  # a revoked token
        ("get_profile", "UserNotFoundException", 401, "InvalidToken"),  # a deleted user's token
        ("change_password", "LimitExceededException", 429, "TooManyRequests"),
        ("change_password", "PasswordHistoryPolicyViolationException", 400, "InvalidPassword"),
        ("verify_email", "CodeMismatchException", 400, "InvalidCode"),
        ("verify_email", "ExpiredCodeException", 400, "ExpiredCode"),
        ("verify_email", "AliasExistsException", 400, "InvalidCode"),  # another account took the address meanwhile
        ("delete_account", "NotAuthorizedException", 401, "InvalidToken"),
        ("answer_challenge", "CodeMismatchException", 400, "InvalidCode"),
        ("answer_challenge", "NotAuthorizedException", 401, "InvalidToken"),  # a used or expired session
        ("answer_challenge:mfa-setup", "EnableSoftwareTokenMFAException", 400, "InvalidCode"),
        ("verify_totp", "EnableSoftwareTokenMFAException", 400, "InvalidCode"),
        ("verify_totp", "CodeMismatchException", 400, "InvalidCode"),
        ("verify_totp", "SoftwareTokenMFANotFoundException", 400, "ValidationFailed"),  # not set up first
    ],
)
def test_cognito_refusals_conform(offline: Stubber, case: str, cognito_error: str, status: int, code: str) -> None:
    offline.add_client_error(VALID[case][1][0][0], cognito_error, "raw AWS message")
    reply = answer(function_of(case), **request(case))

    assert (reply.status, reply.body["code"]) == (status, code)


@pytest.mark.parametrize(
    ("message", "code"),
    [("Incorrect username or password.", "InvalidCredentials"), ("Access Token has been revoked", "InvalidToken")],
)
def test_change_password_tells_a_wrong_password_from_a_refused_token(offline: Stubber, message: str, code: str) -> None:
    offline.add_client_error("change_password", "NotAuthorizedException", message)
    reply = answer("change_password", **request("change_password"))

    assert (reply.status, reply.body["code"]) == (401, code)


def test_a_wrong_totp_code_conforms(offline: Stubber) -> None:
    offline.add_response("verify_software_token", {"Status": "ERROR"})
    reply = answer("verify_totp", **request("verify_totp"))

    assert (reply.status, reply.body["code"]) == (400, "InvalidCode")


@pytest.mark.parametrize(
    ("case", "calls"), [("change_email", 0), ("delete_account", 0), ("set_mfa", 1)], ids=lambda v: str(v)
)
def test_a_dangerous_change_needs_a_recent_sign_in(offline: Stubber, case: str, calls: int) -> None:
    """Changing the email, deleting the account, turning a factor off: refused with a sign-in older than
    RecentSignInMinutes (15), before Cognito is asked to change anything."""
    succeed(offline, case, calls)
    kwargs = {**request(case), "claims": claims(signed_in_minutes_ago=16)}
    reply = answer(function_of(case), **kwargs)

    assert (reply.status, reply.body["code"]) == (403, "ReauthenticationRequired")


def test_turning_a_factor_on_needs_no_recent_sign_in(offline: Stubber) -> None:
    nothing_on = {**USER, "UserMFASettingList": [], "PreferredMfaSetting": ""}
    offline.add_response("get_user", nothing_on)
    offline.add_response("set_user_mfa_preference", {})
    offline.add_response("get_user", USER)
    kwargs = {**request("set_mfa", totp=True, preferred="totp"), "claims": claims(signed_in_minutes_ago=600)}

    reply = answer("set_mfa", **kwargs)

    assert (reply.status, reply.body) == (200, {"enabled": ["totp"], "preferred": "totp"})


def test_a_preferred_factor_must_be_on(offline: Stubber) -> None:
    offline.add_response("get_user", {**USER, "UserMFASettingList": [], "PreferredMfaSetting": ""})
    reply = answer("set_mfa", **request("set_mfa", totp=None, preferred="totp"))

    assert (reply.status, reply.body["code"]) == (400, "ValidationFailed")


@pytest.mark.parametrize(
    ("case", "setting", "calls", "overrides"),
    [
        ("email_sign_in", "EMAIL_SIGN_IN", 0, {}),
        ("set_mfa", "EMAIL_MFA", 1, {"totp": None, "email": True}),
    ],
)
def test_a_feature_the_stack_has_off_is_a_clear_403(
    offline: Stubber, monkeypatch: pytest.MonkeyPatch, case: str, setting: str, calls: int, overrides: dict[str, Any]
) -> None:
    """Email sign-in and email MFA need SES and the Essentials plan (docs/deploy.md, the pool's plan)."""
    monkeypatch.setenv(setting, "false")
    from cognito_auth.settings import get_settings

    get_settings.cache_clear()
    succeed(offline, case, calls)
    reply = answer(function_of(case), **request(case, **overrides))

    assert (reply.status, reply.body["code"]) == (403, "FeatureDisabled")


def test_sign_in_where_only_email_mfa_could_be_set_up_is_a_clear_403(offline: Stubber) -> None:
    offline.add_response("initiate_auth", challenge("MFA_SETUP", MFAS_CAN_SETUP='["EMAIL_OTP"]'))
    reply = answer("signin", VALID["signin"][0])

    assert (reply.status, reply.body["code"]) == (403, "FeatureDisabled")


@pytest.mark.parametrize(
    ("session", "fields"),
    [
        ("tampered", {"code": "123456"}),
        ("SOFTWARE_TOKEN_MFA", {"code": "123456", "challenge": "EMAIL_OTP"}),
        ("SOFTWARE_TOKEN_MFA", {"new_password": NEW_PASSWORD}),
    ],
    ids=["tampered-session", "another-challenge", "missing-code"],
)
def test_a_challenge_answer_that_cannot_be_sent_is_refused_before_cognito(
    offline: Stubber, session: str, fields: dict[str, str]
) -> None:
    text = sealed("SOFTWARE_TOKEN_MFA")[:-4] + "AAAA" if session == "tampered" else sealed(session)
    reply = answer("answer_challenge", {"session": text, **fields})

    assert (reply.status, reply.body["code"]) == (
        (401, "InvalidToken") if session == "tampered" else (400, "ValidationFailed")
    )


def test_signup_refused_by_the_deployment_is_an_internal_error_not_a_401(offline: Stubber) -> None:
    """Cognito refuses SignUp (NotAuthorizedException) only when self sign-up is off or the app secret is wrong: a
    fault of the deployment. openapi.yaml once documented a 401 for it that the function never gave."""
    offline.add_client_error("sign_up", "NotAuthorizedException", "raw AWS message")
    reply = answer("signup", VALID["signup"][0])

    assert (reply.status, reply.body["code"]) == (500, "InternalError")
    assert "401" not in contract().operation("POST", "/auth/signup")["responses"]


def _calls_to_fail() -> list[tuple[str, int]]:
    """(case, index) of every Cognito call some VALID path makes, each distinct path to a call once."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    found = []
    for case, (_, calls) in sorted(VALID.items()):
        for index in range(len(calls)):
            path = (function_of(case), tuple(operation for operation, _ in calls[: index + 1]))
            if path not in seen:
                seen.add(path)
                found.append((case, index))
    return found


# The answers a client must never get, each pinned by a test below (they were the handlers' answers once).
NOT_FOR_CLIENTS = {
    # PATCH /auth/me and change-email send Cognito no code, and a name is no alias: an answer about a code or an
    # address in use (400 InvalidCode, ExpiredCode) would send the client looking for a code it never had.
    ("update_profile", "CodeMismatchException"),
    ("update_profile", "ExpiredCodeException"),
    ("update_profile", "AliasExistsException"),
    ("change_email", "CodeMismatchException"),
    ("change_email", "ExpiredCodeException"),
    # signin/email-code would tell that the email has an account (one that must reset its password).
    ("email_sign_in", "PasswordResetRequiredException"),
}


def _declared_errors() -> list[tuple[str, int, str]]:
    """(case, index, error) for every error botocore's model of Cognito declares for each call of each path."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    names = {xform_name(name): name for name in model.operation_names}
    return [
        (case, index, error)
        for case, index in _calls_to_fail()
        for error in dict.fromkeys(s.name for s in model.operation_model(names[VALID[case][1][index][0]]).error_shapes)
        if (case, error) not in NOT_FOR_CLIENTS
    ]


def _failing_id(value: Any) -> str:
    return str(value)


@pytest.mark.parametrize(("case", "index", "cognito_error"), _declared_errors(), ids=_failing_id)
def test_every_error_cognito_declares_is_answered_as_documented(
    offline: Stubber, case: str, index: int, cognito_error: str
) -> None:
    """openapi.yaml lists, per operation, every status and code that any Cognito error can turn into, whichever
    call of the function meets it."""
    succeed(offline, case, index)
    offline.add_client_error(VALID[case][1][index][0], cognito_error, "raw AWS message")
    reply = answer(function_of(case), **request(case))

    assert "raw AWS message" not in json.dumps(reply.body)


@pytest.mark.parametrize(("case", "index"), _calls_to_fail(), ids=_failing_id)
@pytest.mark.parametrize(
    ("cognito_error", "cognito_status", "status", "code"),
    [
        ("TooManyRequestsException", 400, 429, "TooManyRequests"),
        ("InternalErrorException", 500, 503, "ServiceUnavailable"),
        ("SomeFutureException", 400, 500, "InternalError"),  # an error no code expects: a bug, told without internals
    ],
)
def test_cognito_failures_conform(
    offline: Stubber, case: str, index: int, cognito_error: str, cognito_status: int, status: int, code: str
) -> None:
    succeed(offline, case, index)
    offline.add_client_error(
        VALID[case][1][index][0], cognito_error, "raw AWS message", http_status_code=cognito_status
    )
    reply = answer(function_of(case), **request(case))

    assert (reply.status, reply.body["code"]) == (status, code)
    assert "raw AWS message" not in json.dumps(reply.body)


@pytest.mark.parametrize(
    ("case", "cognito_error"), sorted(k for k in NOT_FOR_CLIENTS if k[0] in ("update_profile", "change_email"))
)
def test_a_request_that_sends_no_code_is_never_told_about_a_code(
    offline: Stubber, case: str, cognito_error: str
) -> None:
    offline.add_client_error(VALID[case][1][0][0], cognito_error, "raw AWS message")
    reply = answer(function_of(case), **request(case))

    assert (reply.status, reply.body["code"]) == (500, "InternalError")


def test_sign_in_by_emailed_code_answers_an_account_that_must_reset_its_password_alike(offline: Stubber) -> None:
    offline.add_client_error("initiate_auth", "PasswordResetRequiredException", "raw AWS message")
    reply = answer("email_sign_in", {"email": EMAIL})

    assert reply.status == 200
    assert set(reply.body) == {"challenge", "session", "code_delivery"}


def test_getdata_when_the_signing_keys_cannot_be_fetched_conforms(
    offline: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cognito_auth import tokens

    def unreachable(url: str) -> dict[str, Any]:
        raise OSError("network down")

    monkeypatch.setattr(tokens, "fetch_jwks", unreachable)
    tokens.get_verifier.cache_clear()
    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": "k1"}).encode()).decode().rstrip("=")
    reply = answer("get_data", token=f"{header}.e30.c2ln")

    assert (reply.status, reply.body["code"]) == (503, "ServiceUnavailable")


def test_every_function_that_calls_cognito_has_a_valid_request() -> None:
    """A route added without its VALID entry would escape every error test above (only /getData calls nothing)."""
    assert set(FUNCTIONS) == set(template_routes()) - {"get_data"}


# -- the check itself fails when a reply drifts from the document


def _reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, body, Headers({"Content-Type": "application/json", **(headers or {})}))


TOKENS = {"access_token": "a", "id_token": "i", "refresh_token": "r", "expires_in": 3600, "token_type": "Bearer"}


@pytest.mark.parametrize(
    ("route", "reply", "problem"),
    [
        (("POST", "/auth/signin"), _reply(200, {k: v for k, v in TOKENS.items() if k != "token_type"}), "body"),
        (("POST", "/auth/signin"), _reply(200, {**TOKENS, "password": "x"}), "body"),
        (("POST", "/auth/signin"), _reply(200, {**TOKENS, "expires_in": "3600"}), "body"),
        (("POST", "/auth/signin"), _reply(418, {"error": "x", "code": "InternalError"}), "does not list"),
        (("POST", "/auth/signup"), _reply(400, {"error": "x", "code": "UserNotConfirmed"}), "body"),
        (("POST", "/auth/signup"), _reply(400, {"error": "x", "code": "ValidationFailed", "trace": "x"}), "body"),
        (("POST", "/auth/signin"), _reply(429, {"error": "x", "code": "TooManyRequests"}), "Retry-After is missing"),
        (
            ("POST", "/auth/signin"),
            _reply(429, {"error": "x", "code": "TooManyRequests"}, {"Retry-After": "soon"}),
            "header",
        ),
        (("GET", "/getData"), Reply(200, "ok", Headers({"Content-Type": "text/plain"})), "content type"),
        (("POST", "/auth/signin"), _reply(401, {"error": "x", "code": "SomeFutureCode"}), "is not listed"),
        (
            ("POST", "/auth/signin"),
            _reply(429, {"message": "Too Many Requests"}, {"Retry-After": "1"}),
            "body is not an Error",
        ),
        (("POST", "/auth/forgot-password"), _reply(200, {"message": "Email sent", "sent": True}), "body"),
    ],
    ids=[
        "missing-field",
        "extra-field",
        "wrong-type",
        "undocumented-status",
        "code-not-listed-for-status",
        "extra-error-field",
        "missing-retry-after",
        "bad-retry-after",
        "wrong-content-type",
        "code-not-in-the-contract",
        "gateway-shape-from-a-function",
        "extra-message-field",
    ],
)
def test_the_check_catches_drift(route: tuple[str, str], reply: Reply, problem: str) -> None:
    problems = contract().problems(*route, reply)

    assert any(problem in p for p in problems), problems


def test_the_check_lets_messages_change() -> None:
    """Messages are for people: a reworded success message or error message is still on contract."""
    reworded = _reply(200, {"message": "If the email is registered, a code is on its way."})
    error = _reply(400, {"error": "Reworded.", "code": "InvalidCode"})

    assert contract().problems("POST", "/auth/forgot-password", reworded) == []
    assert contract().problems("POST", "/auth/reset-password", error) == []
