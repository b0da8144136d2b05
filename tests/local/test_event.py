"""The event a function receives and what API Gateway makes of its answer, checked in-process on the WSGI app."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from local_api import template
from local_api.gateway import MAX_PAYLOAD_BYTES, RAW_HEADERS_KEY, LocalApi, build_event

ROUTES = (
    template.Route("EchoFunction", "functions/echo/", "app.lambda_handler", "/echo", "POST"),
    template.Route("ItemFunction", "functions/item/", "app.lambda_handler", "/items/{id}", "GET"),
    template.Route("ProxyFunction", "functions/proxy/", "app.lambda_handler", "/files/{path+}", "ANY"),
)


class FakeFunction:
    """Records what it was given and answers whatever the test sets."""

    def __init__(self, name: str) -> None:
        self.name, self.memory, self.timeout = name, 256, 10
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self.answer: Any = {"statusCode": 200, "body": json.dumps({"ok": True})}

    def handler(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        self.contexts.append(context)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def functions() -> dict[str, FakeFunction]:
    return {r.function: FakeFunction(r.function) for r in ROUTES}


@pytest.fixture
def client(functions: dict[str, FakeFunction]) -> Client:
    api = template.Api(stage="api", routes=ROUTES)
    return Client(LocalApi(api, functions, {}, log=lambda _: None))  # type: ignore[arg-type]


def test_the_event_is_a_rest_api_proxy_event(client: Client, functions: dict[str, FakeFunction]) -> None:
    reply = client.post(
        "/echo?a=1&a=2&b=x",
        data=b'{"hello": "world"}',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status_code == 200
    [event] = functions["EchoFunction"].events
    assert event["resource"] == "/echo"
    assert event["path"] == "/echo"
    assert event["httpMethod"] == "POST"
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["pathParameters"] is None
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    context = event["requestContext"]
    assert uuid.UUID(context["requestId"])
    assert context["requestId"] == reply.headers["x-amzn-RequestId"]
    assert (context["stage"], context["resourcePath"], context["httpMethod"]) == ("api", "/echo", "POST")
    assert context["path"] == "/api/echo"
    assert context["identity"]["sourceIp"]
    assert "authorizer" not in context
    lambda_context = functions["EchoFunction"].contexts[0]
    assert lambda_context.function_name == "EchoFunction"
    assert lambda_context.aws_request_id == context["requestId"]
    assert 0 < lambda_context.get_remaining_time_in_millis() <= 10_000


def test_repeated_headers_are_all_in_multi_value_headers() -> None:
    environ = EnvironBuilder(path="/echo", method="POST").get_environ()
    environ[RAW_HEADERS_KEY] = [("X-Repeated", "one"), ("X-Repeated", "two"), ("Host", "localhost")]
    event = build_event(Request(environ), ROUTES[0], "api", b"", None, None, "id")
    assert event["multiValueHeaders"]["X-Repeated"] == ["one", "two"]
    assert event["headers"]["X-Repeated"] == "two"
    assert event["body"] is None


def test_path_parameters(client: Client, functions: dict[str, FakeFunction]) -> None:
    assert client.get("/items/42").status_code == 200
    assert client.delete("/files/a/b/c.txt").status_code == 200
    assert functions["ItemFunction"].events[0]["pathParameters"] == {"id": "42"}
    assert functions["ItemFunction"].events[0]["resource"] == "/items/{id}"
    assert functions["ProxyFunction"].events[0]["pathParameters"] == {"path": "a/b/c.txt"}
    assert client.get("/items/").status_code == 403


def test_the_function_answer_becomes_the_http_response(client: Client, functions: dict[str, FakeFunction]) -> None:
    functions["EchoFunction"].answer = {
        "statusCode": 201,
        "headers": {"X-One": "1", "Set-Cookie": "ignored"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": base64.b64encode(b"\x00binary").decode(),
        "isBase64Encoded": True,
    }
    reply = client.post("/echo", data=b"{}")
    assert reply.status_code == 201
    assert reply.data == b"\x00binary"
    assert reply.headers["X-One"] == "1"
    assert reply.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert reply.headers["Content-Type"] == "application/json"  # API Gateway's default


@pytest.mark.parametrize(
    "answer",
    [
        RuntimeError("boom"),
        None,
        "not a dict",
        {"body": "no status"},
        {"statusCode": "200"},
        {"statusCode": 999},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "multiValueHeaders": {"X": "not a list"}},
        {"statusCode": 200, "body": "!!!", "isBase64Encoded": True},
    ],
    ids=repr,
)
def test_a_failing_or_malformed_function_gets_api_gateways_502(
    client: Client, functions: dict[str, FakeFunction], answer: Any
) -> None:
    functions["EchoFunction"].answer = answer
    reply = client.post("/echo", data=b"{}")
    assert (reply.status_code, reply.json) == (502, {"message": "Internal server error"})


def test_a_payload_over_api_gateways_limit_is_refused(client: Client, functions: dict[str, FakeFunction]) -> None:
    reply = client.post("/echo", data=b"x" * (MAX_PAYLOAD_BYTES + 1))
    assert reply.status_code == 413
    assert functions["EchoFunction"].events == []


def test_without_cors_a_preflight_is_an_unknown_route(client: Client) -> None:
    assert client.options("/echo").status_code == 403


def test_the_authorizer_passes_claims_as_strings_as_api_gateway_does() -> None:
    from local_api.authorizer import CognitoAuthorizer
    from tests.support.cognito import moto_public_jwks
    from tests.support.local_api import sign

    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local"
    authorizer = CognitoAuthorizer(issuer=issuer, jwks_url="unused", fetch=lambda _: moto_public_jwks())
    protected = template.Route("DataFunction", "functions/data/", "app.lambda_handler", "/data", "GET", "Pool", ("s1",))
    function = FakeFunction("DataFunction")
    api = template.Api(stage="api", routes=(protected,), authorizers={"Pool": "Authorization"})
    client = Client(LocalApi(api, {"DataFunction": function}, {"Pool": authorizer}, log=lambda _: None))  # type: ignore[arg-type,dict-item]
    claims = {
        "iss": issuer,
        "sub": "abc",
        "token_use": "access",
        "scope": "s0 s1",
        "iat": 1_700_000_000,
        "auth_time": 1_700_000_000,
        "exp": 4_102_444_800,  # 2100-01-01
        "cognito:groups": ["admins", "staff"],
    }

    assert client.get("/data", headers={"Authorization": f"Bearer {sign(claims)}"}).status_code == 200
    assert function.events[0]["requestContext"]["authorizer"]["claims"] == {
        "iss": issuer,
        "sub": "abc",
        "token_use": "access",
        "scope": "s0 s1",
        "iat": "Tue Nov 14 22:13:20 UTC 2023",
        "auth_time": "1700000000",
        "exp": "Fri Jan 01 00:00:00 UTC 2100",
        "cognito:groups": "admins,staff",
    }
    # A token without one of the method's scopes never reaches the function.
    refused = client.get("/data", headers={"Authorization": sign({**claims, "scope": "s0"})})
    assert (refused.status_code, refused.json) == (401, {"message": "Unauthorized"})
    assert len(function.events) == 1


def test_a_method_without_scopes_takes_id_tokens_only() -> None:
    from local_api.authorizer import CognitoAuthorizer
    from tests.support.cognito import moto_public_jwks
    from tests.support.local_api import sign

    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local"
    authorizer = CognitoAuthorizer(issuer=issuer, jwks_url="unused", fetch=lambda _: moto_public_jwks())
    route = template.Route("DataFunction", "functions/data/", "app.lambda_handler", "/data", "GET", "Pool")
    api = template.Api(stage="api", routes=(route,), authorizers={"Pool": "Authorization"})
    client = Client(LocalApi(api, {"DataFunction": FakeFunction("DataFunction")}, {"Pool": authorizer}, log=print))  # type: ignore[arg-type,dict-item]
    claims = {"iss": issuer, "sub": "abc", "iat": 1_700_000_000, "exp": 4_102_444_800}

    assert client.get("/data", headers={"Authorization": sign({**claims, "token_use": "id"})}).status_code == 200
    assert client.get("/data", headers={"Authorization": sign({**claims, "token_use": "access"})}).status_code == 401
