"""Secrets in logs: every endpoint is driven to success and to failure with the Powertools logger at DEBUG and every
other logger at INFO, and no password, code, token, session or client secret may appear in any log line, in the
metrics printed to stdout, or in any error body or header."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from botocore.stub import Stubber

from cognito_auth import errors
from cognito_auth.aws import cognito_client
from cognito_auth.observability import logger
from local_api import template
from local_api.cli import LOCAL_PARAMETERS
from tests.security.conftest import Cases
from tests.security.forge import ATTACKS, Forger
from tests.support.clock import Clock
from tests.support.cognito import TEMPLATE, Pool
from tests.support.handlers import call
from tests.support.reply import Reply

EMAIL = "logs@example.com"
DEFAULTS = template.parameter_defaults(TEMPLATE)
# Distinctive values, so that a match can only be a leak.
PASSWORD = "Pw-Unique-7Qx9z"
NEW_PASSWORD = "Pw-Changed-4Kv2m"
WRONG_PASSWORD = "Pw-Wrong-8Hd3s"
CODE = "Cd7Jq2Xw"
WRONG_CODE = "Cd0Zz0Zz"


@dataclass
class Capture:
    powertools: io.StringIO = field(default_factory=io.StringIO)
    records: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)

    def call(self, name: str, body: object = None, **kwargs: object) -> Reply:
        reply = call(name, body, **kwargs)
        self.replies.append(reply)
        return reply

    def leaks(self, stdout: str) -> dict[str, list[str]]:
        """Where each secret was found: 'logs', 'stdout' or 'error <status>'."""
        places = {"logs": self.powertools.getvalue() + "\n".join(self.records), "stdout": stdout}
        for reply in self.replies:
            if reply.status >= 400:
                places[f"error {reply.status}"] = places.get(f"error {reply.status}", "") + str(reply.raw)
        found: dict[str, list[str]] = {}
        for name, secret in self.secrets.items():
            for fragment in fragments(secret):
                where = [place for place, text in places.items() if fragment in text]
                if where:
                    found.setdefault(name, []).extend(where)
        return found


def fragments(secret: str) -> list[str]:
    """The secret, and for a JWT also its signature, which is enough to spot a token logged in part."""
    parts = secret.split(".")
    return [secret, parts[-1]] if len(parts) == 3 and len(parts[-1]) > 16 else [secret]


class _Collect(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + " " + repr(record.__dict__)
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.sink.append(text)


@pytest.fixture
def capture(secret_pool: Pool, monkeypatch: pytest.MonkeyPatch) -> Iterator[Capture]:
    captured = Capture(secrets={"password": PASSWORD, "new password": NEW_PASSWORD, "wrong password": WRONG_PASSWORD})
    captured.secrets.update({"code": CODE, "wrong code": WRONG_CODE, "client secret": str(secret_pool.secret)})
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    old_level = logger.log_level
    logger.setLevel("DEBUG")
    old_stream = logger.registered_handler.setStream(captured.powertools)  # type: ignore[attr-defined]
    root = logging.getLogger()
    old_root_level = root.level
    root.setLevel(logging.INFO)
    collector = _Collect(captured.records)
    root.addHandler(collector)
    try:
        yield captured
    finally:
        root.removeHandler(collector)
        root.setLevel(old_root_level)
        logger.registered_handler.setStream(old_stream)  # type: ignore[attr-defined]
        logger.setLevel(old_level)


def test_the_capture_sees_what_the_functions_log(capture: Capture) -> None:
    """Control: DEBUG lines and the functions' own lines reach the capture, so an empty capture cannot pass."""
    logger.debug("probe at debug")
    capture.call("signin", {"email": EMAIL, "password": WRONG_PASSWORD})

    assert "probe at debug" in capture.powertools.getvalue()
    assert "Request refused" in capture.powertools.getvalue()


def test_unexpected_sdk_errors_are_logged_without_their_text(capture: Capture) -> None:
    from botocore.exceptions import ParamValidationError

    from cognito_auth.cognito import translate
    from cognito_auth.http import error_response

    error = translate(ParamValidationError(report=f"Invalid type for parameter Password, value: {PASSWORD}"))
    assert isinstance(error, errors.ApiError)
    error_response(error)

    assert error.status == 500
    assert '"error_type":"ParamValidationError"' in capture.powertools.getvalue().replace(" ", "")
    assert capture.leaks("") == {}


