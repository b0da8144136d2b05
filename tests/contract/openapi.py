"""openapi.yaml as a checker: find the response it documents for a reply and list every way the reply departs.

Bodies are validated with openapi-schema-validator's OAS 3.0 validator (the library openapi-core builds on), with
the whole document registered so that every `$ref` resolves.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from local_api.template import api, load_template
from tests.support.handlers import ROOT
from tests.support.reply import Reply

SPEC_PATH = ROOT / "openapi.yaml"
SPEC_URI = "urn:openapi.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ERROR_SCHEMA = "#/components/schemas/Error"
GATEWAY_SCHEMA = "#/components/schemas/GatewayMessage"


def escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def pointer(*segments: str) -> str:
    return "#/" + "/".join(escape(s) for s in segments)


def template_routes(template: dict[str, Any] | None = None) -> dict[str, set[tuple[str, str]]]:
    """Function folder name -> its (METHOD, path) pairs, from the `Api` events in template.yaml."""
    routes: dict[str, set[tuple[str, str]]] = {}
    for resource in (template or load_template())["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        name = Path(props["CodeUri"]).name
        for event in props.get("Events", {}).values():
            if event["Type"] == "Api":
                route = (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
                routes.setdefault(name, set()).add(route)
    return routes


@cache
def _routes_of_template() -> dict[str, set[tuple[str, str]]]:
    return template_routes()


def route_of(function: str) -> tuple[str, str]:
    (route,) = _routes_of_template()[function]
    return route


@cache
def _authorized_routes() -> frozenset[tuple[str, str]]:
    return frozenset((r.method, r.path) for r in api(load_template()).routes if r.authorizer is not None)


def behind_authorizer(route: tuple[str, str]) -> bool:
    """Whether API Gateway's Cognito authorizer checks the bearer token before the function runs (template.yaml)."""
    return route in _authorized_routes()


def gateway_statuses(route: tuple[str, str], operation: dict[str, Any]) -> set[str]:
    """The statuses at which API Gateway itself may answer this operation with `{"message": ...}` (template.yaml's
    GatewayResponses): a route the deployed stage does not have (403 Missing Authentication Token), stage throttling
    (429), an API or authorizer configuration error (500), a function that failed (502) or did not answer in time
    (504); a body over API Gateway's 10 MB (413) where a body is sent; the authorizer's 401 where one runs."""
    statuses = {"403", "429", "500", "502", "504"}
    if "requestBody" in operation:
        statuses.add("413")
    if behind_authorizer(route):
        statuses.add("401")
    return statuses


