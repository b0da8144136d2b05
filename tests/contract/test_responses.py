"""What the real handlers answer, in-process against moto's Cognito (botocore's Stubber where moto cannot answer),
is what openapi.yaml documents for that operation and status: body, content type and required headers."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.stub import Stubber
from werkzeug.datastructures import Headers

from tests.contract.openapi import contract, route_of
from tests.support.cognito import Pool
from tests.support.handlers import call, invoke, make_event, reset_caches
from tests.support.reply import Reply

EMAIL = "jane@example.com"
PASSWORD = "Example-Passw0rd"
NEW_PASSWORD = "Changed-Passw0rd"
SUB = "3f6c2a7e-9b1d-4c8e-a2f5-6d7e8f901234"

# A valid request for each function that calls Cognito, and the Cognito operation it calls.
VALID: dict[str, tuple[dict[str, Any], str]] = {
    "signup": ({"email": EMAIL, "name": "Jane Doe", "password": PASSWORD}, "sign_up"),
    "confirm": ({"email": EMAIL, "code": "123456"}, "confirm_sign_up"),
    "resend_code": ({"email": EMAIL}, "resend_confirmation_code"),
    "signin": ({"email": EMAIL, "password": PASSWORD}, "initiate_auth"),
    "refresh": ({"refresh_token": "a-refresh-token"}, "get_tokens_from_refresh_token"),
    "signout": ({}, "global_sign_out"),
    "forgot_password": ({"email": EMAIL}, "forgot_password"),
    "reset_password": ({"email": EMAIL, "otp": "123456", "new_password": NEW_PASSWORD}, "confirm_forgot_password"),
}
WITH_BODY = sorted(name for name in VALID if name != "signout")
AUTH_RESULT = {
    "AccessToken": "access.token.value",
    "IdToken": "id.token.value",
    "RefreshToken": "refresh.token.value",
    "ExpiresIn": 3600,
    "TokenType": "Bearer",
}


def answer(function: str, body: Any = None, **kwargs: Any) -> Reply:
    """Invoke a handler in-process; fail if its reply is not what openapi.yaml documents."""
    reply = call(function, body, **kwargs)
    method, path = route_of(function)
    problems = contract().problems(method, path, reply)
    assert not problems, f"{method} {path} answered {reply.status} {reply.body!r} off contract: " + "; ".join(problems)
    return reply


def request(function: str) -> dict[str, Any]:
    body, _ = VALID[function]
    return {"token": "an-access-token"} if function == "signout" else {"body": body}


@contextmanager
def cognito_stub() -> Iterator[Stubber]:
    from cognito_auth.aws import cognito_client

    stub = Stubber(cognito_client())
    with stub:
        yield stub
    stub.assert_no_pending_responses()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """Settings of a deployed function whose every Cognito call is answered by the Stubber (none may go out):
    for answers that need no real pool, without the cost of starting moto."""
    monkeypatch.setenv("USER_POOL_ID", "us-east-1_contract")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", "contractclient")
    monkeypatch.setenv("USER_POOL_CLIENT_SECRET", "contract-client-secret-as-long-as-cognitos")
    reset_caches()
    with cognito_stub() as stub:
        yield stub
    reset_caches()


def sub_of(pool: Pool, email: str = EMAIL) -> str:
    return next(a["Value"] for a in pool.user(email)["UserAttributes"] if a["Name"] == "sub")


# -- success answers of every operation, against moto


def test_registration_answers_conform(pool: Pool) -> None:
    first = answer("signup", VALID["signup"][0])
    again = answer("signup", VALID["signup"][0])
    confirmed = answer("confirm", {"email": EMAIL, "code": "123456"})

    assert (first.status, first.body["user_confirmed"]) == (201, False)
    assert again.body == first.body
    assert confirmed.status == 200


def test_session_answers_conform(pool: Pool, moto_jwks: list[str]) -> None:
    answer("signup", VALID["signup"][0])
    answer("confirm", {"email": EMAIL, "code": "123456"})

    tokens = answer("signin", {"email": EMAIL, "password": PASSWORD})
    data = answer("get_data", token=tokens.body["access_token"])
    refreshed = answer("refresh", {"refresh_token": tokens.body["refresh_token"]})
    out = answer("signout", token=tokens.body["access_token"])
    revoked = answer("refresh", {"refresh_token": refreshed.body["refresh_token"]})
    again = answer("signout", token=tokens.body["access_token"])

    assert (tokens.status, data.status, refreshed.status, out.status) == (200, 200, 200, 200)
    assert data.body["sub"] == sub_of(pool)
    assert (revoked.status, revoked.body["code"]) == (401, "InvalidToken")
    assert (again.status, again.body["code"]) == (401, "InvalidToken")


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


def test_getdata_behind_the_authorizer_conforms(offline: Stubber) -> None:
    event = make_event("get_data")
    event["requestContext"]["authorizer"] = {"claims": {"sub": SUB, "username": SUB}}
    reply = invoke("get_data", event)

    assert contract().problems("GET", "/getData", reply) == []
    assert reply.body["sub"] == SUB


def test_resend_code_conforms(offline: Stubber) -> None:
    delivery = {"Destination": "j***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    offline.add_response("resend_confirmation_code", {"CodeDeliveryDetails": delivery})
    reply = answer("resend_code", {"email": EMAIL})

    assert reply.status == 200


def test_signup_on_a_pool_that_confirms_at_once_conforms(offline: Stubber) -> None:
    offline.add_response("sign_up", {"UserConfirmed": True, "UserSub": SUB})
    offline.add_response("initiate_auth", {"AuthenticationResult": AUTH_RESULT})
    signed_in = answer("signup", VALID["signup"][0])
    offline.add_response("sign_up", {"UserConfirmed": True, "UserSub": SUB})
    offline.add_response("initiate_auth", {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s" * 40})
    challenged = answer("signup", VALID["signup"][0])

    assert (signed_in.status, signed_in.body["user_confirmed"], signed_in.body["token_type"]) == (201, True, "Bearer")
    assert challenged.status == 201
    assert "access_token" not in challenged.body


# -- representative errors


@pytest.mark.parametrize("function", WITH_BODY)
@pytest.mark.parametrize(
    ("raw_body", "status", "code"),
    [
        ("{}", 400, "ValidationFailed"),
        ('{"email": 42, "password": null}', 400, "ValidationFailed"),
        ('{"email": "jane@example.com",', 400, "InvalidJson"),
        ('["not", "an", "object"]', 400, "InvalidJson"),
        (json.dumps({"email": EMAIL, "padding": "x" * 17_000}), 413, "PayloadTooLarge"),
    ],
    ids=["missing-fields", "mistyped-fields", "malformed-json", "not-an-object", "too-large"],
)
def test_input_errors_conform(offline: Stubber, function: str, raw_body: str, status: int, code: str) -> None:
    reply = answer(function, raw_body=raw_body)

    assert (reply.status, reply.body["code"]) == (status, code)


def test_a_weak_password_conforms(offline: Stubber) -> None:
    reply = answer("signup", {"email": EMAIL, "name": "Jane", "password": "short"})

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


def test_refresh_takes_the_refresh_token_alone_and_ignores_an_old_clients_username(secret_pool: Pool) -> None:
    """The template's client has a secret and rotates refresh tokens: each answer carries the next one."""
    answer("signup", VALID["signup"][0])
    answer("confirm", {"email": EMAIL, "code": "123456"})
    refresh_token = answer("signin", {"email": EMAIL, "password": PASSWORD}).body["refresh_token"]

    alone = answer("refresh", {"refresh_token": refresh_token})
    with_email = answer("refresh", {"refresh_token": alone.body["refresh_token"], "username": EMAIL})
    with_sub = answer("refresh", {"refresh_token": with_email.body["refresh_token"], "username": sub_of(secret_pool)})

    assert [r.status for r in (alone, with_email, with_sub)] == [200, 200, 200]
    assert len({refresh_token, *(r.body["refresh_token"] for r in (alone, with_email, with_sub))}) == 4


