"""openapi.yaml itself: a valid document that says what the code does (routes, error codes, request limits)."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import pytest
from openapi_spec_validator import validate

from cognito_auth import errors, models
from cognito_auth.settings import DEFAULT_MAX_BODY_BYTES
from local_api.template import function_environment, load_template
from tests.contract.openapi import ERROR_SCHEMA, GATEWAY_SCHEMA, contract, load_spec, pointer, template_routes

# The request model each operation's handler parses its body with (functions/*/app.py).
REQUEST_MODELS: dict[tuple[str, str], type[models.Request]] = {
    ("POST", "/auth/signup"): models.SignUpRequest,
    ("POST", "/auth/confirm"): models.ConfirmRequest,
    ("POST", "/auth/resend-code"): models.EmailRequest,
    ("POST", "/auth/signin"): models.SignInRequest,
    ("POST", "/auth/refresh"): models.RefreshRequest,
    ("POST", "/auth/forgot-password"): models.EmailRequest,
    ("POST", "/auth/reset-password"): models.ResetPasswordRequest,
    ("POST", "/auth/revoke"): models.RevokeRequest,
    ("POST", "/auth/challenge"): models.ChallengeAnswer,
    ("POST", "/auth/signin/email-code"): models.EmailRequest,
    ("PATCH", "/auth/me"): models.ProfileUpdate,
    ("POST", "/auth/change-password"): models.ChangePasswordRequest,
    ("POST", "/auth/change-email"): models.ChangeEmailRequest,
    ("POST", "/auth/verify-email"): models.CodeRequest,
    ("POST", "/auth/mfa/totp/verify"): models.TotpCodeRequest,
    ("PUT", "/auth/mfa"): models.MfaUpdate,
}
BEARER_ROUTES = {
    ("GET", "/getData"),
    ("POST", "/auth/signout"),
    ("GET", "/auth/me"),
    ("PATCH", "/auth/me"),
    ("DELETE", "/auth/me"),
    ("POST", "/auth/change-password"),
    ("POST", "/auth/change-email"),
    ("POST", "/auth/verify-email"),
    ("POST", "/auth/mfa/totp"),
    ("POST", "/auth/mfa/totp/verify"),
    ("GET", "/auth/mfa"),
    ("PUT", "/auth/mfa"),
}
# Fields a model accepts and ignores: documented, and deprecated, so that clients stop sending them.
IGNORED_FIELDS = {(models.RefreshRequest, "username")}
# Codes no route answers through API Gateway: NotFound comes only from a function invoked outside it (API Gateway
# answers an unknown route itself, 403 Missing Authentication Token).
OUTSIDE_THE_API = {"NotFound"}
CONSTRAINTS = ("type", "minLength", "maxLength", "pattern", "enum")


def test_openapi_yaml_is_a_valid_openapi_document() -> None:
    validate(load_spec())


def test_its_routes_are_exactly_the_api_events_of_template_yaml() -> None:
    in_template = set().union(*template_routes(load_template()).values())

    assert contract().routes() == in_template


def test_its_deployed_server_is_the_template_api_url() -> None:
    template = load_template()
    server = load_spec()["servers"][0]
    api_url = template["Outputs"]["ApiUrl"]["Value"]["Fn::Sub"]
    placeholders = {
        "${AuthApi}": "{restApiId}",
        "${AWS::Region}": "{region}",
        "${AWS::URLSuffix}": "amazonaws.com",
        "${StageName}": "{stage}",
    }
    for name, placeholder in placeholders.items():
        api_url = api_url.replace(name, placeholder)

    assert server["url"] == api_url
    assert server["variables"]["stage"]["default"] == template["Parameters"]["StageName"]["Default"]


def test_its_error_codes_are_the_error_contract() -> None:
    """The codes as an extensible list, not an `enum`: a client generated from an `enum` refuses (ValueError) a
    code added after it was generated. The description says each code's status."""
    error_code = load_spec()["components"]["schemas"]["ErrorCode"]

    assert error_code["x-extensible-enum"] == list(errors.ERROR_CODES)
    assert "enum" not in error_code
    for code, status in errors.ERROR_CODES.items():
        assert re.search(rf"\b{code}\b[^()]*\({status}\b", error_code["description"]), code


def test_every_error_code_is_documented_under_its_own_status_and_nowhere_else() -> None:
    spec = contract()
    documented: dict[str, set[str]] = {}
    for status, ref in spec.response_refs():
        for code in spec.error_codes(ref):
            documented.setdefault(code, set()).add(status)
    expected = {code: {str(status)} for code, status in errors.ERROR_CODES.items() if code not in OUTSIDE_THE_API}

    assert documented == expected


def test_every_error_response_is_the_shared_error_or_api_gateways_message() -> None:
    """One `Error` component, referenced as it is: no per-status copy narrowing its code (which generators turn
    into one class and one enum per status)."""
    spec = contract()
    for status, ref in spec.response_refs():
        if int(status) < 400:
            continue
        where, response = spec.deref(ref)
        schema = response["content"]["application/json"]["schema"]

        assert set(schema) == {"$ref"}, where
        assert spec.response_schemas(ref) in ({ERROR_SCHEMA}, {GATEWAY_SCHEMA}, {ERROR_SCHEMA, GATEWAY_SCHEMA}), where


