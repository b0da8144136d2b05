"""The account routes through their handlers in-process, against the emulated Cognito built from template.yaml, for an
app client with and without a secret (refresh and revoke send the secret itself, or nothing), with real codes in an
outbox. The same walk over HTTP is tests/local/test_account.py; a stale sign-in is made with the emulator's clock."""

from __future__ import annotations

from typing import Any

import pytest

from local_api import emulator, template
from tests.support.clock import Clock
from tests.support.cognito import TEMPLATE, Pool
from tests.support.handlers import call
from tests.support.reply import Reply

EMAIL = "jane@example.com"
NEW_EMAIL = "jane.new@example.com"
PASSWORD = "Example-Passw0rd"
NEW_PASSWORD = "Changed-Passw0rd"
RECENT_SIGN_IN_SECONDS = 60 * int(template.parameter_defaults(TEMPLATE)["RecentSignInMinutes"])


@pytest.fixture
def outbox(pool: Pool) -> emulator.Outbox:
    box = emulator.Outbox()
    emulator.deliver_codes(pool.pool_id, box)
    return box


def last_code(box: emulator.Outbox, to: str, purpose: str) -> str:
    return [m.code for m in box.messages(to=to) if m.purpose == purpose][-1]


def sign_up(box: emulator.Outbox, email: str = EMAIL) -> None:
    assert call("signup", {"email": email, "name": "Jane", "password": PASSWORD}).status == 201
    code = last_code(box, email, emulator.CONFIRM_SIGN_UP)
    assert call("confirm", {"email": email, "code": code}).status == 200


def tokens(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    return dict(reply.body)


def refused(reply: Reply, status: int, code: str) -> bool:
    return (reply.status, (reply.body or {}).get("code")) == (status, code)


def test_the_account_walk(pool: Pool, outbox: emulator.Outbox, moto_jwks: list[str]) -> None:
    sign_up(outbox)
    phone = tokens(call("signin", {"email": EMAIL, "password": PASSWORD}))

    assert call("get_profile", token=phone["access_token"]).body["email_verified"] is True
    assert call("update_profile", {"name": "Jane Q."}, token=phone["access_token"]).body["name"] == "Jane Q."

    rotated = tokens(call("refresh", {"refresh_token": phone["refresh_token"]}))
    assert rotated["refresh_token"] != phone["refresh_token"]
    phone = rotated

    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert call("change_password", change, token=phone["access_token"]).status == 200
    laptop = tokens(call("signin", {"email": EMAIL, "password": NEW_PASSWORD}))

    assert call("change_email", {"new_email": NEW_EMAIL}, token=phone["access_token"]).status == 202
    code = last_code(outbox, NEW_EMAIL, emulator.VERIFY_EMAIL)
    assert call("verify_email", {"code": code}, token=phone["access_token"]).status == 200
    assert call("get_profile", token=laptop["access_token"]).body["email"] == NEW_EMAIL

    assert call("revoke", {"refresh_token": phone["refresh_token"]}).status == 200
    assert refused(call("refresh", {"refresh_token": phone["refresh_token"]}), 401, "InvalidToken")
    assert refused(call("get_profile", token=phone["access_token"]), 401, "InvalidToken")
    assert call("get_profile", token=laptop["access_token"]).status == 200

    assert call("delete_account", token=laptop["access_token"]).status == 200
    assert refused(call("get_profile", token=laptop["access_token"]), 401, "InvalidToken")
    assert refused(call("signin", {"email": NEW_EMAIL, "password": NEW_PASSWORD}), 401, "InvalidCredentials")
    sign_up(outbox, NEW_EMAIL)
    assert call("signin", {"email": NEW_EMAIL, "password": PASSWORD}).status == 200


def test_a_stale_sign_in_cannot_change_the_email_or_delete_the_account(
    pool: Pool, outbox: emulator.Outbox, moto_jwks: list[str], emulator_clock: Clock
) -> None:
    sign_up(outbox)
    emulator_clock.advance(-RECENT_SIGN_IN_SECONDS - 60)  # the sign-in happened longer ago than the window
    stale = tokens(call("signin", {"email": EMAIL, "password": PASSWORD}))
    emulator_clock.advance(RECENT_SIGN_IN_SECONDS + 60)
    access_token = tokens(call("refresh", {"refresh_token": stale["refresh_token"]}))["access_token"]

    changed = call("change_email", {"new_email": NEW_EMAIL}, token=access_token)
    deleted = call("delete_account", token=access_token)

    assert refused(changed, 403, "ReauthenticationRequired")
    assert refused(deleted, 403, "ReauthenticationRequired")
    assert outbox.messages(to=NEW_EMAIL) == []
    assert call("get_profile", token=access_token).body["email"] == EMAIL
