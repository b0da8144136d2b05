"""Request models: what each endpoint accepts."""

from __future__ import annotations

from typing import Any

import pytest

from cognito_auth.models import (
    ConfirmRequest,
    EmailRequest,
    Invalid,
    RefreshRequest,
    Request,
    ResetPasswordRequest,
    SignInRequest,
    SignUpRequest,
    parse,
)

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
    """{field: kind} of every problem found."""
    with pytest.raises(Invalid) as raised:
        parse(model, data)
    return {problem.field: problem.kind for problem in raised.value.problems}


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
    # U+00A0 and U+3000 are whitespace; U+200B and U+FEFF are not (they are invisible format characters: below).
    assert parse(SignUpRequest, {**VALID[SignUpRequest], "name": "\xa0Jane\u3000"}).name == "Jane"


CONTROL_AND_FORMAT = {
    "NUL": "\x00",
    "escape": "\x1b",
    "line feed inside": "\n",
    "DEL": "\x7f",
    "C1 control": "\x85",
    "zero-width space": "\u200b",
    "right-to-left override": "\u202e",
    "byte order mark": "\ufeff",
    "soft hyphen": "\xad",
    "tag character": "\U000e0041",
}


@pytest.mark.parametrize("char", CONTROL_AND_FORMAT.values(), ids=CONTROL_AND_FORMAT.keys())
@pytest.mark.parametrize(
    ("model", "field"), [(SignUpRequest, "email"), (SignUpRequest, "name"), (EmailRequest, "email")]
)
def test_control_and_format_characters_are_refused_in_emails_and_names(
    model: type[Request], field: str, char: str
) -> None:
    value = VALID[model][field]
    middle = len(value) // 2

    assert field_errors(model, {**VALID[model], field: value[:middle] + char + value[middle:]}) == {field: "text"}
    if not char.isspace():  # whitespace at the ends is trimmed, as always
        assert field_errors(model, {**VALID[model], field: char + value}) == {field: "text"}


def test_passwords_are_not_judged_as_text() -> None:
    # A password is what the user typed: the pool's policy judges it, and it is never shown to anyone.
    assert parse(SignInRequest, {"email": EMAIL, "password": "Pass\u200bw0rd"}).password == "Pass\u200bw0rd"


def test_every_problem_is_named_in_field_order() -> None:
    problems = field_errors(SignUpRequest, {"email": "not-an-email", "name": 7})

    assert list(problems.items()) == [("email", "pattern"), ("name", "type"), ("password", "missing")]


@pytest.mark.parametrize(("model", "field"), REQUIRED, ids=lambda v: getattr(v, "__name__", v))
def test_a_string_that_is_not_unicode_text_is_refused(model: type[Request], field: str) -> None:
    # json.loads turns the escape "\ud800" into a lone surrogate, which Cognito (and SECRET_HASH) cannot encode.
    assert field_errors(model, {**VALID[model], field: "a\ud800b"}) == {field: "invalid"}
