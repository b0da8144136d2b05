"""What API Gateway itself answers, over real HTTP: the Cognito authorizer, unknown routes, CORS preflight."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from jose import jwt

from local_api import template
from tests.support.keys import attacker_key
from tests.support.local_api import LocalApiProcess, http, new_user_tokens, sign

PASSWORD = "Correct-Horse1"
UNAUTHORIZED = {"message": "Unauthorized"}
MISSING_TOKEN = {"message": "Missing Authentication Token"}
API = template.api(template.load_template())


@pytest.fixture(scope="module")
def tokens(local_api: LocalApiProcess) -> dict[str, Any]:
    return new_user_tokens(local_api, PASSWORD)


def _claims(tokens: dict[str, Any]) -> dict[str, Any]:
    return dict(jwt.get_unverified_claims(tokens["access_token"]))


def _other_key() -> str:
    return attacker_key().private_pem


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    return ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])


def _with(**changes: Any) -> Callable[[dict[str, Any]], str]:
    def make(tokens: dict[str, Any]) -> str:
        return sign({**_claims(tokens), **changes})

    return make


REFUSED: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "no token": lambda t: None,
    "not a JWT": lambda t: "not-a-token",
    "tampered signature": lambda t: _tampered(t["access_token"]),
    "expired": _with(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
    "another pool's": _with(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeOtherPool"),
    "signed with another key": lambda t: sign(_claims(t), _other_key()),
    "id token instead of access token": lambda t: t["id_token"],
    "refresh token": lambda t: t["refresh_token"],
    "access token without the scope": _with(scope="openid email"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_the_authorizer_refuses_before_the_function_runs(
    local_api: LocalApiProcess, tokens: dict[str, Any], case: str
) -> None:
    token = REFUSED[case](tokens)
    reply = http("GET", f"{local_api.url}/getData", headers={"Authorization": f"Bearer {token}"} if token else {})
    # API Gateway's own body, not the function's {"error", "code"}: the function never ran.
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)


def test_a_good_token_reaches_the_function_with_its_claims(local_api: LocalApiProcess, tokens: dict[str, Any]) -> None:
    claims = _claims(tokens)
    reply = http("GET", f"{local_api.url}/getData", token=tokens["access_token"])
    assert reply.status == 200
    assert (reply.body["sub"], reply.body["username"]) == (claims["sub"], claims["username"])


def test_any_app_client_of_the_pool_passes_as_at_api_gateway(
    local_api: LocalApiProcess, tokens: dict[str, Any]
) -> None:
    """API Gateway's Cognito authorizer checks the pool, not the app client: scopes are what restrict a method.
    The function then refuses a token of another app client (its own body, not the gateway's: it ran)."""
    token = sign({**_claims(tokens), "client_id": "another-app-client-of-this-pool"})
    reply = http("GET", f"{local_api.url}/getData", token=token)
    assert (reply.status, reply.body["code"]) == (401, "InvalidToken")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/nope"),
        ("GET", "/auth/signup"),  # a route, but not for this method
        ("POST", "/getData"),
        ("DELETE", "/auth/signin"),
        ("GET", "/getData/"),
        ("GET", "/GETDATA"),
        ("POST", "/api/auth/signup"),  # the stage is not part of local paths
        ("GET", "/_local/outbox/x"),
    ],
)
def test_unknown_routes_get_missing_authentication_token(local_api: LocalApiProcess, method: str, path: str) -> None:
    reply = http(method, f"{local_api.url}{path}")
    assert (reply.status, reply.body) == (403, MISSING_TOKEN)
    assert reply.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


@pytest.mark.parametrize("route", API.routes, ids=lambda r: r.path)
def test_cors_preflight_answers_as_the_template_configures_it(local_api: LocalApiProcess, route: Any) -> None:
    assert API.cors is not None
    reply = http(
        "OPTIONS",
        f"{local_api.url}{route.path}",
        headers={"Origin": "http://localhost:8081", "Access-Control-Request-Method": route.method},
    )
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == API.cors.allow_origin
    assert reply.headers["Access-Control-Allow-Methods"] == API.cors.allow_methods
    assert reply.headers["Access-Control-Allow-Headers"] == API.cors.allow_headers
    assert reply.headers["Access-Control-Max-Age"] == API.cors.max_age


def test_preflight_of_an_unknown_path_is_refused(local_api: LocalApiProcess) -> None:
    reply = http("OPTIONS", f"{local_api.url}/nope", headers={"Origin": "http://localhost:8081"})
    assert (reply.status, reply.body) == (403, MISSING_TOKEN)


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{", 400, "InvalidJson"),
        (b'{"email": "\xff\xfe", "password": "x"}', 400, "InvalidJson"),  # not UTF-8
        (b'{"email": "jane@example.com", "password": "Correct-Horse1\xff"}', 400, "InvalidJson"),  # not UTF-8
        (b"[]", 400, "InvalidJson"),
        (b"", 400, "InvalidJson"),
        (b"[" * 10_000, 400, "InvalidJson"),
        (b" " * 100_000, 413, "PayloadTooLarge"),
    ],
    ids=[
        "not JSON",
        "not UTF-8",
        "not UTF-8 in a valid-looking body",
        "a JSON list",
        "empty",
        "deeply nested",
        "too large",
    ],
)
def test_bad_bodies_get_a_stable_4xx_from_the_function(
    local_api: LocalApiProcess, raw: bytes, status: int, code: str
) -> None:
    reply = http("POST", f"{local_api.url}/auth/signin", raw=raw)
    assert (reply.status, reply.body["code"]) == (status, code)
