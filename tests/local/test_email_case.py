"""Emails in any case, over real HTTP, as the deployed pool (`CaseSensitive: false`) treats them: one account per
address whatever its case, reachable by every endpoint in any case, its codes listed by the outbox in any case."""

from __future__ import annotations

import uuid

from jose import jwt

from tests.support.local_api import LocalApiProcess, codes, http, sign_in

PASSWORD = "Correct-Horse1"
NEW_PASSWORD = "Battery-Staple2"


def _variants() -> tuple[str, str, str]:
    """One address as registered, in lower case, and in upper case."""
    tag = uuid.uuid4().hex[:8]
    registered = f"Jane.{tag}@Example.com"
    return registered, registered.lower(), registered.upper()


def _outbox(server: LocalApiProcess, to: str) -> list[dict[str, str]]:
    reply = http("GET", f"{server.url}/_local/outbox?to={to}")
    assert reply.status == 200
    return list(reply.body)


def test_one_account_per_address_whatever_its_case(local_api: LocalApiProcess) -> None:
    registered, lower, upper = _variants()
    url = local_api.url
    assert http("POST", f"{url}/auth/signup", {"email": registered, "name": "J", "password": PASSWORD}).status == 201
    # The same answer as for a new address, and no second account: no second code.
    again = http("POST", f"{url}/auth/signup", {"email": lower, "name": "J", "password": PASSWORD})
    assert again.status == 201

    # The outbox finds the address in any case, and shows it as registered.
    assert [m["to"] for m in _outbox(local_api, upper)] == [registered]
    assert _outbox(local_api, lower) == _outbox(local_api, registered)
    [code] = codes(local_api, registered, "confirm-sign-up")

    # Resend and confirm in another case than sign-up's.
    assert http("POST", f"{url}/auth/resend-code", {"email": upper}).status == 200
    first, second = codes(local_api, registered, "confirm-sign-up")
    assert first == code
    assert http("POST", f"{url}/auth/confirm", {"email": lower, "code": second}).status == 200

    # Sign-in in every case is the same user; the tokens carry the address as registered.
    replies = [sign_in(local_api, email, PASSWORD) for email in (registered, lower, upper)]
    assert [r.status for r in replies] == [200, 200, 200]
    assert len({jwt.get_unverified_claims(r.body["access_token"])["sub"] for r in replies}) == 1
    assert {jwt.get_unverified_claims(r.body["id_token"])["email"] for r in replies} == {registered}


def test_forgot_and_reset_password_in_another_case(local_api: LocalApiProcess) -> None:
    registered, lower, upper = _variants()
    url = local_api.url
    assert http("POST", f"{url}/auth/signup", {"email": registered, "name": "J", "password": PASSWORD}).status == 201
    [code] = codes(local_api, registered, "confirm-sign-up")
    assert http("POST", f"{url}/auth/confirm", {"email": registered, "code": code}).status == 200

    assert http("POST", f"{url}/auth/forgot-password", {"email": upper}).status == 200
    [reset] = [m["code"] for m in _outbox(local_api, lower) if m["purpose"] == "reset-password"]
    body = {"email": lower, "otp": reset, "new_password": NEW_PASSWORD}
    assert http("POST", f"{url}/auth/reset-password", body).status == 200

    assert sign_in(local_api, upper, NEW_PASSWORD).status == 200
    assert sign_in(local_api, registered, PASSWORD).status == 401


def test_signing_out_ends_the_sessions_signed_in_with_any_case(local_api: LocalApiProcess) -> None:
    registered, lower, upper = _variants()
    url = local_api.url
    assert http("POST", f"{url}/auth/signup", {"email": registered, "name": "J", "password": PASSWORD}).status == 201
    [code] = codes(local_api, lower, "confirm-sign-up")
    assert http("POST", f"{url}/auth/confirm", {"email": upper, "code": code}).status == 200
    phone = sign_in(local_api, lower, PASSWORD).body
    laptop = sign_in(local_api, upper, PASSWORD).body
    sub = jwt.get_unverified_claims(phone["access_token"])["sub"]

    refreshed = http("POST", f"{url}/auth/refresh", {"refresh_token": laptop["refresh_token"], "username": sub})
    assert refreshed.status == 200
    assert http("POST", f"{url}/auth/signout", token=phone["access_token"]).status == 200

    for session in (phone, laptop):
        refused = http("POST", f"{url}/auth/refresh", {"refresh_token": session["refresh_token"], "username": sub})
        assert (refused.status, refused.body["code"]) == (401, "InvalidToken")
