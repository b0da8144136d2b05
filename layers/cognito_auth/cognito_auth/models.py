"""Request models: what each endpoint accepts, with the limits Cognito itself enforces."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

from cognito_auth.errors import InvalidPassword
from cognito_auth.settings import PasswordPolicy

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
# Cognito accepts passwords of up to 256 characters; the policy decides the minimum.
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^\S+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8192, pattern=r"^\S+$")]
Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^\S+$")]


class Request(BaseModel):
    # Unknown fields are ignored so that clients can add fields without breaking; types are strict.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class SignUpRequest(Request):
    email: Email
    name: Name
    password: Password


class ConfirmRequest(Request):
    email: Email
    code: Code


class EmailRequest(Request):
    email: Email


class SignInRequest(Request):
    email: Email
    password: Password


class RefreshRequest(Request):
    refresh_token: Token
    # The user's Cognito username: the `username` claim of the access token (the `sub` on this pool).
    # Needed when the app client has a secret, because Cognito computes SECRET_HASH for refresh over it.
    username: Username | None = None


class ResetPasswordRequest(Request):
    email: Email
    otp: Code = Field(validation_alias=AliasChoices("otp", "code"))
    new_password: Password = Field(validation_alias=AliasChoices("new_password", "password"))


SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def check_password(password: str, policy: PasswordPolicy) -> None:
    """Apply the pool's policy before calling Cognito, so a weak password is refused the same way for every email."""
    broken = []
    if len(password) < policy.min_length:
        broken.append(f"be at least {policy.min_length} characters long")
    if policy.require_uppercase and not any(c.isupper() for c in password):
        broken.append("contain an uppercase letter")
    if policy.require_lowercase and not any(c.islower() for c in password):
        broken.append("contain a lowercase letter")
    if policy.require_numbers and not any(c.isdigit() for c in password):
        broken.append("contain a number")
    if policy.require_symbols and not any(c in SYMBOLS for c in password):
        broken.append("contain a symbol")
    if password != password.strip():
        broken.append("not begin or end with a space")
    if broken:
        raise InvalidPassword("The password must " + ", ".join(broken) + ".")