@pytest.mark.parametrize("token", [None, "not-a-jwt"], ids=["no-token", "garbage"])
def test_bearer_refusals_conform(offline: Stubber, moto_jwks: list[str], token: str | None) -> None:
    data = answer("get_data", token=token)
    out = answer("signout", token=token) if token is None else None

    assert (data.status, data.body["code"]) == (401, "InvalidToken")
    assert out is None or (out.status, out.body["code"]) == (401, "InvalidToken")


@pytest.mark.parametrize(
    ("function", "cognito_error", "status", "code"),
    [
        ("confirm", "CodeMismatchException", 400, "InvalidCode"),
        ("reset_password", "ExpiredCodeException", 400, "ExpiredCode"),
        ("signin", "PasswordResetRequiredException", 403, "PasswordResetRequired"),
        ("resend_code", "ForbiddenException", 403, "Forbidden"),
    ],
)
def test_cognito_refusals_conform(offline: Stubber, function: str, cognito_error: str, status: int, code: str) -> None:
    offline.add_client_error(VALID[function][1], cognito_error, "raw AWS message")
    reply = answer(function, **request(function))

    assert (reply.status, reply.body["code"]) == (status, code)


def test_signup_refused_by_the_deployment_is_an_internal_error_not_a_401(offline: Stubber) -> None:
    """Cognito refuses SignUp (NotAuthorizedException) only when self sign-up is off or the app secret is wrong: a
    fault of the deployment. openapi.yaml once documented a 401 for it that the function never gave."""
    offline.add_client_error("sign_up", "NotAuthorizedException", "raw AWS message")
    reply = answer("signup", VALID["signup"][0])

    assert (reply.status, reply.body["code"]) == (500, "InternalError")
    assert "401" not in contract().operation("POST", "/auth/signup")["responses"]


