"""Every Cognito error the endpoints can meet becomes a documented status and stable code, never AWS's own words.

The expected answers are written out here, not read from the layer's table, so a changed mapping fails a test.
The list of errors each operation can raise comes from botocore's model of the Cognito API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.stub import Stubber

from cognito_auth import account, aws, challenges, cognito, errors, mfa, service
from cognito_auth.sessions import ChallengeSession, seal
from tests.support.handlers import reset_caches

# What AWS might put in a message: internals a client must never see.
AWS_MESSAGE = "Internal detail arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Leak for jane@example.com"

THROTTLED = (429, "TooManyRequests")
UNAVAILABLE = (503, "ServiceUnavailable")
OUR_FAULT = (500, "InternalError")

# The default answer for each Cognito error code.
DEFAULT = {
    "CodeMismatchException": (400, "InvalidCode"),
    "ExpiredCodeException": (400, "ExpiredCode"),
    "AliasExistsException": (400, "InvalidCode"),
    "InvalidPasswordException": (400, "InvalidPassword"),
    "PasswordHistoryPolicyViolationException": (400, "InvalidPassword"),
    "InvalidParameterException": (400, "ValidationFailed"),
    "UserLambdaValidationException": (400, "ValidationFailed"),
    "NotAuthorizedException": (401, "InvalidCredentials"),
    "UserNotFoundException": (401, "InvalidCredentials"),
    "UserNotConfirmedException": (403, "UserNotConfirmed"),
    "PasswordResetRequiredException": (403, "PasswordResetRequired"),
    "ForbiddenException": (403, "Forbidden"),
    "TooManyRequestsException": THROTTLED,
    "LimitExceededException": THROTTLED,
    "TooManyFailedAttemptsException": THROTTLED,
    "ThrottlingException": THROTTLED,
    "Throttling": THROTTLED,
    "InternalErrorException": UNAVAILABLE,
    "ServiceUnavailable": UNAVAILABLE,
    "UnexpectedLambdaException": UNAVAILABLE,
    "InvalidLambdaResponseException": UNAVAILABLE,
    "CodeDeliveryFailureException": UNAVAILABLE,
    # A misconfigured deployment (wrong pool or client, a flow or feature not enabled, email/SMS roles): our bug.
    "ResourceNotFoundException": OUR_FAULT,
    "InvalidUserPoolConfigurationException": OUR_FAULT,
    "InvalidSmsRoleAccessPolicyException": OUR_FAULT,
    "InvalidSmsRoleTrustRelationshipException": OUR_FAULT,
    "InvalidEmailRoleAccessPolicyException": OUR_FAULT,
    "OperationNotEnabledException": OUR_FAULT,
    "FeatureUnavailableInTierException": OUR_FAULT,
    "UnsupportedOperationException": OUR_FAULT,
    # Only SignUp raises it, and sign_up answers it itself (see ENDPOINT_OVERRIDES).
    "UsernameExistsException": OUR_FAULT,
    # A refresh token used again after its rotation's grace period.
    "RefreshTokenReuseException": (401, "InvalidToken"),
    # RevokeToken: the app client may not revoke (a deployment fault); a token it cannot revoke (answered as success).
    "UnauthorizedException": OUR_FAULT,
    "UnsupportedTokenTypeException": (400, "ValidationFailed"),
    # MFA: a factor the user has not set up, a wrong first TOTP code, two set-ups at once.
    "MFAMethodNotFoundException": (400, "ValidationFailed"),
    "SoftwareTokenMFANotFoundException": (400, "ValidationFailed"),
    "EnableSoftwareTokenMFAException": (400, "InvalidCode"),
    "ConcurrentModificationException": THROTTLED,
}

SUCCESS = (200, "")
TOKEN_REFUSED = {"NotAuthorizedException": (401, "InvalidToken"), "UserNotFoundException": (401, "InvalidToken")}
# A request that sent Cognito no code hears nothing about codes or aliases: such an answer is unexpected.
NO_CODE_SENT = dict.fromkeys(("CodeMismatchException", "ExpiredCodeException", "AliasExistsException"), OUR_FAULT)

# Where an endpoint answers differently from the default: mostly so as not to tell whether an account exists.
ENDPOINT_OVERRIDES: dict[str, dict[str, tuple[int, str]]] = {
    # NotAuthorized on SignUp is a deployment fault (self-registration off, wrong secret), never the user's.
    "signup": {"UsernameExistsException": (201, ""), "NotAuthorizedException": (500, "InternalError")},
    "confirm": {"UserNotFoundException": (400, "InvalidCode"), "NotAuthorizedException": (400, "InvalidCode")},
    "resend_code": {
        "UserNotFoundException": SUCCESS,
        "InvalidParameterException": SUCCESS,
        "NotAuthorizedException": SUCCESS,
    },
    "forgot_password": {
        "UserNotFoundException": SUCCESS,
        "InvalidParameterException": SUCCESS,
        "NotAuthorizedException": SUCCESS,
    },
    "reset_password": {
        "UserNotFoundException": (400, "InvalidCode"),
        "NotAuthorizedException": (400, "InvalidCode"),
        "UserNotConfirmedException": (400, "InvalidCode"),
    },
    "signin": {},
    "refresh": {"NotAuthorizedException": (401, "InvalidToken"), "UserNotFoundException": (401, "InvalidToken")},
    "signout": {"NotAuthorizedException": (401, "InvalidToken")},
    # The user-context calls act with the caller's access token: Cognito refusing it means the token is no good.
    "get_profile": TOKEN_REFUSED,
    "update_profile": {**TOKEN_REFUSED, **NO_CODE_SENT},
    "delete_account": TOKEN_REFUSED,
    "verify_email": TOKEN_REFUSED,
    # NotAuthorized is the wrong current password (unless Cognito's message speaks of the token).
    "change_password": {"UserNotFoundException": (401, "InvalidToken")},
    # An address another account uses is answered like a free one.
    "change_email": {**TOKEN_REFUSED, **NO_CODE_SENT, "AliasExistsException": (202, "")},
    "revoke": {
        "UnsupportedTokenTypeException": SUCCESS,
        "InvalidParameterException": SUCCESS,
        "NotAuthorizedException": SUCCESS,
    },
    # A session that expired, was used, or whose user is gone.
    "answer_challenge": TOKEN_REFUSED,
    # Passwordless start: an unknown or unconfirmed address gets the answer a registered one gets.
    "email_sign_in": {
        "UserNotFoundException": SUCCESS,
        "NotAuthorizedException": SUCCESS,
        "UserNotConfirmedException": SUCCESS,
        "PasswordResetRequiredException": SUCCESS,
    },
    "get_mfa": TOKEN_REFUSED,
}

# endpoint -> (Cognito operation, client method, how the endpoint's service function is called)
# Claims of an access token from a sign-in a moment ago (what the dangerous changes need).
RECENT = {"sub": "0f5c5a4e-1c2b-4a8e-9a43-5c2f1b7e9d10", "auth_time": str(int(time.time()))}

ENDPOINTS: dict[str, tuple[str, str, Callable[[], dict[str, Any]]]] = {
    "signup": ("SignUp", "sign_up", lambda: service.sign_up("jane@example.com", "Jane", "Example-Passw0rd")),
    "confirm": ("ConfirmSignUp", "confirm_sign_up", lambda: service.confirm_sign_up("jane@example.com", "123456")),
    "resend_code": ("ResendConfirmationCode", "resend_confirmation_code", lambda: service.resend_code("j@ex.com")),
    "forgot_password": ("ForgotPassword", "forgot_password", lambda: service.forgot_password("jane@example.com")),
    "reset_password": (
        "ConfirmForgotPassword",
        "confirm_forgot_password",
        lambda: service.reset_password("jane@example.com", "123456", "Changed-Passw0rd"),
    ),
    "signin": ("InitiateAuth", "initiate_auth", lambda: service.sign_in("jane@example.com", "Example-Passw0rd")),
    "refresh": (
        "GetTokensFromRefreshToken",
        "get_tokens_from_refresh_token",
        lambda: account.refresh("refresh-token"),
    ),
    "signout": ("GlobalSignOut", "global_sign_out", lambda: service.sign_out("access-token")),
    "get_profile": ("GetUser", "get_user", lambda: account.get_profile("access-token")),
    "update_profile": (
        "UpdateUserAttributes",
        "update_user_attributes",
        lambda: account.update_profile("access-token", "Jane"),
    ),
    "delete_account": ("DeleteUser", "delete_user", lambda: account.delete_account("access-token", RECENT)),
    "change_password": (
        "ChangePassword",
        "change_password",
        lambda: account.change_password("access-token", "Example-Passw0rd", "Changed-Passw0rd"),
    ),
    "change_email": (
        "UpdateUserAttributes",
        "update_user_attributes",
        lambda: account.change_email("access-token", RECENT, "jane.doe@example.com"),
    ),
    "verify_email": ("VerifyUserAttribute", "verify_user_attribute", lambda: account.verify_email("t", "123456")),
    "revoke": ("RevokeToken", "revoke_token", lambda: account.revoke("refresh-token")),
    "answer_challenge": (
        "RespondToAuthChallenge",
        "respond_to_auth_challenge",
        lambda: challenges.respond(
            seal(
                ChallengeSession("cognito-session-" * 2, "sub-1", "SOFTWARE_TOKEN_MFA", time.time()),
                secret=None,
                client_id="c",
            ),
            new_password=None,
            code="123456",
            mfa=None,
            challenge=None,
        ),
    ),
    "email_sign_in": ("InitiateAuth", "initiate_auth", lambda: challenges.email_sign_in("jane@example.com")),
    "get_mfa": ("GetUser", "get_user", lambda: mfa.get_mfa("access-token")),
}


def declared_errors(operation: str) -> list[str]:
    model = botocore.session.get_session().get_service_model("cognito-idp")
    return [shape.name for shape in model.operation_model(operation).error_shapes]


def client_error(code: str, message: str = AWS_MESSAGE, operation: str = "InitiateAuth") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def assert_contract(error: errors.ApiError, expected: tuple[int, str], *, leaked: tuple[str, ...] = ()) -> None:
    assert (error.status, error.code) == expected
    body = error.body()
    assert set(body) == {"error", "code"}
    assert errors.ERROR_CODES[body["code"]] == error.status
    text = json.dumps(body)
    assert AWS_MESSAGE not in text
    assert "123456789012" not in text
    for secret in leaked:
        assert secret not in text


def test_the_expected_answers_cover_every_error_the_endpoints_can_meet() -> None:
    can_meet = {code for operation, _, _ in ENDPOINTS.values() for code in declared_errors(operation)}

    assert can_meet <= set(DEFAULT), sorted(can_meet - set(DEFAULT))
    assert set(cognito.COGNITO_ERRORS) <= set(DEFAULT), sorted(set(cognito.COGNITO_ERRORS) - set(DEFAULT))


def translate(exc: Exception, overrides: cognito.Overrides | None = None) -> errors.ApiError:
    """The layer's translation, which must give an error of the contract (never Hidden without an override)."""
    error = cognito.translate(exc, overrides)
    assert isinstance(error, errors.ApiError)
    return error


