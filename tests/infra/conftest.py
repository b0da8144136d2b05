"""Fixtures for the infrastructure tests: the template after the SAM transform, for each way teams deploy it."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.infra.cfn import Stack

ROOT = Path(__file__).resolve().parents[2]
SAMCONFIG = ROOT / "samconfig.toml"

POOL_ID = "us-east-1_AbCdEf123"
POOL_ARN = f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL_ID}"
CLIENT_ID = "1example23456789abcdefghij"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:flask-app/client-secret-AbCdEf"
SECRET_PARAMETER = "/flask-app/cognito-client-secret"


def samconfig_overrides(env: str) -> dict[str, str]:
    config = tomllib.loads(SAMCONFIG.read_text())
    overrides = config[env]["deploy"]["parameters"]["parameter_overrides"]
    return dict(item.split("=", 1) for item in overrides)


SES_IDENTITY_ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
SES = {
    "SesIdentityArn": SES_IDENTITY_ARN,
    "SesFromAddress": "Example <no-reply@example.com>",
    "SesConfigurationSet": "auth-email",
}

# The ways the template is deployed: samconfig.toml's environments; production as docs/deploy.md asks for it (SES, an
# alarm address); dev on the Lite plan, whose SES cannot turn on what Lite lacks; and an existing pool (the original
# Flask app's) with its client secret in Secrets Manager (pool given by id) or in SSM (pool given by ARN).
EXISTING = {"UserPoolMode": "existing", "ExistingUserPoolClientId": CLIENT_ID}
CASES: dict[str, dict[str, str]] = {
    "dev": samconfig_overrides("default"),
    "prod": samconfig_overrides("prod"),
    "prod-with-ses": {
        **samconfig_overrides("prod"),
        **SES,
        "AlarmEmail": "oncall@example.com",
        "AllowedOrigins": "https://app.example.com",
    },
    "dev-lite": {**samconfig_overrides("default"), "UserPoolTier": "LITE", "SesIdentityArn": SES_IDENTITY_ARN},
    "existing-pool-secretsmanager": {**EXISTING, "ExistingUserPool": POOL_ID, "ExistingClientSecretArn": SECRET_ARN},
    "existing-pool-ssm": {**EXISTING, "ExistingUserPool": POOL_ARN, "ExistingClientSecretParameter": SECRET_PARAMETER},
}
NEW_POOL = ["dev", "prod", "prod-with-ses", "dev-lite"]
EXISTING_POOL = ["existing-pool-secretsmanager", "existing-pool-ssm"]


def transform(template_path: Path, cases: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Each case's template as the SAM transform leaves it for CloudFormation (one translator run for all)."""
    result = subprocess.run(
        [str(sam_python()), str(Path(__file__).parent / "sam_transform.py"), str(template_path)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    templates: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return templates


def sam_python() -> Path:
    sam = Path(os.environ.get("SAM_BIN") or ROOT / ".venv-sam" / "bin" / "sam")
    python = sam.parent / "python"
    if not python.exists():
        pytest.fail(f"aws-sam-cli's environment not found at {sam.parent}: run the tests with `make test`")
    return python


@pytest.fixture(scope="session")
def transformed() -> dict[str, dict[str, Any]]:
    """Each case's template as the SAM transform leaves it for CloudFormation."""
    return transform(ROOT / "template.yaml", CASES)


@pytest.fixture(scope="session")
def stacks(transformed: dict[str, dict[str, Any]]) -> dict[str, Stack]:
    return {name: Stack(template, CASES[name]) for name, template in transformed.items()}


@pytest.fixture(scope="session")
def deployed(stacks: dict[str, Stack]) -> dict[str, dict[str, Any]]:
    """What each case would create: Resources and Outputs after CloudFormation decides the conditions."""
    return {name: stack.deployed() for name, stack in stacks.items()}
