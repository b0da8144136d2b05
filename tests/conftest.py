"""Shared fixtures: fake AWS credentials before any client exists, committed events, handlers loaded by path,
and a moto Cognito pool created from template.yaml's own properties."""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())

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

TEMPLATE = template.load_template()
os.environ.update(template.function_environment(TEMPLATE))
emulator.install()


def reset_caches() -> None:
    """Forget everything a Lambda container caches, as a fresh container would."""
    from cognito_auth import cognito, settings, tokens

    settings.get_settings.cache_clear()
    cognito.cognito_client.cache_clear()
    cognito.client_secret.cache_clear()
    cognito._client.cache_clear()
    tokens.get_verifier.cache_clear()


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "test-request-id"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


def load_event(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((ROOT / "events" / f"{name}.json").read_text()))


_modules: dict[str, ModuleType] = {}


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/app.py under a unique module name (every function is called `app`)."""
    if name not in _modules:
        spec = importlib.util.spec_from_file_location(f"functions_{name}_app", ROOT / "functions" / name / "app.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[name] = module
    return _modules[name]


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]
    raw: dict[str, Any]


def make_event(
    name: str,
    body: Any = None,
    *,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    event = load_event(name)
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    event["isBase64Encoded"] = base64_body
    event["body"] = base64.b64encode(text.encode()).decode() if base64_body and text is not None else text
    extra = dict(headers or {})
    if token is not None:
        extra["Authorization"] = f"Bearer {token}"
    event["headers"] = {**event["headers"], **extra}
    event["multiValueHeaders"] = {**event.get("multiValueHeaders", {}), **{k: [v] for k, v in extra.items()}}
    return event


def call(name: str, body: Any = None, **kwargs: Any) -> Reply:
    """Invoke one function's handler in-process with its committed event, overriding body and headers."""
    response = load_function(name).lambda_handler(make_event(name, body, **kwargs), LambdaContext())
    text = response.get("body") or ""
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return Reply(response["statusCode"], parsed, response_headers(response), response)


def response_headers(response: dict[str, Any]) -> dict[str, str]:
    """A handler's response headers: REST API resolvers answer with multiValueHeaders only."""
    multi = {name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items() if values}
    return {**multi, **(response.get("headers") or {})}


@pytest.fixture
def invoke() -> Callable[..., Reply]:
    return call


@dataclass
class Pool:
    client: Any
    pool_id: str
    client_id: str
    secret: str | None

    def user(self, email: str) -> dict[str, Any]:
        return self.client.admin_get_user(UserPoolId=self.pool_id, Username=email)


def _make_pool(monkeypatch: pytest.MonkeyPatch, *, secret: bool) -> Pool:
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool_id = idp.create_user_pool(**template.user_pool_kwargs(TEMPLATE))["UserPool"]["Id"]
    client_args = template.user_pool_client_kwargs(TEMPLATE, pool_id)
    client_args["GenerateSecret"] = secret
    app_client = idp.create_user_pool_client(**client_args)["UserPoolClient"]
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    monkeypatch.setenv("USER_POOL_CLIENT_ID", app_client["ClientId"])
    if secret:
        monkeypatch.setenv("USER_POOL_CLIENT_SECRET", app_client["ClientSecret"])
    else:
        monkeypatch.delenv("USER_POOL_CLIENT_SECRET", raising=False)
    reset_caches()
    return Pool(idp, pool_id, app_client["ClientId"], app_client.get("ClientSecret"))


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
    return _make_pool(monkeypatch, secret=request.param == "secret")


@pytest.fixture
def secret_pool(aws: None, monkeypatch: pytest.MonkeyPatch) -> Pool:
    """The template's own configuration: an app client with a secret."""
    return _make_pool(monkeypatch, secret=True)


def moto_public_jwks() -> dict[str, Any]:
    from moto.utilities.utils import load_resource

    return dict(load_resource("cognitoidp/resources/jwks-public.json"))


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


class Clock:
    """A settable clock for the token verifier: tests move `now` instead of sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()
