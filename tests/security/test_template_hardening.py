"""The deployed stack is configured defensively: checkov (in its own virtual environment, --skip-download) finds no
failed check except ones skipped with a written reason (project-wide in .checkov.yaml, or on the one resource
concerned), cfn-lint passes with the cfn-lint-serverless rules, and the template keeps the settings SECURITY.md
promises."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from local_api import template
from tests.security.conftest import Cases
from tests.support.cognito import TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
DEFAULTS = template.parameter_defaults(TEMPLATE)


def of_type(resource_type: str) -> dict[str, Any]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == resource_type}


FUNCTIONS = of_type("AWS::Serverless::Function")
API = next(iter(of_type("AWS::Serverless::Api").values()))["Properties"]


def routes() -> dict[str, str]:
    """path -> method of every Api event."""
    return {
        event["Properties"]["Path"]: event["Properties"]["Method"].upper()
        for function in FUNCTIONS.values()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "Api"
    }


def tool(env: str, default: Path) -> str:
    path = os.environ.get(env) or str(default)
    if not Path(path).exists():
        pytest.fail(f"{path} not found: run the tests with `make test`, which installs it")
    return path


@pytest.mark.slow
def test_checkov_finds_nothing_the_template_does_not_skip_with_a_reason(cases: Cases) -> None:
    checkov = tool("CHECKOV_BIN", ROOT / ".venv-checkov" / "bin" / "checkov")
    result = subprocess.run(
        [checkov, "--skip-download", "-f", "template.yaml", "--framework", "cloudformation", "-o", "json"],
        cwd=ROOT,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    cases.tried(summary["passed"] + summary["failed"] + summary["skipped"])
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    skipped = report["results"]["skipped_checks"]

    assert summary["parsing_errors"] == 0
    assert failed == []
    assert summary["passed"] > 0
    unexplained = [c for c in skipped if len(c["check_result"].get("suppress_comment") or "") < 20]
    assert [(c["check_id"], c["resource"]) for c in unexplained] == []


CHECKOV_CONFIG = ROOT / ".checkov.yaml"


def project_wide_skips() -> dict[str, str]:
    """check id -> the reason written beside it in .checkov.yaml."""
    skipped = yaml.safe_load(CHECKOV_CONFIG.read_text())["skip-check"]
    reasons = dict(re.findall(r"^\s*- (CKV\w+) # (.+)$", CHECKOV_CONFIG.read_text(), re.MULTILINE))
    return {check: reasons.get(check, "") for check in skipped}


def test_every_skipped_check_has_its_reason_in_the_config_and_in_security_md() -> None:
    security = (ROOT / "SECURITY.md").read_text()
    inline = {
        skip["id"]
        for resource in RESOURCES.values()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }
    skips = project_wide_skips()

    assert len(skips) >= 5
    assert {check: reason for check, reason in skips.items() if len(reason) < 20} == {}
    assert [check for check in sorted(inline | set(skips)) if f"| {check} " not in security] == []


def test_project_wide_skips_live_in_the_config_not_on_each_function_or_log_group() -> None:
    skips = set(project_wide_skips())

    for name, resource in RESOURCES.items():
        local = {s["id"] for s in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}
        assert not local & skips, name
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Logs::LogGroup"):
            assert "checkov" not in resource.get("Metadata", {}), name


@pytest.mark.slow
def test_cfn_lint_with_the_serverless_rules_passes() -> None:
    cfn_lint = tool("CFN_LINT_BIN", ROOT / ".venv" / "bin" / "cfn-lint")
    result = subprocess.run(
        [cfn_lint, "--append-rules", "cfn_lint_serverless.rules", "--", "template.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_stage_throttles_and_the_email_routes_are_tighter() -> None:
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in API["MethodSettings"]}
    stage = settings[("/*", "*")]
    # The routes that take an email, a password or a code: where guessing and mail bombing happen.
    email_routes = {
        "/auth/signup",
        "/auth/confirm",
        "/auth/resend-code",
        "/auth/signin",
        "/auth/signin/email-code",
        "/auth/challenge",
        "/auth/forgot-password",
        "/auth/reset-password",
        "/auth/change-password",
        "/auth/change-email",
        "/auth/verify-email",
        "/auth/mfa/totp/verify",
    }

    assert {"ThrottlingRateLimit", "ThrottlingBurstLimit"} <= set(stage)
    assert email_routes <= set(routes())
    for path in email_routes:
        tight = settings[("/" + path.replace("/", "~1"), "POST")]
        assert tight["ThrottlingRateLimit"] == {"Ref": "AuthThrottlingRateLimit"}
        assert tight["ThrottlingBurstLimit"] == {"Ref": "AuthThrottlingBurstLimit"}
    assert DEFAULTS["AuthThrottlingRateLimit"] < DEFAULTS["ThrottlingRateLimit"]
    assert DEFAULTS["AuthThrottlingBurstLimit"] < DEFAULTS["ThrottlingBurstLimit"]
    # Every throttled path is a real route: a typo in ~1-escaping would silently throttle nothing.
    assert {path[1:].replace("~1", "/") for path, _ in settings if path != "/*"} <= set(routes())


def test_access_logs_go_to_a_log_group_with_retention_and_carry_no_secret() -> None:
    access = API["AccessLogSetting"]
    group = access["DestinationArn"]["Fn::GetAtt"][0]
    line = re.sub(r"\$context\.[\w.]+", "x", access["Format"])

    assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup"
    assert RESOURCES[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert set(json.loads(line)) >= {"requestId", "ip", "method", "route", "status"}
    # Headers and bodies ($input, $method.request...) are where tokens and passwords are.
    assert "$input" not in access["Format"]
    assert "header" not in access["Format"].lower()
    assert all(not s.get("DataTraceEnabled") for s in API["MethodSettings"])


def test_every_function_logs_to_one_group_with_retention() -> None:
    logging = TEMPLATE["Globals"]["Function"]["LoggingConfig"]
    group = RESOURCES[logging["LogGroup"]["Ref"]]

    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # No function overrides it, so none falls back to Lambda's /aws/lambda/<name> group, kept forever.
    assert [name for name, f in FUNCTIONS.items() if "LoggingConfig" in f["Properties"]] == []


def test_tracing_is_on_for_functions_and_stage() -> None:
    assert TEMPLATE["Globals"]["Function"]["Tracing"] == "Active"
    assert API["TracingEnabled"] is True


def test_gateway_answers_carry_cors_headers_from_the_allowed_origins() -> None:
    responses = API["GatewayResponses"]

    for kind in ("DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "THROTTLED"):
        headers = responses[kind]["ResponseParameters"]["Headers"]
        assert "AllowedOrigins" in json.dumps(headers["Access-Control-Allow-Origin"]), kind
        assert "Authorization" in headers["Access-Control-Allow-Headers"], kind
    assert responses["THROTTLED"]["ResponseParameters"]["Headers"]["Retry-After"] == "'1'"


def test_the_preflight_is_not_behind_the_authorizer_and_origins_are_a_parameter() -> None:
    auth = API["Auth"]
    protected = {
        event["Properties"]["Path"]
        for function in FUNCTIONS.values()
        for event in function["Properties"]["Events"].values()
        if event["Properties"].get("Auth", {}).get("Authorizer")
    }

    assert "DefaultAuthorizer" not in auth or auth.get("AddDefaultAuthorizerToCorsPreflight") is False
    assert auth.get("AddDefaultAuthorizerToCorsPreflight") is False
    assert protected == {
        "/getData",
        "/auth/me",
        "/auth/change-password",
        "/auth/change-email",
        "/auth/verify-email",
        "/auth/mfa",
        "/auth/mfa/totp",
        "/auth/mfa/totp/verify",
    }
    assert "AllowedOrigins" in TEMPLATE["Parameters"]
    assert "AllowedOrigins" in json.dumps(API["Cors"]["AllowOrigin"])


def test_nothing_turns_on_logging_of_events_or_bodies() -> None:
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]

    for flag in ("POWERTOOLS_LOGGER_LOG_EVENT", "POWERTOOLS_DEV", "POWERTOOLS_EVENT_HANDLER_DEBUG"):
        assert str(env.get(flag, "false")).lower() in ("false", "0"), flag
    assert env["POWERTOOLS_LOG_LEVEL"] in ("INFO", "WARNING", "ERROR")


def test_tokens_are_short_lived_and_revocable_and_existence_is_hidden() -> None:
    client = next(iter(of_type("AWS::Cognito::UserPoolClient").values()))["Properties"]

    assert DEFAULTS["AccessTokenValidityMinutes"] <= 15
    assert client["AccessTokenValidity"] == client["IdTokenValidity"] == {"Ref": "AccessTokenValidityMinutes"}
    assert client["TokenValidityUnits"]["AccessToken"] == "minutes"
    assert client["EnableTokenRevocation"] is True
    assert client["PreventUserExistenceErrors"] == "ENABLED"


def test_no_output_exposes_a_secret() -> None:
    outputs = json.dumps(TEMPLATE.get("Outputs", {}))

    assert "ClientSecret" not in outputs
    assert "SecretString" not in outputs


def test_the_preflight_allows_every_method_the_routes_use() -> None:
    allowed = set(API["Cors"]["AllowMethods"].strip("'").split(","))

    assert allowed >= {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
    assert set(routes().values()) <= allowed


def test_the_stage_has_a_firewall_unless_a_deployment_turns_it_off() -> None:
    association = next(iter(of_type("AWS::WAFv2::WebACLAssociation").values()))

    assert DEFAULTS["EnableWaf"] == "true"
    assert association["Condition"] == "Waf"
    assert "${AuthApi.Stage}" in association["Properties"]["ResourceArn"]["Fn::Sub"]
