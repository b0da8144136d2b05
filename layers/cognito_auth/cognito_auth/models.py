"""Request models: what each endpoint accepts, with the limits Cognito itself enforces.

msgspec Structs rather than pydantic models: importing pydantic and building a first model cost each body-parsing
function 130 ms of cold start, msgspec about 7 (README, Performance). `parse` adds what msgspec does not do itself:
every field but the passwords is trimmed before its limits are checked, reset-password also takes the original app's
field names, and strings that are not valid Unicode (a lone surrogate from a JSON escape) are refused.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

import msgspec

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
# Cognito accepts passwords of up to 256 characters; the policy decides the minimum.
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^\S+$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=8192, pattern=r"^\S+$")]
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^\S+$")]

# Taken as sent: a password with a leading or trailing space is refused by check_password, not trimmed.
PASSWORDS = frozenset({"password", "new_password"})


class Request(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """Unknown fields are ignored so that clients can add fields without breaking; types are strict; requests are
    immutable (msgspec would inherit frozen=True; the subclasses repeat it for type checkers)."""

    # The names a field is accepted under, the documented one first (a field not listed: its own name only).
    names: ClassVar[dict[str, tuple[str, ...]]] = {}


class SignUpRequest(Request, frozen=True):
    email: Email
    name: Name
    password: Password


class ConfirmRequest(Request, frozen=True):
    email: Email
    code: Code


class EmailRequest(Request, frozen=True):
    email: Email


class SignInRequest(Request, frozen=True):
    email: Email
    password: Password


class RefreshRequest(Request, frozen=True):
    refresh_token: Token
    # The user's Cognito username: the `username` claim of the access token (the `sub` on this pool).
    # Needed when the app client has a secret, because Cognito computes SECRET_HASH for refresh over it.
    username: Username | None = None


class ResetPasswordRequest(Request, frozen=True):
    email: Email
    otp: Code
    new_password: Password

    names: ClassVar[dict[str, tuple[str, ...]]] = {"otp": ("otp", "code"), "new_password": ("new_password", "password")}


class Invalid(ValueError):
    """The first problem found in a request body: the field by the name the client sent (or, missing, the documented
    one), its kind (missing, type, too_short, too_long, pattern, invalid) and the limit it broke, if any."""

    def __init__(self, field: str, kind: str, limit: int | None = None) -> None:
        super().__init__(f"{field}: {kind}")
        self.field, self.kind, self.limit = field, kind, limit


def parse[R: Request](model: type[R], data: dict[str, Any]) -> R:
    """Validate a decoded JSON object as `model`. msgspec stops at the first problem, so Invalid names one."""
    values: dict[str, Any] = {}
    sent_as: dict[str, str] = {}
    for field in model.__struct_fields__:
        name = next((n for n in model.names.get(field, (field,)) if n in data), None)
        if name is None:
            continue
        value = data[name]
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError:
                raise Invalid(name, "invalid") from None
            if field not in PASSWORDS:
                value = value.strip()
        values[field], sent_as[field] = value, name
    try:
        return msgspec.convert(values, model, strict=True)
    except msgspec.ValidationError as exc:
        raise _invalid(str(exc), model, sent_as) from None


# A msgspec ValidationError is only its message; these are its messages for the types above (msgspec 0.22).
_MESSAGES = [
    ("missing", re.compile(r"Object missing required field `(?P<field>\w+)`")),
    ("type", re.compile(r"Expected `[^`]+`, got `\w+` - at `\$\.(?P<field>\w+)`")),
    ("too_long", re.compile(r"Expected `str` of length <= (?P<limit>\d+) - at `\$\.(?P<field>\w+)`")),
    ("too_short", re.compile(r"Expected `str` of length >= (?P<limit>\d+) - at `\$\.(?P<field>\w+)`")),
    ("pattern", re.compile(r"Expected `str` matching regex .* - at `\$\.(?P<field>\w+)`")),
]


def _invalid(message: str, model: type[Request], sent_as: dict[str, str]) -> Invalid:
    for kind, form in _MESSAGES:
        if match := form.fullmatch(message):
            field = match["field"]
            limit = match.groupdict().get("limit")
            name = sent_as.get(field) or model.names.get(field, (field,))[0]
            return Invalid(name, kind, int(limit) if limit else None)
    return Invalid("body", "invalid")
