"""Request models (what each endpoint accepts) and the password policy check applied before Cognito is called."""

from __future__ import annotations

from typing import Any

import pytest

from cognito_auth import errors
from cognito_auth.models import (
    ConfirmRequest,
    EmailRequest,
    Invalid,
    RefreshRequest,
    Request,
    ResetPasswordRequest,
    SignInRequest,
    SignUpRequest,
    check_password,
    parse,
)
from cognito_auth.settings import PasswordPolicy

EMAIL = "jane@example.com"
PASSWORD = "Example-Passw0rd"

VALID: dict[type[Request], dict[str, Any]] = {
    SignUpRequest: {"email": EMAIL, "name": "Jane Doe", "password": PASSWORD},
    ConfirmRequest: {"email": EMAIL, "code": "123456"},
    EmailRequest: {"email": EMAIL},
    SignInRequest: {"email": EMAIL, "password": PASSWORD},
    RefreshRequest: {"refresh_token": "eyJjdHkiOiJKV1QifQ.abc.def", "username": "0f5c5a4e-1c2b-4a8e"},
    ResetPasswordRequest: {"email": EMAIL, "otp": "123456", "new_password": PASSWORD},
}
MODELS = list(VALID)


def field_errors(model: type[Request], data: dict[str, Any]) -> dict[str, str]:
    """{field: kind} of the problem found (msgspec reports the first one only)."""
    with pytest.raises(Invalid) as raised:
        parse(model, data)
    return {raised.value.field: raised.value.kind}


def fields(parsed: Request) -> dict[str, Any]:
    return {name: getattr(parsed, name) for name in parsed.__struct_fields__}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_valid_request_is_accepted_and_unknown_fields_are_ignored(model: type[Request]) -> None:
    parsed = parse(model, {**VALID[model], "app_version": "1.2.3"})

    assert fields(parsed) == VALID[model]
    assert not hasattr(parsed, "app_version")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_requests_are_immutable(model: type[Request]) -> None:
    parsed = parse(model, VALID[model])
    field = next(iter(VALID[model]))

    with pytest.raises(AttributeError):
        setattr(parsed, field, "changed")


REQUIRED = [
    (model, field)
    for model, body in VALID.items()
    for field in body
    if not (model is RefreshRequest and field == "username")
]


@pytest.mark.parametrize(("model", "field"), REQUIRED, ids=lambda v: getattr(v, "__name__", v))
def test_each_required_field_is_required(model: type[Request], field: str) -> None:
    body = {k: v for k, v in VALID[model].items() if k != field}

    assert field_errors(model, body) == {field: "missing"}


@pytest.mark.parametrize("wrong", [12345, 1.5, True, None, ["a@b.co"], {"value": "x"}], ids=repr)
@pytest.mark.parametrize(("model", "field"), REQUIRED, ids=lambda v: getattr(v, "__name__", v))
def test_fields_are_strictly_strings(model: type[Request], field: str, wrong: Any) -> None:
    assert field_errors(model, {**VALID[model], field: wrong}) == {field: "type"}


def test_refresh_username_is_optional_but_must_be_a_string_when_given() -> None:
    assert parse(RefreshRequest, {"refresh_token": "abc"}).username is None
    assert parse(RefreshRequest, {"refresh_token": "abc", "username": None}).username is None
    assert field_errors(RefreshRequest, {"refresh_token": "abc", "username": 42}) == {"username": "type"}


def test_email_is_trimmed() -> None:
    assert parse(EmailRequest, {"email": "  jane@example.com\n"}).email == EMAIL


@pytest.mark.parametrize(
    "email",
    ["", "jane", "jane@", "@example.com", "jane@example", "jane doe@example.com", "jane@@example.com", "a@b.c d"],
)
def test_malformed_emails_are_refused(email: str) -> None:
    assert list(field_errors(EmailRequest, {"email": email})) == ["email"]


def test_email_length_is_cognitos_254() -> None:
    longest = "a" * 64 + "@" + "b" * 185 + ".com"
    assert len(longest) == 254

    assert parse(EmailRequest, {"email": longest}).email == longest
    assert field_errors(EmailRequest, {"email": "a" + longest}) == {"email": "too_long"}


def test_password_length_is_cognitos_256_and_it_is_not_trimmed() -> None:
    body = VALID[SignInRequest]

    assert parse(SignInRequest, {**body, "password": "A1a" + "x" * 253}).password == "A1a" + "x" * 253
    assert field_errors(SignInRequest, {**body, "password": "x" * 257}) == {"password": "too_long"}
    assert field_errors(SignInRequest, {**body, "password": ""}) == {"password": "too_short"}
    assert parse(SignInRequest, {**body, "password": " padded "}).password == " padded "


def test_name_is_trimmed_and_must_not_be_blank_or_huge() -> None:
    body = VALID[SignUpRequest]

    assert parse(SignUpRequest, {**body, "name": "  Jane  "}).name == "Jane"
    assert field_errors(SignUpRequest, {**body, "name": "   "}) == {"name": "too_short"}
    assert field_errors(SignUpRequest, {**body, "name": "n" * 257}) == {"name": "too_long"}


