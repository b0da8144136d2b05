"""A client generated from openapi.yaml, used unedited, as the mobile teams use theirs.

openapi-python-client (pinned in requirements-openapi-client.txt, in its own `.venv-openapi-client`) generates a
Python client into a temporary directory; the tests import it and walk the whole lifecycle with it against the local
API, then feed it API Gateway's own answers through a mock transport. Every answer must parse into a documented
model: a function's error into the one shared `Error` (whatever its code, even one added after the client was
generated), API Gateway's `{"message": ...}` into `GatewayMessage`; an undocumented status raises
(`raise_on_unexpected_status`).

The lifecycle walk takes the steps today's local API (moto) can answer. Refresh, revoke, verify-email,
DELETE /auth/me and signin/email-code need what moto lacks (GetTokensFromRefreshToken, RevokeToken,
VerifyUserAttribute, DeleteUser, the USER_AUTH flow: its sign-in by emailed code answers 400 ValidationFailed),
which the Cognito emulator is getting: they join the walk with it. Their answers are read through the mock transport
below, as every documented answer of every operation is.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from cognito_auth.errors import ERROR_CODES
from tests.contract.openapi import ERROR_SCHEMA, SPEC_PATH, contract, pointer
from tests.support.handlers import ROOT
from tests.support.local_api import LocalApiProcess, codes, unique_email, wrong

PACKAGE = "auth_api_client"
GENERATOR_ENV = "OPENAPI_PYTHON_CLIENT_BIN"
DEPLOYED = "https://abc123defg.execute-api.us-east-1.amazonaws.com/api"
# What API Gateway itself answers at each status (template.yaml's GatewayResponses: `{"message": ...}`), and its
# firewall where the stack runs one (EnableWaf: 403 for an address on AWS's reputation list, 429 over a per-IP
# limit); a 500 from an authorizer that could not run has a null message.
GATEWAY_ANSWERS: dict[int, list[str | None]] = {
    401: ["Unauthorized"],
    403: ["Missing Authentication Token", "Forbidden"],
    413: ["HTTP content length exceeded 10485760 bytes."],
    429: ["Too Many Requests"],
    500: [None],
    502: ["Internal server error"],
    504: ["Endpoint request timed out"],
}
# A code a later release adds to errors.py: clients generated before it must still read the error.
NEW_CODE = "SomeFutureCode"


def generator() -> str:
    path = os.environ.get(GENERATOR_ENV) or str(ROOT / ".venv-openapi-client" / "bin" / "openapi-python-client")
    if not Path(path).exists():
        pytest.fail(f"{path} not found: run the tests with `make test`, which installs it")
    return path


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, importable as `auth_api_client` for the tests of this module."""
    where = tmp_path_factory.mktemp("generated-client")
    config = where / "config.yaml"
    config.write_text("post_hooks: []\n")  # no ruff formatting of the output: nothing reads it but Python
    command = [generator(), "generate", "--path", str(SPEC_PATH), "--output-path", str(where / PACKAGE)]
    result = subprocess.run(
        [*command, "--meta", "none", "--config", str(config), "--fail-on-warning"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(where))
        importlib.import_module(f"{PACKAGE}.models")
        yield importlib.import_module(PACKAGE)
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


class Api:
    """The generated operations by operationId: `api.signIn(client, body=...)` is `sign_in.sync_detailed(...)`."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package
        self.models = package.models

    def module(self, operation_id: str) -> ModuleType:
        method, path = operation_route(operation_id)
        tag = contract().operation(method, path)["tags"][0]
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")

    def call(self, operation_id: str, client: Any, **kwargs: Any) -> Any:
        return self.module(operation_id).sync_detailed(client=client, **kwargs)

    def __getattr__(self, operation_id: str) -> Any:
        if operation_id.startswith("_"):
            raise AttributeError(operation_id)
        return lambda client, **kwargs: self.call(operation_id, client, **kwargs)

    def client(self, base_url: str, *, token: str | None = None, **kwargs: Any) -> Any:
        if token is None:
            return self.package.Client(base_url=base_url, raise_on_unexpected_status=True, **kwargs)
        return self.package.AuthenticatedClient(
            base_url=base_url, token=token, raise_on_unexpected_status=True, **kwargs
        )


def operation_route(operation_id: str) -> tuple[str, str]:
    (route,) = [r for r in contract().routes() if contract().operation(*r)["operationId"] == operation_id]
    return route


def operation_ids() -> list[str]:
    return sorted(contract().operation(*route)["operationId"] for route in contract().routes())


def username_claim(access_token: str) -> str:
    payload = access_token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["username"])


def is_error(api: Api, response: Any, status: int, code: str) -> bool:
    parsed = response.parsed
    return response.status_code == status and isinstance(parsed, api.models.Error) and parsed.code == code


def test_the_generated_client_walks_the_lifecycle(client_package: ModuleType, local_api: LocalApiProcess) -> None:
    api, m = Api(client_package), client_package.models
    client = api.client(local_api.url)
    email, password, new_password = unique_email(), "Client-Passw0rd", "Client-Passw0rd2"
    changed_password = "Client-Passw0rd3"

    signed_up = api.signUp(client, body=m.SignUpRequest(email=email, name="Gen", password=password))
    assert signed_up.status_code == 201
    assert isinstance(signed_up.parsed, m.SignUpPending)
    assert signed_up.parsed.user_confirmed is False
    code = codes(local_api, email, "confirm-sign-up")[-1]
    assert is_error(
        api, api.confirmSignUp(client, body=m.ConfirmRequest(email=email, code=wrong(code))), 400, "InvalidCode"
    )
    confirmed = api.confirmSignUp(client, body=m.ConfirmRequest(email=email, code=code))
    assert (confirmed.status_code, type(confirmed.parsed)) == (200, m.Message)

    wrong_password = api.signIn(client, body=m.SignInRequest(email=email, password=new_password))
    assert is_error(api, wrong_password, 401, "InvalidCredentials")
    invalid = api.signIn(client, body=m.SignInRequest(email="not-an-email", password=password))
    assert is_error(api, invalid, 400, "ValidationFailed")
    signed_in = api.signIn(client, body=m.SignInRequest(email=email, password=password))
    assert isinstance(signed_in.parsed, m.Tokens)
    tokens = signed_in.parsed

    data = api.getData(api.client(local_api.url, token=tokens.access_token))
    assert isinstance(data.parsed, m.DataResponse)
    assert data.parsed.username == username_claim(tokens.access_token)
    refused = api.getData(client)  # no token: the authorizer answers, not the function
    assert (refused.status_code, type(refused.parsed), refused.parsed.message) == (
        401,
        m.GatewayMessage,
        "Unauthorized",
    )

    # The account and MFA routes, behind the authorizer; Cognito answers them with the caller's access token.
    bearer = api.client(local_api.url, token=tokens.access_token)
    profile = api.getProfile(bearer)
    assert isinstance(profile.parsed, m.Profile)
    assert (profile.parsed.email, profile.parsed.name) == (email, "Gen")
    assert profile.parsed.sub == username_claim(tokens.access_token)
    renamed = api.updateProfile(bearer, body=m.ProfileUpdate(name="Gen Q."))
    assert isinstance(renamed.parsed, m.Profile)
    assert renamed.parsed.name == "Gen Q."
    factors = api.getMfa(bearer)
    assert isinstance(factors.parsed, m.Mfa)
    assert (factors.parsed.enabled, factors.parsed.preferred) == ([], None)
    not_current = m.ChangePasswordRequest(current_password=new_password, new_password=changed_password)
    assert is_error(api, api.changePassword(bearer, body=not_current), 401, "InvalidCredentials")
    change = m.ChangePasswordRequest(current_password=password, new_password=changed_password)
    changed = api.changePassword(bearer, body=change)
    assert (changed.status_code, type(changed.parsed)) == (200, m.Message)
    assert is_error(
        api, api.signIn(client, body=m.SignInRequest(email=email, password=password)), 401, "InvalidCredentials"
    )

    signed_out = api.signOut(bearer)
    assert (signed_out.status_code, type(signed_out.parsed)) == (200, m.Message)
    # The authorizer still accepts the access token (signature, expiry and scope are fine); Cognito does not.
    assert is_error(api, api.getProfile(bearer), 401, "InvalidToken")

    forgot = api.forgotPassword(client, body=m.EmailRequest(email=email))
    assert (forgot.status_code, type(forgot.parsed)) == (200, m.Message)
    reset_code = codes(local_api, email, "reset-password")[-1]
    bad_reset = m.ResetPasswordRequest(email=email, otp=wrong(reset_code), new_password=new_password)
    assert is_error(api, api.resetPassword(client, body=bad_reset), 400, "InvalidCode")
    reset = api.resetPassword(
        client, body=m.ResetPasswordRequest(email=email, otp=reset_code, new_password=new_password)
    )
    assert (reset.status_code, type(reset.parsed)) == (200, m.Message)
    assert isinstance(api.signIn(client, body=m.SignInRequest(email=email, password=new_password)).parsed, m.Tokens)

    # A route this API does not have (here: a base URL with the deployed stage's path, which `make dev` has not):
    # API Gateway's 403, read as such.
    missing = api.signIn(api.client(f"{local_api.url}/api"), body=m.SignInRequest(email=email, password=new_password))
    assert (missing.status_code, type(missing.parsed)) == (403, m.GatewayMessage)
    assert missing.parsed.message == "Missing Authentication Token"


# -- answers the local API does not give (or not on demand), through a mock transport


def answering(api: Api, operation_id: str, status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
    """Call the operation with a valid request (its documented example) and have `status` and `body` answered."""
    method, path = operation_route(operation_id)
    operation = contract().operation(method, path)
    sent: list[httpx.Request] = []

    def transport(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, json=body, headers=headers)

    client = api.client(
        DEPLOYED,
        token="an-access-token" if operation.get("security") else None,
        httpx_args={"transport": httpx.MockTransport(transport)},
    )
    kwargs: dict[str, Any] = {}
    if "requestBody" in operation:
        media = operation["requestBody"]["content"]["application/json"]
        model = media["schema"]["$ref"].rsplit("/", 1)[1]
        example = media["example"] if "example" in media else next(iter(media["examples"].values()))["value"]
        kwargs["body"] = getattr(api.models, model).from_dict(example)
    response = api.call(operation_id, client, **kwargs)
    assert [(r.method, r.url.path) for r in sent] == [(method, f"/api{path}")]
    return response


def _gateway_answers() -> list[tuple[str, int, str | None]]:
    """(operationId, status, message) for every answer API Gateway (or its firewall) may give an operation."""
    spec = contract()
    return [
        (spec.operation(method, path)["operationId"], int(status), message)
        for method, path in sorted(spec.routes())
        for status in sorted(spec.gateway_statuses(method, path))
        for message in GATEWAY_ANSWERS[int(status)]
    ]


def _function_errors() -> list[tuple[str, int]]:
    """(operationId, status) for every response that documents a function's error."""
    spec = contract()
    return [
        (spec.operation(method, path)["operationId"], int(status))
        for method, path in sorted(spec.routes())
        for status in spec.operation(method, path)["responses"]
        if ERROR_SCHEMA in spec.response_schemas(pointer("paths", path, method.lower(), "responses", status))
    ]


def _message_answers() -> list[str]:
    """operationId of every operation whose documented success answer is `{"message": ...}` alone."""
    spec = contract()
    found = []
    for method, path in sorted(spec.routes()):
        operation = spec.operation(method, path)
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json", {})
            if status.startswith("2") and set(media.get("example", {})) == {"message"}:
                found.append(operation["operationId"])
    return found


@pytest.mark.parametrize(("operation_id", "status", "message"), _gateway_answers(), ids=lambda v: str(v))
def test_api_gateways_own_answers_are_read(
    client_package: ModuleType, operation_id: str, status: int, message: str | None
) -> None:
    """Among them the throttled sign-in of issue 9, a `KeyError('error')` in clients generated before."""
    api = Api(client_package)
    headers = {"Retry-After": "1"} if status == 429 else None
    response = answering(api, operation_id, status, {"message": message}, headers)

    assert isinstance(response.parsed, api.models.GatewayMessage)
    assert response.parsed.message == message


@pytest.mark.parametrize(("operation_id", "status"), _function_errors(), ids=lambda v: str(v))
def test_an_error_code_added_after_generation_is_read(
    client_package: ModuleType, operation_id: str, status: int
) -> None:
    assert NEW_CODE not in ERROR_CODES
    api = Api(client_package)
    response = answering(api, operation_id, status, {"error": "Not available yet.", "code": NEW_CODE})

    assert is_error(api, response, status, NEW_CODE)
    assert response.parsed.error == "Not available yet."


@pytest.mark.parametrize("operation_id", _message_answers())
def test_a_reworded_message_is_read(client_package: ModuleType, operation_id: str) -> None:
    """Messages are for people (docs/errors.md): a new wording must not break a client (forgot-password's and
    reset-password's were pinned by an `enum`: a ValueError)."""
    api = Api(client_package)
    response = answering(api, operation_id, 200, {"message": "Reworded for people."})

    assert (type(response.parsed), response.parsed.message) == (api.models.Message, "Reworded for people.")


def _success_examples() -> list[tuple[str, int, str, Any]]:
    """(operationId, status, example name, body) for every example of every documented success answer."""
    spec = contract()
    found = []
    for method, path in sorted(spec.routes()):
        operation = spec.operation(method, path)
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json", {})
            if not status.startswith("2"):
                continue
            examples = {"example": media["example"]} if "example" in media else {}
            examples.update({name: example["value"] for name, example in media.get("examples", {}).items()})
            found += [(operation["operationId"], int(status), name, value) for name, value in examples.items()]
    return found


def schema_of(operation_id: str, status: int, value: Any) -> str:
    """The name of the one component schema of the documented answer that `value` is (a oneOf's variant)."""
    method, path = operation_route(operation_id)
    (ref,) = [
        r
        for r in contract().response_schemas(pointer("paths", path, method.lower(), "responses", str(status)))
        if contract().schema_errors(value, r) == []
    ]
    return ref.rsplit("/", 1)[1]


@pytest.mark.parametrize(
    ("operation_id", "status", "name", "body"),
    _success_examples(),
    ids=lambda v: "" if isinstance(v, dict) else str(v),
)
def test_every_documented_success_is_read_as_its_own_schema(
    client_package: ModuleType, operation_id: str, status: int, name: str, body: Any
) -> None:
    """A sign-in answers the tokens or one of five challenges: the client must hand back the right class (an
    EMAIL_OTP read as the first challenge that fits would lose its `code_delivery`), and lose nothing."""
    api = Api(client_package)
    response = answering(api, operation_id, status, body)

    assert type(response.parsed).__name__ == schema_of(operation_id, status, body)
    assert response.parsed.to_dict() == body


@pytest.mark.parametrize(
    "route", sorted(r for r in contract().routes() if "requestBody" in contract().operation(*r)), ids=" ".join
)
def test_every_request_body_is_a_generated_model(client_package: ModuleType, route: tuple[str, str]) -> None:
    """A request schema generators cannot model (a top-level anyOf, say) becomes `body: Any`: no fields to fill."""
    api = Api(client_package)
    operation = contract().operation(*route)
    model = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    body = inspect.signature(api.module(operation["operationId"]).sync_detailed).parameters["body"]

    assert body.annotation is getattr(api.models, model)
