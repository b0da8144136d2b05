"""AWS clients, one of each per container, and the app client's secret; every call kept inside the invocation's time.

An attempt of a call (1 s to connect, 3 s to read) starts only if it can finish before the invocation's deadline, so a
slow secret store or Cognito ends in the error contract's 503 with Retry-After, never in API Gateway's 502 after
Lambda's timeout (issue 12: a cold sign-up could otherwise spend 2 x 2 attempts x 4 s against a 10 s timeout).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cognito_auth import deadline, errors
from cognito_auth.observability import logger
from cognito_auth.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

CONNECT_TIMEOUT, READ_TIMEOUT = 1, 3
# botocore's `max_attempts` counts retries, not attempts: 2 of them would be 3 attempts.
CLIENT_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT,
    read_timeout=READ_TIMEOUT,
    retries={"total_max_attempts": 2, "mode": "standard"},
)
ATTEMPT_SECONDS = CONNECT_TIMEOUT + READ_TIMEOUT  # the longest one attempt can take


class DeadlineExceeded(Exception):
    """An attempt could not finish before the invocation's deadline, so it was not started."""


def _refuse_late_attempt(**_: Any) -> None:
    """botocore's before-send hook: runs before every attempt, retries included."""
    left = deadline.seconds_left()
    if left is not None and left < ATTEMPT_SECONDS:
        raise DeadlineExceeded


@cache
def _session() -> botocore.session.Session:
    """One botocore session per container, shared by its clients: what boto3's default session is, without importing
    boto3 and s3transfer at every cold start (docs/performance.md)."""
    session = botocore.session.get_session()
    # First, before any other before-send handler (a test's stubbed network answers from there too).
    session.get_component("event_emitter").register_first("before-send", _refuse_late_attempt)
    return session


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
    phase: init runs on a full vCPU, a request on the memory size's share of one (docs/performance.md). A failure here
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
    except DeadlineExceeded as exc:
        logger.warning("No time left to read the app client secret")
        raise errors.ServiceUnavailable() from exc
    except (ClientError, BotoCoreError) as exc:
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        logger.error("Could not read the app client secret", extra={"error_type": type(exc).__name__, "code": code})
        raise errors.ServiceUnavailable() from exc


def reset() -> None:
    """Forget the clients and the secret, as a new container would (tests)."""
    for cached in (_session, cognito_client, _client, client_secret):
        cached.cache_clear()
    deadline.clear()
