"""The user pool's password policy, applied before Cognito is called, so that a weak password is refused the same way
for every email (Cognito would otherwise refuse it only for an address that is not registered yet).

The rules are Cognito's documented ones (Developer Guide, "Adding user pool password requirements"): letters count
only as Basic Latin A-Z and a-z, numbers as 0-9, special characters from the listed set or a space inside the
password; at most 256 characters. Cognito also checks `^[\\S]+.*[\\S]+$` (its InvalidPasswordException quotes it):
no whitespace at either end and no line break inside, with Java's meanings of whitespace and of `.`.
"""

from __future__ import annotations

from cognito_auth.errors import InvalidPassword
from cognito_auth.settings import PasswordPolicy

MAX_LENGTH = 256
UPPERCASE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
LOWERCASE = frozenset("abcdefghijklmnopqrstuvwxyz")
NUMBERS = frozenset("0123456789")
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
WHITESPACE = frozenset(" \t\n\x0b\f\r")  # Java's \s
LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")  # what Java's `.` does not match


def broken_rules(password: str, policy: PasswordPolicy) -> list[str]:
    """What the password must do and does not, in words for the user; empty when Cognito would accept it."""
    broken = []
    if len(password) < policy.min_length:
        broken.append(f"be at least {policy.min_length} characters long")
    if len(password) > MAX_LENGTH:
        broken.append(f"be at most {MAX_LENGTH} characters long")
    chars = set(password)
    if policy.require_uppercase and not chars & UPPERCASE:
        broken.append("contain an uppercase letter (A-Z)")
    if policy.require_lowercase and not chars & LOWERCASE:
        broken.append("contain a lowercase letter (a-z)")
    if policy.require_numbers and not chars & NUMBERS:
        broken.append("contain a number")
    if policy.require_symbols and not chars & SYMBOLS:
        broken.append("contain a special character")
    if password[:1] in WHITESPACE or password[-1:] in WHITESPACE:
        broken.append("not begin or end with a space")
    if chars & LINE_BREAKS and _line_break_between_spaces(password):
        broken.append("not contain a line break")
    return broken


def _line_break_between_spaces(password: str) -> bool:
    r"""Whether `^[\S]+.*[\S]+$` fails on a line break: the runs of non-whitespace at either end may hold any other
    character (U+2028 included), so what `.*` must cover is the stretch from the first whitespace to the last."""
    spaces = [i for i, c in enumerate(password) if c in WHITESPACE]
    if not spaces:
        return False
    return any(c in LINE_BREAKS for c in password[spaces[0] : spaces[-1] + 1])


def check_password(password: str, policy: PasswordPolicy) -> None:
    """Raise InvalidPassword naming every broken rule (never the password itself)."""
    if broken := broken_rules(password, policy):
        raise InvalidPassword("The password must " + ", ".join(broken) + ".")
