"""A user's whole account on the deployed API over HTTPS, as a mobile app uses it: profile, rename, refresh with
rotation, password, email change, one of two devices signed out, deletion, and the address signing up again.

Codes go to the SES mailbox simulator, where nobody can read them: sign-up is confirmed by an administrator (as in
test_lifecycle.py), and the email change is followed up to the code it needs, which is then shown to be required.
The stack's own parameters (the grace period of refresh token rotation) are read from CloudFormation, with the
template's defaults where a stack does not list them."""

from __future__ import annotations

import time
from typing import Any

from jose import jwt

from local_api import template
from tests.e2e.conftest import STACK_NAME, Stack, password
from tests.support.reply import Reply


def parameter(name: str) -> str:
    """The deployed stack's value of a template parameter, or the template's default."""
    import boto3

    (described,) = boto3.client("cloudformation").describe_stacks(StackName=STACK_NAME)["Stacks"]
    given = {p["ParameterKey"]: p.get("ParameterValue") for p in described.get("Parameters", [])}
    value = given.get(name) or template.parameter_defaults(template.load_template())[name]
    return str(value)


def refused(reply: Reply, status: int, code: str) -> bool:
    return (reply.status, (reply.body or {}).get("code")) == (status, code)


def sign_up_and_confirm(stack: Stack, email: str, secret: str, name: str = "E2E Test") -> None:
    reply = stack.call("POST", "/auth/signup", {"email": email, "name": name, "password": secret})
    assert reply.status == 201, reply.body
    stack.admin("admin_confirm_sign_up", Username=email)  # the code went to the mailbox simulator


def sign_in(stack: Stack, email: str, secret: str) -> Reply:
    return stack.call("POST", "/auth/signin", {"email": email, "password": secret})


def tokens_of(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_the_whole_account_walk(stack: Stack) -> None:
    email, new_email, secret, new_secret = stack.new_email(), stack.new_email(), password(), password()

    sign_up_and_confirm(stack, email, secret)
    phone = tokens_of(sign_in(stack, email, secret))
    sub = jwt.get_unverified_claims(phone["access_token"])["sub"]

    # The profile, then a new name.
    profile = stack.call("GET", "/auth/me", token=phone["access_token"])
    assert profile.status == 200, profile.body
    assert (profile.body["sub"], profile.body["email"], profile.body["name"]) == (sub, email, "E2E Test")
    renamed = stack.call("PATCH", "/auth/me", {"name": "E2E Renamed"}, token=phone["access_token"])
    assert (renamed.status, renamed.body["name"]) == (200, "E2E Renamed")

    # Refresh with the refresh token alone. A rotating client answers with the next refresh token; the one it
    # replaces works for the grace period, for retries, and is refused after it.
    refreshed = tokens_of(stack.call("POST", "/auth/refresh", {"refresh_token": phone["refresh_token"]}))
    assert stack.call("GET", "/auth/me", token=refreshed["access_token"]).status == 200
    if "refresh_token" in refreshed:
        assert refreshed["refresh_token"] != phone["refresh_token"]
        grace = int(parameter("RefreshTokenRotationGracePeriodSeconds"))
        if grace >= 5:  # time enough for this retry to land within it
            retry = stack.call("POST", "/auth/refresh", {"refresh_token": phone["refresh_token"]})
            assert retry.status == 200, retry.body
        time.sleep(grace + 1)
        late = stack.call("POST", "/auth/refresh", {"refresh_token": phone["refresh_token"]})
        assert refused(late, 401, "InvalidToken"), late.body
    phone = {**phone, **refreshed}  # without rotation, the same refresh token goes on

    # A new password: the current one is required.
    change = {"current_password": password(), "new_password": new_secret}
    assert refused(
        stack.call("POST", "/auth/change-password", change, token=phone["access_token"]), 401, "InvalidCredentials"
    )
    change["current_password"] = secret
    assert stack.call("POST", "/auth/change-password", change, token=phone["access_token"]).status == 200
    assert refused(sign_in(stack, email, secret), 401, "InvalidCredentials")
    laptop = tokens_of(sign_in(stack, email, new_secret))  # a second device

    # A new email: the code goes to the new address, and until it is entered nothing changes.
    asked = stack.call("POST", "/auth/change-email", {"new_email": new_email}, token=phone["access_token"])
    assert asked.status == 202, asked.body
    assert asked.body["code_delivery"]["medium"] == "EMAIL"
    assert new_email not in str(asked.body)  # masked
    assert refused(
        stack.call("POST", "/auth/verify-email", {"code": "000000"}, token=phone["access_token"]), 400, "InvalidCode"
    )
    assert sign_in(stack, email, new_secret).status == 200
    assert refused(sign_in(stack, new_email, new_secret), 401, "InvalidCredentials")
    assert stack.call("GET", "/auth/me", token=phone["access_token"]).body["email"] == email

    # Sign the phone out, and only the phone (RFC 7009: any token is answered alike).
    assert stack.call("POST", "/auth/revoke", {"refresh_token": "not-a-refresh-token"}).status == 200
    assert stack.call("POST", "/auth/revoke", {"refresh_token": phone["refresh_token"]}).status == 200
    assert refused(stack.call("POST", "/auth/refresh", {"refresh_token": phone["refresh_token"]}), 401, "InvalidToken")
    assert refused(stack.call("GET", "/auth/me", token=phone["access_token"]), 401, "InvalidToken")
    assert stack.call("GET", "/auth/me", token=laptop["access_token"]).status == 200
    assert stack.call("POST", "/auth/refresh", {"refresh_token": laptop["refresh_token"]}).status == 200

    # Delete the account from the laptop: the user is gone, with their tokens.
    assert stack.call("DELETE", "/auth/me", token=laptop["access_token"]).status == 200
    assert refused(stack.call("GET", "/auth/me", token=laptop["access_token"]), 401, "InvalidToken")
    assert refused(stack.call("POST", "/auth/refresh", {"refresh_token": laptop["refresh_token"]}), 401, "InvalidToken")
    assert refused(sign_in(stack, email, new_secret), 401, "InvalidCredentials")

    # The address signs up again: a new account.
    sign_up_and_confirm(stack, email, secret, name="E2E Again")
    again = tokens_of(sign_in(stack, email, secret))
    assert jwt.get_unverified_claims(again["access_token"])["sub"] != sub
    assert stack.call("GET", "/auth/me", token=again["access_token"]).body["name"] == "E2E Again"


def test_an_address_in_use_gets_the_same_answer_and_its_owner_is_untouched(stack: Stack) -> None:
    (mine, theirs), secret = (stack.new_email(), stack.new_email()), password()
    for email in (mine, theirs):
        sign_up_and_confirm(stack, email, secret)
    token = tokens_of(sign_in(stack, mine, secret))["access_token"]

    taken = stack.call("POST", "/auth/change-email", {"new_email": theirs}, token=token)
    free = stack.call("POST", "/auth/change-email", {"new_email": stack.new_email()}, token=token)

    assert taken.status == free.status == 202
    assert set(taken.body) == set(free.body)
    assert sign_in(stack, theirs, secret).status == 200
    assert stack.call("GET", "/auth/me", token=token).body["email"] == mine
