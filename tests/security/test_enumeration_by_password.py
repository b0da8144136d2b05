"""Sign-up over HTTP against the local API answers a registered and an unknown email identically (status, body and
headers, request ids and dates aside) whatever the password: Cognito checks the password only for an unknown email, so
any password the layer lets through and the pool refuses would tell the two apart. The emulator applies Cognito's
documented rules, so this holds locally exactly when it holds against a real pool."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from tests.security.conftest import Cases
from tests.support.local_api import LocalApiProcess, http, sign_up_and_confirm
from tests.support.passwords import passwords
from tests.support.reply import Reply

PER_REQUEST = {"date", "x-amzn-requestid", "x-amzn-trace-id"}


@pytest.fixture(scope="module")
def registered(local_api: LocalApiProcess) -> str:
    email = f"er{uuid.uuid4().hex[:8]}@example.com"
    sign_up_and_confirm(local_api, email, "Registered-Passw0rd")
    return email


def seen(reply: Reply) -> tuple[int, Any, dict[str, str]]:
    return reply.status, reply.body, {k.lower(): v for k, v in reply.headers.items() if k.lower() not in PER_REQUEST}


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(password=passwords())
@example(password="ÄÖÜäöü12!")  # no A-Z or a-z, by Cognito's count
@example(password="Aa1-" + "x" * 116)  # valid for Cognito; moto's own check stopped at 99 characters
@example(password="Correct Horse 1")
@example(password="Passwort-Ab٣٣")
def test_sign_up_answers_a_registered_and_an_unknown_email_alike(
    local_api: LocalApiProcess, registered: str, cases: Cases, password: str
) -> None:
    # Both addresses are masked alike by Cognito ("e***@e***").
    unknown = f"eu{uuid.uuid4().hex[:8]}@example.com"
    replies = {
        who: http("POST", f"{local_api.url}/auth/signup", {"email": email, "name": "E", "password": password})
        for who, email in (("registered", registered), ("unknown", unknown))
    }
    cases.tried()

    assert replies["unknown"].status < 500
    assert seen(replies["registered"]) == seen(replies["unknown"])
