"""The embedded Cognito's account operations where moto lacks them or differs from Cognito: refresh with rotation,
signing one device out, every user-context call's access token check, email change with a code, deletion.

In-process on a moto pool built from template.yaml (the `secret_pool` fixture: refresh token rotation on, a grace
period, email changes verified first), talking to it as the layer does.
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
NEW_EMAIL = "jane.new@example.com"
PASSWORD = "Correct-Horse1"
GRACE_SECONDS = template.refresh_token_rotation(TEMPLATE).retry_grace_period_seconds


@pytest.fixture
def outbox(secret_pool: Pool) -> emulator.Outbox:
    box = emulator.Outbox()
    emulator.deliver_codes(secret_pool.pool_id, box)
    return box


def error(call: Any, **params: Any) -> tuple[str, str]:
    """Cognito's error code and message for a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**params)
    return str(caught.value.response["Error"]["Code"]), str(caught.value.response["Error"]["Message"])


def code_of(call: Any, **params: Any) -> str:
    return error(call, **params)[0]


def register(pool: Pool, email: str = EMAIL, password: str = PASSWORD) -> None:
    """A confirmed user with a verified email, as sign-up and confirmation leave one."""
    verified = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    pool.client.admin_create_user(
        UserPoolId=pool.pool_id, Username=email, MessageAction="SUPPRESS", UserAttributes=verified
    )
    pool.client.admin_set_user_password(UserPoolId=pool.pool_id, Username=email, Password=password, Permanent=True)


def sign_in(pool: Pool, email: str = EMAIL, password: str = PASSWORD) -> dict[str, Any]:
    params = {"USERNAME": email, "PASSWORD": password}
    if pool.secret:
        params["SECRET_HASH"] = secret_hash(email, pool.client_id, pool.secret)
    reply = pool.client.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
    return dict(reply["AuthenticationResult"])


def cannot_sign_in(pool: Pool, email: str = EMAIL, password: str = PASSWORD) -> bool:
    """Whether sign-in is refused (moto answers an unknown user with UserNotFoundException, Cognito with this pool's
    PreventUserExistenceErrors with NotAuthorizedException: the layer answers both alike)."""
    return code_of(sign_in, pool=pool, email=email, password=password) in (
        "NotAuthorizedException",
        "UserNotFoundException",
    )


def refresh(pool: Pool, refresh_token: str, **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"ClientId": pool.client_id, "RefreshToken": refresh_token}
    if pool.secret:
        params["ClientSecret"] = pool.secret
    params.update(overrides)
    return dict(pool.client.get_tokens_from_refresh_token(**params)["AuthenticationResult"])


def revoke(pool: Pool, token: str, **overrides: Any) -> None:
    params: dict[str, Any] = {"ClientId": pool.client_id, "Token": token}
    if pool.secret:
        params["ClientSecret"] = pool.secret
    params.update(overrides)
    pool.client.revoke_token(**params)


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.get_unverified_claims(token))


def email_of(pool: Pool, access_token: str) -> tuple[str, str]:
    """The email and email_verified the user's own GetUser shows."""
    attributes = {a["Name"]: a["Value"] for a in pool.client.get_user(AccessToken=access_token)["UserAttributes"]}
    return attributes["email"], attributes["email_verified"]


def other_client(pool: Pool, **settings: Any) -> Pool:
    """Another app client of the same pool, without a secret."""
    client_id = pool.client.create_user_pool_client(UserPoolId=pool.pool_id, ClientName="other", **settings)[
        "UserPoolClient"
    ]["ClientId"]
    return Pool(pool.client, pool.pool_id, client_id, None)


# ---------------------------------------------------------------------------------------------- refresh


def test_refresh_takes_the_token_alone_and_rotates_it_within_the_same_sign_in(secret_pool: Pool) -> None:
    register(secret_pool)
    signed_in = sign_in(secret_pool)

    first = refresh(secret_pool, signed_in["RefreshToken"])
    second = refresh(secret_pool, first["RefreshToken"])

    assert len({signed_in["RefreshToken"], first["RefreshToken"], second["RefreshToken"]}) == 3
    for tokens in (first, second):
        assert (
            secret_pool.client.get_user(AccessToken=tokens["AccessToken"])["Username"]
            == claims(signed_in["AccessToken"])["username"]
        )
        # Refreshing is not signing in: the same sign-in time and the same sign-in (what revocation ends).
        for kind in ("AccessToken", "IdToken"):
            assert claims(tokens[kind])["auth_time"] == claims(signed_in[kind])["auth_time"]
            assert claims(tokens[kind])["origin_jti"] == claims(signed_in[kind])["origin_jti"]


