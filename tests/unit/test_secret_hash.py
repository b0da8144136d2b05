"""SECRET_HASH, where it is added, and where the app client's secret comes from.

Cognito defines SECRET_HASH as Base64(HMAC-SHA256(key=client secret, message=username + client id)), with both
strings UTF-8 encoded (the Python and Java examples in the Cognito developer guide). The expected values here are
computed without the layer: a published HMAC-SHA256 test vector (RFC 4231) and the `cryptography` package's HMAC.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from cognito_auth import aws as layer_aws
from cognito_auth import cognito, errors
from tests.support.handlers import reset_caches

CLIENT_ID = "4tdr6mhv3ri53mv6e0kqjepe7n"
SECRET = "1ebhk0o5s4v6bqpmhq0r1ve7tqnmq3j0oi3kd2f5ctnm0vhqgbu3"


def reference_hash(username: str, client_id: str, secret: str) -> str:
    mac = crypto_hmac.HMAC(secret.encode("utf-8"), hashes.SHA256())
    mac.update((username + client_id).encode("utf-8"))
    return base64.b64encode(mac.finalize()).decode()


def test_secret_hash_matches_the_rfc_4231_hmac_sha256_vector() -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?". The data is split into the
    # username and client id that Cognito concatenates.
    expected = base64.b64encode(
        bytes.fromhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    ).decode()

    assert cognito.secret_hash("what do ya want ", "for nothing?", "Jefe") == expected


@pytest.mark.parametrize(
    "username",
    [
        "jane@example.com",
        "0f5c5a4e-1c2b-4a8e-9a43-5c2f1b7e9d10",  # the `sub`, Cognito's username on email pools (used by refresh)
        "zoë.ångström@exämple.com",  # UTF-8, as in Cognito's examples
    ],
)
def test_secret_hash_matches_cognitos_formula(username: str) -> None:
    assert cognito.secret_hash(username, CLIENT_ID, SECRET) == reference_hash(username, CLIENT_ID, SECRET)


def test_secret_hash_depends_on_the_username_client_and_secret() -> None:
    base = cognito.secret_hash("jane@example.com", CLIENT_ID, SECRET)

    assert cognito.secret_hash("john@example.com", CLIENT_ID, SECRET) != base
    assert cognito.secret_hash("jane@example.com", CLIENT_ID[:-1] + "x", SECRET) != base
    assert cognito.secret_hash("jane@example.com", CLIENT_ID, SECRET[:-1] + "x") != base


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("USER_POOL_ID", "us-east-1_Example")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", CLIENT_ID)
    monkeypatch.delenv("USER_POOL_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("USER_POOL_CLIENT_SECRET_ARN", raising=False)
    reset_caches()
    yield monkeypatch
    reset_caches()


def test_nothing_is_added_when_the_client_has_no_secret(settings_env: pytest.MonkeyPatch) -> None:
    assert cognito.secret_hash_arg("a@b.co") == {}
    assert cognito.auth_parameters("a@b.co", PASSWORD="pw") == {"USERNAME": "a@b.co", "PASSWORD": "pw"}


def test_auth_parameters_carry_secret_hash_over_the_username(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("USER_POOL_CLIENT_SECRET", SECRET)
    reset_caches()

    assert cognito.auth_parameters("a@b.co", PASSWORD="pw") == {
        "USERNAME": "a@b.co",
        "PASSWORD": "pw",
        "SECRET_HASH": reference_hash("a@b.co", CLIENT_ID, SECRET),
    }


def test_other_calls_get_secrethash(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("USER_POOL_CLIENT_SECRET", SECRET)
    reset_caches()

    assert cognito.secret_hash_arg("a@b.co") == {"SecretHash": reference_hash("a@b.co", CLIENT_ID, SECRET)}


def test_the_hash_is_over_the_name_it_is_given(settings_env: pytest.MonkeyPatch) -> None:
    # Refresh and challenge answers: the hash is over the user's Cognito username (the sub), not the email.
    settings_env.setenv("USER_POOL_CLIENT_SECRET", SECRET)
    reset_caches()
    sub = "0f5c5a4e-1c2b-4a8e-9a43-5c2f1b7e9d10"

    assert cognito.user_secret_hash(sub) == reference_hash(sub, CLIENT_ID, SECRET)
    assert cognito.user_secret_hash(sub) != cognito.user_secret_hash("a@b.co")


def test_client_secret_comes_from_the_environment(settings_env: pytest.MonkeyPatch) -> None:
    assert layer_aws.client_secret() is None

    settings_env.setenv("USER_POOL_CLIENT_SECRET", SECRET)
    reset_caches()

    assert layer_aws.client_secret() == SECRET


@pytest.fixture
def secrets_manager(aws: None, settings_env: pytest.MonkeyPatch) -> tuple[Any, str]:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(Name="auth-api-client-secret", SecretString=SECRET)["ARN"]
    settings_env.setenv("USER_POOL_CLIENT_SECRET_ARN", arn)
    reset_caches()
    return client, arn


def test_client_secret_is_read_from_secrets_manager_once_per_container(
    secrets_manager: tuple[Any, str],
) -> None:
    client, arn = secrets_manager

    assert layer_aws.client_secret() == SECRET
    client.put_secret_value(SecretId=arn, SecretString="rotated")

    # The same container keeps the value it read; a new container reads the current one.
    assert layer_aws.client_secret() == SECRET
    reset_caches()
    assert layer_aws.client_secret() == "rotated"


def test_the_environment_wins_over_secrets_manager(
    secrets_manager: tuple[Any, str], settings_env: pytest.MonkeyPatch
) -> None:
    settings_env.setenv("USER_POOL_CLIENT_SECRET", "from-env")
    reset_caches()

    assert layer_aws.client_secret() == "from-env"


def test_secrets_manager_failure_is_a_503_and_is_retried_on_the_next_call(
    secrets_manager: tuple[Any, str],
) -> None:
    client, arn = secrets_manager
    client.delete_secret(SecretId=arn, RecoveryWindowInDays=7)

    with pytest.raises(errors.ServiceUnavailable) as raised:
        layer_aws.client_secret()

    assert raised.value.status == 503
    assert raised.value.body()["code"] == "ServiceUnavailable"
    assert arn not in raised.value.message
    assert "Retry-After" in raised.value.headers

    # The failure is not kept for the container's lifetime: once the secret can be read again, it is.
    client.restore_secret(SecretId=arn)
    assert layer_aws.client_secret() == SECRET