class Contract:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(spec))

    # -- reading the document

    def at(self, ref: str) -> Any:
        """The node at a local reference such as `#/components/schemas/Error`."""
        node: Any = self.spec
        for raw in ref.removeprefix("#/").split("/"):
            node = node[raw.replace("~1", "/").replace("~0", "~")]
        return node

    def deref(self, ref: str) -> tuple[str, Any]:
        """Follow `$ref`s from a location until a node that is not a reference; return where it is and the node."""
        node = self.at(ref)
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            node = self.at(ref)
        return ref, node

    def routes(self) -> set[tuple[str, str]]:
        return {
            (method.upper(), path) for path, item in self.spec["paths"].items() for method in item if method in METHODS
        }

    def operation(self, method: str, path: str) -> dict[str, Any]:
        operation: dict[str, Any] = self.spec["paths"][path][method.lower()]
        return operation

    def gateway_statuses(self, method: str, path: str) -> set[str]:
        return gateway_statuses((method, path), self.operation(method, path))

    def response_refs(self) -> list[tuple[str, str]]:
        """(status, location) of every response object of every operation."""
        return [
            (status, pointer("paths", path, method.lower(), "responses", status))
            for method, path in sorted(self.routes())
            for status in self.operation(method, path)["responses"]
        ]

    def schema_errors(self, instance: Any, schema_ref: str, *, writing: bool = False) -> list[str]:
        """Every way `instance` breaks the schema at `schema_ref` (reading a response, or writing a request)."""
        cls = OAS30WriteValidator if writing else OAS30ReadValidator
        validator = cls({"$ref": SPEC_URI + schema_ref}, registry=self.registry)
        errors = list(validator.iter_errors(instance))
        best = best_match(errors)
        if best is None:
            return []
        return [f"{best.json_path}: {best.message}"] + [f"{e.json_path}: {e.message}" for e in errors if e is not best]

    def response_schemas(self, response_ref: str) -> set[str]:
        """The component schemas a documented JSON response is made of: `{"$ref": X}` gives {X}, and a reference
        to (or an inline) `oneOf`/`anyOf`/`allOf` of references gives theirs: {Error, GatewayMessage} for
        ErrorOrGatewayMessage."""
        _, response = self.deref(response_ref)
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        return set() if schema is None else self._parts(schema)

    def _parts(self, schema: dict[str, Any]) -> set[str]:
        if "$ref" in schema:
            target = self.at(schema["$ref"])
            return self._parts(target) if _combined(target) else {schema["$ref"]}
        return {ref for part in _combined(schema) for ref in self._parts(part)} if _combined(schema) else set()

    def error_codes(self, response_ref: str) -> set[str]:
        """The error codes a function may answer with this response: its `x-error-codes` (the description names
        them for people; JSON Schema cannot, since `Error.code` is an open string)."""
        _, response = self.deref(response_ref)
        return set(response.get("x-error-codes", []))

    # -- checking a reply

    def problems(self, method: str, path: str, reply: Reply) -> list[str]:
        """Every way a function's reply departs from what openapi.yaml documents for this operation and status.

        Beyond the schemas: an error must be the function's own `Error` (API Gateway's `{"message"}` is documented
        next to it, but a function never answers with it), with a code listed for that status."""
        responses = self.operation(method, path)["responses"]
        status = str(reply.status)
        if status not in responses:
            return [f"{method} {path} answered {status}, which openapi.yaml does not list ({sorted(responses)})"]
        response_ref = pointer("paths", path, method.lower(), "responses", status)
        where, response = self.deref(response_ref)
        headers = _headers(reply)
        found: list[str] = []
        content_type = headers.get("content-type", "").split(";")[0].strip()
        if content_type not in response.get("content", {}):
            found.append(f"content type {content_type!r} is not documented for {status}")
        else:
            schema_ref = f"{where}/content/{escape(content_type)}/schema"
            found += [f"body {e}" for e in self.schema_errors(reply.body, schema_ref)]
        if reply.status >= 400:
            found += self.error_problems(response_ref, reply.body)
        for name, header in response.get("headers", {}).items():
            header_ref = f"{where}/headers/{escape(name)}"
            header_ref, header = self.deref(header_ref)
            value = headers.get(name.lower())
            if value is None:
                if header.get("required"):
                    found.append(f"header {name} is missing")
                continue
            found += [f"header {name} {e}" for e in self.schema_errors(_typed(value), f"{header_ref}/schema")]
        return found

    def error_problems(self, response_ref: str, body: Any) -> list[str]:
        """How a function's error body departs from the shared `Error` and the codes listed for its status."""
        found = [f"body is not an Error: {e}" for e in self.schema_errors(body, ERROR_SCHEMA)]
        code = body.get("code") if isinstance(body, dict) else None
        listed = self.error_codes(response_ref)
        if isinstance(code, str) and code not in listed:
            found.append(f"body code {code!r} is not listed for this status (x-error-codes: {sorted(listed)})")
        return found


def _combined(schema: dict[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = schema.get("oneOf") or schema.get("anyOf") or schema.get("allOf") or []
    return parts


def _headers(reply: Reply) -> dict[str, str]:
    """The headers a client receives: API Gateway merges `headers` and `multiValueHeaders` of a proxy response."""
    merged = {name.lower(): value for name, value in reply.headers.items()}
    for name, values in (reply.raw.get("multiValueHeaders") or {}).items():
        merged[name.lower()] = ", ".join(values)
    return merged


def _typed(value: str) -> Any:
    """A header's text as the JSON value it stands for (`5` -> 5), for checking against its schema."""
    try:
        return json.loads(value)
    except ValueError:
        return value


@cache
def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return spec


@cache
def contract() -> Contract:
    return Contract(load_spec())
