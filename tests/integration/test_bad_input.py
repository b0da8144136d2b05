"""Every endpoint, every kind of bad input: a 4xx with the documented {error, code} body, and never the password back.

Bad input is refused before Cognito is asked anything: the layer's Cognito client answers from a Stubber with
nothing queued, so a request that reached Cognito would fail its test.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from cognito_auth import aws, errors, settings, tokens
from cognito_auth.sessions import ChallengeSession, seal
from cognito_auth.settings import DEFAULT_MAX_BODY_BYTES
from cognito_auth.tokens import REQUIRED_SCOPE as SCOPE
from tests.support.handlers import FUNCTIONS, invoke, load_event, make_event, reset_caches
from tests.support.reply import Reply

EMAIL = "jane@example.com"
# Distinctive enough that finding it in a response can only mean it was echoed.
PASSWORD = "Zq7-Unlikely-Passw0rd-Echo"
CLIENT_ID = "exampleclientid"

# The body each endpoint accepts, and the Cognito client method it then calls first.
BODIES: dict[str, dict[str, Any]] = {
    "signup": {"email": EMAIL, "name": "Jane Doe", "password": PASSWORD},
    "confirm": {"email": EMAIL, "code": "123456"},
    "resend_code": {"email": EMAIL},
    "forgot_password": {"email": EMAIL},
    "signin": {"email": EMAIL, "password": PASSWORD},
    "refresh": {"refresh_token": "eyJjdHkiOiJKV1QifQ.refresh.token", "username": "0f5c5a4e-1c2b-4a8e-9a43"},
    "revoke": {"refresh_token": "eyJjdHkiOiJKV1QifQ.refresh.token"},
    "reset_password": {"email": EMAIL, "otp": "123456", "new_password": PASSWORD},
    "update_profile": {"name": "Jane Q. Doe"},
    "change_password": {"current_password": PASSWORD, "new_password": "New-" + PASSWORD},
    "change_email": {"new_email": "jane.new@example.com"},
    "verify_email": {"code": "123456"},
    "answer_challenge": {"session": "placeholder-session", "code": "123456"},
    "email_sign_in": {"email": EMAIL},
    "set_mfa": {"totp": True},
    "verify_totp": {"code": "123456"},
}
COGNITO_METHOD = {
    "signup": "sign_up",
    "confirm": "confirm_sign_up",
    "resend_code": "resend_confirmation_code",
    "forgot_password": "forgot_password",
    "signin": "initiate_auth",
    "refresh": "get_tokens_from_refresh_token",
    "revoke": "revoke_token",
    "reset_password": "confirm_forgot_password",
    "update_profile": "update_user_attributes",
    "change_password": "change_password",
    "change_email": "update_user_attributes",
    "verify_email": "verify_user_attribute",
    "answer_challenge": "respond_to_auth_challenge",
    "email_sign_in": "initiate_auth",
    "set_mfa": "get_user",
    "verify_totp": "verify_software_token",
}
# Behind API Gateway's authorizer: the signed-in user's access token, and a body for some.
BEARER = ["signout", "get_data", "get_profile", "delete_account", "get_mfa", "setup_totp"]
BEARER_WITH_BODY = {"update_profile", "change_password", "change_email", "verify_email", "set_mfa", "verify_totp"}
OPTIONAL = {("refresh", "username"), ("answer_challenge", "code"), ("set_mfa", "totp")}
LIMITS = {
    "email": 254,
    "new_email": 254,
    "password": 256,
    "new_password": 256,
    "current_password": 256,
    "name": 256,
    "code": 64,
    "otp": 64,
    "username": 128,
}


def test_every_function_is_covered() -> None:
    assert sorted([*BODIES, *BEARER]) == FUNCTIONS
    assert set(BODIES) == set(COGNITO_METHOD)
    assert set(BODIES) >= BEARER_WITH_BODY


def signed_in(event: dict[str, Any]) -> dict[str, Any]:
    """The event as API Gateway passes it on once its authorizer accepted a fresh sign-in's access token."""
    event["headers"] = {**event["headers"], "Authorization": "Bearer a.b.c"}
    claims = {"sub": "0f5c5a4e", "client_id": CLIENT_ID, "auth_time": str(int(time.time())), "scope": SCOPE}
    event["requestContext"]["authorizer"] = {"claims": claims}
    return event


