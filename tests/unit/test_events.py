"""Committed events (generated with `sam local generate-event`) still parse as API Gateway REST proxy events."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from tests.support.handlers import FUNCTIONS, load_event


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_has_an_event_that_parses(name: str) -> None:
    event = APIGatewayProxyEvent(load_event(name))

    assert event.http_method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert event.path.startswith("/")
    assert event.request_context.request_id
    assert event.headers.get("host")
