"""A rehearsal of tests/e2e without an AWS account: the suite runs exactly as `make e2e` runs it, against the local
API (real handlers, API Gateway's authorizer emulated) and its embedded Cognito emulator, which also answers the
suite's CloudFormation call for a stand-in stack's outputs. It proves the suite's own machinery (outputs, HTTPS
client, admin calls, the users it creates all deleted afterwards); only a real stack proves the deployment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from tests.infra.conftest import ROOT

STACK = "auth-api-rehearsal"


@dataclass
class LocalApi:
    url: str
    cognito_url: str
    pool_id: str

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.cognito_url,
            region_name="us-east-1",
            aws_access_key_id="rehearsal",
            aws_secret_access_key="rehearsal",
        )


@pytest.fixture
def rehearsal_api() -> Iterator[LocalApi]:
    """Its own local API (not the shared one): the rehearsal reads the emulator's address from the console."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("USER_POOL", "COGNITO_", "AWS_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "local_api", "--port", "0"],
        cwd=ROOT,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        seen = ""
        deadline = time.monotonic() + 90
        while "Press Ctrl-C" not in seen and time.monotonic() < deadline and process.poll() is None:
            seen += process.stdout.readline()
        api = re.search(r" on (http://127\.0\.0\.1:\d+) ", seen)
        cognito = re.search(r"\(moto\) on (http://127\.0\.0\.1:\d+), user pool (\S+)", seen)
        assert api, seen
        assert cognito, seen
        yield LocalApi(api.group(1), cognito.group(1), cognito.group(2))
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_e2e_suite_passes_against_the_local_api_and_deletes_every_user_it_made(rehearsal_api: LocalApi) -> None:
    idp = rehearsal_api.client("cognito-idp")
    (app_client,) = idp.list_user_pool_clients(UserPoolId=rehearsal_api.pool_id, MaxResults=1)["UserPoolClients"]
    outputs = {
        "ApiUrl": rehearsal_api.url,
        "UserPoolId": rehearsal_api.pool_id,
        "UserPoolClientId": app_client["ClientId"],
    }
    rehearsal_api.client("cloudformation").create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(
            {
                "Resources": {"StandIn": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {key: {"Value": value} for key, value in outputs.items()},
            }
        ),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("USER_POOL", "COGNITO_", "AWS_"))}

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e", "--confcutdir", "tests/e2e", "-p", "no:cacheprovider", "-q"],
        cwd=ROOT,
        env={
            **env,
            "AWS_SAM_STACK_NAME": STACK,
            "AWS_ENDPOINT_URL": rehearsal_api.cognito_url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "rehearsal",
            "AWS_SECRET_ACCESS_KEY": "rehearsal",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    print(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b12 passed\b", result.stdout), result.stdout
    assert "skipped" not in result.stdout
    assert idp.list_users(UserPoolId=rehearsal_api.pool_id)["Users"] == []
