"""The stack CloudFormation would build from template.yaml after the SAM transform, for dev, prod and an existing
pool: routes and their auth, functions, permissions, the app client, the one stage, logs and the outputs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra.cfn import Stack
from tests.infra.conftest import (
    CASES,
    CLIENT_ID,
    EXISTING_POOL,
    NEW_POOL,
    POOL_ARN,
    POOL_ID,
    ROOT,
    SECRET_ARN,
    SECRET_PARAMETER,
)

PUBLIC_ROUTES = {
    "/auth/signup",
    "/auth/confirm",
    "/auth/resend-code",
    "/auth/signin",
    "/auth/signin/email-code",
    "/auth/challenge",
    "/auth/refresh",
    "/auth/revoke",
    "/auth/signout",
    "/auth/forgot-password",
    "/auth/reset-password",
}
# The account and MFA routes: behind the Cognito authorizer, an access token with Cognito's user scope.
BEARER_ROUTES = {
    "/auth/me": {"get", "patch", "delete"},
    "/auth/change-password": {"post"},
    "/auth/change-email": {"post"},
    "/auth/verify-email": {"post"},
    "/auth/mfa": {"get", "put"},
    "/auth/mfa/totp": {"post"},
    "/auth/mfa/totp/verify": {"post"},
}
# The functions that sign Cognito requests with the client secret. Sign-out (GlobalSignOut with the access token)
# and getData (claims from the authorizer) never read it.
SECRET_READERS = {
    "SignUpFunction",
    "ConfirmFunction",
    "ResendCodeFunction",
    "SignInFunction",
    "EmailSignInFunction",
    "AnswerChallengeFunction",
    "RefreshFunction",
    "RevokeFunction",
    "ForgotPasswordFunction",
    "ResetPasswordFunction",
}
# The routes behind the authorizer act with the caller's access token: no secret.
TOKEN_USERS = {
    "GetProfileFunction",
    "UpdateProfileFunction",
    "DeleteAccountFunction",
    "ChangePasswordFunction",
    "ChangeEmailFunction",
    "VerifyEmailFunction",
    "SetupTotpFunction",
    "VerifyTotpFunction",
    "GetMfaFunction",
    "SetMfaFunction",
}
FUNCTIONS = SECRET_READERS | TOKEN_USERS | {"SignOutFunction", "GetDataFunction"}
BASIC_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}

every_case = pytest.mark.parametrize("case", list(CASES))


def of_type(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == resource_type}


def the(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    """The properties of the one resource of this type."""
    (resource,) = of_type(resources, resource_type).values()
    properties: dict[str, Any] = resource["Properties"]
    return properties


def api_body(resources: dict[str, Any]) -> dict[str, Any]:
    (api,) = of_type(resources, "AWS::ApiGateway::RestApi").values()
    body: dict[str, Any] = api["Properties"]["Body"]
    return body


@every_case
def test_the_public_routes_are_public_and_the_account_routes_take_an_access_token(
    case: str, deployed: dict[str, Any]
) -> None:
    paths = api_body(deployed[case]["Resources"])["paths"]

    assert {p for p in paths if p.startswith("/auth/")} == PUBLIC_ROUTES | set(BEARER_ROUTES)
    for path in PUBLIC_ROUTES:
        # A REST method without `security` has AuthorizationType NONE; so has the CORS preflight.
        assert set(paths[path]) == {"post", "options"}, path
        assert all(not method.get("security") for method in paths[path].values()), path
    for path, methods in BEARER_ROUTES.items():
        assert set(paths[path]) == methods | {"options"}, path
        for method in methods:
            assert paths[path][method]["security"] == [{"CognitoAuthorizer": ["aws.cognito.signin.user.admin"]}]
        assert not paths[path]["options"].get("security"), path


@every_case
def test_get_data_takes_only_access_tokens_of_this_pool(case: str, deployed: dict[str, Any]) -> None:
    body = api_body(deployed[case]["Resources"])
    authorizer = body["components"]["securitySchemes"]["CognitoAuthorizer"]

    assert body["paths"]["/getData"]["get"]["security"] == [{"CognitoAuthorizer": ["aws.cognito.signin.user.admin"]}]
    assert not body["paths"]["/getData"]["options"].get("security")
    assert authorizer["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert authorizer["name"] == "Authorization"
    pool = {"Fn::GetAtt": ["UserPool", "Arn"]} if case in NEW_POOL else POOL_ARN
    assert authorizer["x-amazon-apigateway-authorizer"]["providerARNs"] == [pool]


@every_case
def test_every_function_is_python313_arm64_on_the_shared_layer(case: str, deployed: dict[str, Any]) -> None:
    resources = deployed[case]["Resources"]
    functions = of_type(resources, "AWS::Lambda::Function")
    (layer,) = of_type(resources, "AWS::Lambda::LayerVersion")

    assert set(functions) == FUNCTIONS
    for name, function in functions.items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.13", name
        assert props["Architectures"] == ["arm64"], name
        assert props["Layers"] == [{"Ref": layer}], name
        assert props["Handler"] == "app.lambda_handler", name
    assert resources[layer]["Properties"]["CompatibleArchitectures"] == ["arm64"]


def statements(resources: dict[str, Any]) -> list[dict[str, Any]]:
    """Every IAM statement the stack defines: inline role policies and its managed policies (not AWS's own)."""
    found = []
    for resource in resources.values():
        props = resource["Properties"]
        if resource["Type"] == "AWS::IAM::Role":
            found += [s for p in props.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            found += props["PolicyDocument"]["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@every_case
def test_no_iam_statement_has_a_wildcard(case: str, deployed: dict[str, Any]) -> None:
    found = statements(deployed[case]["Resources"])

    assert found
    for statement in found:
        for key in ("Action", "Resource"):
            for value in as_list(statement[key]):
                assert "*" not in json.dumps(value), statement
        assert "NotAction" not in statement
        assert "NotResource" not in statement


@every_case
def test_each_function_can_read_the_client_secret_only_if_it_signs_requests(
    case: str, deployed: dict[str, Any]
) -> None:
    resources = deployed[case]["Resources"]
    (secret_policy,) = of_type(resources, "AWS::IAM::ManagedPolicy")

    for name in FUNCTIONS:
        role = resources[name]["Properties"]["Role"]["Fn::GetAtt"][0]
        props = resources[role]["Properties"]
        assert "Policies" not in props, name
        expected = BASIC_POLICIES | ({json.dumps({"Ref": secret_policy})} if name in SECRET_READERS else set())
        assert {p if isinstance(p, str) else json.dumps(p) for p in props["ManagedPolicyArns"]} == expected, name


@pytest.mark.parametrize(
    ("case", "statement"),
    [
        ("dev", {"Action": "secretsmanager:GetSecretValue", "Resource": {"Ref": "UserPoolClientSecret"}}),
        ("existing-pool-secretsmanager", {"Action": "secretsmanager:GetSecretValue", "Resource": SECRET_ARN}),
        (
            "existing-pool-ssm",
            {
                "Action": "ssm:GetParameter",
                "Resource": f"arn:aws:ssm:us-east-1:123456789012:parameter{SECRET_PARAMETER}",
            },
        ),
    ],
)
def test_the_secret_read_policy_names_exactly_one_secret(
    case: str, statement: dict[str, Any], deployed: dict[str, Any]
) -> None:
    (policy,) = of_type(deployed[case]["Resources"], "AWS::IAM::ManagedPolicy").values()

    assert policy["Properties"]["PolicyDocument"]["Statement"] == [{"Effect": "Allow", **statement}]


@pytest.mark.parametrize("case", NEW_POOL)
def test_the_app_client_allows_only_what_the_api_uses(case: str, deployed: dict[str, Any]) -> None:
    props = the(deployed[case]["Resources"], "AWS::Cognito::UserPoolClient")
    rotating = props["RefreshTokenRotation"]["Feature"] == "ENABLED"

    # A rotating client refuses REFRESH_TOKEN_AUTH: the flow is allowed exactly where rotation is off.
    refresh_flow = [] if rotating else ["ALLOW_REFRESH_TOKEN_AUTH"]
    assert sorted(props["ExplicitAuthFlows"]) == sorted(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH", *refresh_flow])
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True
    assert props["GenerateSecret"] is True
    assert props["UserPoolId"] == {"Ref": "UserPool"}


@pytest.mark.parametrize("case", NEW_POOL)
def test_a_new_pool_gets_its_client_secret_in_secrets_manager(case: str, deployed: dict[str, Any]) -> None:
    resources = deployed[case]["Resources"]
    (secret,) = of_type(resources, "AWS::SecretsManager::Secret").values()

    assert secret["Properties"]["SecretString"] == {"Fn::GetAtt": ["UserPoolClient", "ClientSecret"]}
    for name in FUNCTIONS:
        env = resources[name]["Properties"]["Environment"]["Variables"]
        assert env["USER_POOL_ID"] == {"Ref": "UserPool"}
        assert env["USER_POOL_CLIENT_ID"] == {"Ref": "UserPoolClient"}
        assert env["USER_POOL_CLIENT_SECRET_ARN"] == {"Ref": "UserPoolClientSecret"}
        assert "USER_POOL_CLIENT_SECRET_PARAMETER" not in env
        assert "USER_POOL_CLIENT_SECRET" not in env


@pytest.mark.parametrize("case", EXISTING_POOL)
def test_an_existing_pool_is_used_not_created(case: str, deployed: dict[str, Any]) -> None:
    resources = deployed[case]["Resources"]
    secret = (
        {"USER_POOL_CLIENT_SECRET_ARN": SECRET_ARN}
        if "secretsmanager" in case
        else {"USER_POOL_CLIENT_SECRET_PARAMETER": SECRET_PARAMETER}
    )

    for created in ("AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::SecretsManager::Secret"):
        assert not of_type(resources, created), created
    for name in FUNCTIONS:
        env = resources[name]["Properties"]["Environment"]["Variables"]
        # The pool id, whether the team gave the id or the ARN.
        assert {k: v for k, v in env.items() if k.startswith("USER_POOL")} == {
            "USER_POOL_ID": POOL_ID,
            "USER_POOL_CLIENT_ID": CLIENT_ID,
            **secret,
        }


@every_case
def test_outputs_give_clients_and_tests_what_they_need_and_no_secret(case: str, deployed: dict[str, Any]) -> None:
    outputs = deployed[case]["Outputs"]
    stage = CASES[case].get("StageName", "api")

    assert set(outputs) >= {"ApiUrl", "UserPoolId", "UserPoolClientId"}
    assert outputs["ApiUrl"]["Value"] == {
        "Fn::Sub": f"https://${{AuthApi}}.execute-api.us-east-1.amazonaws.com/{stage}"
    }
    if case in EXISTING_POOL:
        assert outputs["UserPoolId"]["Value"] == POOL_ID
        assert outputs["UserPoolClientId"]["Value"] == CLIENT_ID
    text = json.dumps(outputs)
    for leak in ("ClientSecret", "UserPoolClientSecret", SECRET_ARN, SECRET_PARAMETER):
        assert leak not in text


@every_case
def test_the_api_has_one_stage_and_it_throttles_and_logs(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    resources = deployed[case]["Resources"]
    parameters = stacks[case].parameters
    (stage,) = of_type(resources, "AWS::ApiGateway::Stage").values()
    props = stage["Properties"]

    # No deployment makes a stage of its own (SAM's "Stage", unthrottled and unlogged, without OpenApiVersion).
    assert [d["Properties"].get("StageName") for d in of_type(resources, "AWS::ApiGateway::Deployment").values()] == [
        None
    ]
    assert props["StageName"] == parameters["StageName"]
    assert {
        "ResourcePath": "/*",
        "HttpMethod": "*",
        "ThrottlingRateLimit": parameters["ThrottlingRateLimit"],
        "ThrottlingBurstLimit": parameters["ThrottlingBurstLimit"],
    } in props["MethodSettings"]
    group = props["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    assert resources[group]["Properties"]["RetentionInDays"] == parameters["LogRetentionDays"]


@every_case
def test_every_function_logs_to_the_one_function_log_group_with_the_chosen_retention(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    resources = deployed[case]["Resources"]

    for name in FUNCTIONS:
        logging = resources[name]["Properties"]["LoggingConfig"]
        assert logging["LogGroup"] == {"Ref": "FunctionLogGroup"}, name
        # The FunctionFailures metric filter reads Lambda's JSON platform.report records (INFO).
        assert logging["LogFormat"] == "JSON", name
        assert logging.get("SystemLogLevel", "INFO") in ("DEBUG", "INFO"), name
    group = resources["FunctionLogGroup"]["Properties"]
    assert group["RetentionInDays"] == stacks[case].parameters["LogRetentionDays"]
    # Lambda's default /aws/lambda/<function> groups would keep logs forever: none is left to Lambda.
    assert group["LogGroupName"] == "/aws/lambda/auth-api-test-functions"


@every_case
def test_each_role_of_the_stack_carries_the_deploy_roles_permissions_boundary(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    roles = of_type(deployed[case]["Resources"], "AWS::IAM::Role")
    boundary = stacks[case].parameters["PermissionsBoundaryPolicy"]

    assert roles
    for name, role in roles.items():
        if boundary:
            assert role["Properties"]["PermissionsBoundary"] == f"arn:aws:iam::123456789012:policy/{boundary}", name
        else:
            assert "PermissionsBoundary" not in role["Properties"], name


def test_every_case_transforms_to_a_template_cfn_lint_accepts(transformed: dict[str, Any], tmp_path: Path) -> None:
    files = []
    for case, template in transformed.items():
        path = tmp_path / f"{case}.json"
        path.write_text(json.dumps(template, indent=1))
        files.append(str(path))
    cfn_lint = os.environ.get("CFN_LINT") or str(ROOT / ".venv" / "bin" / "cfn-lint")

    # W1020 (a Fn::Sub without variables): the translator substitutes parameter values into the authorizer's Fn::Sub
    # itself and leaves the Fn::Sub around the result; the source template's Fn::Sub has variables.
    result = subprocess.run(
        [cfn_lint, "--ignore-checks", "W1020", "--", *files], capture_output=True, text=True, timeout=300, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