@pytest.fixture(scope="module")
def cognito_client() -> Iterator[Any]:
    """One layer Cognito client for the module (building one per test costs more than the test)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("USER_POOL_ID", "us-east-1_Example")
        env.setenv("USER_POOL_CLIENT_ID", CLIENT_ID)
        env.delenv("USER_POOL_CLIENT_SECRET", raising=False)
        env.delenv("USER_POOL_CLIENT_SECRET_ARN", raising=False)
        reset_caches()
        yield aws.cognito_client()
    reset_caches()


@pytest.fixture(autouse=True)
def no_cognito(cognito_client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """Cognito answers nothing unless a test queues an answer; the JWKS fetch is recorded."""
    assert aws.cognito_client() is cognito_client
    tokens.get_verifier.cache_clear()
    fetched: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        fetched.append(url)
        return {"keys": []}

    monkeypatch.setattr(tokens, "fetch_jwks", fetch)
    with Stubber(cognito_client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    assert fetched == [], "a malformed token must be refused without fetching the JWKS"


def post(name: str, *, raw: str | None, base64_encoded: bool = False, headers: dict[str, str] | None = None) -> Reply:
    event = make_event(name, raw_body=raw, headers=headers)
    event["isBase64Encoded"] = base64_encoded
    return invoke(name, signed_in(event) if name in BEARER_WITH_BODY else event)


def assert_refused(reply: Reply, status: int, code: str) -> None:
    assert (reply.status, reply.body.get("code")) == (status, code), reply.body
    assert set(reply.body) == {"error", "code"}
    assert isinstance(reply.body["error"], str)
    assert reply.body["error"]
    assert errors.ERROR_CODES[code] == status
    assert reply.headers.get("Content-Type") == "application/json"
    assert PASSWORD not in reply.raw["body"]


def test_routes_come_from_the_committed_events() -> None:
    routes = {name: (load_event(name)["httpMethod"], load_event(name)["path"]) for name in FUNCTIONS}

    assert routes["signup"] == ("POST", "/auth/signup")
    assert routes["get_data"] == ("GET", "/getData")
    assert all(path.startswith("/auth/") for name, (_, path) in routes.items() if name != "get_data")


# ---------------------------------------------------------------------------------------------- body shape


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("raw", [None, ""], ids=["no-body", "empty-body"])
def test_a_missing_body_is_refused(name: str, raw: str | None) -> None:
    assert_refused(post(name, raw=raw), 400, "InvalidJson")


MALFORMED = [
    "{",
    "}",
    '{"email": }',
    "{'email': 'jane@example.com'}",
    '{"email": "jane@example.com",}',
    '{"email": "jane@example.com"}}',
    "email=jane@example.com&password=x",
    "<xml/>",
    "\x00",
    "[" * 5000 + "]" * 5000,
]


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("raw", MALFORMED, ids=[f"malformed-{i}" for i in range(len(MALFORMED))])
def test_malformed_json_is_refused(name: str, raw: str) -> None:
    assert_refused(post(name, raw=raw), 400, "InvalidJson")


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("raw", ["[]", '["jane@example.com"]', '"jane@example.com"', "42", "1.5", "null", "true"])
def test_json_that_is_not_an_object_is_refused(name: str, raw: str) -> None:
    assert_refused(post(name, raw=raw), 400, "InvalidJson")


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("%%% not base64 %%%", id="not-base64"),
        pytest.param("eyJlbWFpbCI6", id="bad-padding"),
        pytest.param(base64.b64encode(b'{"email": ').decode(), id="base64-of-malformed-json"),
        pytest.param(base64.b64encode(b"\xff\xfe\xfa{}").decode(), id="base64-of-non-utf8"),
        pytest.param(base64.b64encode(b"[1, 2]").decode(), id="base64-of-a-list"),
        pytest.param(json.dumps({"email": EMAIL}), id="plain-json-flagged-as-base64"),
    ],
)
def test_a_bad_base64_body_is_refused(name: str, raw: str) -> None:
    assert_refused(post(name, raw=raw, base64_encoded=True), 400, "InvalidJson")


@pytest.mark.parametrize("name", sorted(BODIES))
def test_a_valid_base64_body_is_decoded_and_reaches_cognito(
    name: str, no_cognito: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_cognito.add_client_error(COGNITO_METHOD[name], "TooManyRequestsException", "slow down")
    body = dict(BODIES[name])
    if name == "answer_challenge":  # a session this API issued, for a challenge that a code answers
        started = ChallengeSession("s" * 40, "0f5c5a4e", "SOFTWARE_TOKEN_MFA", time.time())
        body["session"] = seal(started, secret=None, client_id=CLIENT_ID)
    if name == "email_sign_in":  # off unless the pool sends email through SES (template.yaml)
        monkeypatch.setenv("EMAIL_SIGN_IN", "true")
        settings.get_settings.cache_clear()
    raw = base64.b64encode(json.dumps(body).encode()).decode()

    try:
        reply = post(name, raw=raw, base64_encoded=True)
    finally:
        settings.get_settings.cache_clear()  # the next test reads the environment it restores

    # Cognito was asked (the queued answer is used up) and its answer, not a parsing error, came back.
    assert_refused(reply, 429, "TooManyRequests")


# ---------------------------------------------------------------------------------------------- fields


MISSING = [(name, field) for name, body in BODIES.items() for field in body if (name, field) not in OPTIONAL]


@pytest.mark.parametrize(("name", "field"), MISSING, ids=[f"{n}-{f}" for n, f in MISSING])
def test_each_required_field_missing_is_named(name: str, field: str) -> None:
    body = {k: v for k, v in BODIES[name].items() if k != field}

    reply = post(name, raw=json.dumps(body))

    assert_refused(reply, 400, "ValidationFailed")
    assert f"'{field}' is required" in reply.body["error"]


WRONG_TYPES = {"number": 12345, "null": None, "list": ["jane@example.com"], "object": {"value": "x"}, "bool": True}
TYPED = [
    (name, field, kind)
    for name, body in BODIES.items()
    for field in body
    for kind in WRONG_TYPES
    if not ((name, field) in OPTIONAL and kind == "null") and not (kind == "bool" and isinstance(body[field], bool))
]


@pytest.mark.parametrize(("name", "field", "kind"), TYPED, ids=[f"{n}-{f}-{k}" for n, f, k in TYPED])
def test_each_field_of_the_wrong_type_is_named(name: str, field: str, kind: str) -> None:
    reply = post(name, raw=json.dumps({**BODIES[name], field: WRONG_TYPES[kind]}))

    assert_refused(reply, 400, "ValidationFailed")
    assert f"'{field}'" in reply.body["error"]
    # Only the bad field is blamed.
    assert all(f"'{other}'" not in reply.body["error"] for other in BODIES[name] if other != field)


def too_long(field: str, extra: int = 1) -> str:
    if field.endswith("email"):
        return "a" * (LIMITS[field] + extra - len("@example.com")) + "@example.com"
    if field.endswith("password"):
        return (PASSWORD * 30)[: LIMITS[field] + extra]
    return "x" * (LIMITS[field] + extra)


LONG = [
    (name, field, extra)
    for name, body in BODIES.items()
    for field in body
    if field in LIMITS and name != "verify_totp"  # a TOTP code is exactly six digits: below
    for extra in (1, 5000)
]


@pytest.mark.parametrize(("name", "field", "extra"), LONG, ids=[f"{n}-{f}-plus-{e}" for n, f, e in LONG])
def test_strings_over_the_limits_are_refused(name: str, field: str, extra: int) -> None:
    reply = post(name, raw=json.dumps({**BODIES[name], field: too_long(field, extra)}))

    assert_refused(reply, 400, "ValidationFailed")
    assert f"'{field}' must be at most {LIMITS[field]} characters" in reply.body["error"]


@pytest.mark.parametrize(
    "code", ["00", "1234567", "12345a", "\uff11\uff12\uff13\uff14\uff15\uff16", "x" * 5000], ids=repr
)
def test_a_totp_code_is_six_ascii_digits_or_refused_before_cognito(code: str) -> None:
    reply = post("verify_totp", raw=json.dumps({"code": code}))

    assert_refused(reply, 400, "ValidationFailed")
    assert "'code'" in reply.body["error"]


# One body per kind of problem, and the whole message it gets. Only the first problem found is named.
MESSAGES = [
    ("signup", {"name": "Jane", "password": PASSWORD}, "'email' is required"),
    ("signin", {"email": EMAIL, "password": 42}, "'password' must be a string"),
    ("confirm", {"email": EMAIL, "code": "1" * 65}, "'code' must be at most 64 characters"),
    ("signup", {**BODIES["signup"], "name": "  "}, "'name' must not be empty"),
    ("resend_code", {"email": "jane@example"}, "'email' is not well formed"),
    ("signin", {"email": EMAIL, "password": "\ud800" + PASSWORD}, "'password' is not valid"),
    ("reset_password", {"email": EMAIL, "code": "12 34", "password": PASSWORD}, "'code' is not well formed"),
    ("reset_password", {"email": EMAIL, "password": PASSWORD}, "'otp' is required"),
    (
        "refresh",
        {"refresh_token": "a b", "username": 42},
        "'refresh_token' is not well formed; 'username' must be a string",
    ),
]


@pytest.mark.parametrize(("name", "body", "problem"), MESSAGES, ids=[m[2] for m in MESSAGES])
def test_each_kind_of_problem_gets_its_message(name: str, body: dict[str, Any], problem: str) -> None:
    reply = post(name, raw=json.dumps(body))

    assert_refused(reply, 400, "ValidationFailed")
    assert reply.body["error"] == f"Invalid request: {problem}."


OVERSIZED = {
    name: next(f for f in ("refresh_token", "email", "new_email") if f in body)
    for name, body in BODIES.items()
    if {"refresh_token", "email", "new_email"} & set(body)
}


@pytest.mark.parametrize(("name", "field"), sorted(OVERSIZED.items()))
def test_an_oversized_refresh_token_or_email_never_reaches_cognito(name: str, field: str) -> None:
    reply = post(name, raw=json.dumps({**BODIES[name], field: "x" * 8193 + "@example.com"}))

    assert_refused(reply, 400, "ValidationFailed")


# ---------------------------------------------------------------------------------------------- size


def padded(name: str, size: int) -> str:
    """A body of exactly `size` bytes: the endpoint's valid body plus an ignored padding field."""
    base = json.dumps({**BODIES[name], "padding": ""})
    return json.dumps({**BODIES[name], "padding": "p" * (size - len(base))})


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("size", [DEFAULT_MAX_BODY_BYTES + 1, 3 * DEFAULT_MAX_BODY_BYTES, 1024 * 1024])
def test_a_body_over_the_size_limit_is_a_413(name: str, size: int) -> None:
    raw = padded(name, size)
    assert len(raw.encode()) == size

    assert_refused(post(name, raw=raw), 413, "PayloadTooLarge")


