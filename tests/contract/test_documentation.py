"""The README's endpoint table, the API guide (docs/api.md) and the errors page (docs/errors.md) say what
openapi.yaml and the error contract say: every route is listed and linked to its own section of the guide, each
section's curl sends what the contract accepts, and each section names the error codes its route can answer."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest

from cognito_auth import errors, models
from tests.contract.openapi import behind_authorizer, contract, pointer
from tests.contract.test_spec import BEARER_ROUTES, REQUEST_MODELS
from tests.docs.markdown import slug
from tests.support.docs import bash_blocks, page, section

README = page("README.md")
GUIDE = page("docs/api.md")
ERRORS = page("docs/errors.md")
Route = tuple[str, str]

# What every route can answer, and every bearer route, explained once in the guide ("What every route can answer"),
# so a route's own section names only the rest.
COMMON_CODES = {"InvalidJson", "ValidationFailed", "Forbidden", "PayloadTooLarge", "TooManyRequests"}
COMMON_CODES |= {"ServiceUnavailable", "InternalError"}
COMMON_BEARER_CODES = COMMON_CODES | {"InvalidToken", "UserNotConfirmed", "PasswordResetRequired"}


def table_rows(text: str) -> list[list[str]]:
    lines = [line.strip() for line in text.splitlines() if line.startswith("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    return [row for row in rows if not set(row[0]) <= {"-", " "}]


def route_sections() -> dict[Route, str]:
    """The guide's `### \\`METHOD /path\\`` sections, each up to the next heading."""
    found = {}
    for match in re.finditer(r"^### `([A-Z]+) (/\S+)`\n(.*?)(?=^#{1,3} )", GUIDE + "\n### ", re.DOTALL | re.MULTILINE):
        found[(match[1], match[2])] = match[3]
    return found


def curl_commands(text: str) -> list[str]:
    """Every curl command in the text's bash blocks, continuation lines joined, `$(...)` around it removed."""
    commands = []
    for block in bash_blocks(text):
        for line in block.replace("\\\n", " ").splitlines():
            if line.lstrip().startswith("#") or "curl " not in line:
                continue
            command = line[line.index("curl ") :]
            if "$(curl " in line:
                command = command.rstrip().removesuffix(")")
            commands.append(command)
    return commands


def parse_curl(command: str) -> tuple[Route, dict[str, str], Any]:
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


def documented_codes(route: Route) -> set[str]:
    """Every error code openapi.yaml lists for the route's responses."""
    spec = contract()
    return {
        code
        for status in spec.operation(*route)["responses"]
        for code in spec.error_codes(pointer("paths", route[1], route[0].lower(), "responses", status))
    }


# The README's endpoint table ----------------------------------------------------------------------------------------


ENDPOINT_ROWS = table_rows(section(README, "Endpoints"))[1:]


def row_route(row: list[str]) -> Route:
    [(method, path)] = re.findall(r"`([A-Z]+) (/[^`]+)`", row[0])
    return method, path


def test_the_endpoint_table_lists_exactly_the_documented_routes() -> None:
    listed = [row_route(row) for row in ENDPOINT_ROWS]

    assert sorted(listed) == sorted(contract().routes())


def test_each_row_links_to_its_routes_section_of_the_api_guide() -> None:
    """The anchor is the section's own, not a neighbour's (tests/docs checks that each anchor exists)."""
    links = {row_route(row): re.findall(r"\]\(([^)]+)\)", row[0]) for row in ENDPOINT_ROWS}
    wrong = {route: target for route, target in links.items() if target != [f"docs/api.md#{slug(' '.join(route))}"]}

    assert wrong == {}


def test_the_table_marks_exactly_the_bearer_routes() -> None:
    marked = {row_route(row) for row in ENDPOINT_ROWS if row[1] == "bearer"}

    assert marked == BEARER_ROUTES


def test_the_readme_is_a_front_door() -> None:
    """The issue's aim: one screen of what it is, the two commands, the table and where to go next."""
    assert len(README.splitlines()) < 200
    assert re.search(r"```bash\nmake dev .*\nmake test .*\n```", section(README, "Quick start"))


# The API guide ------------------------------------------------------------------------------------------------------


def test_the_guide_has_one_section_per_documented_route() -> None:
    assert sorted(route_sections()) == sorted(contract().routes())


