"""A user's whole account over real HTTP against `make dev`'s server, reading codes from the outbox as a developer
does: profile, rename, refresh with rotation, password, email change, one of two devices signed out, deletion, and
the address signing up again. The parts that need time to pass (a rotated refresh token's grace period, a sign-in
older than the recent-sign-in window) move the emulator's clock with the local-only `/_local/clock`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jose import jwt

from local_api import template
from tests.support.local_api import LocalApiProcess, codes, http, sign_in, sign_up_and_confirm, unique_email, wrong
from tests.support.reply import Reply

PASSWORD = "Correct-Horse1"
NEW_PASSWORD = "Battery-Staple2"
TEMPLATE = template.load_template()
GRACE_SECONDS = template.refresh_token_rotation(TEMPLATE).retry_grace_period_seconds
RECENT_SIGN_IN_SECONDS = 60 * int(template.parameter_defaults(TEMPLATE)["RecentSignInMinutes"])


class Api:
    """The local API as one signed-in app would call it."""

    def __init__(self, server: LocalApiProcess) -> None:
        self.url = server.url

    def post(self, path: str, body: Any = None, token: str | None = None) -> Reply:
        return http("POST", f"{self.url}{path}", body, token=token)

    def me(self, token: str, method: str = "GET", body: Any = None) -> Reply:
        return http(method, f"{self.url}/auth/me", body, token=token)

    def refresh(self, refresh_token: str) -> Reply:
        return self.post("/auth/refresh", {"refresh_token": refresh_token})


@pytest.fixture
def api(local_api: LocalApiProcess) -> Api:
    return Api(local_api)


@pytest.fixture
def emulator_offset(local_api: LocalApiProcess) -> Iterator[Callable[[int], None]]:
    """Set how far the emulator's clock runs from the computer's; back to 0 afterwards, for the other tests."""

    def set_offset(seconds: int) -> None:
        reply = http("PUT", f"{local_api.url}/_local/clock", {"offset_seconds": seconds})
        assert (reply.status, reply.body["offset_seconds"]) == (200, seconds)

    yield set_offset
    set_offset(0)


def refused(reply: Reply, status: int, code: str) -> bool:
    return (reply.status, (reply.body or {}).get("code")) == (status, code)


def test_the_whole_account_walk(local_api: LocalApiProcess, api: Api) -> None:
    email, new_email = unique_email(), unique_email()

    # Sign up, confirm with the emailed code, sign in on the phone.
    sign_up_and_confirm(local_api, email, PASSWORD)
    phone = sign_in(local_api, email, PASSWORD).body
    sub = jwt.get_unverified_claims(phone["access_token"])["sub"]

    # The profile, then a new name.
    profile = api.me(phone["access_token"])
    assert profile.status == 200
    assert profile.body == {
        "sub": sub,
        "email": email,
        "email_verified": True,
        "name": "Dev",
        "mfa": {"enabled": [], "preferred": None},
    }
    renamed = api.me(phone["access_token"], "PATCH", {"name": "Dev Renamed"})
    assert (renamed.status, renamed.body["name"]) == (200, "Dev Renamed")
    assert api.me(phone["access_token"]).body["name"] == "Dev Renamed"

    # Refresh with the refresh token alone: a new one each time (rotation); the replaced one still works for a retry.
    refreshed = api.refresh(phone["refresh_token"])
    assert refreshed.status == 200
    assert refreshed.body["refresh_token"] != phone["refresh_token"]
    retried = api.refresh(phone["refresh_token"])  # an app whose answer was lost retries within the grace period
    assert retried.status == 200
    phone = {**refreshed.body}
    assert api.me(phone["access_token"]).status == 200

    # A new password: the current one is required.
    change = {"current_password": wrong_password(), "new_password": NEW_PASSWORD}
    assert refused(api.post("/auth/change-password", change, phone["access_token"]), 401, "InvalidCredentials")
    change["current_password"] = PASSWORD
    assert api.post("/auth/change-password", change, phone["access_token"]).status == 200
    assert refused(sign_in(local_api, email, PASSWORD), 401, "InvalidCredentials")
    laptop = sign_in(local_api, email, NEW_PASSWORD).body  # a second device

    # A new email: nothing changes until the code sent to the new address is entered.
    asked = api.post("/auth/change-email", {"new_email": new_email}, phone["access_token"])
    assert asked.status == 202
    assert asked.body["code_delivery"]["medium"] == "EMAIL"
    [code] = codes(local_api, new_email, "verify-email")
    assert codes(local_api, email, "verify-email") == []
    assert sign_in(local_api, email, NEW_PASSWORD).status == 200
    assert refused(sign_in(local_api, new_email, NEW_PASSWORD), 401, "InvalidCredentials")
    assert refused(api.post("/auth/verify-email", {"code": wrong(code)}, phone["access_token"]), 400, "InvalidCode")
    assert api.post("/auth/verify-email", {"code": code}, phone["access_token"]).status == 200
    assert refused(sign_in(local_api, email, NEW_PASSWORD), 401, "InvalidCredentials")
    assert sign_in(local_api, new_email, NEW_PASSWORD).status == 200
    profile = api.me(phone["access_token"])  # the phone's tokens outlive the change
    assert (profile.body["email"], profile.body["email_verified"], profile.body["sub"]) == (new_email, True, sub)

    # Sign the phone out, and only the phone: its refresh token and its access token are refused from now on.
    assert api.post("/auth/revoke", {"refresh_token": phone["refresh_token"]}).status == 200
    assert refused(api.refresh(phone["refresh_token"]), 401, "InvalidToken")
    assert refused(api.me(phone["access_token"]), 401, "InvalidToken")
    assert api.me(laptop["access_token"]).status == 200
    laptop = {**api.refresh(laptop["refresh_token"]).body}
    assert "access_token" in laptop

    # Delete the account from the laptop: the user is gone, with their tokens.
    deleted = api.me(laptop["access_token"], "DELETE")
    assert deleted.status == 200
    assert refused(api.me(laptop["access_token"]), 401, "InvalidToken")
    assert refused(api.refresh(laptop["refresh_token"]), 401, "InvalidToken")
    assert refused(sign_in(local_api, new_email, NEW_PASSWORD), 401, "InvalidCredentials")

    # The address signs up again: a new account, which none of the old tokens reach.
    sign_up_and_confirm(local_api, new_email, PASSWORD)
    again = sign_in(local_api, new_email, PASSWORD).body
    assert jwt.get_unverified_claims(again["access_token"])["sub"] != sub
    assert api.me(again["access_token"]).body["name"] == "Dev"
    assert refused(api.me(laptop["access_token"]), 401, "InvalidToken")


def wrong_password() -> str:
    return "Wrong-" + PASSWORD


def test_a_replaced_refresh_token_is_refused_once_its_grace_period_is_over(
    local_api: LocalApiProcess, api: Api, emulator_offset: Callable[[int], None]
) -> None:
    email = unique_email()
    sign_up_and_confirm(local_api, email, PASSWORD)
    original = sign_in(local_api, email, PASSWORD).body["refresh_token"]

    emulator_offset(-GRACE_SECONDS)  # the refresh happens GRACE_SECONDS ago, by the emulator's clock
    replacement = api.refresh(original).body["refresh_token"]
    emulator_offset(0)

    assert refused(api.refresh(original), 401, "InvalidToken")
    assert api.refresh(replacement).status == 200


def test_email_change_and_deletion_need_a_recent_sign_in(
    local_api: LocalApiProcess, api: Api, emulator_offset: Callable[[int], None]
) -> None:
    email = unique_email()
    sign_up_and_confirm(local_api, email, PASSWORD)
    emulator_offset(-RECENT_SIGN_IN_SECONDS - 60)  # signed in a minute more than the window ago
    stale = sign_in(local_api, email, PASSWORD).body
    emulator_offset(0)
    token = api.refresh(stale["refresh_token"]).body["access_token"]  # valid now, but refreshing is not signing in

    assert refused(
        api.post("/auth/change-email", {"new_email": unique_email()}, token), 403, "ReauthenticationRequired"
    )
    assert refused(api.me(token, "DELETE"), 403, "ReauthenticationRequired")
    assert api.me(token, "PATCH", {"name": "Still Me"}).status == 200  # what needs no recent sign-in still works
    assert api.me(token).status == 200  # and the account is still there

    fresh = sign_in(local_api, email, PASSWORD).body["access_token"]
    assert api.post("/auth/change-email", {"new_email": unique_email()}, fresh).status == 202
    assert api.me(fresh, "DELETE").status == 200


def test_the_clock_route_is_local_and_checks_what_it_is_sent(
    local_api: LocalApiProcess, emulator_offset: Callable[[int], None]
) -> None:
    url = f"{local_api.url}/_local/clock"
    shown = http("GET", url)
    assert shown.status == 200
    assert shown.body["offset_seconds"] == 0

    for body in ({}, {"offset_seconds": "60"}, {"offset_seconds": 1.5}, {"offset_seconds": True}, [60]):
        assert http("PUT", url, body).status == 400
    assert http("PUT", url, {"offset_seconds": 3651 * 86400}).status == 400
    assert http("POST", url, {"offset_seconds": 60}).status == 403  # API Gateway's answer: no such route

    emulator_offset(3600)
    moved = http("GET", url).body
    assert moved["offset_seconds"] == 3600
    assert moved["now"] - shown.body["now"] >= 3600
    assert "[clock] the emulator's clock now runs +3600 s" in local_api.output()
