"""Request models: what each endpoint accepts, with the limits Cognito itself enforces.

msgspec Structs rather than pydantic models: importing pydantic and building a first model cost each body-parsing
function 130 ms of cold start, msgspec about 7 (docs/performance.md). `parse` adds what msgspec does not do itself:
every field but the passwords is trimmed before its limits are checked, fields may be accepted under older names,
strings that are not valid Unicode (a lone surrogate from a JSON escape) are refused, and so are control and format
characters (Unicode Cc and Cf: NUL, line breaks, bidi overrides, zero-width characters) in emails and names.

When a body is refused, every problem is named, each by its field and the constraint it broke, read from the
model's own annotations: msgspec's error messages are never parsed.
"""

from __future__ import annotations

import re
import types
import typing
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

import msgspec


class _Text:
    """Annotation marker: a field of human text, in which control and format characters are refused."""


TEXT = _Text()

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), TEXT]
# Cognito accepts passwords of up to 256 characters; the pool's policy decides the rest (cognito_auth.passwords).
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^\S+$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=256), TEXT]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=8192, pattern=r"^\S+$")]
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^\S+$")]

# Taken as sent: a password with a leading or trailing space is refused by the password policy, not trimmed.
PASSWORDS = frozenset({"password", "new_password", "current_password"})


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
    # What clients of the first version sent (the access token's `username` claim); accepted and ignored: refresh
    # needs the refresh token alone now.
    username: Username | None = None


class RevokeRequest(Request, frozen=True):
    refresh_token: Token


class ProfileUpdate(Request, frozen=True):
    name: Name


class ChangePasswordRequest(Request, frozen=True):
    current_password: Password
    new_password: Password


class ChangeEmailRequest(Request, frozen=True):
    new_email: Email


class CodeRequest(Request, frozen=True):
    code: Code


