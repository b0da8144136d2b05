"""Shared fixtures: fake AWS credentials before any client exists, moto Cognito pools made from template.yaml's own
properties, the pool's keys as its JWKS, a settable clock, and one local API for the whole run. Helpers that tests
import live in tests/support."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# Set before anything creates an AWS client: no test may reach a real account.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SECURITY_TOKEN="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_SERVICE_NAME="auth-api",
    POWERTOOLS_METRICS_NAMESPACE="AuthApi",
    POWERTOOLS_LOG_LEVEL="INFO",
)
for _name in ("USER_POOL_CLIENT_SECRET_ARN", "COGNITO_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_name, None)

from local_api import emulator, template  # noqa: E402
from tests.support.clock import Clock  # noqa: E402
from tests.support.cognito import TEMPLATE, Pool, make_pool, moto_public_jwks  # noqa: E402
from tests.support.handlers import reset_caches  # noqa: E402
from tests.support.local_api import LocalApiProcess  # noqa: E402

os.environ.update(template.function_environment(TEMPLATE))
emulator.install()


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        reset_caches()
        yield
    reset_caches()


@pytest.fixture(params=["secret", "no-secret"])
def pool(request: pytest.FixtureRequest, aws: None, monkeypatch: pytest.MonkeyPatch) -> Pool:
    """A moto user pool and app client built from template.yaml, with and without a client secret."""
    return make_pool(monkeypatch, secret=request.param == "secret")


@pytest.fixture
def secret_pool(aws: None, monkeypatch: pytest.MonkeyPatch) -> Pool:
    """The template's own configuration: an app client with a secret."""
    return make_pool(monkeypatch, secret=True)


@pytest.fixture
def moto_jwks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Serve moto's signing keys as the pool's JWKS (what Cognito serves at .well-known/jwks.json)."""
    from cognito_auth import tokens

    fetched: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        fetched.append(url)
        return moto_public_jwks()

    monkeypatch.setattr(tokens, "fetch_jwks", fetch)
    tokens.get_verifier.cache_clear()
    return fetched


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator_clock(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The emulator's clock (code expiry, token times, refresh token lifetimes and grace periods), moved by the
    test."""
    monkeypatch.setattr(emulator.clock, "now", clock)
    return clock


@pytest.fixture(scope="session")
def local_api() -> Iterator[LocalApiProcess]:
    """The local API as `make dev` serves it (a subprocess on 127.0.0.1), one for the whole run, stopped with
    Ctrl-C at the end."""
    server = LocalApiProcess()
    yield server
    server.stop()