def test_each_error_response_lists_its_codes_for_machines_and_people() -> None:
    spec = contract()
    for _, ref in spec.response_refs():
        where, response = spec.deref(ref)
        codes = response.get("x-error-codes", [])

        assert bool(codes) is (ERROR_SCHEMA in spec.response_schemas(ref)), where
        assert set(codes) <= set(errors.ERROR_CODES), where
        assert len(codes) == len(set(codes)), where
        for code in codes:
            assert f"`{code}`" in response["description"], (where, code)


@pytest.mark.parametrize("route", sorted(contract().routes()), ids=" ".join)
def test_api_gateways_own_answers_are_documented_where_it_gives_them(route: tuple[str, str]) -> None:
    """template.yaml's GatewayResponses answer `{"message": ...}` at these statuses; a client generated from the
    document must read them (a throttled sign-in was a KeyError('error'))."""
    spec = contract()
    method, path = route
    responses = spec.operation(method, path)["responses"]
    documented = {
        status
        for status in responses
        if GATEWAY_SCHEMA in spec.response_schemas(pointer("paths", path, method.lower(), "responses", status))
    }

    assert documented == spec.gateway_statuses(method, path)
    for status in documented:
        _, response = spec.deref(pointer("paths", path, method.lower(), "responses", status))
        assert "API Gateway" in response["description"], status


def test_no_message_or_code_is_pinned_by_an_enum() -> None:
    """Messages are for people and codes grow: an `enum` on either breaks generated clients when one changes."""
    pinned = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                target = contract().deref(prop["$ref"])[1] if "$ref" in prop else prop
                if name in ("message", "error", "code") and "enum" in target:
                    pinned.append(f"{where}/properties/{name}")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(load_spec(), "#")

    assert pinned == []


@pytest.mark.parametrize("route", sorted(contract().routes()), ids=" ".join)
def test_each_operation_lists_the_answers_every_handler_can_give(route: tuple[str, str]) -> None:
    spec = contract()
    method, path = route
    responses = spec.operation(method, path)["responses"]

    def codes(status: str) -> set[str]:
        return (
            spec.error_codes(pointer("paths", path, method.lower(), "responses", status))
            if status in responses
            else set()
        )

    assert "InternalError" in codes("500")
    if route in REQUEST_MODELS:
        assert {"InvalidJson", "ValidationFailed"} <= codes("400")
        assert "PayloadTooLarge" in codes("413")
    if route in BEARER_ROUTES:
        assert "InvalidToken" in codes("401")
    if route != ("GET", "/getData"):  # every other handler calls Cognito
        assert "TooManyRequests" in codes("429")
        assert "ServiceUnavailable" in codes("503")
    for status in ("429", "503"):
        if status in responses:
            _, response = spec.deref(pointer("paths", path, method.lower(), "responses", status))
            assert spec.deref(response["headers"]["Retry-After"]["$ref"])[1]["required"] is True


def test_bearer_security_is_declared_exactly_where_a_token_is_read() -> None:
    """And every other operation says it is public (`security: []`), as Redocly's and Spectral's OWASP rules want."""
    spec = contract()
    secured = {route for route in spec.routes() if spec.operation(*route).get("security")}
    public = {route for route in spec.routes() if spec.operation(*route).get("security", None) == []}

    assert public == spec.routes() - BEARER_ROUTES
    getdata_401 = pointer("paths", "/getData", "get", "responses", "401", "content", "application/json", "schema")

    assert secured == BEARER_ROUTES
    assert spec.spec["components"]["securitySchemes"]["CognitoAccessToken"]["scheme"] == "bearer"
    assert "aws.cognito.signin.user.admin" in spec.operation("GET", "/getData")["description"]
    # API Gateway's own answer to a missing or bad token is part of the contract of /getData.
    assert spec.schema_errors({"message": "Unauthorized"}, getdata_401) == []


