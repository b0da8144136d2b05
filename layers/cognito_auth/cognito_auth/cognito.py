"""Cognito's side of the error contract, and SECRET_HASH.

Every Cognito call runs inside `translated(...)`, which turns whatever Cognito (or the way to it) answers into one
error of the contract; the client's own typed methods are called, so the type checker knows each operation and its
parameters. An operation may override an answer, or hide it (`HIDE`) where it would tell whether an account exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TypedDict

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from cognito_auth import errors
from cognito_auth.aws import DeadlineExceeded, client_secret
from cognito_auth.settings import get_settings


class Hidden(Exception):
    """Cognito answered something that must not reach the client (it would reveal whether an account exists); the
    operation answers as it would for anyone. Never an ApiError: it cannot escape as a response by mistake."""

    def __init__(self, cognito_error: str) -> None:
        super().__init__(cognito_error)
        self.cognito_error = cognito_error


HIDE = Hidden  # an override's value: hide this answer
Overrides = Mapping[str, type[errors.ApiError] | type[Hidden]]

# Cognito error code -> what the client sees. Operations override entries where the default would reveal whether an
# account exists, or where the same code means something else for them.
COGNITO_ERRORS: dict[str, type[errors.ApiError]] = {
    "CodeMismatchException": errors.InvalidCode,
    "ExpiredCodeException": errors.ExpiredCode,
    "InvalidPasswordException": errors.InvalidPassword,
    "PasswordHistoryPolicyViolationException": errors.InvalidPassword,
    "NotAuthorizedException": errors.InvalidCredentials,
    "UserNotFoundException": errors.InvalidCredentials,
    "UserNotConfirmedException": errors.UserNotConfirmed,
    "PasswordResetRequiredException": errors.PasswordResetRequired,
    "InvalidParameterException": errors.ValidationFailed,
    "UserLambdaValidationException": errors.ValidationFailed,
    "AliasExistsException": errors.InvalidCode,
    "ForbiddenException": errors.Forbidden,
    "TooManyRequestsException": errors.TooManyRequests,
    "LimitExceededException": errors.TooManyRequests,
    "TooManyFailedAttemptsException": errors.TooManyRequests,
    "ThrottlingException": errors.TooManyRequests,
    "Throttling": errors.TooManyRequests,
    "InternalErrorException": errors.ServiceUnavailable,
    "ServiceUnavailable": errors.ServiceUnavailable,
    "UnexpectedLambdaException": errors.ServiceUnavailable,
    "InvalidLambdaResponseException": errors.ServiceUnavailable,
    "CodeDeliveryFailureException": errors.ServiceUnavailable,
}
# Cognito refusing to serve this API's volume (a quota to raise), unlike a per-user attempt limit: an operator's
# matter, so logged as a warning.
SERVICE_THROTTLING = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling"})


@contextmanager
def translated(overrides: Overrides | None = None) -> Iterator[None]:
    """Run Cognito calls; whatever fails is raised as an error of the contract (or as Hidden)."""
    try:
        yield
    except (ClientError, BotoCoreError, DeadlineExceeded) as exc:
        raise translate(exc, overrides) from exc


def translate(exc: Exception, overrides: Overrides | None = None) -> errors.ApiError | Hidden:
    """Map a botocore failure to the error contract. Anything unexpected becomes a 500. Nothing is logged here: the
    one place that answers (http.py) logs each answer once, at the level it deserves, with `upstream` attached."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        error_cls = (overrides or {}).get(code) or COGNITO_ERRORS.get(code)
        if error_cls is None and exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            error_cls = errors.ServiceUnavailable  # e.g. a 502 page from a proxy: Cognito's side, not ours
        if error_cls is Hidden:
            return Hidden(code)
        # Code and operation only: an upstream message (or traceback text) can echo what was sent.
        upstream = {"cognito_error": code, "operation": exc.operation_name}
        if error_cls is None or not issubclass(error_cls, errors.ApiError):
            return errors.InternalError().caused_by(upstream)
        if error_cls is errors.InvalidPassword:
            return errors.InvalidPassword(_password_rule(exc)).caused_by(upstream)
        return error_cls().caused_by(upstream, alert=code in SERVICE_THROTTLING)
    if isinstance(exc, DeadlineExceeded):
        return errors.ServiceUnavailable().caused_by({"error_type": "DeadlineExceeded"})
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        return errors.ServiceUnavailable().caused_by({"error_type": type(exc).__name__})
    # e.g. ParamValidationError, whose text quotes the offending parameter's value.
    return errors.InternalError().caused_by({"error_type": type(exc).__name__})


_RULES = {
    "uppercase": "contain an uppercase letter (A-Z)",
    "lowercase": "contain a lowercase letter (a-z)",
    "numeric": "contain a number",
    "symbol": "contain a special character",
    "long enough": "be longer",
    "previously used": "differ from your recent passwords",
}


def _password_rule(exc: ClientError) -> str:
    if exc.response.get("Error", {}).get("Code") == "PasswordHistoryPolicyViolationException":
        return "The password must " + _RULES["previously used"] + "."
    text = exc.response.get("Error", {}).get("Message", "").lower()
    broken = [rule for key, rule in _RULES.items() if key in text]
    if not broken:
        return errors.InvalidPassword.message
    return "The password must " + ", ".join(broken) + "."


def secret_hash(username: str, client_id: str, secret: str) -> str:
    """Base64(HMAC-SHA256(key=client secret, message=username + client id)), as Cognito defines it."""
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def user_secret_hash(username: str) -> str | None:
    """SECRET_HASH of this API's app client for `username`, or None when the client has no secret."""
    secret = client_secret()
    return None if secret is None else secret_hash(username, get_settings().client_id, secret)


class SecretHashArg(TypedDict, total=False):
    SecretHash: str


def secret_hash_arg(username: str) -> SecretHashArg:
    """`SecretHash=...` for the calls that take it (nothing when the client has no secret): `**secret_hash_arg(u)`."""
    value = user_secret_hash(username)
    return {} if value is None else {"SecretHash": value}


def auth_parameters(username: str, **parameters: str) -> dict[str, str]:
    """AuthParameters / ChallengeResponses with USERNAME and, when the client has a secret, SECRET_HASH."""
    value = user_secret_hash(username)
    return {"USERNAME": username, **parameters, **({} if value is None else {"SECRET_HASH": value})}
