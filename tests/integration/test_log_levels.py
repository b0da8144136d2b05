"""Log levels an operator can alert on: WARNING and ERROR only for what someone must act on (Cognito failing or
throttling this API, a bug), never for the answers the API hides on purpose (a duplicate sign-up, a reset code asked
for an unknown email), which happen all day with no outage."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from cognito_auth.aws import cognito_client
from cognito_auth.observability import logger
from tests.support.cognito import Pool
from tests.support.handlers import call

EMAIL = "jane@example.com"
PASSWORD = "Correct-Horse1"
ALERTING = {"WARNING", "ERROR", "CRITICAL"}

Logs = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def logs() -> Iterator[Logs]:
    """The functions' JSON log lines since the test began, parsed."""
    stream = io.StringIO()
    old_stream = logger.registered_handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    finally:
        logger.registered_handler.setStream(old_stream)  # type: ignore[attr-defined]


def alerts(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["level"] in ALERTING]


def test_answers_hidden_on_purpose_are_not_warnings(pool: Pool, logs: Logs) -> None:
    signup = {"email": EMAIL, "name": "Jane", "password": PASSWORD}
    assert call("signup", signup).status == 201
    assert call("signup", signup).status == 201  # already registered: hidden
    assert call("forgot_password", {"email": "nobody@example.com"}).status == 200  # unknown: hidden
    assert call("resend_code", {"email": "nobody@example.com"}).status == 200  # unknown: hidden
    assert call("signin", {"email": EMAIL, "password": "Wrong-Horse1"}).status in (401, 403)

    records = logs()
    assert records, "the functions logged nothing: the capture is broken"
    assert alerts(records) == []


@pytest.fixture
def stubbed(secret_pool: Pool) -> Iterator[Stubber]:
    with Stubber(cognito_client()) as stubber:
        yield stubber


@pytest.mark.parametrize(
    ("cognito_error", "http_status", "status", "level"),
    [
        ("InternalErrorException", 500, 503, "WARNING"),  # Cognito failing: someone should know
        ("TooManyRequestsException", 400, 429, "WARNING"),  # Cognito throttling this API: a quota to raise
        ("LimitExceededException", 400, 429, "INFO"),  # one user's attempt limit: nothing to do
        ("NotAuthorizedException", 400, 401, "INFO"),  # a wrong password
        ("SomethingNewException", 400, 500, "ERROR"),  # not in the contract: a bug of ours to fix
    ],
)
def test_each_answer_is_logged_once_at_the_level_an_operator_needs(
    stubbed: Stubber, logs: Logs, cognito_error: str, http_status: int, status: int, level: str
) -> None:
    stubbed.add_client_error("initiate_auth", cognito_error, "raw AWS message", http_status_code=http_status)

    reply = call("signin", {"email": EMAIL, "password": PASSWORD})

    assert reply.status == status
    answers = [r for r in logs() if r["message"].startswith("Request")]
    assert [(r["level"], r["status"]) for r in answers] == [(level, status)]
    assert answers[0]["cognito_error"] == cognito_error
    assert answers[0]["operation"] == "InitiateAuth"
    assert "raw AWS message" not in json.dumps(logs())
