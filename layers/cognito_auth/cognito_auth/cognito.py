"""The Cognito client (one per container), SECRET_HASH, and the translation of every Cognito error."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from cognito_auth import errors
from cognito_auth.observability import logger
from cognito_auth.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

# Bounded retries and timeouts well inside the functions' 10 s timeout: 2 attempts x (1 s connect + 3 s read)
# + at most 1 s of back-off. (botocore's `max_attempts` counts retries, not attempts: 2 of them would be 3 attempts.)
CLIENT_CONFIG = Config(
    connect_timeout=1,
    read_timeout=3,
    retries={"total_max_attempts": 2, "mode": "standard"},
)


@cache
def _session() -> botocore.session.Session:
    """One botocore session per container, shared by its clients: what boto3's default session is, without importing
    boto3 and s3transfer at every cold start (README, Performance)."""
    return botocore.session.get_session()


@cache
def cognito_client() -> CognitoIdentityProviderClient:
    settings = get_settings()
    client = _session().create_client(
        "cognito-idp",
        region_name=settings.region,
        endpoint_url=settings.cognito_endpoint_url,
        config=CLIENT_CONFIG,
    )
    return cast("CognitoIdentityProviderClient", client)


@cache
def _client(service_name: str) -> Any:
    """The client of the store that holds the app client's secret (ssm or secretsmanager), one per container."""
    return _session().create_client(service_name, region_name=get_settings().region, config=CLIENT_CONFIG)


def prepare_clients(*, reads_secret: bool = True) -> None:
    """Create the clients the first request would otherwise create (CPU work, no network call), during Lambda's init
    phase: init runs on a full vCPU, a request on the memory size's share of one (README, Performance). A failure here
    is left for the first request to meet again and answer with the error contract."""
    try:
        cognito_client()
        settings = get_settings()
        if (
            reads_secret
            and not settings.client_secret
            and (settings.client_secret_parameter or settings.client_secret_arn)
        ):
            _client("ssm" if settings.client_secret_parameter else "secretsmanager")
    except Exception as exc:
        logger.warning("Could not create the AWS clients during init", extra={"error_type": type(exc).__name__})


@cache
def client_secret() -> str | None:
    """The app client's secret: from the environment (local runs), an SSM SecureString parameter or Secrets Manager
    (deployed), fetched once per container."""
    settings = get_settings()
    if settings.client_secret or not (settings.client_secret_arn or settings.client_secret_parameter):
        return settings.client_secret
    try:
        if settings.client_secret_parameter:
            parameter = _client("ssm").get_parameter(Name=settings.client_secret_parameter, WithDecryption=True)
            return str(parameter["Parameter"]["Value"])
        secret = _client("secretsmanager").get_secret_value(SecretId=settings.client_secret_arn)
        return str(secret["SecretString"])
    except (ClientError, BotoCoreError) as exc:
        logger.exception("Could not read the app client secret")
        raise errors.ServiceUnavailable() from exc


def secret_hash(username: str, client_id: str, secret: str) -> str:
    """Base64(HMAC-SHA256(key=client secret, message=username + client id)), as Cognito defines it."""
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def with_secret_hash(params: dict[str, Any], username: str) -> dict[str, Any]:
    """Add SECRET_HASH to AuthParameters (InitiateAuth) or SecretHash (other calls) when the client has a secret."""
    secret = client_secret()
    if secret is None:
        return params
    value = secret_hash(username, get_settings().client_id, secret)
    if "AuthParameters" in params:
        params["AuthParameters"]["SECRET_HASH"] = value
    else:
        params["SecretHash"] = value
    return params


# Cognito error code -> what the client sees. Operations override entries where the default would reveal
# whether an account exists.
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


def translate(exc: Exception, overrides: Mapping[str, type[errors.ApiError]] | None = None) -> errors.ApiError:
    """Map a botocore failure to the error contract. Anything unexpected becomes a logged 500."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        error_cls = (overrides or {}).get(code) or COGNITO_ERRORS.get(code)
        if error_cls is None and exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            error_cls = errors.ServiceUnavailable  # e.g. a 502 page from a proxy: Cognito's side, not ours
        if error_cls is None or error_cls is errors.InternalError:
            # Code and operation only: an upstream message (or traceback text) can echo what was sent.
            logger.error("Unexpected Cognito error", extra={"cognito_error": code, "operation": exc.operation_name})
            return errors.InternalError()
        if error_cls.status >= 500:
            logger.warning("Cognito unavailable", extra={"cognito_error": code})
        if error_cls is errors.InvalidPassword:
            return errors.InvalidPassword(_password_rule(exc))
        return error_cls()
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        logger.warning("Cognito unreachable", extra={"error_type": type(exc).__name__})
        return errors.ServiceUnavailable()
    # e.g. ParamValidationError, whose text quotes the offending parameter's value.
    logger.error("Unexpected error calling Cognito", extra={"error_type": type(exc).__name__})
    return errors.InternalError()


_RULES = {
    "uppercase": "contain an uppercase letter",
    "lowercase": "contain a lowercase letter",
    "numeric": "contain a number",
    "symbol": "contain a symbol",
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


def call(operation: str, overrides: Mapping[str, type[errors.ApiError]] | None = None, /, **params: Any) -> Any:
    """Call one Cognito operation, translating every failure to the error contract."""
    try:
        return getattr(cognito_client(), operation)(**params)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, overrides) from exc
