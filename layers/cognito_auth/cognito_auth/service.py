"""What each endpoint does, in Cognito terms. Handlers call exactly one of these functions.

Where Cognito's answer would tell a caller whether an email is registered, the answer is made the same for
every email (no user enumeration).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cognito_auth import errors
from cognito_auth.aws import client_secret, cognito_client, prepare_clients
from cognito_auth.cognito import HIDE, Hidden, auth_parameters, secret_hash_arg, translated
from cognito_auth.observability import logger
from cognito_auth.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import AuthenticationResultTypeTypeDef

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


def _hidden(answer: Hidden) -> None:
    """A Cognito answer the API hides on purpose: expected, so not a warning (debug, for whoever traces a request)."""
    logger.debug("Cognito answer hidden", extra={"cognito_error": answer.cognito_error})


def tokens(result: AuthenticationResultTypeTypeDef) -> dict[str, Any]:
    """Cognito's AuthenticationResult as the API answers it; refresh_token only when Cognito issued one."""
    body: dict[str, Any] = {
        "access_token": result["AccessToken"],
        "id_token": result["IdToken"],
        "expires_in": result["ExpiresIn"],
        "token_type": TOKEN_TYPE,
    }
    if result.get("RefreshToken"):
        body["refresh_token"] = result["RefreshToken"]
    return body


def sign_up(email: str, name: str, password: str) -> dict[str, Any]:
    _check_password(password)
    body: dict[str, Any] = {
        "message": "User registered. Enter the verification code we emailed you to confirm the account.",
        "user_confirmed": False,
        "code_delivery": {"destination": mask_email(email), "medium": "EMAIL"},
    }
    try:
        # NotAuthorized on sign-up means self-registration is off or the secret is wrong: our bug, not the user's.
        with translated({"UsernameExistsException": HIDE, "NotAuthorizedException": errors.InternalError}):
            result = cognito_client().sign_up(
                ClientId=_client_id(),
                Username=email,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
                **secret_hash_arg(email),
            )
    except Hidden as answer:
        # An already-registered email gets exactly the answer a new one gets.
        _hidden(answer)
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
    with translated({"UserNotFoundException": errors.InvalidCode, "NotAuthorizedException": errors.InvalidCode}):
        cognito_client().confirm_sign_up(
            ClientId=_client_id(), Username=email, ConfirmationCode=code, **secret_hash_arg(email)
        )
    return {"message": "User confirmed successfully"}


RESEND_MESSAGE = "If the account exists and is not yet confirmed, a new verification code has been emailed."
FORGOT_MESSAGE = "Verification code sent to your email"
# Unknown, already-confirmed or unverified users get the same answer as everyone else.
_EXISTENCE = {"UserNotFoundException": HIDE, "InvalidParameterException": HIDE, "NotAuthorizedException": HIDE}


def resend_code(email: str) -> dict[str, Any]:
    try:
        with translated(_EXISTENCE):
            cognito_client().resend_confirmation_code(ClientId=_client_id(), Username=email, **secret_hash_arg(email))
    except Hidden as answer:
        _hidden(answer)
    return {"message": RESEND_MESSAGE}


def forgot_password(email: str) -> dict[str, Any]:
    try:
        with translated(_EXISTENCE):
            cognito_client().forgot_password(ClientId=_client_id(), Username=email, **secret_hash_arg(email))
    except Hidden as answer:
        _hidden(answer)
    return {"message": FORGOT_MESSAGE}


def reset_password(email: str, code: str, new_password: str) -> dict[str, Any]:
    _check_password(new_password)
    # Unknown, disabled and unconfirmed users are answered like a wrong code: nothing tells them apart.
    with translated(
        {
            "UserNotFoundException": errors.InvalidCode,
            "NotAuthorizedException": errors.InvalidCode,
            "UserNotConfirmedException": errors.InvalidCode,
        }
    ):
        cognito_client().confirm_forgot_password(
            ClientId=_client_id(),
            Username=email,
            ConfirmationCode=code,
            Password=new_password,
            **secret_hash_arg(email),
        )
    return {"message": "Password reset successful"}


def sign_in(email: str, password: str) -> dict[str, Any]:
    with translated():
        result = cognito_client().initiate_auth(
            ClientId=_client_id(),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters=auth_parameters(email, PASSWORD=password),
        )
    if "AuthenticationResult" not in result:
        # e.g. NEW_PASSWORD_REQUIRED: the client answers the challenge with this session.
        return {"challenge": result.get("ChallengeName", "UNKNOWN"), "session": result.get("Session", "")}
    return tokens(result["AuthenticationResult"])


def refresh(refresh_token: str, username: str | None) -> dict[str, Any]:
    parameters = {"REFRESH_TOKEN": refresh_token}
    if username is not None:
        # Cognito computes SECRET_HASH for refresh over the user's Cognito username (the `sub` on this pool).
        parameters = auth_parameters(username, **parameters)
        del parameters["USERNAME"]
    elif client_secret() is not None:
        raise errors.ValidationFailed(
            "Field 'username' is required: send the 'username' claim of your access token (your 'sub')."
        )
    with translated({"NotAuthorizedException": errors.InvalidToken, "UserNotFoundException": errors.InvalidToken}):
        result = cognito_client().initiate_auth(
            ClientId=_client_id(), AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=parameters
        )
    return tokens(result["AuthenticationResult"])


def sign_out(access_token: str) -> dict[str, Any]:
    # Revokes every refresh token of the user; Cognito then refuses the access token too.
    with translated({"NotAuthorizedException": errors.InvalidToken}):
        cognito_client().global_sign_out(AccessToken=access_token)
    return {"message": "Signed out"}


def _check_password(password: str) -> None:
    from cognito_auth.passwords import check_password

    check_password(password, get_settings().password_policy)