@pytest.mark.parametrize("name", sorted(BODIES))
def test_a_base64_body_over_the_size_limit_is_a_413(name: str) -> None:
    raw = base64.b64encode(padded(name, DEFAULT_MAX_BODY_BYTES + 1).encode()).decode()

    assert_refused(post(name, raw=raw, base64_encoded=True), 413, "PayloadTooLarge")


def test_a_body_at_the_size_limit_is_not_refused_for_its_size() -> None:
    body = {**BODIES["signup"], "name": ""}
    filler = DEFAULT_MAX_BODY_BYTES - len(json.dumps(body))
    raw = json.dumps({**body, "name": "n" * filler})
    assert len(raw.encode()) == DEFAULT_MAX_BODY_BYTES

    # Refused for the name's length, which the client can fix, not for the body's size.
    assert_refused(post("signup", raw=raw), 400, "ValidationFailed")


# ---------------------------------------------------------------------------------------------- passwords


WEAK = [
    ("Sh0rt-x", "be at least 8 characters long"),
    ("no-upper-passw0rd", "contain an uppercase letter"),
    ("NO-LOWER-PASSW0RD", "contain a lowercase letter"),
    ("No-Digits-Password", "contain a number"),
    (" Padded-Passw0rd ", "not begin or end with a space"),
]


