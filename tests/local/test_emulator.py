"""The embedded Cognito's answers where moto differs from Cognito: codes, ResendConfirmationCode, expiry.

In-process on a moto pool built from template.yaml (the `secret_pool` fixture), talking to it as the layer does.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_api import emulator
from tests.support.cognito import Pool

EMAIL = "jane@example.com"
PASSWORD = "Correct-Horse1"


@pytest.fixture
def outbox(secret_pool: Pool) -> emulator.Outbox:
    box = emulator.Outbox()
    emulator.deliver_codes(secret_pool.pool_id, box)
    return box


def _error(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return str(caught.value.response["Error"]["Code"])


def _sign_up(pool: Pool) -> None:
    pool.client.sign_up(
        ClientId=pool.client_id,
        Username=EMAIL,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": EMAIL}],
    )


def _last_code(box: emulator.Outbox, purpose: str) -> str:
    return [m.code for m in box.messages() if m.purpose == purpose][-1]


def test_sign_up_code_goes_to_the_outbox_and_only_it_confirms(secret_pool: Pool, outbox: emulator.Outbox) -> None:
    _sign_up(secret_pool)
    [message] = outbox.messages()
    assert (message.to, message.purpose) == (EMAIL, "confirm-sign-up")
    confirm = secret_pool.client.confirm_sign_up
    wrong = f"{(int(message.code) + 1) % 10**6:06d}"
    assert _error(confirm, ClientId=secret_pool.client_id, Username=EMAIL, ConfirmationCode=wrong) == (
        "CodeMismatchException"
    )
    assert secret_pool.user(EMAIL)["UserStatus"] == "UNCONFIRMED"
    confirm(ClientId=secret_pool.client_id, Username=EMAIL, ConfirmationCode=message.code)
    assert secret_pool.user(EMAIL)["UserStatus"] == "CONFIRMED"
    assert _error(confirm, ClientId=secret_pool.client_id, Username=EMAIL, ConfirmationCode=message.code) == (
        "NotAuthorizedException"
    )


def test_resend_confirmation_code(secret_pool: Pool, outbox: emulator.Outbox) -> None:
    resend = secret_pool.client.resend_confirmation_code
    assert _error(resend, ClientId=secret_pool.client_id, Username=EMAIL) == "UserNotFoundException"
    _sign_up(secret_pool)
    reply = resend(ClientId=secret_pool.client_id, Username=EMAIL)
    assert reply["CodeDeliveryDetails"] == {
        "Destination": "j***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    assert len(outbox.messages()) == 2
    secret_pool.client.confirm_sign_up(
        ClientId=secret_pool.client_id, Username=EMAIL, ConfirmationCode=_last_code(outbox, "confirm-sign-up")
    )
    assert _error(resend, ClientId=secret_pool.client_id, Username=EMAIL) == "InvalidParameterException"


def test_forgot_password_needs_a_confirmed_user_and_its_code_expires(
    secret_pool: Pool, outbox: emulator.Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, client_id = secret_pool.client, secret_pool.client_id
    assert _error(client.forgot_password, ClientId=client_id, Username="nobody@example.com") == "UserNotFoundException"
    _sign_up(secret_pool)
    assert _error(client.forgot_password, ClientId=client_id, Username=EMAIL) == "InvalidParameterException"
    client.confirm_sign_up(ClientId=client_id, Username=EMAIL, ConfirmationCode=_last_code(outbox, "confirm-sign-up"))

    monkeypatch.setitem(emulator.CODE_LIFETIME_SECONDS, "reset-password", -1)  # issued already expired
    client.forgot_password(ClientId=client_id, Username=EMAIL)
    reset = client.confirm_forgot_password
    expired = _last_code(outbox, "reset-password")
    assert _error(reset, ClientId=client_id, Username=EMAIL, ConfirmationCode=expired, Password="New-Password1") == (
        "ExpiredCodeException"
    )

    monkeypatch.setitem(emulator.CODE_LIFETIME_SECONDS, "reset-password", 3600)
    client.forgot_password(ClientId=client_id, Username=EMAIL)
    code = _last_code(outbox, "reset-password")
    assert _error(reset, ClientId=client_id, Username=EMAIL, ConfirmationCode=code, Password="short") == (
        "InvalidPasswordException"
    )
    reset(ClientId=client_id, Username=EMAIL, ConfirmationCode=code, Password="New-Password1")
    tokens = client.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": EMAIL, "PASSWORD": "New-Password1"},
    )
    assert "AuthenticationResult" in tokens


def test_pools_without_an_outbox_keep_motos_behaviour(secret_pool: Pool) -> None:
    """In-process tests elsewhere confirm with any code; the emulator leaves their pools alone."""
    _sign_up(secret_pool)
    secret_pool.client.confirm_sign_up(ClientId=secret_pool.client_id, Username=EMAIL, ConfirmationCode="123456")
    assert secret_pool.user(EMAIL)["UserStatus"] == "CONFIRMED"
