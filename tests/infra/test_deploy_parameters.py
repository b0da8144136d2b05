"""What a team types at deploy time: samconfig.toml's environments, the parameters' patterns, and the Rules that
refuse an incomplete or contradictory pool configuration when the change set is created, with a message saying why."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from local_api.template import load_template
from tests.infra.cfn import Stack
from tests.infra.conftest import (
    CASES,
    CLIENT_ID,
    POOL_ARN,
    POOL_ID,
    ROOT,
    SAMCONFIG,
    SECRET_ARN,
    SECRET_PARAMETER,
    SES,
    SES_IDENTITY_ARN,
)
from tests.support.docs import page

TEMPLATE = load_template()
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]


def refusals(**overrides: str) -> list[str]:
    return Stack(TEMPLATE, overrides).rule_failures()


def violations(name: str, value: str) -> list[str]:
    """Why CloudFormation would refuse this parameter value before any Rule runs (empty if it accepts it)."""
    spec = PARAMETERS[name]
    problems = []
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        problems.append("AllowedValues")
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        problems.append("AllowedPattern")
    if spec["Type"] == "Number":
        number = float(value)
        if number < spec.get("MinValue", number) or number > spec.get("MaxValue", number):
            problems.append("MinValue/MaxValue")
    return problems


@pytest.mark.parametrize("case", list(CASES))
def test_the_documented_configurations_pass_every_rule_and_constraint(case: str) -> None:
    assert refusals(**CASES[case]) == []
    assert {name: violations(name, value) for name, value in CASES[case].items() if violations(name, value)} == {}


EXISTING = {"UserPoolMode": "existing"}


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        (
            {**EXISTING, "ExistingUserPoolClientId": CLIENT_ID, "ExistingClientSecretArn": SECRET_ARN},
            "UserPoolMode=existing needs ExistingUserPool",
        ),
        (
            {**EXISTING, "ExistingUserPool": POOL_ID, "ExistingClientSecretArn": SECRET_ARN},
            "UserPoolMode=existing needs ExistingUserPoolClientId",
        ),
        (
            {**EXISTING, "ExistingUserPool": POOL_ID, "ExistingUserPoolClientId": CLIENT_ID},
            "UserPoolMode=existing needs the client secret by reference",
        ),
        (
            {
                **EXISTING,
                "ExistingUserPool": POOL_ARN,
                "ExistingUserPoolClientId": CLIENT_ID,
                "ExistingClientSecretArn": SECRET_ARN,
                "ExistingClientSecretParameter": SECRET_PARAMETER,
            },
            "Give the client secret once",
        ),
        ({"ExistingUserPool": POOL_ID}, "UserPoolMode=create makes a new pool"),
        ({"ExistingClientSecretParameter": SECRET_PARAMETER}, "UserPoolMode=create makes a new pool"),
        ({"ExistingUserPoolEmailMfa": "true"}, "UserPoolMode=create makes a new pool"),
        (
            {
                **EXISTING,
                "ExistingUserPool": POOL_ID,
                "ExistingUserPoolClientId": CLIENT_ID,
                "ExistingClientSecretArn": SECRET_ARN,
                "SesIdentityArn": SES_IDENTITY_ARN,
            },
            "UserPoolMode=existing leaves the existing pool's email as it is",
        ),
        ({"SesFromAddress": SES["SesFromAddress"]}, "SesFromAddress and SesConfigurationSet take effect only with SES"),
        ({"SesConfigurationSet": "auth-email"}, "SesFromAddress and SesConfigurationSet take effect only with SES"),
    ],
    ids=[
        "existing-without-pool",
        "existing-without-client",
        "existing-without-secret",
        "existing-with-two-secrets",
        "create-with-a-pool-id",
        "create-with-a-secret-parameter",
        "create-with-an-existing-pools-feature",
        "existing-with-ses",
        "a-from-address-without-ses",
        "a-configuration-set-without-ses",
    ],
)
def test_an_invalid_pool_configuration_is_refused_with_a_message_saying_what_to_set(
    overrides: dict[str, str], refusal: str
) -> None:
    (message,) = refusals(**overrides)

    assert message.startswith(refusal)


def test_existing_mode_with_nothing_set_names_every_missing_value() -> None:
    messages = refusals(**EXISTING)

    assert [m.split(" (")[0].split(":")[0] for m in messages] == [
        "UserPoolMode=existing needs ExistingUserPool",
        "UserPoolMode=existing needs ExistingUserPoolClientId",
        "UserPoolMode=existing needs the client secret by reference",
    ]


@pytest.mark.parametrize(
    ("name", "accepted", "refused"),
    [
        (
            "ExistingUserPool",
            [
                "",
                POOL_ID,
                POOL_ARN,
                "eu-west-1_a1B2c3D4e",
                "arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_x1",
            ],
            ["us-east-1", "userpool/us-east-1_Ab", "arn:aws:cognito-idp:us-east-1:1234:userpool/us-east-1_Ab", "a b"],
        ),
        ("ExistingUserPoolClientId", ["", CLIENT_ID], ["has space", "x" * 129, "a/b"]),
        (
            "ExistingClientSecretArn",
            ["", SECRET_ARN],
            [
                "flask-app/client-secret",
                "arn:aws:ssm:us-east-1:123456789012:parameter/x",
                SECRET_ARN.replace(":secret:", ":"),
            ],
        ),
        ("ExistingClientSecretParameter", ["", SECRET_PARAMETER, "/a"], ["no-leading-slash", "/has space", "/"]),
        ("UserPoolMode", ["create", "existing"], ["", "new", "Existing"]),
        ("LogRetentionDays", ["1", "30", "3653"], ["0", "2", "10000"]),
        ("ThrottlingRateLimit", ["1", "10000"], ["0", "10001"]),
        ("ThrottlingBurstLimit", ["1", "5000"], ["0", "5001"]),
        ("StageName", ["api", "dev", "prod"], ["", "my stage", "a/b"]),
        # One origin: browsers take one per header, and the preflight is a static answer.
        (
            "AllowedOrigins",
            ["*", "https://app.example.com", "http://localhost:8081", "capacitor://localhost"],
            [
                "https://app.example.com,https://admin.example.com",
                "https://app.example.com, https://admin.example.com",
                "https://app.example.com/",
                "https://app.example.com/login",
                "app.example.com",
                "",
                "**",
            ],
        ),
        ("UserPoolTier", ["LITE", "ESSENTIALS", "PLUS"], ["", "lite", "FREE"]),
        ("UserPoolDeletionProtection", ["ACTIVE", "INACTIVE"], ["", "true"]),
        ("MfaConfiguration", ["OPTIONAL", "ON"], ["OFF", "", "on"]),
        (
            "SesIdentityArn",
            ["", SES_IDENTITY_ARN, "arn:aws:ses:eu-west-1:123456789012:identity/no-reply@example.com"],
            ["example.com", "arn:aws:ses:us-east-1:1234:identity/example.com", "arn:aws:sns:us-east-1:123456789012:x"],
        ),
        ("SesFromAddress", ["", "no-reply@example.com", SES["SesFromAddress"]], ["no-reply", "a@b@c"]),
        ("SesConfigurationSet", ["", "auth-email"], ["has space", "x" * 65]),
        ("AlarmEmail", ["", "oncall@example.com"], ["oncall", "on call@example.com"]),
        ("RefreshTokenRotationGracePeriodSeconds", ["0", "60"], ["-1", "61"]),
        ("RecentSignInMinutes", ["1", "15", "1440"], ["0", "1441"]),
        ("WafRateLimit", ["10", "3000"], ["9"]),
        ("WafAuthRateLimit", ["10", "300"], ["0"]),
        ("EnableWaf", ["true", "false"], ["yes", ""]),
        ("ApiGatewayLoggingRole", ["create", "existing"], ["", "none"]),
        (
            "PermissionsBoundaryPolicy",
            ["", "github-deploy-auth-api-prod-boundary"],
            ["arn:aws:iam::123456789012:policy/x", "has space"],
        ),
    ],
)
def test_parameters_refuse_malformed_values_before_anything_is_deployed(
    name: str, accepted: list[str], refused: list[str]
) -> None:
    assert {value: violations(name, value) for value in accepted} == {value: [] for value in accepted}
    for value in refused:
        assert violations(name, value), f"{name}={value!r} should be refused"


def test_a_list_of_origins_is_refused_with_a_message_that_says_why() -> None:
    spec = PARAMETERS["AllowedOrigins"]

    assert violations("AllowedOrigins", "https://app.example.com,https://admin.example.com") == ["AllowedPattern"]
    assert "one origin" in spec["ConstraintDescription"]
    assert "preflight" in spec["ConstraintDescription"]


CONFIG = tomllib.loads(SAMCONFIG.read_text())


def test_samconfig_has_dev_as_default_and_prod() -> None:
    stacks = {env: CONFIG[env]["global"]["parameters"]["stack_name"] for env in ("default", "prod")}

    assert stacks == {"default": "auth-api-dev", "prod": "auth-api-prod"}
    for env in ("default", "prod"):
        assert CONFIG[env]["global"]["parameters"]["region"]
        assert CONFIG[env]["build"]["parameters"] == {"cached": True, "parallel": True, "use_container": False}
        deploy = CONFIG[env]["deploy"]["parameters"]
        assert deploy["resolve_s3"] is True
        assert "s3_bucket" not in deploy
        assert deploy["capabilities"] == "CAPABILITY_IAM"
        assert deploy["s3_prefix"] == stacks[env]


def test_prod_change_sets_wait_for_a_person_and_dev_ones_do_not() -> None:
    assert CONFIG["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
    assert CONFIG["default"]["deploy"]["parameters"]["confirm_changeset"] is False


def test_dev_can_be_thrown_away_and_prod_is_protected_and_firewalled() -> None:
    dev, prod = CASES["dev"], CASES["prod"]

    assert (dev["UserPoolDeletionProtection"], dev["EnableWaf"]) == ("INACTIVE", "false")
    assert (prod["UserPoolDeletionProtection"], prod["EnableWaf"]) == ("ACTIVE", "true")


def test_each_environment_names_the_boundary_its_deploy_role_stack_makes() -> None:
    role = load_template(ROOT / "docs" / "deploy-role.yaml")
    made = role["Outputs"]["PermissionsBoundaryPolicy"]["Value"]["Fn::Sub"]

    assert role["Resources"]["PermissionsBoundary"]["Properties"]["ManagedPolicyName"] == {"Fn::Sub": made}
    for env in ("default", "prod"):
        stack = CONFIG[env]["global"]["parameters"]["stack_name"]
        named = dict(o.split("=", 1) for o in CONFIG[env]["deploy"]["parameters"]["parameter_overrides"])
        assert named["PermissionsBoundaryPolicy"] == made.replace("${AuthApiStackName}", stack), env


def test_the_deploy_page_describes_every_parameter_of_the_template() -> None:
    deploy = page("docs/deploy.md")

    assert [name for name in PARAMETERS if f"`{name}`" not in deploy] == []
