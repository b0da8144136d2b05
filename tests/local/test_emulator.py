"""The embedded Cognito's answers where moto differs from Cognito: codes, ResendConfirmationCode, expiry.

In-process on a moto pool built from template.yaml (the `secret_pool` fixture), talking to it as the layer does.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from jose import jwt

from cognito_auth.cognito import secret_hash
from local_api import emulator, template
from tests.support.clock import Clock
from tests.support.cognito import TEMPLATE, Pool, pool_without

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


def test_confirming_with_the_emailed_code_verifies_the_email(secret_pool: Pool, outbox: emulator.Outbox) -> None:
    """The template's pool auto-verifies email: the sign-up code proves the address, an administrator's
    confirmation does not."""

    def email_verified(email: str) -> str | None:
        attributes = {a["Name"]: a["Value"] for a in secret_pool.user(email)["UserAttributes"]}
        return attributes.get("email_verified")

    _sign_up(secret_pool)
    assert email_verified(EMAIL) != "true"
    secret_pool.client.confirm_sign_up(
        ClientId=secret_pool.client_id, Username=EMAIL, ConfirmationCode=_last_code(outbox, "confirm-sign-up")
    )
    assert email_verified(EMAIL) == "true"

    other = {"Username": "joe@example.com", "Password": PASSWORD, "UserAttributes": []}
    secret_pool.client.sign_up(ClientId=secret_pool.client_id, **other)
    secret_pool.client.admin_confirm_sign_up(UserPoolId=secret_pool.pool_id, Username="joe@example.com")
    assert email_verified("joe@example.com") != "true"


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


def _tokens(pool: Pool, username: str = EMAIL, password: str = PASSWORD) -> dict[str, Any]:
    params = {"USERNAME": username, "PASSWORD": password}
    if pool.secret:
        params["SECRET_HASH"] = secret_hash(username, pool.client_id, pool.secret)
    reply = pool.client.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
    return dict(reply["AuthenticationResult"])


def _refresh(pool: Pool, tokens: dict[str, Any]) -> dict[str, Any]:
    """As the layer refreshes: GetTokensFromRefreshToken, with the raw client secret."""
    secret = {"ClientSecret": pool.secret} if pool.secret else {}
    reply = pool.client.get_tokens_from_refresh_token(
        ClientId=pool.client_id, RefreshToken=tokens["RefreshToken"], **secret
    )
    return dict(reply)


def test_a_case_insensitive_pool_has_one_user_per_address_whatever_its_case(secret_pool: Pool) -> None:
    """The template's pool (`CaseSensitive: false`): sign-up, sign-in and the admin calls find the user in any case."""
    client, pool_id = secret_pool.client, secret_pool.pool_id
    _sign_up(secret_pool)
    registered = "Jane@Example.com"
    again = {"Username": registered, "Password": PASSWORD, "UserAttributes": [{"Name": "email", "Value": registered}]}
    assert _error(client.sign_up, ClientId=secret_pool.client_id, **again) == "UsernameExistsException"
    client.admin_confirm_sign_up(UserPoolId=pool_id, Username="JANE@EXAMPLE.COM")
    assert secret_pool.user("jAnE@eXaMpLe.CoM")["UserStatus"] == "CONFIRMED"

    lower, upper = _tokens(secret_pool, EMAIL), _tokens(secret_pool, "JANE@EXAMPLE.COM")
    subs = {jwt.get_unverified_claims(t["AccessToken"])["sub"] for t in (lower, upper)}
    assert len(subs) == 1
    assert {jwt.get_unverified_claims(t["IdToken"])["email"] for t in (lower, upper)} == {EMAIL}
    assert "AuthenticationResult" in _refresh(secret_pool, upper)

    # Signing the user out by an address in another case ends every session, whatever case it signed in with.
    client.admin_user_global_sign_out(UserPoolId=pool_id, Username=registered)
    for tokens in (lower, upper):
        assert _error(_refresh, pool=secret_pool, tokens=tokens) == "NotAuthorizedException"


def test_an_address_in_another_case_is_taken_on_a_case_insensitive_pool(secret_pool: Pool) -> None:
    client, pool_id = secret_pool.client, secret_pool.pool_id
    for email in (EMAIL, "joe@example.com"):
        client.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")

    update = client.admin_update_user_attributes
    taken = [{"Name": "email", "Value": "JANE@example.com"}]
    assert _error(update, UserPoolId=pool_id, Username="joe@example.com", UserAttributes=taken) == (
        "AliasExistsException"
    )


