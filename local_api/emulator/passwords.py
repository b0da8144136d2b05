"""Passwords checked as Cognito checks them, against the pool's own PasswordPolicy, wherever a password is set.

Written from the Developer Guide ("Adding user pool password requirements") and the API reference, independently of
the layer's own check, so that tests can hold the two against each other:

- at most 256 characters, and Cognito's pattern `^[\\S]+.*[\\S]+$` as Java reads it: `\\S` is anything but the six
  ASCII whitespace characters, `.` anything but a line terminator (\\n, \\r, U+0085, U+2028, U+2029);
- the policy: MinimumLength, and at least one of each required class, where an uppercase letter is only A-Z, a
  lowercase letter only a-z, a number only 0-9, and a special character one of ^ $ * . [ ] { } ( ) ? " ! @ # % & / \\
  , > < ' : ; | _ ~ ` = + - or a space inside the password.

moto's own check differs: its maximum is 99, it counts any Unicode digit, omits `=` and `+`, ignores the pattern, and
ConfirmForgotPassword and AdminCreateUser's temporary password are not checked at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend
from moto.core.exceptions import JsonRESTError

from local_api.emulator import users
from local_api.emulator.patching import wrap

MAX_LENGTH = 256
PATTERN = r"^[\S]+.*[\S]+$"
UPPERCASE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
LOWERCASE = frozenset("abcdefghijklmnopqrstuvwxyz")
NUMBERS = frozenset("0123456789")
SPECIAL = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")
JAVA_WHITESPACE = frozenset(" \t\n\x0b\f\r")  # Java's \s without UNICODE_CHARACTER_CLASS
JAVA_LINE_TERMINATORS = frozenset("\n\r\x85\u2028\u2029")  # what Java's `.` does not match


class InvalidPasswordException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidPasswordException", message)


@dataclass(frozen=True)
class Policy:
    """A pool's PasswordPolicy. Without one Cognito applies its default (8 characters, every class required); in one,
    a requirement left out is off."""

    minimum_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True

    @classmethod
    def of(cls, password_policy: dict[str, Any] | None) -> Policy:
        if password_policy is None:
            return cls()
        return cls(
            minimum_length=int(password_policy.get("MinimumLength") or 8),
            require_uppercase=bool(password_policy.get("RequireUppercase", False)),
            require_lowercase=bool(password_policy.get("RequireLowercase", False)),
            require_numbers=bool(password_policy.get("RequireNumbers", False)),
            require_symbols=bool(password_policy.get("RequireSymbols", False)),
        )

    @classmethod
    def of_pool(cls, pool: Any) -> Policy:
        return cls.of((pool.extended_config.get("Policies") or {}).get("PasswordPolicy"))


def matches_pattern(password: str) -> bool:
    """Whether Java's Pattern.matches("^[\\S]+.*[\\S]+$", password).

    A first run of non-whitespace, then anything without a line terminator, then a last run of non-whitespace. The
    runs can hold any non-whitespace character, U+2028 and the like included; only the stretch from the first to the
    last whitespace character has to be matched by `.`. Linear, where the backtracking regex is cubic.
    """
    if len(password) < 2 or password[0] in JAVA_WHITESPACE or password[-1] in JAVA_WHITESPACE:
        return False
    spaces = [i for i, c in enumerate(password) if c in JAVA_WHITESPACE]
    if not spaces:
        return True
    return not any(c in JAVA_LINE_TERMINATORS for c in password[spaces[0] : spaces[-1] + 1])


def refusal(password: str, policy: Policy, parameter: str = "password") -> str | None:
    """Cognito's message refusing this password, or None if Cognito accepts it. One rule at a time, as Cognito."""
    if len(password) > MAX_LENGTH:
        return (
            f"1 validation error detected: Value at '{parameter}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_LENGTH}"
        )
    if not matches_pattern(password):
        return (
            f"1 validation error detected: Value at '{parameter}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {PATTERN}"
        )
    chars = set(password)
    if len(password) < policy.minimum_length:
        return "Password did not conform with policy: Password not long enough"
    if policy.require_lowercase and not chars & LOWERCASE:
        return "Password did not conform with policy: Password must have lowercase characters"
    if policy.require_uppercase and not chars & UPPERCASE:
        return "Password did not conform with policy: Password must have uppercase characters"
    if policy.require_numbers and not chars & NUMBERS:
        return "Password did not conform with policy: Password must have numeric characters"
    # A space counts as a special character when it is inside the password (the pattern already refused one at
    # either end).
    if policy.require_symbols and not chars & (SPECIAL | {" "}):
        return "Password did not conform with policy: Password must have symbol characters"
    return None


def check(pool: Any, password: Any) -> None:
    """Raise InvalidPasswordException as Cognito would for this pool."""
    message = refusal(password, Policy.of_pool(pool)) if isinstance(password, str) else "Password is required"
    if message is not None:
        raise InvalidPasswordException(message)


def _validate_password(inner: Any, self: CognitoIdpBackend, user_pool_id: str, password: str) -> None:
    """moto's one password check (SignUp, ChangePassword, AdminSetUserPassword, NEW_PASSWORD_REQUIRED), replaced."""
    check(self.describe_user_pool(user_pool_id), password)


def _confirm_forgot_password(
    inner: Any, self: CognitoIdpBackend, client_id: str, username: str, password: str, confirmation_code: str
) -> Any:
    pool = users.pool_for_client(client_id)
    if pool is not None:
        check(pool, password)
    return inner(self, client_id, username, password, confirmation_code)


def _admin_create_user(
    inner: Any,
    self: CognitoIdpBackend,
    user_pool_id: str,
    username: str,
    message_action: str,
    temporary_password: str | None,
    attributes: Any,
) -> Any:
    if temporary_password is not None:  # without one, Cognito makes one up that meets the policy
        check(self.describe_user_pool(user_pool_id), temporary_password)
    return inner(self, user_pool_id, username, message_action, temporary_password, attributes)


def install() -> None:
    wrap(CognitoIdpBackend, "_validate_password", _validate_password)
    wrap(CognitoIdpBackend, "confirm_forgot_password", _confirm_forgot_password)
    wrap(CognitoIdpBackend, "admin_create_user", _admin_create_user)
