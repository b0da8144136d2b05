"""The README's Endpoints and Errors sections say what openapi.yaml and the error contract say."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest

from cognito_auth import errors, models
from tests.contract.openapi import behind_authorizer, contract, pointer
from tests.contract.test_spec import BEARER_ROUTES, REQUEST_MODELS
from tests.support.handlers import ROOT

README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def table_rows(text: str) -> list[list[str]]:
    lines = [line.strip() for line in text.splitlines() if line.startswith("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    return [row for row in rows if not set(row[0]) <= {"-", " "}]


def curl_commands(text: str) -> list[str]:
    """Every curl command in the section's bash blocks, continuation lines joined, `$(...)` around it removed."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            if line.lstrip().startswith("#") or "curl " not in line:
                continue
            command = line[line.index("curl ") :]
            if "$(curl " in line:
                command = command.rstrip().removesuffix(")")
            commands.append(command)
    return commands


def parse_curl(command: str) -> tuple[tuple[str, str], dict[str, str], Any]:
    """(METHOD, path), headers and JSON body of a curl command; shell variables in the body become sample text."""
    args = shlex.split(command)
    method, url, headers, data = "GET", "", {}, None
    i = 1
    while i < len(args):
        arg = args[i]
        if arg in ("-X", "-H", "-d"):
            value = args[i + 1]
            if arg == "-X":
                method = value
            elif arg == "-H":
                name, _, header = value.partition(":")
                headers[name.strip().lower()] = header.strip()
            else:
                data = json.loads(re.sub(r"\$(\w+)", r"sample-\1", value))
            i += 2
            continue
        if arg.startswith("$API"):
            url = arg.removeprefix("$API")
        i += 1
    return (method, url), headers, data


def test_the_endpoint_table_lists_exactly_the_documented_routes() -> None:
    listed = {tuple(row[0].strip("`").split(" ", 1)) for row in table_rows(section("Endpoints"))[1:]}

    assert listed == contract().routes()


def test_every_endpoint_has_a_curl_example() -> None:
    shown = {parse_curl(command)[0] for command in curl_commands(section("Endpoints"))}

    assert shown == contract().routes()


@pytest.mark.parametrize("command", curl_commands(section("Endpoints")), ids=lambda c: " ".join(c.split()[1:6]))
def test_each_curl_example_sends_what_the_contract_accepts(command: str) -> None:
    route, headers, body = parse_curl(command)

    if route in REQUEST_MODELS:
        schema = pointer("components", "schemas", REQUEST_MODELS[route].__name__)
        assert headers.get("content-type") == "application/json"
        assert contract().schema_errors(body, schema, writing=True) == []
        models.parse(REQUEST_MODELS[route], body)
    if route in BEARER_ROUTES:
        assert headers.get("authorization", "").startswith("Bearer $")


def test_the_refresh_example_sends_the_refresh_token_alone() -> None:
    """`username` is accepted and ignored now (deprecated in openapi.yaml); the README says so."""
    (refresh,) = [c for c in curl_commands(section("Endpoints")) if parse_curl(c)[0] == ("POST", "/auth/refresh")]
    paragraph = section("Endpoints").split("**Refresh**")[1].split("\n\n")[0]

    assert set(parse_curl(refresh)[2]) == {"refresh_token"}
    assert "`username`" in paragraph
    assert "ignored" in paragraph


def test_the_curl_examples_run_top_to_bottom() -> None:
    """Each shell variable the examples read (`$ACCESS`, `$SESSION`...) is set by a line above it."""
    (block,) = re.findall(r"```bash\n(.*?)```", section("Endpoints"), re.DOTALL)
    assigned: set[str] = set()
    unset = []
    for line in block.replace("\\\n", " ").splitlines():
        if line.lstrip().startswith("#"):
            continue
        used = set(re.findall(r"\$(\w+)", line)) - {"1", "2", "@"}
        unset += [f"${name} in: {line.strip()}" for name in sorted(used - assigned)]
        assigned |= set(re.findall(r"^\s*(\w+)=", line))

    assert unset == []


def test_the_error_table_is_the_error_contract() -> None:
    rows = table_rows(section("Errors"))
    codes = [(row[0].strip("`"), int(row[1])) for row in rows if row[1].isdigit()]

    assert codes == list(errors.ERROR_CODES.items())


def test_the_gateway_table_is_where_openapi_yaml_documents_api_gateways_answers() -> None:
    spec = contract()
    text = section("Errors").split("**API Gateway's own answers.**")[1].split("**No user enumeration.**")[0]
    with_body = {route for route in spec.routes() if "requestBody" in spec.operation(*route)}
    authorized = {route for route in spec.routes() if behind_authorizer(route)}
    scopes = {
        "every route": spec.routes(),
        "every route with a body": with_body,
        "every route behind the authorizer": authorized,
    }
    listed = {
        row[0]: scopes.get(row[3]) or {tuple(r.split(" ", 1)) for r in re.findall(r"`([A-Z]+ /[^`]+)`", row[3])}
        for row in table_rows(text)[1:]
    }
    documented: dict[str, set[tuple[str, str]]] = {}
    for route in spec.routes():
        for status in spec.gateway_statuses(*route):
            documented.setdefault(status, set()).add(route)

    assert listed == documented


def test_the_no_enumeration_table_names_documented_endpoints() -> None:
    text = section("Errors").split("**No user enumeration.**")[1]
    named = {tuple(row[0].strip("`").split(" ", 1)) for row in table_rows(text)[1:]}

    assert named <= contract().routes()
    assert len(named) == 8