def _declared_errors() -> list[tuple[str, str]]:
    """(function, error) for every error that botocore's model of Cognito declares for the function's operation."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    names = {
        method: name for name in model.operation_names if (method := xform_name(name)) in {m for _, m in VALID.values()}
    }
    return [
        (function, shape.name)
        for function, (_, method) in sorted(VALID.items())
        for shape in model.operation_model(names[method]).error_shapes
    ]


@pytest.mark.parametrize(("function", "cognito_error"), _declared_errors())
def test_every_error_cognito_declares_is_answered_as_documented(
    offline: Stubber, function: str, cognito_error: str
) -> None:
    """openapi.yaml lists, per operation, every status and code that any Cognito error can turn into."""
    offline.add_client_error(VALID[function][1], cognito_error, "raw AWS message")
    reply = answer(function, **request(function))

    assert "raw AWS message" not in json.dumps(reply.body)


@pytest.mark.parametrize("function", sorted(VALID))
@pytest.mark.parametrize(
    ("cognito_error", "cognito_status", "status", "code"),
    [
        ("TooManyRequestsException", 400, 429, "TooManyRequests"),
        ("InternalErrorException", 500, 503, "ServiceUnavailable"),
        ("SomeFutureException", 400, 500, "InternalError"),  # an error no code expects: a bug, told without internals
    ],
)
def test_cognito_failures_conform(
    offline: Stubber, function: str, cognito_error: str, cognito_status: int, status: int, code: str
) -> None:
    offline.add_client_error(VALID[function][1], cognito_error, "raw AWS message", http_status_code=cognito_status)
    reply = answer(function, **request(function))

    assert (reply.status, reply.body["code"]) == (status, code)
    assert "raw AWS message" not in json.dumps(reply.body)


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
        (("POST", "/auth/signin"), _reply(401, {"error": "x", "code": "FeatureDisabled"}), "is not listed"),
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
