"""Sizes: fields past Cognito's limits and bodies past the documented limit (MAX_BODY_BYTES, 16 KiB) are refused
with 400 or 413 before anything is sent to Cognito, and values right at the limits are not refused for their size.

Each test tries every case of its kind against one pool (creating pools is the slow part) and names each failure.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from botocore.stub import ANY, Stubber

from cognito_auth.aws import cognito_client
from cognito_auth.settings import DEFAULT_MAX_BODY_BYTES
from tests.security.conftest import Cases
from tests.support.cognito import Pool
from tests.support.handlers import call
from tests.support.reply import Reply

PASSWORD = "Example-Passw0rd"


def email_of_length(n: int) -> str:
    domain = "@example.com"
    return "a" * (n - len(domain)) + domain


def password_of_length(n: int) -> str:
    return (PASSWORD * (n // len(PASSWORD) + 1))[:n]


LONG_EMAIL = email_of_length(255)
LONG_PASSWORD = password_of_length(257)

# endpoint -> a body with one field past its limit
OVERSIZED_FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    "signup email 255": ("signup", {"email": LONG_EMAIL, "name": "J", "password": PASSWORD}),
    "signup password 257": ("signup", {"email": "j@example.com", "name": "J", "password": LONG_PASSWORD}),
    "signup name 257": ("signup", {"email": "j@example.com", "name": "n" * 257, "password": PASSWORD}),
    "signin email 255": ("signin", {"email": LONG_EMAIL, "password": PASSWORD}),
    "signin password 257": ("signin", {"email": "j@example.com", "password": LONG_PASSWORD}),
    "confirm email 255": ("confirm", {"email": LONG_EMAIL, "code": "123456"}),
    "confirm code 65": ("confirm", {"email": "j@example.com", "code": "1" * 65}),
    "resend email 255": ("resend_code", {"email": LONG_EMAIL}),
    "forgot email 255": ("forgot_password", {"email": LONG_EMAIL}),
    "reset email 255": ("reset_password", {"email": LONG_EMAIL, "otp": "123456", "new_password": PASSWORD}),
    "reset password 257": ("reset_password", {"email": "j@example.com", "otp": "1", "new_password": LONG_PASSWORD}),
    "refresh token 8193": ("refresh", {"refresh_token": "r" * 8193, "username": "sub"}),
    "refresh username 129": ("refresh", {"refresh_token": "r", "username": "u" * 129}),
    "revoke token 8193": ("revoke", {"refresh_token": "r" * 8193}),
    "rename name 257": ("update_profile", {"name": "n" * 257}),
    "change-password current 257": ("change_password", {"current_password": LONG_PASSWORD, "new_password": PASSWORD}),
    "change-password new 257": ("change_password", {"current_password": PASSWORD, "new_password": LONG_PASSWORD}),
    "change-email new_email 255": ("change_email", {"new_email": LONG_EMAIL}),
    "verify-email code 65": ("verify_email", {"code": "1" * 65}),
    "challenge session 8193": ("answer_challenge", {"session": "s" * 8193, "code": "123456"}),
    "challenge code 65": ("answer_challenge", {"session": "s" * 100, "code": "1" * 65}),
    "challenge new_password 257": ("answer_challenge", {"session": "s" * 100, "new_password": LONG_PASSWORD}),
    "email-code email 255": ("email_sign_in", {"email": LONG_EMAIL}),
    "totp verify code 65": ("verify_totp", {"code": "1" * 65}),
}


def test_every_route_with_a_body_has_its_oversized_fields_tried() -> None:
    from tests.support.handlers import FUNCTIONS

    without_body = {"get_data", "signout", "get_profile", "delete_account", "setup_totp", "get_mfa", "set_mfa"}
    tried = {endpoint for endpoint, _ in OVERSIZED_FIELDS.values()}
    assert set(FUNCTIONS) - without_body - tried == set()


def problems(replies: dict[str, Reply], statuses: set[int]) -> dict[str, Any]:
    return {name: (r.status, r.body) for name, r in replies.items() if r.status not in statuses}


def test_fields_past_their_limits_are_refused_before_cognito(
    secret_pool: Pool, cognito_calls: list[str], cases: Cases
) -> None:
    replies = {name: call(endpoint, body) for name, (endpoint, body) in OVERSIZED_FIELDS.items()}
    cases.tried(len(replies))

    assert problems(replies, {400}) == {}
    assert {r.body["code"] for r in replies.values()} == {"ValidationFailed"}
    assert cognito_calls == []


def test_fields_at_their_limits_reach_cognito_whole(secret_pool: Pool, cases: Cases) -> None:
    # Stubbed: moto caps passwords at 98 characters where Cognito accepts 256.
    email, password, name, code = email_of_length(254), password_of_length(256), "n" * 256, "1" * 64
    sent = {"ClientId": secret_pool.client_id, "Username": email, "SecretHash": ANY}
    with Stubber(cognito_client()) as stub:
        stub.add_response(
            "sign_up",
            {"UserConfirmed": False, "UserSub": "sub"},
            {
                **sent,
                "Password": password,
                "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
            },
        )
        stub.add_response("confirm_sign_up", {}, {**sent, "ConfirmationCode": code})
        stub.add_response("confirm_forgot_password", {}, {**sent, "ConfirmationCode": code, "Password": password})

        replies = {
            "signup": call("signup", {"email": email, "name": name, "password": password}),
            "confirm": call("confirm", {"email": email, "code": code}),
            "reset": call("reset_password", {"email": email, "otp": code, "new_password": password}),
        }
        stub.assert_no_pending_responses()
    cases.tried(len(replies))

    assert {name: r.status for name, r in replies.items()} == {"signup": 201, "confirm": 200, "reset": 200}


def oversized_bodies() -> dict[str, dict[str, Any]]:
    limit = DEFAULT_MAX_BODY_BYTES
    padded = json.dumps({"email": "j@example.com", "password": PASSWORD, "pad": "x" * limit})
    return {
        "limit + 1": {"raw_body": padded[: limit + 1]},
        "1 MiB": {"raw_body": "x" * (1024 * 1024)},
        "10 MiB (API Gateway's own limit)": {"raw_body": "{" * (10 * 1024 * 1024)},
        "base64, decodes past the limit": {
            "raw_body": base64.b64encode(padded.encode()).decode(),
            "base64_body": False,
            "headers": {},
        },
    }


def test_bodies_past_the_limit_are_413_before_cognito(
    secret_pool: Pool, cognito_calls: list[str], cases: Cases
) -> None:
    replies: dict[str, Reply] = {}
    for endpoint in ("signup", "signin", "reset_password", "refresh", "answer_challenge", "change_password", "set_mfa"):
        for name, kwargs in oversized_bodies().items():
            if name.startswith("base64"):
                event_body = kwargs["raw_body"]
                replies[f"{endpoint} {name}"] = call(endpoint, raw_body=event_body, base64_body=False)
                replies[f"{endpoint} {name} (isBase64Encoded)"] = call(
                    endpoint, raw_body=base64.b64decode(event_body).decode(), base64_body=True
                )
            else:
                replies[f"{endpoint} {name}"] = call(endpoint, raw_body=kwargs["raw_body"])
    cases.tried(len(replies))

    assert problems(replies, {413}) == {}
    assert {r.body["code"] for r in replies.values()} == {"PayloadTooLarge"}
    assert cognito_calls == []


HOSTILE_JSON: dict[str, str] = {
    "array nesting 8k deep": "[" * 8_000 + "]" * 8_000,
    "object nesting 2.5k deep": '{"a":' * 2_500 + "1" + "}" * 2_500,
    "integer of 5000 digits": '{"email": ' + "9" * 5000 + "}",
    "float overflow": '{"email": 1e999999, "password": -1e999999}',
    "NaN": '{"email": NaN}',
    "duplicate keys": '{"email": "a@example.com", "email": ["x"], "password": "' + PASSWORD + '"}',
    "lone surrogate": '{"email": "\\ud800@example.com", "password": "' + PASSWORD + '"}',
    "NUL in email": '{"email": "a\\u0000@example.com", "password": "' + PASSWORD + '"}',
    "1000 unknown keys": json.dumps({f"k{i}": i for i in range(1000)}),
}


def test_hostile_json_within_the_limit_is_a_4xx(secret_pool: Pool, cases: Cases) -> None:
    assert max(len(raw) for raw in HOSTILE_JSON.values()) <= DEFAULT_MAX_BODY_BYTES
    replies = {name: call("signin", raw_body=raw) for name, raw in HOSTILE_JSON.items()}
    cases.tried(len(replies))

    assert {name: (r.status, r.body) for name, r in replies.items() if not 400 <= r.status < 500} == {}
    assert {r.body["code"] for r in replies.values()} <= {"InvalidJson", "ValidationFailed", "InvalidCredentials"}
