"""The password policy check the API applies before calling Cognito: Cognito's documented rules, exactly."""

from __future__ import annotations

import pytest

from cognito_auth import errors
from cognito_auth.passwords import check_password
from cognito_auth.settings import PasswordPolicy

# check_password: the pool's policy, as the template sets it (8 characters, upper, lower, number) unless stated.
POLICY = PasswordPolicy()
WITH_SYMBOLS = PasswordPolicy(require_symbols=True)


def refusal(password: str, policy: PasswordPolicy = POLICY) -> str:
    with pytest.raises(errors.InvalidPassword) as raised:
        check_password(password, policy)
    error = raised.value
    assert (error.status, error.code) == (400, "InvalidPassword")
    # The password itself never comes back.
    assert password.strip() not in error.message
    assert all(password.strip() not in str(arg) for arg in error.args)
    return error.message


@pytest.mark.parametrize(
    ("password", "policy", "rule"),
    [
        ("Sh0rt-x", POLICY, "be at least 8 characters long"),
        ("Sh0rt-xyz12", PasswordPolicy(min_length=12), "be at least 12 characters long"),
        ("lower-case-0nly", POLICY, "contain an uppercase letter"),
        ("UPPER-CASE-0NLY", POLICY, "contain a lowercase letter"),
        ("No-Digits-Here", POLICY, "contain a number"),
        ("NoSymbolsHere1", WITH_SYMBOLS, "contain a special character"),
        (" Leading-Passw0rd", POLICY, "not begin or end with a space"),
        ("Trailing-Passw0rd ", POLICY, "not begin or end with a space"),
        ("\tTabbed-Passw0rd", POLICY, "not begin or end with a space"),
        ("Two\nLines-Passw0rd", POLICY, "not contain a line break"),
        ("A1" + "a" * 255, POLICY, "be at most 256 characters long"),
        # Cognito counts only Basic Latin letters: these have no A-Z, or no a-z.
        ("ÄÖÜäöüabc12!", POLICY, "contain an uppercase letter (A-Z)"),
        ("ÄÖÜABC12!", POLICY, "contain a lowercase letter (a-z)"),
        # Nor other scripts' digits.
        ("Passwort-٣٣", POLICY, "contain a number"),
    ],
)
def test_each_broken_rule_is_named(password: str, policy: PasswordPolicy, rule: str) -> None:
    message = refusal(password, policy)

    assert rule in message
    assert message.count("contain") + message.count("be at ") + message.count("begin") == 1


def test_every_broken_rule_is_named_at_once() -> None:
    message = refusal("abc", WITH_SYMBOLS)

    for rule in (
        "be at least 8 characters long",
        "contain an uppercase letter",
        "contain a number",
        "special character",
    ):
        assert rule in message
    assert "lowercase" not in message


@pytest.mark.parametrize(
    "password",
    ["Example-Passw0rd", "Aa1aaaaa", "Ünïcödé-Passw0rd", "A1" + "a" * 254, "Inner space 1A", "\u00a0Nbsp-Passw0rd"],
)
def test_a_password_meeting_the_policy_is_accepted(password: str) -> None:
    check_password(password, POLICY)


def test_a_policy_without_requirements_only_checks_the_length() -> None:
    relaxed = PasswordPolicy(require_uppercase=False, require_lowercase=False, require_numbers=False)

    check_password("........", relaxed)
    assert "be at least 8 characters long" in refusal(".......", relaxed)


# The special characters Cognito's password policy documents, the space included (inside the password).
COGNITO_SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "


@pytest.mark.parametrize("symbol", list(COGNITO_SYMBOLS), ids=lambda s: f"U+{ord(s):04X}")
def test_each_symbol_cognito_documents_satisfies_the_symbol_rule(symbol: str) -> None:
    check_password(f"Passw0rd{symbol}x", WITH_SYMBOLS)


def test_letters_from_other_alphabets_are_not_symbols() -> None:
    assert "contain a special character" in refusal("Passw0rdé", WITH_SYMBOLS)
