"""What each endpoint does, in Cognito terms. Handlers call exactly one of these functions.

Where Cognito's answer would tell a caller whether an email is registered, the answer is made the same for
every email (no user enumeration).
"""

from __future__ import annotations

from typing import Any

from cognito_auth import errors
from cognito_auth.cognito import call, prepare_clients, with_secret_hash
from cognito_auth.settings import get_settings

TOKEN_TYPE = "Bearer"


def prepare(*, reads_secret: bool = True) -> None:
    """Called by each function that calls Cognito when Lambda imports it (the init phase), to create its clients there
    rather than in the first request (`reads_secret`: the client of the app secret's store too). Only on Lambda: tests
    and the local API create clients lazily, once their mocks and endpoints are in place."""
    if get_settings().on_lambda:
        prepare_clients(reads_secret=reads_secret)


def mask_email(email: str) -> str:
    """Mask an address the way Cognito masks CodeDeliveryDetails.Destination: first letters only."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def _client_id() -> str:
    return get_settings().client_id


def _tokens(result: dict[str, Any], *, with_refresh: bool) -> dict[str, Any]:
    body = {
        "access_token": result["AccessToken"],
        "id_token": result["IdToken"],
        "expires_in": result["ExpiresIn"],
        "token_type": TOKEN_TYPE,
    }
    if with_refresh or result.get("RefreshToken"):
        body["refresh_token"] = result["RefreshToken"]
    return body


def sign_up(email: str, name: str, password: str) -> dict[str, Any]:
    _check_password(password)
    body: dict[str, Any] = {
        "message": "User registered. Enter the verification code we emailed you to confirm the account.",
        "user_confirmed": False,
        "code_delivery": {"destination": mask_email(email), "medium": "EMAIL"},
    }
    params = with_secret_hash(
        {
            "ClientId": _client_id(),
            "Username": email,
            "Password": password,
            "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
        },
        email,
    )
    try:
        # NotAuthorized on sign-up means self-registration is off or the secret is wrong: our bug, not the user's.
        result = call(
            "sign_up",
            {"UsernameExistsException": _Hidden, "NotAuthorizedException": errors.InternalError},
            **params,
        )
    except _Hidden:
        # An already-registered email gets exactly the answer a new one gets.
        return body
    if result.get("UserConfirmed"):
        # Pools that confirm users at once (e.g. a pre sign-up trigger): sign the user straight in.
        body.update(message="User registered and signed in.", user_confirmed=True)
        body.pop("code_delivery")
        signed_in = sign_in(email, password)
        if "access_token" in signed_in:
            body.update(signed_in)
    return body


def confirm_sign_up(email: str, code: str) -> dict[str, Any]:
    # Unknown and already-confirmed users are answered like a wrong code.
    call(
        "confirm_sign_up",
        {"UserNotFoundException": errors.InvalidCode, "NotAuthorizedException": errors.InvalidCode},
        **with_secret_hash({"ClientId": _client_id(), "Username": email, "ConfirmationCode": code}, email),
    )
    return {"message": "User confirmed successfully"}


RESEND_MESSAGE = "If the account exists and is not yet confirmed, a new verification code has been emailed."
FORGOT_MESSAGE = "Verification code sent to your email"


def resend_code(email: str) -> dict[str, Any]:
    _call_hiding_existence("resend_confirmation_code", email)
    return {"message": RESEND_MESSAGE}


def forgot_password(email: str) -> dict[str, Any]:
    _call_hiding_existence("forgot_password", email)
    return {"message": FORGOT_MESSAGE}


def _call_hiding_existence(operation: str, email: str) -> None:
    """Unknown, already-confirmed or unverified users get the same answer as everyone else."""
    hidden = dict.fromkeys(("UserNotFoundException", "InvalidParameterException", "NotAuthorizedException"), _Hidden)
    try:
        call(operation, hidden, **with_secret_hash({"ClientId": _client_id(), "Username": email}, email))
    except _Hidden:
        return


def reset_password(email: str, code: str, new_password: str) -> dict[str, Any]:
    _check_password(new_password)
    call(
        "confirm_forgot_password",
        # Unknown, disabled and unconfirmed users are answered like a wrong code: nothing tells them apart.
        {
            "UserNotFoundException": errors.InvalidCode,
            "NotAuthorizedException": errors.InvalidCode,
            "UserNotConfirmedException": errors.InvalidCode,
        },
        **with_secret_hash(
            {"ClientId": _client_id(), "Username": email, "ConfirmationCode": code, "Password": new_password},
            email,
        ),
    )
    return {"message": "Password reset successful"}


def sign_in(email: str, password: str) -> dict[str, Any]:
    result = call(
        "initiate_auth",
        None,
        **with_secret_hash(
            {
                "ClientId": _client_id(),
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": email, "PASSWORD": password},
            },
            email,
        ),
    )
    if "AuthenticationResult" not in result:
        # e.g. NEW_PASSWORD_REQUIRED: the client answers the challenge with this session.
        return {"challenge": result.get("ChallengeName", "UNKNOWN"), "session": result.get("Session", "")}
    return _tokens(result["AuthenticationResult"], with_refresh=True)


def refresh(refresh_token: str, username: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "ClientId": _client_id(),
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": refresh_token},
    }
    if username is not None:
        # Cognito computes SECRET_HASH for refresh over the user's Cognito username (the `sub` on this pool).
        params = with_secret_hash(params, username)
    elif _needs_secret():
        raise errors.ValidationFailed(
            "Field 'username' is required: send the 'username' claim of your access token (your 'sub')."
        )
    result = call(
        "initiate_auth",
        {"NotAuthorizedException": errors.InvalidToken, "UserNotFoundException": errors.InvalidToken},
        **params,
    )
    return _tokens(result["AuthenticationResult"], with_refresh=False)


def sign_out(access_token: str) -> dict[str, Any]:
    # Revokes every refresh token of the user; Cognito then refuses the access token too.
    call("global_sign_out", {"NotAuthorizedException": errors.InvalidToken}, AccessToken=access_token)
    return {"message": "Signed out"}


def _check_password(password: str) -> None:
    from cognito_auth.passwords import check_password

    check_password(password, get_settings().password_policy)


def _needs_secret() -> bool:
    from cognito_auth.cognito import client_secret

    return client_secret() is not None


class _Hidden(errors.ApiError):
    """A Cognito answer that would reveal whether an account exists; caught here, never sent to a client."""