# What an authenticator app shows: six digits (RFC 6238 as Cognito uses it; Cognito's UserCode is exactly that).
TotpCode = Annotated[str, msgspec.Meta(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")]


class TotpCodeRequest(Request, frozen=True):
    code: TotpCode


# Cognito's Session is at most 4096 characters; signed, with the username and challenge, it grows by about a half.
Session = Annotated[str, msgspec.Meta(min_length=1, max_length=8192, pattern=r"^[A-Za-z0-9_-]+$")]
Factor = Literal["totp", "email"]
Challenge = Literal["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SELECT_MFA_TYPE", "MFA_SETUP"]


class ChallengeAnswer(Request, frozen=True):
    """One of new_password, code or mfa, as the challenge asks; `challenge` may be echoed and must then match."""

    session: Session
    challenge: Challenge | None = None
    new_password: Password | None = None
    code: Code | None = None
    mfa: Factor | None = None


class MfaUpdate(Request, frozen=True):
    totp: bool | None = None
    email: bool | None = None
    preferred: Factor | None = None


class ResetPasswordRequest(Request, frozen=True):
    email: Email
    otp: Code
    new_password: Password

    names: ClassVar[dict[str, tuple[str, ...]]] = {"otp": ("otp", "code"), "new_password": ("new_password", "password")}


@dataclass(frozen=True)
class Problem:
    """One field's problem: the field by the name the client sent (or, missing, the documented one), its kind
    (missing, type, too_short, too_long, pattern, choice, invalid, text) and the limit or choices it broke."""

    field: str
    kind: str
    limit: int | None = None
    choices: tuple[str, ...] = ()
    expected: str = ""  # for `type`: what the field must be


class Invalid(ValueError):
    """Every problem found in a request body, in the model's field order."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(f"{p.field}: {p.kind}" for p in problems))
        self.problems = problems


def parse[R: Request](model: type[R], data: dict[str, Any]) -> R:
    """Validate a decoded JSON object as `model`, or raise Invalid naming every problem."""
    values: dict[str, Any] = {}
    sent_as: dict[str, str] = {}
    problems: list[Problem] = []
    for field in model.__struct_fields__:
        name = next((n for n in model.names.get(field, (field,)) if n in data), None)
        if name is None:
            continue
        value = data[name]
        if isinstance(value, str):
            if not _is_unicode(value):
                problems.append(Problem(name, "invalid"))
                continue
            if field not in PASSWORDS:
                value = value.strip()
            if field in _text_fields(model) and _has_control_characters(value):
                problems.append(Problem(name, "text"))
                continue
        values[field], sent_as[field] = value, name
    if not problems:
        try:
            return msgspec.convert(values, model, strict=True)
        except msgspec.ValidationError:
            pass
    raise Invalid(_problems(model, values, sent_as, problems))


def _is_unicode(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf") for c in value if not c.isprintable())


# ------------------------------------------------------------------------------------- the constraints themselves


@dataclass(frozen=True)
class _Spec:
    """One field's declared type: what `parse` checks when msgspec refuses a body."""

    name: str
    required: bool
    kind: type  # str or bool
    optional: bool  # None is accepted
    meta: msgspec.Meta | None
    choices: tuple[str, ...]  # a Literal's values
    text: bool


@cache
def _specs(model: type[Request]) -> tuple[_Spec, ...]:
    hints = typing.get_type_hints(model, include_extras=True)
    defaults = len(model.__struct_defaults__)
    required = model.__struct_fields__[: len(model.__struct_fields__) - defaults]
    specs = []
    for field in model.__struct_fields__:
        hint = hints[field]
        optional = False
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            members = [a for a in typing.get_args(hint) if a is not type(None)]
            optional, hint = len(members) < len(typing.get_args(hint)), members[0]
        metadata: tuple[Any, ...] = ()
        if typing.get_origin(hint) is Annotated:
            hint, *rest = typing.get_args(hint)
            metadata = tuple(rest)
        choices = tuple(str(c) for c in typing.get_args(hint)) if typing.get_origin(hint) is Literal else ()
        specs.append(
            _Spec(
                name=field,
                required=field in required,
                kind=str if choices else hint,
                optional=optional,
                meta=next((m for m in metadata if isinstance(m, msgspec.Meta)), None),
                choices=choices,
                text=TEXT in metadata,
            )
        )
    return tuple(specs)


@cache
def _text_fields(model: type[Request]) -> frozenset[str]:
    return frozenset(spec.name for spec in _specs(model) if spec.text)


def _problems(
    model: type[Request], values: dict[str, Any], sent_as: dict[str, str], found: list[Problem]
) -> list[Problem]:
    """Every problem, in field order: those `parse` found itself, then each field checked against its constraints."""
    problems = {p.field: p for p in found}
    for spec in _specs(model):
        name = sent_as.get(spec.name) or model.names.get(spec.name, (spec.name,))[0]
        if name in problems:
            continue
        if spec.name not in values:
            if spec.required:
                problems[name] = Problem(name, "missing")
            continue
        if (problem := _check(spec, name, values[spec.name])) is not None:
            problems[name] = problem
    order = {name: i for i, name in enumerate(model.__struct_fields__)}
    result = sorted(problems.values(), key=lambda p: order.get(_field_of(model, p.field), len(order)))
    return result or [Problem("body", "invalid")]


def _field_of(model: type[Request], name: str) -> str:
    return next((field for field, names in model.names.items() if name in names), name)


def _check(spec: _Spec, name: str, value: Any) -> Problem | None:
    if value is None and spec.optional:
        return None
    if type(value) is not spec.kind:  # strict: True is not a str, 1 is not a bool
        return Problem(name, "type", expected="true or false" if spec.kind is bool else "a string")
    if spec.choices:
        return None if value in spec.choices else Problem(name, "choice", choices=spec.choices)
    meta = spec.meta
    if meta is None or not isinstance(value, str):
        return None
    if meta.min_length is not None and len(value) < meta.min_length:
        return Problem(name, "too_short", meta.min_length)
    if meta.max_length is not None and len(value) > meta.max_length:
        return Problem(name, "too_long", meta.max_length)
    if meta.pattern is not None and not re.search(meta.pattern, value):
        return Problem(name, "pattern")
    return None
