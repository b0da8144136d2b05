"""Enumeration over HTTP against the local API, whose Cognito emulator issues and checks real codes: a registered
and an unregistered email get the same status, headers and body from every endpoint that takes an email, request ids
and dates aside."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.security.conftest import Cases
from tests.support.local_api import LocalApiProcess, http, sign_up_and_confirm
from tests.support.reply import Reply

PASSWORD = "Enum-Passw0rd"
PER_REQUEST = {"date", "x-amzn-requestid", "x-amzn-trace-id"}


@pytest.fixture(scope="module")
def emails(local_api: LocalApiProcess) -> dict[str, str]:
    """A confirmed, an unconfirmed and an unknown address, masked alike by Cognito ("e***@e***")."""
    tag = uuid.uuid4().hex[:8]
    found = {
        "confirmed": f"ec{tag}@example.com",
        "unconfirmed": f"eu{tag}@example.com",
        "unknown": f"ex{tag}@example.com",
    }
    sign_up_and_confirm(local_api, found["confirmed"], PASSWORD)
    signup = {"email": found["unconfirmed"], "name": "E", "password": PASSWORD}
    assert http("POST", f"{local_api.url}/auth/signup", signup).status == 201
    return found


def seen(reply: Reply) -> tuple[int, Any, dict[str, str]]:
    headers = {k.lower(): v for k, v in reply.headers.items() if k.lower() not in PER_REQUEST}
    return reply.status, reply.body, headers


BODIES: dict[str, Any] = {
    "signup": lambda email: {"email": email, "name": "E", "password": PASSWORD},
    "signin": lambda email: {"email": email, "password": "Wrong-Passw0rd"},
    "confirm": lambda email: {"email": email, "code": "000000"},
    "resend-code": lambda email: {"email": email},
    "forgot-password": lambda email: {"email": email},
    "reset-password": lambda email: {"email": email, "otp": "000000", "new_password": "Changed-Passw0rd"},
}


@pytest.mark.parametrize("endpoint", sorted(BODIES))
def test_registered_and_unknown_emails_get_the_same_answer(
    endpoint: str, local_api: LocalApiProcess, emails: dict[str, str], cases: Cases
) -> None:
    replies = {who: http("POST", f"{local_api.url}/auth/{endpoint}", BODIES[endpoint](e)) for who, e in emails.items()}
    cases.tried(len(replies))
    unknown = seen(replies["unknown"])

    assert unknown[0] < 500
    assert {who: seen(r) for who, r in replies.items() if seen(r) != unknown} == {}
