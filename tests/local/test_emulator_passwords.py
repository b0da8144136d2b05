"""The emulator checks passwords as Cognito documents, wherever a password is set, against the pool's own policy; and
it agrees with the layer's independent check (cognito_auth.passwords) on every password.

In-process on moto pools built from template.yaml (8 characters, upper, lower, number; no symbol).
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cognito_auth.cognito import secret_hash
from cognito_auth.passwords import broken_rules
from cognito_auth.settings import PasswordPolicy
from local_api import emulator, template
from local_api.emulator import passwords
from tests.support.cognito import TEMPLATE, Pool
from tests.support.passwords import passwords as password_strategy

EMAIL = "jane@example.com"
GOOD = "Correct-Horse1"
# Cognito accepts these; moto refused the first (its maximum is 99) and the second is the brief's own example.
ACCEPTED = {
    "120 characters": "Aa1-" + "x" * 116,
    "256 characters": "Aa1-" + "x" * 252,
    "a space inside": "Correct Horse 1",
    "U+2028 between letters": "Correct\u2028Horse1",
}
# Cognito refuses these; moto accepted all but the first.
REFUSED = {
    "257 characters": ("Aa1-" + "x" * 253, "length less than or equal to 256"),
    "a leading space": (" Correct-Horse1", "regular expression pattern"),
    "a trailing tab": ("Correct-Horse1\t", "regular expression pattern"),
    "a line break inside": ("Correct\nHorse1", "regular expression pattern"),
    "Arabic-Indic digits only": ("Correct-Horse٣", "numeric characters"),
    "no A-Z, only Ä": ("äöü-correct1Ä", "uppercase characters"),
}


def _error(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def _confirmed(pool: Pool, email: str = EMAIL, password: str = GOOD) -> None:
    pool.client.admin_create_user(UserPoolId=pool.pool_id, Username=email, MessageAction="SUPPRESS")
    pool.client.admin_set_user_password(UserPoolId=pool.pool_id, Username=email, Password=password, Permanent=True)


def _sign_in(pool: Pool, email: str, password: str) -> dict[str, Any]:
    return dict(
        pool.client.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    )


# Every operation that sets a password: (pool, email, password) -> None, raising ClientError when refused.
def _sign_up(pool: Pool, email: str, password: str) -> None:
    pool.client.sign_up(
        ClientId=pool.client_id, Username=email, Password=password, UserAttributes=[{"Name": "email", "Value": email}]
    )


def _admin_set_user_password(pool: Pool, email: str, password: str) -> None:
    _confirmed(pool, email)
    pool.client.admin_set_user_password(UserPoolId=pool.pool_id, Username=email, Password=password, Permanent=True)


def _admin_create_user(pool: Pool, email: str, password: str) -> None:
    pool.client.admin_create_user(
        UserPoolId=pool.pool_id, Username=email, TemporaryPassword=password, MessageAction="SUPPRESS"
    )


def _change_password(pool: Pool, email: str, password: str) -> None:
    _confirmed(pool, email)
    access = _sign_in(pool, email, GOOD)["AuthenticationResult"]["AccessToken"]
    pool.client.change_password(AccessToken=access, PreviousPassword=GOOD, ProposedPassword=password)


def _confirm_forgot_password(pool: Pool, email: str, password: str) -> None:
    outbox = emulator.Outbox()
    emulator.deliver_codes(pool.pool_id, outbox)
    _confirmed(pool, email)
    pool.client.forgot_password(ClientId=pool.client_id, Username=email)
    code = [m.code for m in outbox.messages() if m.to == email][-1]
    pool.client.confirm_forgot_password(
        ClientId=pool.client_id, Username=email, ConfirmationCode=code, Password=password
    )


def _new_password_required(pool: Pool, email: str, password: str) -> None:
    pool.client.admin_create_user(
        UserPoolId=pool.pool_id, Username=email, TemporaryPassword=GOOD, MessageAction="SUPPRESS"
    )
    challenge = _sign_in(pool, email, GOOD)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    # As Cognito requires: the user's username (not the email alias), and SECRET_HASH over it.
    username = challenge["ChallengeParameters"]["USER_ID_FOR_SRP"]
    answer = {"USERNAME": username, "NEW_PASSWORD": password}
    if pool.secret:
        answer["SECRET_HASH"] = secret_hash(username, pool.client_id, pool.secret)
    pool.client.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses=answer,
    )


SETS_PASSWORD = {
    "SignUp": _sign_up,
    "AdminSetUserPassword": _admin_set_user_password,
    "AdminCreateUser": _admin_create_user,
    "ChangePassword": _change_password,
    "ConfirmForgotPassword": _confirm_forgot_password,
    "RespondToAuthChallenge": _new_password_required,
}


def _accepted(pool: Pool, operation: str, password: str, email: str = EMAIL) -> None:
    SETS_PASSWORD[operation](pool, email, password)

    if operation != "AdminCreateUser":  # a temporary password signs in to a NEW_PASSWORD_REQUIRED challenge
        pool.client.admin_confirm_sign_up(UserPoolId=pool.pool_id, Username=email)
        assert "AuthenticationResult" in _sign_in(pool, email, password)


def _refused(pool: Pool, operation: str, password: str, rule: str, email: str = EMAIL) -> None:
    code, message = _error(SETS_PASSWORD[operation], pool=pool, email=email, password=password)

    assert code == "InvalidPasswordException"
    assert rule in message
    assert password not in message


@pytest.mark.parametrize("case", ACCEPTED)
def test_sign_up_accepts_what_cognito_accepts(secret_pool: Pool, case: str) -> None:
    _accepted(secret_pool, "SignUp", ACCEPTED[case])


@pytest.mark.parametrize("case", REFUSED)
def test_sign_up_refuses_what_cognito_refuses(secret_pool: Pool, case: str) -> None:
    _refused(secret_pool, "SignUp", *REFUSED[case])


@pytest.mark.parametrize("operation", SETS_PASSWORD)
def test_every_operation_that_sets_a_password_applies_the_same_rules(secret_pool: Pool, operation: str) -> None:
    _refused(secret_pool, operation, *REFUSED["a leading space"], email="refused@example.com")
    _accepted(secret_pool, operation, ACCEPTED["120 characters"], email="accepted@example.com")


def _pool_with(policies: dict[str, Any] | None) -> Pool:
    kwargs = template.user_pool_kwargs(TEMPLATE)
    if policies is None:
        kwargs.pop("Policies")
    else:
        kwargs["Policies"] = {"PasswordPolicy": policies}
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool_id = idp.create_user_pool(**kwargs)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]
    return Pool(idp, pool_id, client_id, None)


@pytest.mark.parametrize(
    ("policies", "password", "rule"),
    [
        (None, "CorrectHorse1", "symbol characters"),  # Cognito's default policy requires every class
        (None, "Short-1a", None),
        ({"MinimumLength": 12}, "short", "not long enough"),
        ({"MinimumLength": 12}, "only-lowercase-and-long", None),  # a requirement left out is off
        ({"MinimumLength": 6, "RequireSymbols": True}, "plain1", "symbol characters"),
        ({"MinimumLength": 6, "RequireSymbols": True}, "plain 1", None),  # a space inside is a special character
        ({"MinimumLength": 6, "RequireSymbols": True}, "plain=1", None),  # moto did not count = or +
    ],
)
def test_the_pools_own_policy_applies(aws: None, policies: dict[str, Any] | None, password: str, rule: str) -> None:
    pool = _pool_with(policies)
    if rule is None:
        _sign_up(pool, EMAIL, password)
        assert pool.user(EMAIL)["UserStatus"] == "UNCONFIRMED"
    else:
        assert rule in _error(_sign_up, pool=pool, email=EMAIL, password=password)[1]


@pytest.mark.parametrize(
    ("password", "matches"),
    [
        ("ab", True),
        ("a", False),
        ("a b", True),
        (" ab", False),
        ("ab\n", False),
        ("a\nb", False),
        ("a\u2028b", True),  # U+2028 is not whitespace to Java: it is part of a \S run
        ("\x85ab", True),
        ("a \u2028 b", False),  # between two spaces it has to be matched by `.`, which refuses it
        ("a\u2028 b", True),
        ("a\xa0b\u3000", True),  # Unicode spaces are not Java's \s
        ("a\x1cb\x1f", True),  # nor are the separators Python calls whitespace
    ],
)
def test_the_pattern_is_read_as_java_reads_it(password: str, matches: bool) -> None:
    assert passwords.matches_pattern(password) is matches


POLICY = template.user_pool_kwargs(TEMPLATE)["Policies"]["PasswordPolicy"]


@st.composite
def policy_and_password(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    policy = {
        "MinimumLength": draw(st.sampled_from([6, 8, 12, 99])),
        **{name: draw(st.booleans()) for name in ("RequireUppercase", "RequireLowercase", "RequireNumbers")},
        "RequireSymbols": draw(st.booleans()),
    }
    return policy, draw(password_strategy(policy["MinimumLength"]))


def _layer_policy(policy: dict[str, Any]) -> PasswordPolicy:
    return PasswordPolicy(
        min_length=policy["MinimumLength"],
        require_uppercase=policy["RequireUppercase"],
        require_lowercase=policy["RequireLowercase"],
        require_numbers=policy["RequireNumbers"],
        require_symbols=policy["RequireSymbols"],
    )


def test_a_line_separator_between_letters_is_accepted_by_both() -> None:
    # Java's `[\\S]+` runs of ^[\\S]+.*[\\S]+$ take U+0085, U+2028 and U+2029 (they are not \\s): only between the first
    # and last whitespace does a line break fail the pattern.
    password = "Correct\u2028Horse1"
    assert passwords.refusal(password, passwords.Policy.of(POLICY)) is None
    assert broken_rules(password, _layer_policy(POLICY)) == []
    assert passwords.refusal("Correct \u2028Horse 1", passwords.Policy.of(POLICY)) is not None
    assert broken_rules("Correct \u2028Horse 1", _layer_policy(POLICY)) != []


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(policy_and_password())
@example(({**POLICY, "MinimumLength": 8}, "ÄÖÜäöü12!"))
@example(({**POLICY, "MinimumLength": 8}, "Aa1-" + "x" * 116))
@example(({**POLICY, "MinimumLength": 8}, "Passwort-٣٣"))
def test_the_layer_and_the_emulator_agree_on_every_password(case: tuple[dict[str, Any], str]) -> None:
    policy, password = case

    layer_accepts = not broken_rules(password, _layer_policy(policy))
    cognito_accepts = passwords.refusal(password, passwords.Policy.of(policy)) is None

    assert layer_accepts == cognito_accepts
