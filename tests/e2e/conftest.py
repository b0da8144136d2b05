"""End-to-end fixtures: a deployed stack found through AWS_SAM_STACK_NAME (the sam init convention), its outputs,
HTTPS calls to its API, unique test users that are always deleted afterwards, and the mailbox where one can be read.

Run with `AWS_SAM_STACK_NAME=auth-api-dev make e2e` and credentials that may read the stack's outputs and call
AdminConfirmSignUp, AdminCreateUser, AdminSetUserPassword, AdminGetUser and AdminDeleteUser on its pool
(docs/deploy-role.yaml). AdminCreateUser makes the users an administrator would (a temporary password to replace at
the first sign-in), and, with AdminSetUserPassword, confirmed users without sending a sign-up email."""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from tests.support.reply import Reply, parse_body

STACK_NAME = os.environ.get("AWS_SAM_STACK_NAME", "")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if STACK_NAME and os.environ.get("AWS_ACCESS_KEY_ID") == "testing":
        reason = "the unit tests' fixtures replaced the AWS credentials with fakes: run these with `make e2e`"
    elif not STACK_NAME:
        reason = (
            "AWS_SAM_STACK_NAME is not set: end-to-end tests need a deployed stack (AWS_SAM_STACK_NAME=... make e2e)"
        )
    else:
        return
    for item in items:
        if item.path.is_relative_to(os.path.dirname(__file__)):
            item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Stack:
    api_url: str
    user_pool_id: str
    client_id: str
    region: str
    cognito: Any
    users: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> Reply:
        """One HTTPS request to the deployed API, as a mobile app makes it."""
        headers = {"Content-Type": "application/json", "User-Agent": "auth-api-e2e"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.api_url + path, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - https URL from the stack
                status, raw, reply_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, reply_headers = error.code, error.read(), error.headers
        return Reply(status, parse_body(raw), Headers(list(reply_headers.items())))

    def new_email(self) -> str:
        """A unique address at the SES mailbox simulator: codes Cognito emails to it are accepted and dropped,
        so test runs cause no bounces. Every user created is deleted when the session ends."""
        email = f"success+auth-api-e2e-{uuid.uuid4().hex[:12]}@simulator.amazonses.com"
        self.users.append(email)
        return email

    def admin(self, operation: str, **params: Any) -> Any:
        return getattr(self.cognito, operation)(UserPoolId=self.user_pool_id, **params)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    import boto3

    cloudformation = boto3.client("cloudformation")
    (described,) = cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    region = cloudformation.meta.region_name
    deployed = Stack(
        api_url=outputs["ApiUrl"].rstrip("/"),
        user_pool_id=outputs["UserPoolId"],
        client_id=outputs["UserPoolClientId"],
        region=region,
        cognito=boto3.client("cognito-idp", region_name=region),
    )
    # HTTPS, except for the rehearsal against the local API on loopback (tests/infra/test_e2e_rehearsal.py).
    assert deployed.api_url.startswith(("https://", "http://127.0.0.1:")), deployed.api_url
    yield deployed
    for email in deployed.users:
        with contextlib.suppress(deployed.cognito.exceptions.UserNotFoundException):
            deployed.admin("admin_delete_user", Username=email)


def password() -> str:
    # Meets the template's policy: 8+ characters, upper, lower and a number.
    return f"E2e-{uuid.uuid4().hex[:16]}-Aa1"


def confirmed_user(stack: Stack) -> tuple[str, str]:
    """A confirmed user with a verified email, made as an administrator makes one (no email is sent); their email
    and password."""
    email, secret = stack.new_email(), password()
    stack.admin(
        "admin_create_user",
        Username=email,
        TemporaryPassword=password(),
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )
    stack.admin("admin_set_user_password", Username=email, Password=secret, Permanent=True)
    return email, secret


@dataclass
class Mailbox:
    """The codes Cognito emailed, where a test can read them: the local API's outbox when the suite is rehearsed
    against it (tests/infra/test_e2e_rehearsal.py). A deployed stack emails the SES mailbox simulator, which keeps
    nothing: there, `code` skips the test, saying so."""

    stack: Stack
    readable: bool

    def require(self) -> None:
        """Skip the test, saying why, where no emailed code can be read."""
        if not self.readable:
            pytest.skip(
                "codes go to the SES mailbox simulator, which no test can read; the rehearsal against the local API "
                "(tests/infra/test_e2e_rehearsal.py) reads them from its outbox"
            )

    def code(self, email: str, purpose: str) -> str:
        """The newest code of this purpose (`sign-in`: email MFA and sign-in by emailed code) sent to `email`."""
        self.require()
        sent = self.stack.call("GET", "/_local/outbox?to=" + urllib.parse.quote(email))
        assert sent.status == 200, sent.body
        codes = [message["code"] for message in sent.body if message["purpose"] == purpose]
        assert codes, f"no {purpose} code was sent"
        return str(codes[-1])


@pytest.fixture(scope="session")
def mailbox(stack: Stack) -> Mailbox:
    outbox = stack.call("GET", "/_local/outbox")  # API Gateway: 403 Missing Authentication Token
    return Mailbox(stack, readable=outbox.status == 200 and isinstance(outbox.body, list))