def test_no_secret_in_logs_or_error_bodies_across_every_endpoint(
    capture: Capture, secret_pool: Pool, capsys: pytest.CaptureFixture[str], moto_jwks: list[str], cases: Cases
) -> None:
    c = capture.call
    # Failures before an account exists, then the whole journey with a failure at every step.
    c("signin", {"email": EMAIL, "password": WRONG_PASSWORD})
    c("signup", {"email": EMAIL, "name": "Logs", "password": "weak-" + WRONG_PASSWORD.lower()})
    c("signup", {"email": "not-an-email", "name": "Logs", "password": PASSWORD})
    c("signup", {"email": EMAIL, "name": "Logs", "password": PASSWORD + "x" * 300})
    c("signup", raw_body='{"email": "' + EMAIL + '", "password": "' + PASSWORD + '"')  # truncated JSON
    assert c("signup", {"email": EMAIL, "name": "Logs", "password": PASSWORD}).status == 201
    c("signup", {"email": EMAIL, "name": "Logs", "password": PASSWORD})  # again: existing email
    c("signin", {"email": EMAIL, "password": PASSWORD})  # not confirmed yet
    assert c("confirm", {"email": EMAIL, "code": CODE}).status == 200
    c("confirm", {"email": EMAIL, "code": WRONG_CODE})  # already confirmed
    c("signin", {"email": EMAIL, "password": WRONG_PASSWORD})
    tokens = c("signin", {"email": EMAIL, "password": PASSWORD})
    assert tokens.status == 200
    capture.secrets.update({k: tokens.body[k] for k in ("access_token", "id_token", "refresh_token")})
    sub = next(a["Value"] for a in secret_pool.user(EMAIL)["UserAttributes"] if a["Name"] == "sub")
    assert c("get_data", token=tokens.body["access_token"]).status == 200
    c("get_data", token=tokens.body["id_token"])
    c("get_data", token=ATTACKS["tampered-signature"](Forger("https://issuer.invalid", "client")))
    refreshed = c("refresh", {"refresh_token": tokens.body["refresh_token"], "username": sub})  # a first-version app
    assert refreshed.status == 200
    capture.secrets["refreshed access token"] = refreshed.body["access_token"]
    capture.secrets["rotated refresh token"] = refreshed.body["refresh_token"]
    c("refresh", {"refresh_token": tokens.body["refresh_token"] + "x"})
    assert c("refresh", {"refresh_token": refreshed.body["refresh_token"]}).status == 200
    # The account, with the same token: profile, password, email, and another device signed out.
    access = {"token": refreshed.body["access_token"]}
    assert c("get_profile", **access).status == 200
    c("change_password", {"current_password": WRONG_PASSWORD, "new_password": NEW_PASSWORD}, **access)
    c("change_password", {"current_password": PASSWORD, "new_password": "weak"}, **access)
    assert c("change_password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, **access).status == 200
    assert c("change_email", {"new_email": "logs.new@example.com"}, **access).status == 202
    assert c("verify_email", {"code": CODE}, **access).status == 200  # no outbox in-process: any code is right
    other_device = c("signin", {"email": "logs.new@example.com", "password": NEW_PASSWORD})
    assert other_device.status == 200
    capture.secrets["other device's refresh token"] = other_device.body["refresh_token"]
    assert c("revoke", {"refresh_token": other_device.body["refresh_token"]}).status == 200
    c("refresh", {"refresh_token": other_device.body["refresh_token"]})  # revoked
    assert c("signout", token=tokens.body["access_token"]).status == 200
    c("signout", token=tokens.body["access_token"])  # revoked now
    c("signout", headers={"Authorization": "Basic " + PASSWORD})
    email = "logs.new@example.com"
    assert c("forgot_password", {"email": email}).status == 200
    c("reset_password", {"email": email, "otp": CODE, "new_password": "weak"})
    assert c("reset_password", {"email": email, "otp": CODE, "new_password": PASSWORD}).status == 200
    last = c("signin", {"email": email, "password": PASSWORD})
    assert last.status == 200
    capture.secrets["last access token"] = last.body["access_token"]
    assert c("delete_account", token=last.body["access_token"]).status == 200
    c("get_profile", token=last.body["access_token"])  # deleted
    cases.tried(len(capture.replies))

    assert {r.status for r in capture.replies} >= {200, 201, 400, 401, 403}
    assert capture.leaks(capsys.readouterr().out) == {}


FAILURES = {
    # operation, endpoint, body, Cognito error: the failures moto cannot produce, with secrets in the request.
    "signup rejected by Cognito's policy": (
        "sign_up",
        "signup",
        {"email": EMAIL, "name": "L", "password": PASSWORD},
        "InvalidPasswordException",
    ),
    "confirm with a wrong code": (
        "confirm_sign_up",
        "confirm",
        {"email": EMAIL, "code": WRONG_CODE},
        "CodeMismatchException",
    ),
    "resend throttled": ("resend_confirmation_code", "resend_code", {"email": EMAIL}, "LimitExceededException"),
    "resend": ("resend_confirmation_code", "resend_code", {"email": EMAIL}, None),
    "reset with a wrong code": (
        "confirm_forgot_password",
        "reset_password",
        {"email": EMAIL, "otp": WRONG_CODE, "new_password": NEW_PASSWORD},
        "CodeMismatchException",
    ),
    "reset with an expired code": (
        "confirm_forgot_password",
        "reset_password",
        {"email": EMAIL, "otp": CODE, "new_password": NEW_PASSWORD},
        "ExpiredCodeException",
    ),
    "signin during an outage": (
        "initiate_auth",
        "signin",
        {"email": EMAIL, "password": PASSWORD},
        "InternalErrorException",
    ),
    "signin meets an error nobody expected": (
        "initiate_auth",
        "signin",
        {"email": EMAIL, "password": PASSWORD},
        "SomethingNewException",
    ),
    "refresh meets an error nobody expected": (
        "get_tokens_from_refresh_token",
        "refresh",
        {"refresh_token": "refresh-" + CODE, "username": "sub"},
        "SomethingNewException",
    ),
    "revoke meets an error nobody expected": (
        "revoke_token",
        "revoke",
        {"refresh_token": "refresh-" + CODE},
        "SomethingNewException",
    ),
}


def test_no_secret_in_logs_when_cognito_fails(
    capture: Capture, capsys: pytest.CaptureFixture[str], cases: Cases
) -> None:
    capture.secrets["refresh token"] = "refresh-" + CODE
    with Stubber(cognito_client()) as stub:
        for operation, endpoint, body, error in FAILURES.values():
            if error is None:
                stub.add_response(operation, {"CodeDeliveryDetails": {"Destination": "l***@e***"}})
            else:
                # Cognito's own messages never echo a password; a hostile or buggy upstream might.
                stub.add_client_error(operation, error, f"upstream said {PASSWORD} {CODE}", 400)
            capture.call(endpoint, body)
    cases.tried(len(FAILURES))

    assert {r.status for r in capture.replies} >= {200, 400, 429, 500, 503}
    assert capture.leaks(capsys.readouterr().out) == {}


def test_a_root_logger_at_debug_does_not_log_what_is_sent_to_cognito(
    capture: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lambda's ApplicationLogLevel DEBUG sets the root logger to DEBUG; botocore would then log request bodies."""
    logging.getLogger().setLevel(logging.DEBUG)
    logging.getLogger("some.library").debug("probe at debug")

    reply = capture.call("signup", {"email": EMAIL, "name": "Logs", "password": PASSWORD})

    assert reply.status == 201
    assert any("probe at debug" in record for record in capture.records), "the root logger is not capturing"
    assert capture.leaks(capsys.readouterr().out) == {}


def test_no_secret_in_logs_across_the_challenge_and_mfa_routes(
    capture: Capture,
    secret_pool: Pool,
    capsys: pytest.CaptureFixture[str],
    emulator_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    cases: Cases,
) -> None:
    """A user an administrator created sets a new password, enrols TOTP, signs in again through the TOTP challenge
    (a wrong code first) and by emailed code: no temporary password, session, TOTP secret or code is logged."""
    from tests.support import totp

    monkeypatch.setenv("EMAIL_SIGN_IN", "true")
    temporary = "Tmp-Unique-3Wz8q"
    capture.secrets["temporary password"] = temporary
    secret_pool.client.set_user_pool_mfa_config(
        **template.user_pool_mfa_config_kwargs(TEMPLATE, secret_pool.pool_id, {**DEFAULTS, **LOCAL_PARAMETERS})
    )
    secret_pool.client.admin_create_user(
        UserPoolId=secret_pool.pool_id,
        Username=EMAIL,
        TemporaryPassword=temporary,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": EMAIL}, {"Name": "email_verified", "Value": "true"}],
    )
    c = capture.call

    first = c("signin", {"email": EMAIL, "password": temporary})
    assert first.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    capture.secrets["new-password session"] = first.body["session"]
    c("answer_challenge", {"session": first.body["session"], "new_password": "weak"})
    tokens = c("answer_challenge", {"session": first.body["session"], "new_password": PASSWORD})
    assert tokens.status == 200, tokens.body
    access = {"token": tokens.body["access_token"]}
    capture.secrets["access token"] = tokens.body["access_token"]

    setup = c("setup_totp", **access)
    assert setup.status == 200
    capture.secrets["TOTP secret"] = setup.body["secret"]
    c("verify_totp", {"code": "000000"}, **access)
    assert c("verify_totp", {"code": totp.code(setup.body["secret"], emulator_clock())}, **access).status == 200
    assert c("get_mfa", **access).body["enabled"] == ["totp"]

    emulator_clock.advance(totp.STEP_SECONDS)
    challenged = c("signin", {"email": EMAIL, "password": PASSWORD})
    assert challenged.body["challenge"] == "SOFTWARE_TOKEN_MFA"
    capture.secrets["MFA session"] = challenged.body["session"]
    right = totp.code(setup.body["secret"], emulator_clock())
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    # (Six-digit codes are not searched for: any six digits turn up in timestamps and request ids.)
    assert c("answer_challenge", {"session": challenged.body["session"], "code": wrong}).status == 400
    signed_in = c("answer_challenge", {"session": challenged.body["session"], "code": right})
    assert signed_in.status == 200, signed_in.body
    capture.secrets["MFA sign-in's refresh token"] = signed_in.body["refresh_token"]

    by_email = c("email_sign_in", {"email": EMAIL})
    capture.secrets["email-code session"] = by_email.body["session"]
    c("answer_challenge", {"session": by_email.body["session"], "code": "12345678"})
    cases.tried(len(capture.replies))

    assert capture.leaks(capsys.readouterr().out) == {}
