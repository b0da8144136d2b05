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

from local_api.template import load_template
from tests.support.handlers import ROOT
from tests.support.reply import Reply

SPEC_PATH = ROOT / "openapi.yaml"
SPEC_URI = "urn:openapi.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


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

    def response_refs(self) -> list[tuple[str, str]]:
        """(status, location) of every response object: each operation's, and each in components that no operation
        uses (such a response states its status as `x-status`)."""
        found = [
            (status, pointer("paths", path, method.lower(), "responses", status))
            for method, path in sorted(self.routes())
            for status in self.operation(method, path)["responses"]
        ]
        used = {self.deref(ref)[0] for _, ref in found}
        for name, response in self.spec.get("components", {}).get("responses", {}).items():
            ref = pointer("components", "responses", name)
            if ref not in used:
                found.append((str(response.get("x-status", "")), ref))
        return found

    def schema_errors(self, instance: Any, schema_ref: str, *, writing: bool = False) -> list[str]:
        """Every way `instance` breaks the schema at `schema_ref` (reading a response, or writing a request)."""
        cls = OAS30WriteValidator if writing else OAS30ReadValidator
        validator = cls({"$ref": SPEC_URI + schema_ref}, registry=self.registry)
        errors = list(validator.iter_errors(instance))
        best = best_match(errors)
        if best is None:
            return []
        return [f"{best.json_path}: {best.message}"] + [f"{e.json_path}: {e.message}" for e in errors if e is not best]

    def error_codes(self, response_ref: str) -> set[str]:
        """The error codes a documented response admits (empty when it is not an error response)."""
        _, response = self.deref(response_ref)
        all_codes: list[str] = self.spec["components"]["schemas"]["ErrorCode"]["enum"]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return set()
        return {code for code in all_codes if self._admits_code(schema, code)}

    def _admits_code(self, schema: dict[str, Any], code: str) -> bool:
        options = schema.get("oneOf") or schema.get("anyOf") or [schema]
        for option in options:
            parts = option.get("allOf", [option])
            resolved = [self.deref(p["$ref"])[1] if "$ref" in p else p for p in parts]
            if not any(p is self.spec["components"]["schemas"]["Error"] for p in resolved):
                continue
            enums = [
                p["properties"]["code"]["enum"] for p in resolved if "enum" in p.get("properties", {}).get("code", {})
            ]
            if all(code in enum for enum in enums):
                return True
        return False

    # -- checking a reply

    def problems(self, method: str, path: str, reply: Reply) -> list[str]:
        """Every way a handler's reply departs from what openapi.yaml documents for this operation and status."""
        responses = self.operation(method, path)["responses"]
        status = str(reply.status)
        if status not in responses:
            return [f"{method} {path} answered {status}, which openapi.yaml does not list ({sorted(responses)})"]
        where, response = self.deref(pointer("paths", path, method.lower(), "responses", status))
        headers = _headers(reply)
        found: list[str] = []
        content_type = headers.get("content-type", "").split(";")[0].strip()
        if content_type not in response.get("content", {}):
            found.append(f"content type {content_type!r} is not documented for {status}")
        else:
            schema_ref = f"{where}/content/{escape(content_type)}/schema"
            found += [f"body {e}" for e in self.schema_errors(reply.body, schema_ref)]
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