@pytest.mark.parametrize(
    ("name", "field"), [("signup", "password"), ("reset_password", "new_password"), ("change_password", "new_password")]
)
@pytest.mark.parametrize(("weak", "rule"), WEAK, ids=[rule for _, rule in WEAK])
def test_a_weak_password_is_refused_naming_the_rule(name: str, field: str, weak: str, rule: str) -> None:
    reply = post(name, raw=json.dumps({**BODIES[name], field: weak}))

    assert_refused(reply, 400, "InvalidPassword")
    assert rule in reply.body["error"]
    assert weak.strip() not in reply.raw["body"]


def test_reset_with_the_original_apps_field_names_checks_the_password_too() -> None:
    reply = post("reset_password", raw=json.dumps({"email": EMAIL, "code": "123456", "password": "weakpassword"}))

    assert_refused(reply, 400, "InvalidPassword")
    assert "weakpassword" not in reply.raw["body"]


# ---------------------------------------------------------------------------------------------- bearer


def unsigned_token() -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'kid': 'k'})}.{part({'sub': 'x', 'token_use': 'access'})}."


AUTHORIZATION = [
    pytest.param(None, id="missing"),
    pytest.param("", id="empty"),
    pytest.param("Bearer", id="scheme-only"),
    pytest.param("Bearer ", id="scheme-and-space"),
    pytest.param("Basic amFuZUBleGFtcGxlLmNvbTpwYXNzd29yZA==", id="basic"),
    pytest.param("Token abc.def.ghi", id="other-scheme"),
    pytest.param("abc.def.ghi", id="no-scheme"),
    pytest.param("Bearer abc def", id="two-tokens"),
    pytest.param("Bearer " + "x" * 8193, id="oversized"),
]