def test_the_documented_body_limit_is_the_one_the_functions_apply() -> None:
    spec = load_spec()
    limit = function_environment(load_template()).get("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)

    assert spec["x-max-body-bytes"] == int(limit)
    assert f"{limit} bytes" in spec["info"]["description"]
    assert f"{limit} bytes" in spec["components"]["responses"]["PayloadTooLarge"]["description"]


def _constraints(schema: dict[str, Any]) -> dict[str, Any]:
    """What a schema checks of a value: msgspec writes a Literal as a bare `enum`, OpenAPI 3.0 as a typed one."""
    found = {k: schema.get(k) for k in CONSTRAINTS}
    if "enum" in schema:
        found["enum"] = sorted(schema["enum"])
        if all(isinstance(v, str) for v in schema["enum"]):
            found["type"] = "string"
    return found


def _accepted_names(model: type[models.Request], field: str) -> list[str]:
    return list(model.names.get(field, (field,)))


def _required(model: type[models.Request]) -> set[str]:
    return {info.name for info in msgspec.structs.fields(model) if info.required}


MODELS: list[type[models.Request]] = sorted(set(REQUEST_MODELS.values()), key=lambda m: m.__name__)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: getattr(m, "__name__", ""))
def test_request_schemas_match_the_models_the_handlers_parse(model: type[models.Request]) -> None:
    spec = contract()
    schema = spec.at(pointer("components", "schemas", model.__name__))
    documented = {name: spec.deref(p["$ref"])[1] if "$ref" in p else p for name, p in schema["properties"].items()}
    own = msgspec.json.schema(model)["$defs"][model.__name__]
    properties = own["properties"]

    accepted: list[str] = []
    for field in model.__struct_fields__:
        names = _accepted_names(model, field)
        accepted += names
        variants = properties[field].get("anyOf", [properties[field]])
        (expected,) = [v for v in variants if v != {"type": "null"}]
        for name in names:
            assert _constraints(documented[name]) == _constraints(expected), name
            assert documented[name].get("nullable", False) is (len(variants) == 2), name
        if len(names) == 1:
            assert (field in schema.get("required", [])) is (field in own.get("required", [])), field
    assert sorted(documented) == sorted(accepted)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: getattr(m, "__name__", ""))
def test_only_old_names_and_ignored_fields_are_deprecated(model: type[models.Request]) -> None:
    """Generators cannot say "`otp` or `code`"; `deprecated` on the old names tells client developers which to send,
    and on a field the API now ignores, that it need not be sent."""
    properties = contract().at(pointer("components", "schemas", model.__name__))["properties"]
    old_names = {name for field in model.__struct_fields__ for name in _accepted_names(model, field)[1:]}
    ignored = {field for owner, field in IGNORED_FIELDS if owner is model}

    assert {name for name, p in properties.items() if p.get("deprecated")} == old_names | ignored


def test_every_component_is_used() -> None:
    spec = contract()
    text = json.dumps(spec.spec)
    schemes = {name for route in spec.routes() for r in spec.operation(*route).get("security", []) for name in r}
    unused = [
        f"{kind}/{name}"
        for kind, items in spec.spec["components"].items()
        for name in items
        if f'"#/components/{kind}/{name}"' not in text and not (kind == "securitySchemes" and name in schemes)
    ]

    assert unused == []


@pytest.mark.parametrize("route", sorted(REQUEST_MODELS), ids=" ".join)
def test_operations_use_their_models_schema(route: tuple[str, str]) -> None:
    body = contract().operation(*route)["requestBody"]

    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {
        "$ref": f"#/components/schemas/{REQUEST_MODELS[route].__name__}"
    }


def _request_examples() -> list[tuple[tuple[str, str], str, dict[str, Any]]]:
    cases = []
    for route in sorted(REQUEST_MODELS.keys() & contract().routes()):  # a missing route fails the routes test
        media = contract().operation(*route)["requestBody"]["content"]["application/json"]
        examples = (
            {"example": media["example"]}
            if "example" in media
            else {k: v["value"] for k, v in media["examples"].items()}
        )
        cases += [(route, name, value) for name, value in examples.items()]
    return cases


@pytest.mark.parametrize(
    ("route", "name", "example"), _request_examples(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_request_examples_are_accepted_by_the_spec_and_the_model(
    route: tuple[str, str], name: str, example: dict[str, Any]
) -> None:
    schema_ref = pointer("components", "schemas", REQUEST_MODELS[route].__name__)

    assert contract().schema_errors(example, schema_ref, writing=True) == []
    models.parse(REQUEST_MODELS[route], example)
    # Unknown fields are ignored by both.
    assert contract().schema_errors({**example, "client_version": "1.2"}, schema_ref, writing=True) == []
    models.parse(REQUEST_MODELS[route], {**example, "client_version": "1.2"})


@pytest.mark.parametrize(
    ("route", "name", "example"), _request_examples(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_request_missing_a_required_field_is_refused_by_both(
    route: tuple[str, str], name: str, example: dict[str, Any]
) -> None:
    model = REQUEST_MODELS[route]
    schema_ref = pointer("components", "schemas", model.__name__)
    for field in _required(model):
        without = {k: v for k, v in example.items() if k not in _accepted_names(model, field)}

        assert contract().schema_errors(without, schema_ref, writing=True), field
        with pytest.raises(models.Invalid):
            models.parse(model, without)


def test_every_documented_example_is_true_to_its_schema() -> None:
    spec = contract()
    checked = 0
    for status, ref in spec.response_refs():
        where, response = spec.deref(ref)
        for media_type, media in response.get("content", {}).items():
            schema_ref = f"{where}/content/{media_type.replace('/', '~1')}/schema"
            values = [media["example"]] if "example" in media else []
            values += [e["value"] for e in media.get("examples", {}).values()]
            for value in values:
                assert spec.schema_errors(value, schema_ref) == [], (status, ref)
                if isinstance(value, dict) and "code" in value:
                    assert spec.error_problems(ref, value) == [], (status, ref)
                checked += 1

    assert checked >= 20
