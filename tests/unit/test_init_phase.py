"""On Lambda, each function that calls Cognito creates its AWS clients while Lambda imports it (the init phase, which
runs on a full vCPU) instead of in its first request; nothing is sent to AWS then. Elsewhere clients stay lazy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from cognito_auth import aws, service
from tests.support.handlers import reset_caches

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:auth-api-client-secret-AbCdEf"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every request any client of the layer's session tries to send (none is sent: each is refused here)."""
    requests: list[Any] = []

    def refuse(request: Any, **_: Any) -> None:
        requests.append(request)
        raise AssertionError(f"unexpected AWS request to {request.url}")

    monkeypatch.delenv("USER_POOL_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("USER_POOL_CLIENT_SECRET_ARN", SECRET_ARN)
    reset_caches()
    session = aws._session()
    session.register("before-send", cast(Any, refuse))
    yield requests
    session.unregister("before-send", cast(Any, refuse))
    reset_caches()


def test_on_lambda_the_clients_are_created_at_import_without_a_request(
    sent: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "auth-api-SignInFunction")
    reset_caches()

    service.prepare()

    assert aws.cognito_client.cache_info().currsize == 1
    assert aws._client.cache_info().currsize == 1  # the Secrets Manager client that reads the app secret
    assert sent == []
    # The secret itself is still read by the first request, where a failure is answered with a 503.
    assert aws.client_secret.cache_info().currsize == 0


def test_a_function_that_never_reads_the_secret_creates_only_the_cognito_client(
    sent: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "auth-api-SignOutFunction")
    reset_caches()

    service.prepare(reads_secret=False)

    assert aws.cognito_client.cache_info().currsize == 1
    assert aws._client.cache_info().currsize == 0
    assert sent == []


def test_off_lambda_clients_stay_lazy(sent: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    reset_caches()

    service.prepare()

    assert aws.cognito_client.cache_info().currsize == 0
    assert aws._client.cache_info().currsize == 0


def test_a_client_that_cannot_be_created_does_not_fail_the_init(
    sent: list[Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "auth-api-SignInFunction")
    monkeypatch.setenv("COGNITO_ENDPOINT_URL", "not a url")
    reset_caches()

    service.prepare()

    assert aws.cognito_client.cache_info().currsize == 0
    assert "Could not create the AWS clients during init" in caplog.text
    assert sent == []
