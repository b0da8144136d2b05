"""What makes the stack safe to run in production (issue 12), on the template CloudFormation would build after the
SAM transform: one CORS origin, and an account-wide logging role only on request."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.cfn import Stack
from tests.infra.conftest import CASES
from tests.infra.test_transformed_template import api_body, of_type

every_case = pytest.mark.parametrize("case", list(CASES))


def deploy(stacks: dict[str, Stack], case: str, **overrides: str) -> dict[str, Any]:
    """The case's transformed template deployed with other parameter values."""
    stack = Stack(stacks[case].template, {**CASES[case], **overrides})
    assert stack.rule_failures() == []
    return stack.deployed()


# ------------------------------------------------------------------------------------------------------- CORS
@every_case
def test_the_preflight_and_api_gateways_own_answers_name_the_one_allowed_origin(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    body = api_body(deployed[case]["Resources"])
    origin = f"'{stacks[case].parameters['AllowedOrigins']}'"

    for path, methods in body["paths"].items():
        preflight = methods["options"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
        assert preflight["method.response.header.Access-Control-Allow-Origin"] == origin, path
        allowed = preflight["method.response.header.Access-Control-Allow-Methods"].strip("'").split(",")
        assert set(allowed) >= {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}, path
    for kind, response in body["x-amazon-apigateway-gateway-responses"].items():
        assert response["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == origin, kind


# ------------------------------------------------------------------------------------- account-wide logging role
@every_case
def test_the_accounts_api_gateway_logging_role_is_left_alone_unless_asked(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    assert not of_type(deployed[case]["Resources"], "AWS::ApiGateway::Account")
    asked = deploy(stacks, case, ApiGatewayLoggingRole="create")["Resources"]
    (account,) = of_type(asked, "AWS::ApiGateway::Account").values()
    assert account["DeletionPolicy"] == "Retain"
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayCloudWatchLogsRole", "Arn"]}