@pytest.mark.parametrize("code", ["", " ", "12 34", "1" * 65])
def test_malformed_codes_are_refused(code: str) -> None:
    assert list(field_errors(ConfirmRequest, {"email": EMAIL, "code": code})) == ["code"]


def test_a_code_is_trimmed() -> None:
    assert parse(ConfirmRequest, {"email": EMAIL, "code": " 123456 "}).code == "123456"


@pytest.mark.parametrize("token", ["", "has space", "x" * 8193])
def test_malformed_refresh_tokens_are_refused(token: str) -> None:
    assert list(field_errors(RefreshRequest, {"refresh_token": token})) == ["refresh_token"]


def test_reset_accepts_the_original_apps_field_names() -> None:
    parsed = parse(ResetPasswordRequest, {"email": EMAIL, "code": "654321", "password": PASSWORD})

    assert (parsed.otp, parsed.new_password) == ("654321", PASSWORD)


def test_reset_prefers_the_documented_names_when_both_are_sent() -> None:
    parsed = parse(
        ResetPasswordRequest,
        {"email": EMAIL, "otp": "111111", "code": "222222", "new_password": PASSWORD, "password": "Other-Passw0rd"},
    )

    assert (parsed.otp, parsed.new_password) == ("111111", PASSWORD)


def test_reset_names_a_bad_field_by_the_name_it_was_sent_under() -> None:
    legacy = {"email": EMAIL, "code": "123456", "password": PASSWORD}

    assert field_errors(ResetPasswordRequest, {**legacy, "code": "12 34"}) == {"code": "pattern"}
    assert field_errors(ResetPasswordRequest, {**legacy, "password": 42}) == {"password": "type"}
    # A field sent under neither name is missing under its documented one.
    assert field_errors(ResetPasswordRequest, {"email": EMAIL, "password": PASSWORD}) == {"otp": "missing"}
    # The documented name wins even when its value is the bad one.
    assert field_errors(ResetPasswordRequest, {**legacy, "otp": None}) == {"otp": "type"}


def test_limits_apply_to_the_trimmed_value() -> None:
    assert parse(SignUpRequest, {**VALID[SignUpRequest], "name": "  " + "n" * 256 + "\n"}).name == "n" * 256
    assert parse(ConfirmRequest, {"email": EMAIL, "code": "\t" + "1" * 64 + " "}).code == "1" * 64
    assert field_errors(EmailRequest, {"email": " ab "}) == {"email": "too_short"}


def test_whitespace_is_pythons_the_ascii_separators_included() -> None:
    # Trimming and the patterns' \s both follow str.isspace(), which counts U+001C to U+001F; pydantic (Rust's
    # White_Space) did not, and kept them. No email, code, token or Cognito username holds one.
    assert parse(ConfirmRequest, {"email": EMAIL, "code": "\x1c123456\x1f"}).code == "123456"
    assert field_errors(ConfirmRequest, {"email": EMAIL, "code": "123\x1e456"}) == {"code": "pattern"}
    # U+00A0 and U+3000 are whitespace to both; U+200B and U+FEFF to neither.
    assert parse(SignUpRequest, {**VALID[SignUpRequest], "name": "\xa0Jane\u3000"}).name == "Jane"
    assert parse(SignUpRequest, {**VALID[SignUpRequest], "name": "\u200bJane\ufeff"}).name == "\u200bJane\ufeff"


@pytest.mark.parametrize(("model", "field"), REQUIRED, ids=lambda v: getattr(v, "__name__", v))
def test_a_string_that_is_not_unicode_text_is_refused(model: type[Request], field: str) -> None:
    # json.loads turns the escape "\ud800" into a lone surrogate, which Cognito (and SECRET_HASH) cannot encode.
    assert field_errors(model, {**VALID[model], field: "a\ud800b"}) == {field: "invalid"}


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
        ("NoSymbolsHere1", WITH_SYMBOLS, "contain a symbol"),
        (" Leading-Passw0rd", POLICY, "not begin or end with a space"),
        ("Trailing-Passw0rd ", POLICY, "not begin or end with a space"),
    ],
)
def test_each_broken_rule_is_named(password: str, policy: PasswordPolicy, rule: str) -> None:
    message = refusal(password, policy)

    assert rule in message
    assert message.count("contain") + message.count("be at least") + message.count("begin") == 1


def test_every_broken_rule_is_named_at_once() -> None:
    message = refusal("abc", WITH_SYMBOLS)

    for rule in ("be at least 8 characters long", "contain an uppercase letter", "contain a number", "symbol"):
        assert rule in message
    assert "lowercase" not in message


@pytest.mark.parametrize("password", ["Example-Passw0rd", "Aa1aaaaa", "Ünïcödé-Passw0rd", "A1" + "a" * 254])
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
    assert "contain a symbol" in refusal("Passw0rdé", WITH_SYMBOLS)