@pytest.mark.parametrize("route", sorted(route_sections()), ids=" ".join)
def test_each_section_says_what_to_send_what_comes_back_and_what_to_do_next(route: Route) -> None:
    """The guide is written for the developer of an app: each route has these three, the success documented."""
    text = route_sections()[route]
    [success] = [status for status in contract().operation(*route)["responses"] if status.startswith("2")]

    assert "- **Send**" in text
    assert f"- **{success}**" in text
    assert "- **Next:**" in text


@pytest.mark.parametrize("route", sorted(route_sections()), ids=" ".join)
def test_each_section_shows_a_curl_of_its_own_route(route: Route) -> None:
    shown = [parse_curl(command)[0] for command in curl_commands(route_sections()[route])]

    assert route in shown
    assert set(shown) <= {route, ("POST", "/auth/signin")}  # signin first, where the route needs a fresh sign-in


@pytest.mark.parametrize("route", sorted(route_sections()), ids=" ".join)
def test_each_section_names_the_error_codes_its_route_can_answer(route: Route) -> None:
    """Exactly openapi.yaml's codes for the route, but those the guide explains once for every (bearer) route."""
    text = route_sections()[route]
    named = {code for code in re.findall(r"`(\w+)`", text) if code in errors.ERROR_CODES}
    common = COMMON_BEARER_CODES if route in BEARER_ROUTES else COMMON_CODES
    documented = documented_codes(route)

    assert named - documented == set(), "codes the route never answers"
    assert documented - common - named == set(), "codes the section leaves out"


def test_every_code_the_guide_explains_once_is_explained_there() -> None:
    text = section(GUIDE, "What every route can answer", level=3)

    assert {code for code in re.findall(r"`(\w+)`", text) if code in errors.ERROR_CODES} == COMMON_BEARER_CODES


@pytest.mark.parametrize("command", curl_commands(GUIDE), ids=lambda c: " ".join(c.split()[1:6]))
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
    """`username` is accepted and ignored now (deprecated in openapi.yaml); the guide says so."""
    text = route_sections()[("POST", "/auth/refresh")]
    (refresh,) = [c for c in curl_commands(text) if parse_curl(c)[0] == ("POST", "/auth/refresh")]

    assert set(parse_curl(refresh)[2]) == {"refresh_token"}
    assert re.search(r"`username`.*accepted and ignored", text, re.DOTALL)


def test_the_curl_examples_run_top_to_bottom() -> None:
    """Each shell variable the guide's examples read (`$ACCESS`, `$SESSION`...) is set by a line above it, the setup
    block's included."""
    assigned: set[str] = set()
    unset = []
    for block in bash_blocks(GUIDE):
        for line in block.replace("\\\n", " ").splitlines():
            if line.lstrip().startswith("#"):
                continue
            used = set(re.findall(r"\$(\w+)", line)) - {"1", "2", "@"}
            unset += [f"${name} in: {line.strip()}" for name in sorted(used - assigned)]
            assigned |= set(re.findall(r"^\s*(\w+)=", line))

    assert unset == []


# The errors page ----------------------------------------------------------------------------------------------------


def test_the_error_table_is_the_error_contract() -> None:
    rows = table_rows(section(ERRORS, "The error contract"))
    codes = [(row[0].strip("`"), int(row[1])) for row in rows if row[1].isdigit()]

    assert codes == list(errors.ERROR_CODES.items())


def test_the_gateway_table_is_where_openapi_yaml_documents_api_gateways_answers() -> None:
    spec = contract()
    with_body = {route for route in spec.routes() if "requestBody" in spec.operation(*route)}
    authorized = {route for route in spec.routes() if behind_authorizer(route)}
    scopes = {
        "every route": spec.routes(),
        "every route with a body": with_body,
        "every route behind the authorizer": authorized,
    }
    listed = {
        row[0]: scopes.get(row[3]) or {tuple(r.split(" ", 1)) for r in re.findall(r"`([A-Z]+ /[^`]+)`", row[3])}
        for row in table_rows(section(ERRORS, "API Gateway's own answers"))[1:]
    }
    documented: dict[str, set[tuple[str, str]]] = {}
    for route in spec.routes():
        for status in spec.gateway_statuses(*route):
            documented.setdefault(status, set()).add(route)

    assert listed == documented


def test_the_no_enumeration_table_names_documented_endpoints() -> None:
    named = {tuple(row[0].strip("`").split(" ", 1)) for row in table_rows(section(ERRORS, "No user enumeration"))[1:]}

    assert named <= contract().routes()
    assert len(named) == 8