def test_refresh_needs_the_client_secret_of_a_client_that_has_one(secret_pool: Pool) -> None:
    register(secret_pool)
    refresh_token = sign_in(secret_pool)["RefreshToken"]
    client = secret_pool.client

    missing = {"ClientId": secret_pool.client_id, "RefreshToken": refresh_token}
    assert code_of(client.get_tokens_from_refresh_token, **missing) == "NotAuthorizedException"
    wrong = {**missing, "ClientSecret": "x" + str(secret_pool.secret)}
    assert code_of(client.get_tokens_from_refresh_token, **wrong) == "NotAuthorizedException"
    unknown_client = {**missing, "ClientId": "nosuchclient"}
    assert code_of(client.get_tokens_from_refresh_token, **unknown_client) == "ResourceNotFoundException"
    assert "AccessToken" in refresh(secret_pool, refresh_token)  # nothing was spent by the refusals


def test_a_replaced_refresh_token_works_for_the_grace_period_then_is_refused(
    secret_pool: Pool, emulator_clock: Clock
) -> None:
    assert GRACE_SECONDS > 1  # the template's default; 0 would refuse the retry below
    register(secret_pool)
    original = sign_in(secret_pool)["RefreshToken"]

    replacement = refresh(secret_pool, original)["RefreshToken"]
    emulator_clock.advance(GRACE_SECONDS - 1)
    retry = refresh(secret_pool, original)  # a client whose answer was lost retries
    emulator_clock.advance(1)

    assert code_of(refresh, pool=secret_pool, refresh_token=original) == "RefreshTokenReuseException"
    for newer in (replacement, retry["RefreshToken"]):
        assert "AccessToken" in refresh(secret_pool, newer)


def test_with_no_grace_period_a_replaced_refresh_token_is_refused_at_once(secret_pool: Pool) -> None:
    rotating = other_client(
        secret_pool,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )
    register(rotating)
    original = sign_in(rotating)["RefreshToken"]

    refresh(rotating, original)

    assert code_of(refresh, pool=rotating, refresh_token=original) == "RefreshTokenReuseException"


def test_without_rotation_refresh_returns_no_refresh_token_and_the_old_one_keeps_working(secret_pool: Pool) -> None:
    plain = other_client(
        secret_pool,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenRotation={"Feature": "DISABLED"},
    )
    register(plain)
    refresh_token = sign_in(plain)["RefreshToken"]

    for _ in range(3):
        assert "RefreshToken" not in refresh(plain, refresh_token)
    legacy = plain.client.initiate_auth(
        ClientId=plain.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
    )
    assert "AccessToken" in legacy["AuthenticationResult"]


@pytest.mark.parametrize(
    ("settings", "allowed"),
    [
        (None, False),  # the template's client: rotation on
        ({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}, False),
        ({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}, True),
        ({"ExplicitAuthFlows": ["USER_PASSWORD_AUTH"]}, True),  # legacy flow names: refresh always allowed
    ],
    ids=["rotating", "without-ALLOW_REFRESH_TOKEN_AUTH", "with-ALLOW_REFRESH_TOKEN_AUTH", "legacy-flow-names"],
)
def test_refresh_token_auth_only_where_the_client_allows_it(
    secret_pool: Pool, settings: dict[str, Any] | None, allowed: bool
) -> None:
    pool = secret_pool if settings is None else other_client(secret_pool, **settings)
    register(pool)
    tokens = sign_in(pool)
    params = {"REFRESH_TOKEN": tokens["RefreshToken"]}
    if pool.secret:
        params["SECRET_HASH"] = secret_hash(claims(tokens["AccessToken"])["username"], pool.client_id, pool.secret)

    def legacy_refresh() -> Any:
        return pool.client.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=params)

    if allowed:
        assert "AccessToken" in legacy_refresh()["AuthenticationResult"]
    else:
        assert code_of(legacy_refresh) == "InvalidParameterException"
    assert "AccessToken" in refresh(pool, tokens["RefreshToken"])  # GetTokensFromRefreshToken works for every client


