"""The app client's secret from an SSM SecureString parameter: how a stack on an existing pool can hold it
(UserPoolMode=existing with ExistingClientSecretParameter)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from cognito_auth import aws, errors
from tests.support.cognito import Pool
from tests.support.handlers import call, reset_caches

PARAMETER = "/auth-api/test/client-secret"
EMAIL = "jane@example.com"
PASSWORD = "Example-Passw0rd"


@pytest.fixture
def ssm_secret(secret_pool: Pool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The template's pool and client, with the client secret only in SSM (as the template wires it)."""
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name=PARAMETER, Value=str(secret_pool.secret), Type="SecureString")
    monkeypatch.delenv("USER_POOL_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("USER_POOL_CLIENT_SECRET_ARN", raising=False)
    monkeypatch.setenv("USER_POOL_CLIENT_SECRET_PARAMETER", PARAMETER)
    reset_caches()
    return ssm


def sign_up_confirm_and_sign_in() -> dict[str, Any]:
    assert call("signup", {"email": EMAIL, "name": "Jane", "password": PASSWORD}).status == 201
    assert call("confirm", {"email": EMAIL, "code": "123456"}).status == 200
    reply = call("signin", {"email": EMAIL, "password": PASSWORD})
    assert reply.status == 200, reply.body
    return dict(reply.body)


def refresh(refresh_token: str) -> int:
    return call("refresh", {"refresh_token": refresh_token}).status


def test_a_user_signs_in_and_refreshes_with_the_secret_from_ssm(ssm_secret: Any, secret_pool: Pool) -> None:
    tokens = sign_up_confirm_and_sign_in()

    assert refresh(tokens["refresh_token"]) == 200
    assert aws.client_secret() == secret_pool.secret


def test_a_wrong_secret_in_ssm_is_refused_by_cognito(ssm_secret: Any, secret_pool: Pool) -> None:
    # Proves the parameter's value is what refresh sends: the emulator checks GetTokensFromRefreshToken's ClientSecret
    # as Cognito does.
    tokens = sign_up_confirm_and_sign_in()
    ssm_secret.put_parameter(
        Name=PARAMETER, Value="not-the-client-secret-though-as-long-as-one", Type="SecureString", Overwrite=True
    )
    reset_caches()

    assert refresh(tokens["refresh_token"]) == 401


def test_the_parameter_is_read_once_per_container(ssm_secret: Any, secret_pool: Pool) -> None:
    assert aws.client_secret() == secret_pool.secret
    ssm_secret.put_parameter(Name=PARAMETER, Value="rotated", Type="SecureString", Overwrite=True)

    assert aws.client_secret() == secret_pool.secret
    reset_caches()
    assert aws.client_secret() == "rotated"


def test_a_missing_parameter_is_a_503_that_names_nothing_and_is_retried(ssm_secret: Any, secret_pool: Pool) -> None:
    ssm_secret.delete_parameter(Name=PARAMETER)

    with pytest.raises(errors.ServiceUnavailable) as raised:
        aws.client_secret()

    assert raised.value.status == 503
    assert raised.value.body() == {"error": raised.value.message, "code": "ServiceUnavailable"}
    assert PARAMETER not in raised.value.message

    ssm_secret.put_parameter(Name=PARAMETER, Value=str(secret_pool.secret), Type="SecureString")
    assert aws.client_secret() == secret_pool.secret


def test_the_environment_wins_over_ssm(ssm_secret: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER_POOL_CLIENT_SECRET", "from-env")
    reset_caches()

    assert aws.client_secret() == "from-env"