@pytest.mark.parametrize(("code", "expected"), sorted(DEFAULT.items()))
def test_translate_gives_each_cognito_error_its_documented_answer(code: str, expected: tuple[int, str]) -> None:
    error = translate(client_error(code))

    assert_contract(error, expected, leaked=(code,) if code != expected[1] else ())
    if expected[0] in (429, 503):
        assert int(error.headers["Retry-After"]) > 0


def test_an_unknown_cognito_error_is_a_500_without_internals() -> None:
    error = translate(client_error("SomethingNewException"))

    assert_contract(error, OUR_FAULT, leaked=("SomethingNewException",))
    assert error.message == errors.InternalError.message


def test_an_override_wins_over_the_default() -> None:
    error = translate(client_error("NotAuthorizedException"), {"NotAuthorizedException": errors.InvalidToken})

    assert_contract(error, (401, "InvalidToken"))


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/"),
        ConnectTimeoutError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/"),
        ReadTimeoutError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_cognito_unreachable_is_a_503(exc: Exception) -> None:
    error = translate(exc)

    assert_contract(error, UNAVAILABLE, leaked=("amazonaws.com",))
    assert int(error.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "exc", [NoCredentialsError(), KeyError("AuthenticationResult")], ids=lambda e: type(e).__name__
)
def test_any_other_failure_is_a_500_without_internals(exc: Exception) -> None:
    assert_contract(translate(exc), OUR_FAULT, leaked=("AuthenticationResult", "credentials"))