def test_refresh_refuses_what_cognito_refuses(secret_pool: Pool, emulator_clock: Clock) -> None:
    register(secret_pool)
    register(secret_pool, "joe@example.com")
    expiring, disabled = sign_in(secret_pool)["RefreshToken"], sign_in(secret_pool, "joe@example.com")["RefreshToken"]
    other = other_client(secret_pool, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    foreign = sign_in(other)["RefreshToken"]
    secret_pool.client.admin_disable_user(UserPoolId=secret_pool.pool_id, Username="joe@example.com")

    refused = {
        "unknown": "not-a-refresh-token",
        "another client's": foreign,
        "a disabled user's": disabled,
    }
    for token in refused.values():
        assert code_of(refresh, pool=secret_pool, refresh_token=token) == "NotAuthorizedException"
    emulator_clock.advance(template.token_validity(TEMPLATE).refresh.total_seconds())
    assert error(refresh, pool=secret_pool, refresh_token=expiring) == (
        "NotAuthorizedException",
        "Refresh Token has expired",
    )


# ---------------------------------------------------------------------------------------------- sign-out


def test_revoking_one_devices_refresh_token_signs_out_that_device_only(secret_pool: Pool) -> None:
    register(secret_pool)
    phone, laptop = sign_in(secret_pool), sign_in(secret_pool)
    rotated = refresh(secret_pool, phone["RefreshToken"])  # the phone refreshed once: it holds the new token

    revoke(secret_pool, rotated["RefreshToken"])

    for access_token in (phone["AccessToken"], rotated["AccessToken"]):
        assert error(secret_pool.client.get_user, AccessToken=access_token) == (
            "NotAuthorizedException",
            "Access Token has been revoked",
        )
    for refresh_token in (phone["RefreshToken"], rotated["RefreshToken"]):
        assert code_of(refresh, pool=secret_pool, refresh_token=refresh_token) == "NotAuthorizedException"
    assert secret_pool.client.get_user(AccessToken=laptop["AccessToken"])["Username"]
    assert "AccessToken" in refresh(secret_pool, laptop["RefreshToken"])


def test_revoke_token_answers_as_cognito_documents(secret_pool: Pool) -> None:
    register(secret_pool)
    tokens = sign_in(secret_pool)
    client = secret_pool.client

    revoke(secret_pool, "not-a-token-cognito-issued")  # nothing to revoke, and no error
    assert code_of(revoke, pool=secret_pool, token=tokens["AccessToken"]) == "UnsupportedTokenTypeException"
    assert code_of(revoke, pool=secret_pool, token=tokens["RefreshToken"], ClientSecret="w" * 32) == (
        "UnauthorizedException"
    )
    params = {"ClientId": secret_pool.client_id, "Token": tokens["RefreshToken"]}
    assert code_of(client.revoke_token, **params) == "UnauthorizedException"  # no secret
    assert "AccessToken" in refresh(secret_pool, tokens["RefreshToken"])  # none of that revoked anything

    revoke(secret_pool, tokens["RefreshToken"])
    revoke(secret_pool, tokens["RefreshToken"])  # already revoked: the same answer

    no_revocation = other_client(
        secret_pool, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"], EnableTokenRevocation=False
    )
    other = sign_in(no_revocation)
    assert code_of(revoke, pool=no_revocation, token=other["RefreshToken"]) == "UnsupportedOperationException"


def test_user_context_calls_refuse_revoked_expired_and_unknown_access_tokens(
    secret_pool: Pool, emulator_clock: Clock
) -> None:
    register(secret_pool)
    signed_out, expiring = sign_in(secret_pool), sign_in(secret_pool)
    client = secret_pool.client
    client.global_sign_out(AccessToken=signed_out["AccessToken"])

    change = {"PreviousPassword": PASSWORD, "ProposedPassword": "Battery-Staple2"}
    assert error(client.change_password, AccessToken=signed_out["AccessToken"], **change) == (
        "NotAuthorizedException",
        "Access Token has been revoked",
    )
    assert error(client.get_user, AccessToken="not-a-token") == ("NotAuthorizedException", "Invalid Access Token")
    assert error(client.get_user, AccessToken=expiring["AccessToken"])[0] == "NotAuthorizedException"  # signed out

    fresh = sign_in(secret_pool)
    emulator_clock.advance(template.token_validity(TEMPLATE).access.total_seconds())
    assert error(client.get_user, AccessToken=fresh["AccessToken"]) == (
        "NotAuthorizedException",
        "Access Token has expired",
    )


def test_change_password_needs_the_current_one(secret_pool: Pool) -> None:
    register(secret_pool)
    access_token = sign_in(secret_pool)["AccessToken"]
    change = secret_pool.client.change_password

    assert code_of(
        change, AccessToken=access_token, PreviousPassword="Wrong-Horse1", ProposedPassword="New-Horse2"
    ) == ("NotAuthorizedException")
    change(AccessToken=access_token, PreviousPassword=PASSWORD, ProposedPassword="New-Horse2")

    assert cannot_sign_in(secret_pool)
    assert "AccessToken" in sign_in(secret_pool, password="New-Horse2")


# ---------------------------------------------------------------------------------------------- email change


def verification_codes(box: emulator.Outbox, to: str) -> list[str]:
    return [m.code for m in box.messages(to=to) if m.purpose == emulator.VERIFY_EMAIL]


def test_the_email_changes_only_once_the_code_sent_to_the_new_address_is_verified(
    secret_pool: Pool, outbox: emulator.Outbox
) -> None:
    register(secret_pool)
    tokens = sign_in(secret_pool)
    client, access_token = secret_pool.client, tokens["AccessToken"]

    asked = client.update_user_attributes(
        AccessToken=access_token, UserAttributes=[{"Name": "email", "Value": NEW_EMAIL}]
    )

    assert asked["CodeDeliveryDetailsList"] == [
        {"Destination": "j***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    [code] = verification_codes(outbox, NEW_EMAIL)
    assert verification_codes(outbox, EMAIL) == []
    # Until verified, nothing changed: the old address signs in, the new one does not.
    assert email_of(secret_pool, access_token) == (EMAIL, "true")
    assert "AccessToken" in sign_in(secret_pool, EMAIL)
    assert cannot_sign_in(secret_pool, NEW_EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    verify = client.verify_user_attribute
    assert code_of(verify, AccessToken=access_token, AttributeName="email", Code=wrong) == "CodeMismatchException"
    assert email_of(secret_pool, access_token) == (EMAIL, "true")

    verify(AccessToken=access_token, AttributeName="email", Code=code)

    assert email_of(secret_pool, access_token) == (NEW_EMAIL, "true")  # the same token still works
    assert "AccessToken" in sign_in(secret_pool, NEW_EMAIL)
    assert cannot_sign_in(secret_pool, EMAIL)
    refreshed = refresh(secret_pool, tokens["RefreshToken"])
    assert claims(refreshed["IdToken"])["email"] == NEW_EMAIL
    assert code_of(verify, AccessToken=access_token, AttributeName="email", Code=code) == "CodeMismatchException"


def test_a_new_code_replaces_the_previous_one_and_goes_to_the_pending_address(
    secret_pool: Pool, outbox: emulator.Outbox
) -> None:
    register(secret_pool)
    access_token = sign_in(secret_pool)["AccessToken"]
    client = secret_pool.client
    client.update_user_attributes(AccessToken=access_token, UserAttributes=[{"Name": "email", "Value": NEW_EMAIL}])

    sent = client.get_user_attribute_verification_code(AccessToken=access_token, AttributeName="email")

    assert sent["CodeDeliveryDetails"]["Destination"] == "j***@e***"
    first, second = verification_codes(outbox, NEW_EMAIL)
    verify = client.verify_user_attribute
    if first != second:  # one chance in a million that the new code is the old one
        assert code_of(verify, AccessToken=access_token, AttributeName="email", Code=first) == "CodeMismatchException"
    verify(AccessToken=access_token, AttributeName="email", Code=second)
    assert email_of(secret_pool, access_token) == (NEW_EMAIL, "true")


def test_an_address_another_user_has_is_refused_and_that_user_is_untouched(
    secret_pool: Pool, outbox: emulator.Outbox
) -> None:
    register(secret_pool)
    register(secret_pool, "joe@example.com")
    access_token = sign_in(secret_pool)["AccessToken"]

    taken = [{"Name": "email", "Value": "Joe@Example.com"}]  # in another case: the same address on this pool
    assert code_of(secret_pool.client.update_user_attributes, AccessToken=access_token, UserAttributes=taken) == (
        "AliasExistsException"
    )

    assert outbox.messages() == []
    assert email_of(secret_pool, access_token) == (EMAIL, "true")
    assert "AccessToken" in sign_in(secret_pool, "joe@example.com")


def test_an_address_taken_while_the_change_waits_is_refused_at_verification(
    secret_pool: Pool, outbox: emulator.Outbox
) -> None:
    register(secret_pool)
    access_token = sign_in(secret_pool)["AccessToken"]
    client = secret_pool.client
    client.update_user_attributes(AccessToken=access_token, UserAttributes=[{"Name": "email", "Value": NEW_EMAIL}])
    [code] = verification_codes(outbox, NEW_EMAIL)
    register(secret_pool, NEW_EMAIL)  # someone else signs up with it meanwhile

    verify = client.verify_user_attribute
    assert code_of(verify, AccessToken=access_token, AttributeName="email", Code=code) == "AliasExistsException"

    assert email_of(secret_pool, access_token) == (EMAIL, "true")
    assert "AccessToken" in sign_in(secret_pool, NEW_EMAIL)  # the other user's account


def test_a_pool_without_verification_before_update_changes_the_email_at_once_unverified(aws: None) -> None:
    pool = pool_without("UserAttributeUpdateSettings")
    idp, pool_id = pool.client, pool.pool_id
    box = emulator.Outbox()
    emulator.deliver_codes(pool_id, box)
    register(pool)
    access_token = sign_in(pool)["AccessToken"]

    idp.update_user_attributes(AccessToken=access_token, UserAttributes=[{"Name": "email", "Value": NEW_EMAIL}])

    assert email_of(pool, access_token) == (NEW_EMAIL, "false")
    [code] = verification_codes(box, NEW_EMAIL)
    idp.verify_user_attribute(AccessToken=access_token, AttributeName="email", Code=code)
    assert email_of(pool, access_token) == (NEW_EMAIL, "true")


def test_other_attributes_change_at_once(secret_pool: Pool, outbox: emulator.Outbox) -> None:
    register(secret_pool)
    access_token = sign_in(secret_pool)["AccessToken"]

    reply = secret_pool.client.update_user_attributes(
        AccessToken=access_token, UserAttributes=[{"Name": "name", "Value": "Jane Doe"}]
    )

    assert "CodeDeliveryDetailsList" not in reply
    attributes = secret_pool.client.get_user(AccessToken=access_token)["UserAttributes"]
    assert {"Name": "name", "Value": "Jane Doe"} in attributes
    assert outbox.messages() == []


# ---------------------------------------------------------------------------------------------- deletion


def test_a_deleted_user_is_gone_their_tokens_refused_and_the_address_free(secret_pool: Pool) -> None:
    register(secret_pool)
    tokens = sign_in(secret_pool)
    client = secret_pool.client

    client.delete_user(AccessToken=tokens["AccessToken"])

    assert code_of(client.admin_get_user, UserPoolId=secret_pool.pool_id, Username=EMAIL) == "UserNotFoundException"
    assert code_of(client.get_user, AccessToken=tokens["AccessToken"]) == "UserNotFoundException"
    # GlobalSignOut does not declare UserNotFoundException: NotAuthorizedException, as for any token it refuses.
    assert code_of(client.global_sign_out, AccessToken=tokens["AccessToken"]) == "NotAuthorizedException"
    assert code_of(refresh, pool=secret_pool, refresh_token=tokens["RefreshToken"]) == "NotAuthorizedException"
    assert cannot_sign_in(secret_pool)

    register(secret_pool)  # the address signs up again: a new user, whom the old tokens do not reach
    again = sign_in(secret_pool)
    assert claims(again["AccessToken"])["sub"] != claims(tokens["AccessToken"])["sub"]
    assert code_of(client.get_user, AccessToken=tokens["AccessToken"]) == "UserNotFoundException"
    assert code_of(refresh, pool=secret_pool, refresh_token=tokens["RefreshToken"]) == "NotAuthorizedException"
