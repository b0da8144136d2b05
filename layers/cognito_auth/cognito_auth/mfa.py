"""A signed-in user's second factors: set up TOTP (an authenticator app), and see or change which factors are on
and which one Cognito asks for. Turning a factor off needs a recent sign-in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cognito_auth import errors
from cognito_auth.account import FACTORS, profile_of, require_recent_sign_in
from cognito_auth.aws import cognito_client
from cognito_auth.challenges import totp_details
from cognito_auth.cognito import translated
from cognito_auth.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import GetUserResponseTypeDef

_TOKEN_REFUSED = {"NotAuthorizedException": errors.InvalidToken, "UserNotFoundException": errors.InvalidToken}


def _user(access_token: str) -> GetUserResponseTypeDef:
    with translated(_TOKEN_REFUSED):
        return cognito_client().get_user(AccessToken=access_token)


def get_mfa(access_token: str) -> dict[str, Any]:
    mfa: dict[str, Any] = profile_of(_user(access_token))["mfa"]
    return mfa


def setup_totp(access_token: str) -> dict[str, str]:
    """A new TOTP secret for the user's authenticator app. Nothing changes until a code from it is verified."""
    email = profile_of(_user(access_token))["email"]
    with translated({**_TOKEN_REFUSED, "ConcurrentModificationException": errors.TooManyRequests}):
        associated = cognito_client().associate_software_token(AccessToken=access_token)
    return totp_details(associated["SecretCode"], email)


def verify_totp(access_token: str, code: str) -> dict[str, Any]:
    """Verify the first code from the authenticator app: TOTP is then on, and the factor Cognito asks for."""
    with translated(
        {
            **_TOKEN_REFUSED,
            "EnableSoftwareTokenMFAException": errors.InvalidCode,
            "SoftwareTokenMFANotFoundException": _SetUpFirst,
        }
    ):
        verified = cognito_client().verify_software_token(AccessToken=access_token, UserCode=code)
        if verified.get("Status") != "SUCCESS":
            raise errors.InvalidCode()
        cognito_client().set_user_mfa_preference(
            AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
    return {"message": "TOTP is on: sign-ins now ask for a code from your authenticator app."}


class _SetUpFirst(errors.ValidationFailed):
    message = "Set TOTP up first (POST /auth/mfa/totp), then verify a code from the authenticator app."


def set_mfa(
    access_token: str, claims: Mapping[str, Any], *, totp: bool | None, email: bool | None, preferred: str | None
) -> dict[str, Any]:
    """Turn factors on or off and choose the preferred one; the answer is GET /auth/mfa's."""
    current = get_mfa(access_token)
    enabled = set(current["enabled"])
    wanted = {"totp": totp, "email": email}
    if email and not get_settings().email_mfa:
        raise errors.FeatureDisabled("Email MFA is not enabled for this API (it needs SES and the Essentials plan).")
    if any(on is False and factor in enabled for factor, on in wanted.items()):
        require_recent_sign_in(claims)
    after = {factor for factor in FACTORS.values() if wanted[factor] or (wanted[factor] is None and factor in enabled)}
    choice = preferred if preferred is not None else (current["preferred"] if current["preferred"] in after else None)
    if choice is not None and choice not in after:
        raise errors.ValidationFailed(f"Invalid request: '{choice}' must be on to be preferred.")
    settings: dict[str, Any] = {}
    for factor, cognito_name in (("totp", "SoftwareTokenMfaSettings"), ("email", "EmailMfaSettings")):
        if wanted[factor] is not None or preferred is not None:
            settings[cognito_name] = {"Enabled": factor in after, "PreferredMfa": factor == choice}
    if settings:
        # Cognito refuses turning on a factor not set up, and turning TOTP off where the pool requires MFA.
        refused = _Required if any(on is False for on in wanted.values()) else _NotSetUp
        with translated({**_TOKEN_REFUSED, "InvalidParameterException": refused}):
            cognito_client().set_user_mfa_preference(AccessToken=access_token, **settings)
    return get_mfa(access_token)


class _NotSetUp(errors.ValidationFailed):
    message = "That factor cannot be turned on yet: set TOTP up first (POST /auth/mfa/totp)."


class _Required(errors.ValidationFailed):
    message = "That factor cannot be turned off: this API requires multi-factor authentication."