PASSWORD = "Hunter2-Is-My-Password"


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("Password did not conform with policy: Password not long enough", "be longer"),
        ("Password did not conform with policy: Password must have uppercase characters", "uppercase letter"),
        ("Password did not conform with policy: Password must have lowercase characters", "lowercase letter"),
        ("Password did not conform with policy: Password must have numeric characters", "contain a number"),
        ("Password did not conform with policy: Password must have symbol characters", "contain a special character"),
    ],
)
def test_invalid_password_names_the_rule_that_was_broken(message: str, rule: str) -> None:
    error = translate(client_error("InvalidPasswordException", f"{message} ({PASSWORD})"))

    assert_contract(error, (400, "InvalidPassword"), leaked=(PASSWORD, "conform"))
    assert rule in error.message


def test_invalid_password_names_every_rule_that_was_broken() -> None:
    message = "Password did not conform with policy: Password must have uppercase characters, numeric characters"

    error = translate(client_error("InvalidPasswordException", message))

    assert "uppercase letter" in error.message
    assert "contain a number" in error.message


def test_invalid_password_with_an_unrecognised_message_gets_the_generic_policy_message() -> None:
    error = translate(client_error("InvalidPasswordException", f"Password {PASSWORD} is bad"))

    assert_contract(error, (400, "InvalidPassword"), leaked=(PASSWORD,))
    assert error.message == errors.InvalidPassword.message


