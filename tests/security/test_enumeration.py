"""Enumeration: for every endpoint that takes an email, a registered and an unregistered email get the same status,
headers and body, so an attacker learns nothing about who has an account.

Where moto answers as Cognito does (SignUp of an existing email, InitiateAuth, ForgotPassword) the pool is moto's.
Where it does not (it accepts any confirmation code, ignores PreventUserExistenceErrors and lacks
ResendConfirmationCode), Cognito's documented answers for an app client with PreventUserExistenceErrors ENABLED are
played with botocore's Stubber: a simulated CodeDeliveryDetails for ForgotPassword and ResendConfirmationCode,
CodeMismatchException for ConfirmSignUp and ConfirmForgotPassword, NotAuthorizedException for InitiateAuth. The
LEGACY answers (UserNotFoundException) are played too: they must not reveal anything either.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber
from werkzeug.datastructures import Headers

from cognito_auth import settings
from cognito_auth.aws import cognito_client
from tests.security.conftest import Cases
from tests.support.cognito import Pool
from tests.support.handlers import call, invoke, make_event
from tests.support.reply import Reply

PASSWORD = "Example-Passw0rd"
# Emails that Cognito would mask identically ("j***@e***"), so that only existence could tell them apart.
CONFIRMED = "jane@example.com"
UNCONFIRMED = "joe@example.com"
UNKNOWN = "jim@example.org"
SIMULATED_DELIVERY = {"Destination": "j***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def seen(reply: Reply) -> tuple[int, Any, Headers]:
    """What a client sees: status, body and headers."""
    return reply.status, reply.body, reply.headers


def assert_all_alike(replies: dict[str, Reply]) -> None:
    first = next(iter(replies.values()))
    assert {who: seen(r) for who, r in replies.items() if seen(r) != seen(first)} == {}, (
        f"first answer was {seen(first)}"
    )


@pytest.fixture
def users(secret_pool: Pool) -> Pool:
    """A confirmed and an unconfirmed user in the pool built from template.yaml."""
    for email in (CONFIRMED, UNCONFIRMED):
        assert call("signup", {"email": email, "name": "J", "password": PASSWORD}).status == 201
    assert call("confirm", {"email": CONFIRMED, "code": "123456"}).status == 200
    return secret_pool


@pytest.fixture
def stub(users: Pool) -> Iterator[Stubber]:
    with Stubber(cognito_client()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_signup_of_registered_emails_answers_like_a_new_one(users: Pool, cases: Cases) -> None:
    replies = {
        email: call("signup", {"email": email, "name": "J", "password": PASSWORD})
        for email in (CONFIRMED, UNCONFIRMED, UNKNOWN)
    }
    cases.tried(len(replies))

    assert replies[UNKNOWN].status == 201
    assert_all_alike(replies)


def test_signup_with_a_weak_password_answers_alike_for_every_email(users: Pool, cases: Cases) -> None:
    replies = {
        email: call("signup", {"email": email, "name": "J", "password": "weak"})
        for email in (CONFIRMED, UNCONFIRMED, UNKNOWN)
    }
    cases.tried(len(replies))

    assert replies[UNKNOWN].status == 400
    assert_all_alike(replies)


def test_signin_with_a_wrong_password_answers_like_an_unknown_email(users: Pool, cases: Cases) -> None:
    replies = {email: call("signin", {"email": email, "password": "Wrong-Passw0rd"}) for email in (CONFIRMED, UNKNOWN)}
    cases.tried(len(replies))

    assert replies[UNKNOWN].status == 401
    assert_all_alike(replies)


def test_signin_as_cognito_answers_with_prevent_user_existence_errors(stub: Stubber, cases: Cases) -> None:
    # moto tells an unconfirmed user apart before checking the password; Cognito checks the password first.
    answers = {
        "unconfirmed, wrong password": ("NotAuthorizedException", "Incorrect username or password."),
        "unknown (ENABLED)": ("NotAuthorizedException", "Incorrect username or password."),
        "unknown (LEGACY)": ("UserNotFoundException", "User does not exist."),
        "confirmed, wrong password": ("NotAuthorizedException", "Incorrect username or password."),
    }
    replies = {}
    for who, (code, message) in answers.items():
        stub.add_client_error("initiate_auth", code, message, 400)
        replies[who] = call("signin", {"email": UNCONFIRMED, "password": "Wrong-Passw0rd"})
    cases.tried(len(replies))

    assert_all_alike(replies)


def test_forgot_password_answers_alike(users: Pool, cases: Cases) -> None:
    replies = {email: call("forgot_password", {"email": email}) for email in (CONFIRMED, UNCONFIRMED, UNKNOWN)}
    cases.tried(len(replies))

    assert replies[UNKNOWN].status == 200
    assert_all_alike(replies)


def test_forgot_password_as_cognito_answers(stub: Stubber, cases: Cases) -> None:
    stub.add_response("forgot_password", {"CodeDeliveryDetails": SIMULATED_DELIVERY})  # known, verified email
    stub.add_response("forgot_password", {"CodeDeliveryDetails": SIMULATED_DELIVERY})  # unknown: simulated
    stub.add_client_error(
        "forgot_password",
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
        400,
    )  # known, email never verified
    stub.add_client_error("forgot_password", "UserNotFoundException", "Username/client id combination not found.", 400)
    replies = {
        who: call("forgot_password", {"email": CONFIRMED}) for who in ("known", "unknown", "unverified", "legacy")
    }
    cases.tried(len(replies))

    assert replies["known"].status == 200
    assert_all_alike(replies)


def test_resend_code_as_cognito_answers(stub: Stubber, cases: Cases) -> None:
    stub.add_response("resend_confirmation_code", {"CodeDeliveryDetails": SIMULATED_DELIVERY})  # unconfirmed
    stub.add_response("resend_confirmation_code", {"CodeDeliveryDetails": SIMULATED_DELIVERY})  # unknown: simulated
    stub.add_client_error(
        "resend_confirmation_code", "InvalidParameterException", "User is already confirmed.", 400
    )  # already confirmed
    stub.add_client_error(
        "resend_confirmation_code", "UserNotFoundException", "Username/client id combination not found.", 400
    )  # LEGACY
    replies = {
        who: call("resend_code", {"email": UNCONFIRMED}) for who in ("unconfirmed", "unknown", "confirmed", "legacy")
    }
    cases.tried(len(replies))

    assert replies["unconfirmed"].status == 200
    assert_all_alike(replies)


def test_confirm_with_a_wrong_code_answers_like_an_unknown_email(stub: Stubber, cases: Cases) -> None:
    answers = {
        "unconfirmed, wrong code": ("CodeMismatchException", "Invalid verification code provided, please try again."),
        "unknown (ENABLED)": ("CodeMismatchException", "Invalid verification code provided, please try again."),
        "unknown (LEGACY)": ("UserNotFoundException", "Username/client id combination not found."),
        "already confirmed": ("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"),
    }
    replies = {}
    for who, (code, message) in answers.items():
        stub.add_client_error("confirm_sign_up", code, message, 400)
        replies[who] = call("confirm", {"email": UNCONFIRMED, "code": "000000"})
    cases.tried(len(replies))

    assert replies["unknown (ENABLED)"].status == 400
    assert_all_alike(replies)


def test_reset_password_with_a_wrong_code_answers_like_an_unknown_email(stub: Stubber, cases: Cases) -> None:
    answers = {
        "known, wrong code": ("CodeMismatchException", "Invalid verification code provided, please try again."),
        "unknown (ENABLED)": ("CodeMismatchException", "Invalid verification code provided, please try again."),
        "unknown (LEGACY)": ("UserNotFoundException", "Username/client id combination not found."),
    }
    replies = {}
    for who, (code, message) in answers.items():
        stub.add_client_error("confirm_forgot_password", code, message, 400)
        replies[who] = call("reset_password", {"email": CONFIRMED, "otp": "000000", "new_password": "Changed-Passw0rd"})
    cases.tried(len(replies))

    assert replies["unknown (ENABLED)"].status == 400
    assert_all_alike(replies)


def test_reset_password_with_a_weak_password_answers_alike_without_asking_cognito(
    users: Pool, cognito_calls: list[str], cases: Cases
) -> None:
    replies = {
        email: call("reset_password", {"email": email, "otp": "000000", "new_password": "weak"})
        for email in (CONFIRMED, UNKNOWN)
    }
    cases.tried(len(replies))

    assert replies[UNKNOWN].status == 400
    assert_all_alike(replies)
    assert "ConfirmForgotPassword" not in cognito_calls


# ---------------------------------------------------------------------------------------------- the new routes


def test_passwordless_start_answers_alike_for_every_address(
    stub: Stubber, monkeypatch: pytest.MonkeyPatch, cases: Cases
) -> None:
    monkeypatch.setenv("EMAIL_SIGN_IN", "true")
    settings.get_settings.cache_clear()
    challenge = {"ChallengeName": "EMAIL_OTP", "Session": "s" * 40, "ChallengeParameters": {"USER_ID_FOR_SRP": "sub"}}
    stub.add_response("initiate_auth", challenge)  # a confirmed account: a code is emailed
    stub.add_response("initiate_auth", challenge)  # unknown, PreventUserExistenceErrors ENABLED: simulated
    stub.add_client_error("initiate_auth", "UserNotFoundException", "User does not exist.", 400)  # LEGACY
    stub.add_client_error("initiate_auth", "UserNotConfirmedException", "User is not confirmed.", 400)
    replies = {who: call("email_sign_in", {"email": CONFIRMED}) for who in ("known", "simulated", "legacy", "unconf")}
    cases.tried(len(replies))

    # Sessions differ from call to call for everyone (each is sealed afresh); all else is the same.
    shapes = {who: (r.status, sorted(r.body), r.body["code_delivery"], r.headers) for who, r in replies.items()}
    assert len(set(map(repr, shapes.values()))) == 1, shapes
    assert replies["known"].status == 200

    # And a code sent to any of those sessions is answered as a wrong code.
    stub.add_client_error("respond_to_auth_challenge", "CodeMismatchException", "Invalid code received for user", 400)
    stub.add_client_error("respond_to_auth_challenge", "CodeMismatchException", "Invalid code received for user", 400)
    answers = {
        who: call("answer_challenge", {"session": replies[who].body["session"], "code": "000000"})
        for who in ("known", "simulated", "legacy", "unconf")
    }
    cases.tried(len(answers))
    assert_all_alike(answers)
    assert answers["known"].body["code"] == "InvalidCode"


def test_changing_to_an_address_another_account_uses_answers_like_a_free_one(stub: Stubber, cases: Cases) -> None:
    stub.add_response("update_user_attributes", {"CodeDeliveryDetailsList": [SIMULATED_DELIVERY]})  # a free address
    stub.add_client_error(
        "update_user_attributes", "AliasExistsException", "An account with the given email already exists.", 400
    )
    replies = {}
    for who in ("free", "taken"):
        event = make_event("change_email", {"new_email": "jill@example.com"}, token="a.b.c")
        event["requestContext"]["authorizer"] = {"claims": {"sub": "s-1", "auth_time": str(int(time.time()))}}
        replies[who] = invoke("change_email", event)
    cases.tried(len(replies))

    assert replies["free"].status == 202
    assert_all_alike(replies)