def test_a_case_sensitive_pool_keeps_addresses_apart(aws: None) -> None:
    """Cognito's API default (no UsernameConfiguration): two cases are two users, and only the exact one signs in."""
    pool = pool_without("UsernameConfiguration")
    idp, pool_id = pool.client, pool.pool_id
    for email in (EMAIL, "Jane@Example.com"):
        idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)

    assert pool.user(EMAIL)["Username"] != pool.user("Jane@Example.com")["Username"]
    assert _error(idp.admin_get_user, UserPoolId=pool_id, Username="JANE@EXAMPLE.COM") == "UserNotFoundException"
    assert "AccessToken" in _tokens(pool, EMAIL)


def _lifetimes(tokens: dict[str, Any]) -> tuple[int, int, int]:
    access = jwt.get_unverified_claims(tokens["AccessToken"])
    id_token = jwt.get_unverified_claims(tokens["IdToken"])
    return tokens["ExpiresIn"], access["exp"] - access["iat"], id_token["exp"] - id_token["iat"]


def test_tokens_live_as_long_as_the_templates_app_client_says(secret_pool: Pool, emulator_clock: Clock) -> None:
    client = template.user_pool_client_kwargs(TEMPLATE, secret_pool.pool_id)
    units = client["TokenValidityUnits"]
    seconds = {"minutes": 60, "hours": 3600, "days": 86400}
    access = client["AccessTokenValidity"] * seconds[units["AccessToken"]]
    id_lifetime = client["IdTokenValidity"] * seconds[units["IdToken"]]
    refresh = client["RefreshTokenValidity"] * seconds[units["RefreshToken"]]
    assert (access, refresh) == (15 * 60, 30 * 86400)  # the template's defaults, not moto's hour
    _sign_up(secret_pool)
    secret_pool.client.admin_confirm_sign_up(UserPoolId=secret_pool.pool_id, Username=EMAIL)

    tokens = _tokens(secret_pool)
    assert _lifetimes(tokens) == (access, access, id_lifetime)
    assert jwt.get_unverified_claims(tokens["AccessToken"])["exp"] == int(emulator_clock.now) + access

    signed_in_at = jwt.get_unverified_claims(tokens["AccessToken"])["auth_time"]
    emulator_clock.advance(refresh - 1)
    refreshed = _refresh(secret_pool, tokens)["AuthenticationResult"]
    assert _lifetimes({**refreshed, "RefreshToken": None}) == (access, access, id_lifetime)
    assert jwt.get_unverified_claims(refreshed["AccessToken"])["auth_time"] == signed_in_at

    emulator_clock.advance(1)
    assert _error(_refresh, pool=secret_pool, tokens=tokens) == "NotAuthorizedException"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, (3600, 3600, 30 * 86400)),  # Cognito's defaults
        ({"AccessTokenValidity": 2, "IdTokenValidity": 3, "RefreshTokenValidity": 5}, (7200, 10800, 5 * 86400)),
        (
            {
                "AccessTokenValidity": 300,
                "IdTokenValidity": 10,
                "RefreshTokenValidity": 60,
                "TokenValidityUnits": {"AccessToken": "seconds", "IdToken": "minutes", "RefreshToken": "minutes"},
            },
            (300, 600, 3600),
        ),
    ],
    ids=["defaults", "default units", "own units"],
)
def test_any_app_clients_lifetimes_and_units(
    secret_pool: Pool, emulator_clock: Clock, settings: dict[str, Any], expected: tuple[int, int, int]
) -> None:
    access, id_lifetime, refresh = expected
    client_id = secret_pool.client.create_user_pool_client(
        UserPoolId=secret_pool.pool_id,
        ClientName="other",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **settings,
    )["UserPoolClient"]["ClientId"]
    other = Pool(secret_pool.client, secret_pool.pool_id, client_id, None)
    _sign_up(other)
    other.client.admin_confirm_sign_up(UserPoolId=other.pool_id, Username=EMAIL)

    tokens = _tokens(other)
    assert _lifetimes(tokens) == (access, access, id_lifetime)
    emulator_clock.advance(refresh - 1)
    assert "AuthenticationResult" in _refresh(other, tokens)
    emulator_clock.advance(1)
    assert _error(_refresh, pool=other, tokens=tokens) == "NotAuthorizedException"


def test_installing_twice_changes_nothing(secret_pool: Pool, outbox: emulator.Outbox) -> None:
    """conftest and the command line both install the emulator: one sign-up still sends one code."""
    emulator.install()
    emulator.install()
    _sign_up(secret_pool)

    assert [m.purpose for m in outbox.messages()] == ["confirm-sign-up"]