def test_a_reused_password_is_refused_by_naming_the_history_rule() -> None:
    error = translate(
        client_error("PasswordHistoryPolicyViolationException", "The password was used before", "ConfirmForgotPassword")
    )

    assert_contract(error, (400, "InvalidPassword"))
    assert "differ from your recent passwords" in error.message


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """The layer's own cached Cognito client, answering from a Stubber; a call nobody expected fails the test."""
    monkeypatch.setenv("USER_POOL_ID", "us-east-1_Example")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", "exampleclientid")
    monkeypatch.delenv("USER_POOL_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("USER_POOL_CLIENT_SECRET_ARN", raising=False)
    monkeypatch.setenv("EMAIL_SIGN_IN", "true")
    reset_caches()
    with Stubber(aws.cognito_client()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    reset_caches()


ENDPOINT_CASES = [
    pytest.param(endpoint, code, id=f"{endpoint}-{code}")
    for endpoint, (operation, _, _) in ENDPOINTS.items()
    for code in declared_errors(operation)
]


@pytest.mark.parametrize(("endpoint", "code"), ENDPOINT_CASES)
def test_each_endpoint_answers_every_error_its_cognito_operation_declares(
    stubbed: Stubber, endpoint: str, code: str
) -> None:
    _, method, invoke = ENDPOINTS[endpoint]
    stubbed.add_client_error(method, service_error_code=code, service_message=AWS_MESSAGE, http_status_code=400)
    expected = ENDPOINT_OVERRIDES[endpoint].get(code, DEFAULT[code])

    if expected[0] < 300:
        body = invoke()
        assert AWS_MESSAGE not in json.dumps(body)
        assert "message" in body or body.get("challenge") == "EMAIL_OTP"
        return
    with pytest.raises(errors.ApiError) as raised:
        invoke()
    assert_contract(raised.value, expected, leaked=(code,))
