"""`make bench` cannot rot: one process per function, a few warm invocations, and a table and JSON covering every
function, its floor and every column the budgets are read from. No timing is asserted (machines differ and are noisy);
what a cold start must not import is, since each such import costs every cold start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import run
from tests.support.cognito import TEMPLATE
from tests.support.handlers import FUNCTIONS

# The Cognito operations each function makes for its committed event, in order (the bench must exercise the success
# path: a function that failed early would make fewer calls and look cheap).
COGNITO_OPERATIONS = {
    "answer_challenge": ["RespondToAuthChallenge"],
    "change_email": ["UpdateUserAttributes"],
    "change_password": ["ChangePassword"],
    "confirm": ["ConfirmSignUp"],
    "delete_account": ["DeleteUser"],
    "email_sign_in": ["InitiateAuth"],
    "forgot_password": ["ForgotPassword"],
    "get_mfa": ["GetUser"],
    "get_profile": ["GetUser"],
    "refresh": ["GetTokensFromRefreshToken"],
    "resend_code": ["ResendConfirmationCode"],
    "reset_password": ["ConfirmForgotPassword"],
    "revoke": ["RevokeToken"],
    "set_mfa": ["GetUser", "SetUserMFAPreference", "GetUser"],
    "setup_totp": ["GetUser", "AssociateSoftwareToken"],
    "signin": ["InitiateAuth"],
    "signout": ["GlobalSignOut"],
    "signup": ["SignUp"],
    "update_profile": ["UpdateUserAttributes", "GetUser"],
    "verify_email": ["VerifyUserAttribute"],
    "verify_totp": ["VerifySoftwareToken", "SetUserMFAPreference"],
}
# The functions that sign requests with the app client's secret: those the template lets read it.
READS_SECRET = {
    Path(r["Properties"]["CodeUri"]).name
    for r in TEMPLATE["Resources"].values()
    if r["Type"] == "AWS::Serverless::Function"
    and {"Ref": "ClientSecretReadPolicy"} in r["Properties"].get("Policies", [])
}
# Bodiless routes parse nothing, so they never import msgspec.
NO_BODY = {"get_data", "signout", "get_profile", "delete_account", "setup_totp", "get_mfa"}


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    argv = ["--processes", "1", "--invocations", "3", "--verifications", "10", "--no-build", "--json", str(path)]

    assert run.main(argv) == 0

    report = json.loads(Path(path).read_text())
    return report, report["table"]


def test_every_function_and_both_floors_are_measured(bench: tuple[dict[str, Any], str]) -> None:
    report, table = bench

    assert report["functions"] == FUNCTIONS
    for label in (run.BARE, run.BOTO3, *FUNCTIONS):
        row = report["targets"][label]
        assert row["processes"] == 1
        assert 0 < row["startup_ms"] <= row["cold_ms"]
        assert row["peak_rss_mb"] > 0
        assert f"| {label} |" in table
    assert report["targets"][run.BOTO3]["cognito_calls"] == ["InitiateAuth"]


def test_each_function_served_its_first_and_warm_requests_successfully(bench: tuple[dict[str, Any], str]) -> None:
    report, _ = bench

    for name in FUNCTIONS:
        row = report["targets"][name]
        assert row["statuses"], name
        assert all(200 <= status < 300 for status in row["statuses"]), (name, row["statuses"])
        assert row["ratio"] > 0
        assert row["budget_ratio"] == (run.COLD_RATIO_NO_SDK if name == "get_data" else run.COLD_RATIO_COGNITO)
        assert row["warm"]["invocations"] == 3
        assert row["warm"]["p50_ms"] > 0
        if name == "get_data":
            assert row["cognito_calls"] == []
            assert row["warm"]["bare_call_p50_ms"] is None
        else:
            assert [op for op in row["cognito_calls"] if op not in run.SECRET_OPERATIONS] == COGNITO_OPERATIONS[name]
            assert row["warm"]["bare_call_p50_ms"] > 0
        # The deployed configuration reads the app client's secret from Secrets Manager, once, where it is needed.
        reads_secret = name in READS_SECRET
        assert row["cognito_calls"].count("GetSecretValue") == int(reads_secret), (name, row["cognito_calls"])


def test_cold_starts_import_only_what_their_path_uses(bench: tuple[dict[str, Any], str]) -> None:
    targets = bench[0]["targets"]

    # /getData trusts API Gateway's authorizer: no SDK, no validator, no JWT library.
    assert targets["get_data"]["imported"] == []
    # A route without a body has nothing to parse: no msgspec. The others parse theirs with it.
    assert all("msgspec" not in targets[name]["imported"] for name in NO_BODY)
    assert all("msgspec" in targets[name]["imported"] for name in FUNCTIONS if name not in NO_BODY)
    # No function imports boto3 (the layer uses botocore directly), pydantic (130 ms; docs/performance.md) or, behind
    # the authorizer, the JWT library.
    for name in FUNCTIONS:
        assert "boto3" not in targets[name]["imported"], name
        assert "pydantic" not in targets[name]["imported"], name
        assert "jose" not in targets[name]["imported"], name


def test_token_verification_fetches_the_jwks_once(bench: tuple[dict[str, Any], str]) -> None:
    report, table = bench

    assert report["tokens"]["verifications"] == 10
    assert report["tokens"]["jwks_fetches"] == 1
    assert report["tokens"]["per_second"] > 0
    assert "JWKS fetches for 10 verifications" in table


def test_the_report_names_versions_and_budgets(bench: tuple[dict[str, Any], str]) -> None:
    report, table = bench

    assert {"python", "boto3", "botocore", "aws-lambda-powertools"} <= set(report["versions"])
    assert report["memory_mb"] > 0
    assert report["artifacts"] is None  # --no-build
    assert table.splitlines()[-1].startswith("Budgets: ")
