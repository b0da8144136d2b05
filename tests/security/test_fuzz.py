"""Fuzzing from the contract: schemathesis drives the local API (`make dev`'s server, the real handlers behind an
emulated API Gateway and Cognito) from openapi.yaml, every operation, with bodies, headers and content types both
generated from the schemas and mutated to break them. Every answer must be a non-5xx that openapi.yaml documents for
that operation and status, with a body that matches its schema.

`make test` runs a bounded number of examples per operation (FUZZ_MAX_EXAMPLES, default 8); `make fuzz` runs many
more and prints how many requests it sent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from tests.security.conftest import Cases
from tests.support.local_api import LocalApiProcess, sign_in, sign_up_and_confirm, unique_email

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "8"))
# The paths whose operations take a bearer access token, as openapi.yaml says (security: CognitoAccessToken).
SECURED = {
    path
    for path, operations in yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"].items()
    for operation in operations.values()
    if isinstance(operation, dict) and operation.get("security")
}

schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES, deterministic=True
)
# API Gateway answers a method a resource does not have with 403 {"message": "Missing Authentication Token"}, as
# openapi.yaml documents, not 405; the local API does the same.
schema.config.checks.update(excluded_check_names=["unsupported_method"])
# A schema-valid body can still break a rule no JSON schema states (the password policy, a wrong code, refresh's
# username when the client has a secret): openapi.yaml documents those 400s, which status_code_conformance checks.
schema.config.checks.positive_data_acceptance.expected_statuses = ["2xx", "400", "401", "403", "404", "409", "429"]


@pytest.fixture(scope="module")
def access_token(local_api: LocalApiProcess) -> str:
    email, password = unique_email(), "Fuzz-Passw0rd"
    sign_up_and_confirm(local_api, email, password)
    return str(sign_in(local_api, email, password).body["access_token"])


def with_real_token(case: schemathesis.Case, token: str) -> None:
    """getData and signout get a real access token unless their headers were generated to be invalid, so their
    success answers are fuzzed too. (Signout revokes it at Cognito; API Gateway's authorizer still accepts it until
    it expires: both answers are in the contract.)"""
    negative_headers = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    if case.operation.path in SECURED and not negative_headers:
        case.headers = {**dict(case.headers or {}), "Authorization": f"Bearer {token}"}  # type: ignore[assignment]


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
def test_every_operation_keeps_its_contract(
    case: schemathesis.Case, local_api: LocalApiProcess, access_token: str, cases: Cases
) -> None:
    cases.tried()
    with_real_token(case, access_token)
    case.call_and_validate(base_url=local_api.url)