def bearer_event(name: str, authorization: str | None) -> dict[str, Any]:
    return make_event(name, headers={"Authorization": authorization} if authorization is not None else None)


@pytest.mark.parametrize("name", BEARER)
@pytest.mark.parametrize("authorization", AUTHORIZATION)
def test_a_missing_or_malformed_authorization_header_is_a_401(name: str, authorization: str | None) -> None:
    reply = invoke(name, bearer_event(name, authorization))

    assert_refused(reply, 401, "InvalidToken")
    assert "data" not in reply.body


@pytest.mark.parametrize("name", BEARER)
def test_no_headers_at_all_is_a_401(name: str) -> None:
    event = make_event(name)
    event["headers"] = None
    event["multiValueHeaders"] = None

    assert_refused(invoke(name, event), 401, "InvalidToken")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", unsigned_token()], ids=["junk", "segments", "alg-none"])
def test_get_data_refuses_a_malformed_bearer_token(token: str) -> None:
    reply = invoke("get_data", bearer_event("get_data", f"Bearer {token}"))

    assert_refused(reply, 401, "InvalidToken")
    assert "data" not in reply.body


def test_signout_with_a_token_cognito_does_not_know_is_a_401(no_cognito: Stubber) -> None:
    # Only Cognito knows whether an access token is still valid; it says NotAuthorized.
    no_cognito.add_client_error(
        "global_sign_out", "NotAuthorizedException", "Invalid Access Token", expected_params={"AccessToken": "a.b.c"}
    )

    assert_refused(invoke("signout", bearer_event("signout", "Bearer a.b.c")), 401, "InvalidToken")
