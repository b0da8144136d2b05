"""What API Gateway itself answers, over real HTTP: the Cognito authorizer, unknown routes, CORS preflight."""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import pytest
from jose import jwt
from werkzeug.test import Client

from local_api import template
from local_api.gateway import LocalApi
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
    "issued an hour from now": _with(iat=int(time.time()) + 3600, exp=int(time.time()) + 4500),
    "exp as a string": _with(exp=str(int(time.time()) + 900)),
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


# The CORS headers the template gives API Gateway's own answers (GatewayResponses), read here without the local API's
# code: with the default AllowedOrigins ("*"), every configured response allows that origin and these headers.
GATEWAY_RESPONSES = template.load_template()["Resources"]["AuthApi"]["Properties"]["GatewayResponses"]
ALLOW_HEADERS = GATEWAY_RESPONSES["DEFAULT_4XX"]["ResponseParameters"]["Headers"]["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    ("method", "path", "raw", "status"),
    [
        ("GET", "/getData", None, 401),  # UNAUTHORIZED
        ("GET", "/nope", None, 403),  # MISSING_AUTHENTICATION_TOKEN, a DEFAULT_4XX
        ("OPTIONS", "/nope", None, 403),
        ("POST", "/auth/signin", b" " * (10 * 1024 * 1024 + 1), 413),  # REQUEST_TOO_LARGE, a DEFAULT_4XX
    ],
    ids=["401", "403", "403 preflight", "413"],
)
def test_the_gateways_own_answers_carry_the_templates_cors_headers(
    local_api: LocalApiProcess, method: str, path: str, raw: bytes | None, status: int
) -> None:
    """A browser app can read API Gateway's own refusals only with these headers (template.yaml, GatewayResponses)."""
    reply = http(method, f"{local_api.url}{path}", raw=raw, headers={"Origin": "http://localhost:8081"})

    assert reply.status == status
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["Access-Control-Allow-Headers"] == ALLOW_HEADERS.strip("'")
    assert set(reply.body) == {"message"}


class _Failing:
    name, memory, timeout = "BrokenFunction", 128, 3

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def handler(self, event: dict[str, Any], context: Any) -> Any:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _client(document: dict[str, Any], answer: Any = None, **params: Any) -> Client:
    api = template.api(document, {**template.parameter_defaults(document), **params})
    broken = template.Route("BrokenFunction", "functions/broken/", "app.lambda_handler", "/broken", "GET")
    api = dataclasses.replace(api, routes=(broken,), authorizers={})
    return Client(LocalApi(api, {"BrokenFunction": _Failing(answer)}, {}, log=lambda _: None))  # type: ignore[dict-item]


@pytest.mark.parametrize("answer", [RuntimeError("boom"), {"statusCode": "not a number"}], ids=["raises", "malformed"])
def test_a_failing_function_gets_a_502_with_the_default_5xx_headers(answer: Any) -> None:
    reply = _client(template.load_template(), answer).get("/broken")

    assert (reply.status_code, reply.json) == (502, {"message": "Internal server error"})
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["Access-Control-Allow-Headers"] == ALLOW_HEADERS.strip("'")


def test_the_headers_follow_the_template() -> None:
    """The template's AllowedOrigins (one origin, or *); a response configured for the specific type wins over the
    DEFAULT_ family; no GatewayResponses, no CORS headers."""
    document = copy.deepcopy(template.load_template())
    reply = _client(document, AllowedOrigins="https://app.example").get("/nope")
    assert reply.headers["Access-Control-Allow-Origin"] == "https://app.example"

    responses = document["Resources"]["AuthApi"]["Properties"]["GatewayResponses"]
    responses["MISSING_AUTHENTICATION_TOKEN"] = {
        "StatusCode": "404",
        "ResponseParameters": {"Headers": {"X-Origin": "method.request.header.Origin"}},
        "ResponseTemplates": {
            "application/json": '{"error":$context.error.messageString,"type":"$context.error.responseType"}'
        },
    }
    specific = _client(document).get("/nope", headers={"Origin": "http://localhost:8081"})
    assert (specific.status_code, specific.json) == (
        404,
        {"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"},
    )
    assert specific.headers["X-Origin"] == "http://localhost:8081"
    assert "Access-Control-Allow-Origin" not in specific.headers

    del document["Resources"]["AuthApi"]["Properties"]["GatewayResponses"]
    bare = _client(document).get("/nope")
    assert (bare.status_code, bare.json) == (403, MISSING_TOKEN)
    assert "Access-Control-Allow-Origin" not in bare.headers
