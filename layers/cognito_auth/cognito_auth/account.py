"""Account self-service for a signed-in user, and the sessions of a device: profile, password, email, deletion,
refresh with the refresh token alone, and signing out one device.

The Bearer routes act with the caller's own access token (Cognito's user-context operations), so Cognito itself
refuses a token that was revoked or whose user was deleted, whatever API Gateway's authorizer accepted.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cognito_auth import errors
from cognito_auth.aws import cognito_client
from cognito_auth.cognito import HIDE, Hidden, client_secret_arg, translated
from cognito_auth.service import mask_email, tokens
from cognito_auth.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import GetUserResponseTypeDef

# A user-context call with a revoked token, or for a deleted or disabled user: the token is no good any more.
_TOKEN_REFUSED = {"NotAuthorizedException": errors.InvalidToken, "UserNotFoundException": errors.InvalidToken}
# UpdateUserAttributes declares code and alias errors; a request that sends no code (a name, an email to verify later)
# must not send the client looking for one: Cognito answering so is unexpected, a 500.
_NO_CODE_SENT = {
    "CodeMismatchException": errors.InternalError,
    "ExpiredCodeException": errors.InternalError,
    "AliasExistsException": errors.InternalError,
}
# Cognito's names of the MFA factors this API offers, and the API's.
FACTORS = {"SOFTWARE_TOKEN_MFA": "totp", "EMAIL_OTP": "email"}


def profile_of(user: GetUserResponseTypeDef) -> dict[str, Any]:
    """GetUser's answer as the API shows a profile."""
    attributes = {a["Name"]: a.get("Value", "") for a in user.get("UserAttributes", [])}
    enabled = [FACTORS[f] for f in user.get("UserMFASettingList", []) if f in FACTORS]
    return {
        "sub": attributes.get("sub", ""),
        "email": attributes.get("email", ""),
        "email_verified": attributes.get("email_verified", "false") == "true",
        "name": attributes.get("name"),
        "mfa": {"enabled": enabled, "preferred": FACTORS.get(user.get("PreferredMfaSetting", ""))},
    }


def get_profile(access_token: str) -> dict[str, Any]:
    with translated(_TOKEN_REFUSED):
        user = cognito_client().get_user(AccessToken=access_token)
    return profile_of(user)


def update_profile(access_token: str, name: str) -> dict[str, Any]:
    with translated({**_NO_CODE_SENT, **_TOKEN_REFUSED}):
        cognito_client().update_user_attributes(
            AccessToken=access_token, UserAttributes=[{"Name": "name", "Value": name}]
        )
    return get_profile(access_token)


def change_password(access_token: str, current_password: str, new_password: str) -> dict[str, Any]:
    from cognito_auth.passwords import check_password

    check_password(new_password, get_settings().password_policy)
    try:
        with translated({"NotAuthorizedException": HIDE, "UserNotFoundException": errors.InvalidToken}):
            cognito_client().change_password(
                AccessToken=access_token, PreviousPassword=current_password, ProposedPassword=new_password
            )
    except Hidden as answer:
        # Cognito says NotAuthorized both for a wrong current password and for a token it no longer accepts.
        raise (errors.InvalidToken() if _token_refused(answer) else errors.InvalidCredentials()) from None
    return {"message": "Password changed."}


def _token_refused(answer: Hidden) -> bool:
    """Whether a NotAuthorizedException was about the access token (revoked, expired) rather than the password."""
    cause = answer.__cause__
    message = getattr(cause, "response", {}).get("Error", {}).get("Message", "")
    return "token" in str(message).lower()


def change_email(access_token: str, claims: Mapping[str, Any], new_email: str) -> dict[str, Any]:
    """Ask Cognito to change the email: the pool keeps the old address (AttributesRequireVerificationBeforeUpdate)
    until the code Cognito sends to the new one is verified, so a typo cannot lock anyone out. An address another
    account uses gets the same answer as a free one, and that account is not touched."""
    require_recent_sign_in(claims)
    body = {
        "message": "Enter the verification code we emailed to the new address to finish the change.",
        "code_delivery": {"destination": mask_email(new_email), "medium": "EMAIL"},
    }
    try:
        with translated({**_NO_CODE_SENT, **_TOKEN_REFUSED, "AliasExistsException": HIDE}):
            cognito_client().update_user_attributes(
                AccessToken=access_token, UserAttributes=[{"Name": "email", "Value": new_email}]
            )
    except Hidden:
        pass  # the address belongs to another account: the same answer, and no code is sent
    return body


def verify_email(access_token: str, code: str) -> dict[str, Any]:
    # Another account took the address meanwhile: answered like a wrong code, and nothing changes.
    with translated({**_TOKEN_REFUSED, "AliasExistsException": errors.InvalidCode}):
        cognito_client().verify_user_attribute(AccessToken=access_token, AttributeName="email", Code=code)
    return {"message": "Email changed. Sign in with the new address from now on."}


def delete_account(access_token: str, claims: Mapping[str, Any]) -> dict[str, Any]:
    require_recent_sign_in(claims)
    with translated(_TOKEN_REFUSED):
        cognito_client().delete_user(AccessToken=access_token)
    return {"message": "Account deleted."}


def refresh(refresh_token: str) -> dict[str, Any]:
    """New access and id tokens from the refresh token alone (GetTokensFromRefreshToken takes the client secret
    itself, not a SECRET_HASH over a username); a new refresh token too when the app client rotates them, after
    which the old one is refused once its grace period is over."""
    with translated(
        {
            "NotAuthorizedException": errors.InvalidToken,
            "UserNotFoundException": errors.InvalidToken,
            "RefreshTokenReuseException": errors.InvalidToken,
        }
    ):
        result = cognito_client().get_tokens_from_refresh_token(
            RefreshToken=refresh_token,
            ClientId=get_settings().client_id,
            **client_secret_arg(),
        )
    return tokens(result["AuthenticationResult"])


REVOKED_MESSAGE = "Signed out on this device."


def revoke(refresh_token: str) -> dict[str, Any]:
    """Sign this device out (RevokeToken): its refresh token, and the access tokens issued from it, are refused from
    now on; the user's other devices keep working. A token that is unknown, malformed or already revoked is not an
    error (RFC 7009, section 2.2): the answer is the same."""
    try:
        with translated(
            {
                "UnsupportedTokenTypeException": HIDE,
                "InvalidParameterException": HIDE,
                "NotAuthorizedException": HIDE,
                "UnauthorizedException": errors.InternalError,
            }
        ):
            cognito_client().revoke_token(
                Token=refresh_token,
                ClientId=get_settings().client_id,
                **client_secret_arg(),
            )
    except Hidden:
        pass
    return {"message": REVOKED_MESSAGE}


def require_recent_sign_in(claims: Mapping[str, Any], clock: Callable[[], float] = time.time) -> None:
    """403 ReauthenticationRequired unless the access token comes from a sign-in (`auth_time`, which refreshing does
    not change) within the template's RecentSignInMinutes."""
    signed_in = _epoch(claims.get("auth_time"))
    if signed_in is None or clock() - signed_in > get_settings().recent_sign_in_seconds:
        raise errors.ReauthenticationRequired()


def _epoch(value: Any) -> float | None:
    """A time claim as seconds since the epoch: a number in the token itself, a string of digits or a date as API
    Gateway's authorizer passes claims on."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        if value.isdigit():
            return float(value)
        try:  # "Mon Jan 01 00:00:00 UTC 2024", as API Gateway writes exp and iat
            return float(calendar.timegm(time.strptime(value, "%a %b %d %H:%M:%S UTC %Y")))
        except ValueError:
            return None
    return None
