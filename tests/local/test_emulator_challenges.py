"""The embedded Cognito's sign-in challenges and second factors, where moto differs from Cognito: a TOTP secret per
user and real codes, each good once; email MFA and the choice of factor; MFA set-up when the pool requires it;
sessions bound to their user, client and challenge, single-use and expiring; SECRET_HASH on every answer; USER_AUTH.

In-process, on a pool and app client built from template.yaml as `make dev` builds them (every feature on), talking
to the emulator with boto3 as the layer does; time is the emulator's clock, moved by the tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from cognito_auth.cognito import secret_hash
from local_api import emulator, template
from local_api.cli import template_params
from tests.support import totp
from tests.support.clock import Clock
from tests.support.cognito import TEMPLATE

EMAIL, OTHER = "jane@example.com", "joe@example.com"
PASSWORD, TEMPORARY, NEW_PASSWORD = "Correct-Horse1", "Temporary-Passw0rd", "Battery-Staple2"


@dataclass
class DevPool:
    idp: Any
    pool_id: str
    client_id: str
    secret: str
    outbox: emulator.Outbox

    def hash(self, name: str) -> str:
        return secret_hash(name, self.client_id, self.secret)

    def user(self, name: str) -> dict[str, Any]:
        return dict(self.idp.admin_get_user(UserPoolId=self.pool_id, Username=name))

    def create(self, email: str, *, temporary: str | None = None, permanent: str | None = PASSWORD) -> str:
        """A user as an administrator creates one (email verified); their sub."""
        self.idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            MessageAction="SUPPRESS",
            TemporaryPassword=temporary or TEMPORARY,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
        if temporary is None and permanent is not None:
            self.idp.admin_set_user_password(
                UserPoolId=self.pool_id, Username=email, Password=permanent, Permanent=True
            )
        return str(self.user(email)["Username"])

    def sign_in(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        return dict(
            self.idp.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password, "SECRET_HASH": self.hash(email)},
            )
        )

    def answer(self, challenge: dict[str, Any], username: str | None = None, **responses: str) -> dict[str, Any]:
        """Answer as Cognito asks: USERNAME is USER_ID_FOR_SRP, SECRET_HASH over it (unless given otherwise)."""
        name = username or challenge["ChallengeParameters"]["USER_ID_FOR_SRP"]
        return dict(
            self.idp.respond_to_auth_challenge(
                ClientId=self.client_id,
                ChallengeName=challenge["ChallengeName"],
                Session=challenge["Session"],
                ChallengeResponses={"USERNAME": name, "SECRET_HASH": self.hash(name), **responses},
            )
        )

    def access_token(self, email: str, password: str = PASSWORD) -> str:
        return str(self.sign_in(email, password)["AuthenticationResult"]["AccessToken"])

    def codes(self, to: str) -> list[str]:
        return [m.code for m in self.outbox.messages(to=to) if m.purpose == emulator.SIGN_IN]


def make_dev_pool(**overrides: str) -> DevPool:
    params = template_params(TEMPLATE, [f"{name}={value}" for name, value in overrides.items()])
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool_id = idp.create_user_pool(**template.user_pool_kwargs(TEMPLATE, params))["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(**template.user_pool_mfa_config_kwargs(TEMPLATE, pool_id, params))
    client = idp.create_user_pool_client(**template.user_pool_client_kwargs(TEMPLATE, pool_id, params))
    outbox = emulator.Outbox()
    emulator.deliver_codes(pool_id, outbox)
    app = client["UserPoolClient"]
    return DevPool(idp, pool_id, app["ClientId"], app["ClientSecret"], outbox)


@pytest.fixture
def now(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The emulator's clock, at the start of a TOTP step, moved by the test."""
    clock.now = float(int(clock.now) // 30 * 30 + 1)
    monkeypatch.setattr(emulator.clock, "now", clock)
    return clock


@pytest.fixture
def dev(aws: None, now: Clock) -> DevPool:
    return make_dev_pool()


def error(call: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return str(caught.value.response["Error"]["Code"])


def enrol_totp(dev: DevPool, email: str, now: Clock, token: str | None = None) -> str:
    """Set up TOTP as POST /auth/mfa/totp and /verify do; the secret."""
    token = token or dev.access_token(email)
    secret = str(dev.idp.associate_software_token(AccessToken=token)["SecretCode"])
    assert dev.idp.verify_software_token(AccessToken=token, UserCode=totp.code(secret, now.now))["Status"] == "SUCCESS"
    dev.idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    now.advance(30)  # the code just used is good once: sign-ins use the next one
    return secret


def mfa_of(dev: DevPool, email: str) -> tuple[list[str], str | None]:
    user = dev.user(email)
    return list(user.get("UserMFASettingList", [])), user.get("PreferredMfaSetting")


# TOTP -------------------------------------------------------------------------------------------------------------


def test_the_totp_helper_computes_rfc_6238s_own_test_vector() -> None:
    # RFC 6238 Appendix B, SHA-1, T = 59 s: 94287082, of which an authenticator app shows the last 6 digits.
    assert totp.code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", at=59) == "287082"


def test_each_user_gets_a_secret_of_their_own(dev: DevPool) -> None:
    dev.create(EMAIL)
    dev.create(OTHER)

    secrets = [
        dev.idp.associate_software_token(AccessToken=dev.access_token(email))["SecretCode"]
        for email in (EMAIL, OTHER, EMAIL)
    ]

    assert len(set(secrets)) == 3  # two users, and a new secret each time
    assert all(len(s) >= 32 for s in secrets)
    assert "asdfasdfasdf" not in secrets  # moto's one secret for everybody


def test_a_secret_is_verified_only_by_its_own_codes(dev: DevPool, now: Clock) -> None:
    dev.create(EMAIL)
    token = dev.access_token(EMAIL)
    secret = dev.idp.associate_software_token(AccessToken=token)["SecretCode"]
    enable = {"SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}}

    assert error(dev.idp.set_user_mfa_preference, AccessToken=token, **enable) == "InvalidParameterException"
    wrong = totp.code(secret, now.now + 600)
    assert error(dev.idp.verify_software_token, AccessToken=token, UserCode=wrong) == "EnableSoftwareTokenMFAException"
    assert mfa_of(dev, EMAIL) == ([], None)

    dev.idp.verify_software_token(AccessToken=token, UserCode=totp.code(secret, now.now))
    dev.idp.set_user_mfa_preference(AccessToken=token, **enable)
    assert mfa_of(dev, EMAIL) == (["SOFTWARE_TOKEN_MFA"], "SOFTWARE_TOKEN_MFA")


def test_totp_sign_in_asks_for_a_code_refuses_a_wrong_one_and_accepts_each_code_once(dev: DevPool, now: Clock) -> None:
    sub = dev.create(EMAIL)
    secret = enrol_totp(dev, EMAIL, now)

    challenge = dev.sign_in(EMAIL)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == sub
    assert "AuthenticationResult" not in challenge
    right = totp.code(secret, now.now)
    wrong = totp.code(secret, now.now + 3600)
    assert error(dev.answer, challenge, SOFTWARE_TOKEN_MFA_CODE=wrong) == "CodeMismatchException"

    signed_in = dev.answer(challenge, SOFTWARE_TOKEN_MFA_CODE=right)  # the same session, after a wrong code
    assert signed_in["AuthenticationResult"]["AccessToken"]
    assert error(dev.answer, challenge, SOFTWARE_TOKEN_MFA_CODE=right) == "NotAuthorizedException"  # used

    again = dev.sign_in(EMAIL)
    assert error(dev.answer, again, SOFTWARE_TOKEN_MFA_CODE=right) == "CodeMismatchException"  # that code is spent
    now.advance(30)
    assert "AuthenticationResult" in dev.answer(again, SOFTWARE_TOKEN_MFA_CODE=totp.code(secret, now.now))


def test_a_code_is_accepted_a_step_either_side_of_now_and_no_further(dev: DevPool, now: Clock) -> None:
    dev.create(EMAIL)
    secret = enrol_totp(dev, EMAIL, now)
    now.advance(60)  # two steps past the one used to enrol

    for offset, accepted in ((-60, False), (60, False), (-30, True), (30, True)):
        challenge = dev.sign_in(EMAIL)
        code = totp.code(secret, now.now + offset)
        if accepted:
            assert "AuthenticationResult" in dev.answer(challenge, SOFTWARE_TOKEN_MFA_CODE=code), offset
            now.advance(90)  # past every step used so far
        else:
            assert error(dev.answer, challenge, SOFTWARE_TOKEN_MFA_CODE=code) == "CodeMismatchException", offset


# Sessions ---------------------------------------------------------------------------------------------------------


def test_a_session_answers_only_for_its_own_user(dev: DevPool) -> None:
    """moto let one user's NEW_PASSWORD_REQUIRED session set another user's password."""
    dev.create(EMAIL, temporary=TEMPORARY)
    other = dev.create(OTHER)
    challenge = dev.sign_in(EMAIL, TEMPORARY)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    hijack = error(dev.answer, challenge, username=other, NEW_PASSWORD=NEW_PASSWORD)

    assert hijack == "NotAuthorizedException"
    assert "AuthenticationResult" in dev.sign_in(OTHER, PASSWORD)  # the other user's password is unchanged
    assert error(dev.sign_in, OTHER, NEW_PASSWORD) == "NotAuthorizedException"
    assert "AuthenticationResult" in dev.answer(challenge, NEW_PASSWORD=NEW_PASSWORD)  # its own user still can
    assert dev.user(EMAIL)["UserStatus"] == "CONFIRMED"


def test_a_session_answers_only_its_own_challenge(dev: DevPool) -> None:
    dev.create(EMAIL, temporary=TEMPORARY)
    challenge = dev.sign_in(EMAIL, TEMPORARY)

    as_mfa = {**challenge, "ChallengeName": "SOFTWARE_TOKEN_MFA"}
    assert error(dev.answer, as_mfa, SOFTWARE_TOKEN_MFA_CODE="123456") == "NotAuthorizedException"
    assert error(dev.answer, challenge, NEW_PASSWORD="weak") == "InvalidPasswordException"

    assert "AuthenticationResult" in dev.answer(challenge, NEW_PASSWORD=NEW_PASSWORD)
    assert error(dev.answer, challenge, NEW_PASSWORD=NEW_PASSWORD) == "NotAuthorizedException"  # single-use


@pytest.mark.parametrize(
    ("username", "hashed_over"),
    [("email", "email"), ("email", "sub"), ("sub", "email"), ("sub", None)],
    ids=["email with its hash", "email with the sub's hash", "sub with the email's hash", "no hash"],
)
def test_every_answer_is_checked_for_the_username_and_its_secret_hash(
    dev: DevPool, username: str, hashed_over: str | None
) -> None:
    """Cognito wants the username (USER_ID_FOR_SRP), not the email alias, and SECRET_HASH over it
    (https://github.com/qwigo/warrant/issues/74)."""
    sub = dev.create(EMAIL, temporary=TEMPORARY)
    challenge = dev.sign_in(EMAIL, TEMPORARY)
    names = {"email": EMAIL, "sub": sub}
    responses = {"USERNAME": names[username], "NEW_PASSWORD": NEW_PASSWORD}
    if hashed_over is not None:
        responses["SECRET_HASH"] = dev.hash(names[hashed_over])

    refused = error(
        dev.idp.respond_to_auth_challenge,
        ClientId=dev.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses=responses,
    )

    assert refused == "NotAuthorizedException"
    assert dev.user(EMAIL)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert "AuthenticationResult" in dev.answer(challenge, NEW_PASSWORD=NEW_PASSWORD)


def test_sessions_expire_after_the_clients_auth_session_validity(dev: DevPool, now: Clock) -> None:
    dev.create(EMAIL, temporary=TEMPORARY)
    minutes = template.user_pool_client_kwargs(TEMPLATE, dev.pool_id).get("AuthSessionValidity", 3)

    in_time = dev.sign_in(EMAIL, TEMPORARY)
    late = dev.sign_in(EMAIL, TEMPORARY)
    now.advance(minutes * 60 - 1)
    assert "AuthenticationResult" in dev.answer(in_time, NEW_PASSWORD=NEW_PASSWORD)
    now.advance(1)
    assert error(dev.answer, late, NEW_PASSWORD="Other-Passw0rd1") == "NotAuthorizedException"


def test_a_client_with_a_longer_auth_session_validity_keeps_sessions_longer(dev: DevPool, now: Clock) -> None:
    longer = dev.idp.create_user_pool_client(
        UserPoolId=dev.pool_id,
        ClientName="fifteen-minutes",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        AuthSessionValidity=15,
    )["UserPoolClient"]
    client = DevPool(dev.idp, dev.pool_id, longer["ClientId"], longer["ClientSecret"], dev.outbox)
    client.create(EMAIL, temporary=TEMPORARY)
    challenge, late = client.sign_in(EMAIL, TEMPORARY), client.sign_in(EMAIL, TEMPORARY)

    now.advance(14 * 60)
    assert "AuthenticationResult" in client.answer(challenge, NEW_PASSWORD=NEW_PASSWORD)
    now.advance(60)
    assert error(client.answer, late, NEW_PASSWORD=NEW_PASSWORD) == "NotAuthorizedException"


def test_a_session_of_another_app_client_is_refused(dev: DevPool) -> None:
    other = dev.idp.create_user_pool_client(UserPoolId=dev.pool_id, ClientName="other")["UserPoolClient"]
    dev.create(EMAIL, temporary=TEMPORARY)
    challenge = dev.sign_in(EMAIL, TEMPORARY)
    sub = challenge["ChallengeParameters"]["USER_ID_FOR_SRP"]

    refused = error(
        dev.idp.respond_to_auth_challenge,
        ClientId=other["ClientId"],
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": sub, "NEW_PASSWORD": NEW_PASSWORD},
    )

    assert refused == "NotAuthorizedException"


def test_a_temporary_password_expires_after_the_pools_validity(dev: DevPool, now: Clock) -> None:
    days = template.user_pool_kwargs(TEMPLATE)["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"]
    dev.create(EMAIL, temporary=TEMPORARY)
    dev.create(OTHER, temporary=TEMPORARY)

    now.advance(days * 86400)
    assert dev.sign_in(EMAIL, TEMPORARY)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    now.advance(1)
    assert error(dev.sign_in, OTHER, TEMPORARY) == "NotAuthorizedException"


def test_a_password_sign_in_answers_an_unknown_user_like_a_wrong_password(dev: DevPool) -> None:
    dev.create(EMAIL)

    assert error(dev.sign_in, "nobody@example.com") == error(dev.sign_in, EMAIL, "Wrong-Passw0rd1")
    assert error(dev.sign_in, EMAIL, "Wrong-Passw0rd1") == "NotAuthorizedException"


def test_a_user_whose_password_an_administrator_reset_must_reset_it(dev: DevPool) -> None:
    dev.create(EMAIL)
    dev.idp.admin_reset_user_password(UserPoolId=dev.pool_id, Username=EMAIL)

    assert error(dev.sign_in, EMAIL) == "PasswordResetRequiredException"


# Email MFA and the choice of a factor -----------------------------------------------------------------------------


def test_email_mfa_emails_a_code_to_the_outbox_for_each_sign_in(dev: DevPool) -> None:
    assert "EmailMfaConfiguration" in dev.idp.get_user_pool_mfa_config(UserPoolId=dev.pool_id)
    dev.create(EMAIL)
    dev.idp.set_user_mfa_preference(
        AccessToken=dev.access_token(EMAIL), EmailMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    assert mfa_of(dev, EMAIL) == (["EMAIL_OTP"], "EMAIL_OTP")

    challenge = dev.sign_in(EMAIL)
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "j***@e***"
    [code] = dev.codes(EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert error(dev.answer, challenge, EMAIL_OTP_CODE=wrong) == "CodeMismatchException"
    assert "AuthenticationResult" in dev.answer(challenge, EMAIL_OTP_CODE=code)

    again = dev.sign_in(EMAIL)
    [_, new_code] = dev.codes(EMAIL)
    if new_code != code:
        assert error(dev.answer, again, EMAIL_OTP_CODE=code) == "CodeMismatchException"
    assert "AuthenticationResult" in dev.answer(again, EMAIL_OTP_CODE=new_code)


def test_email_mfa_is_refused_where_the_pool_does_not_offer_it(aws: None, now: Clock) -> None:
    without_ses = make_dev_pool(SesIdentityArn="")
    without_ses.create(EMAIL)

    refused = error(
        without_ses.idp.set_user_mfa_preference,
        AccessToken=without_ses.access_token(EMAIL),
        EmailMfaSettings={"Enabled": True},
    )

    assert refused == "InvalidParameterException"
    assert "EmailMfaConfiguration" not in without_ses.idp.get_user_pool_mfa_config(UserPoolId=without_ses.pool_id)


@pytest.mark.parametrize("answer", ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "EMAIL_MFA"])
def test_a_user_with_two_factors_and_no_preference_chooses_one(dev: DevPool, now: Clock, answer: str) -> None:
    """EMAIL_MFA is the API reference's name for the email answer, EMAIL_OTP the one Cognito lists (and Amplify
    sends): both choose email."""
    dev.create(EMAIL)
    token = dev.access_token(EMAIL)
    secret = enrol_totp(dev, EMAIL, now, token)
    dev.idp.set_user_mfa_preference(
        AccessToken=token,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
        EmailMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    assert mfa_of(dev, EMAIL) == (["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"], None)

    choice = dev.sign_in(EMAIL)
    assert choice["ChallengeName"] == "SELECT_MFA_TYPE"
    assert json.loads(choice["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    assert error(dev.answer, choice, ANSWER="SMS_MFA") == "InvalidParameterException"
    challenge = dev.answer(choice, ANSWER=answer)

    if answer == "SOFTWARE_TOKEN_MFA":
        assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
        assert dev.codes(EMAIL) == []
        signed_in = dev.answer(challenge, SOFTWARE_TOKEN_MFA_CODE=totp.code(secret, now.now))
    else:
        assert challenge["ChallengeName"] == "EMAIL_OTP"
        signed_in = dev.answer(challenge, EMAIL_OTP_CODE=dev.codes(EMAIL)[-1])
    assert "AuthenticationResult" in signed_in
    assert error(dev.answer, choice, ANSWER=answer) == "NotAuthorizedException"  # the choice was made once


def test_the_preferred_factor_is_asked_for_and_turning_it_off_leaves_the_other(dev: DevPool, now: Clock) -> None:
    dev.create(EMAIL)
    token = dev.access_token(EMAIL)
    enrol_totp(dev, EMAIL, now, token)
    dev.idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert mfa_of(dev, EMAIL) == (["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"], "EMAIL_OTP")
    assert dev.sign_in(EMAIL)["ChallengeName"] == "EMAIL_OTP"

    dev.idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": False, "PreferredMfa": False})

    assert mfa_of(dev, EMAIL) == (["SOFTWARE_TOKEN_MFA"], None)
    assert dev.sign_in(EMAIL)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    both_preferred = {"SoftwareTokenMfaSettings": {"PreferredMfa": True}, "EmailMfaSettings": {"PreferredMfa": True}}
    assert error(dev.idp.set_user_mfa_preference, AccessToken=token, **both_preferred) == "InvalidParameterException"


# MFA set-up at sign-in --------------------------------------------------------------------------------------------


def test_a_pool_that_requires_mfa_has_a_user_without_one_set_up_totp_at_sign_in(aws: None, now: Clock) -> None:
    required = make_dev_pool(MfaConfiguration="ON")
    required.create(EMAIL, temporary=TEMPORARY)

    challenge = required.answer(required.sign_in(EMAIL, TEMPORARY), NEW_PASSWORD=NEW_PASSWORD)
    assert challenge["ChallengeName"] == "MFA_SETUP"
    assert "SOFTWARE_TOKEN_MFA" in json.loads(challenge["ChallengeParameters"]["MFAS_CAN_SETUP"])
    assert error(required.answer, challenge) == "InvalidParameterException"  # nothing is set up yet

    associated = required.idp.associate_software_token(Session=challenge["Session"])
    secret, session = associated["SecretCode"], associated["Session"]
    assert error(required.idp.associate_software_token, Session=challenge["Session"]) == "NotAuthorizedException"
    wrong = totp.code(secret, now.now + 3600)
    verify = required.idp.verify_software_token
    assert error(verify, Session=session, UserCode=wrong) == "EnableSoftwareTokenMFAException"
    verified = verify(Session=session, UserCode=totp.code(secret, now.now))
    assert verified["Status"] == "SUCCESS"

    done = required.answer({**challenge, "Session": verified["Session"]})
    assert "AuthenticationResult" in done
    assert mfa_of(required, EMAIL)[0] == ["SOFTWARE_TOKEN_MFA"]
    now.advance(30)
    assert required.sign_in(EMAIL, NEW_PASSWORD)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    off = {"SoftwareTokenMfaSettings": {"Enabled": False}}
    token = done["AuthenticationResult"]["AccessToken"]
    assert error(required.idp.set_user_mfa_preference, AccessToken=token, **off) == "InvalidParameterException"


# USER_AUTH --------------------------------------------------------------------------------------------------------


def user_auth(dev: DevPool, email: str, **parameters: str) -> dict[str, Any]:
    return dict(
        dev.idp.initiate_auth(
            ClientId=dev.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email, "SECRET_HASH": dev.hash(email), **parameters},
        )
    )


def test_sign_in_with_an_emailed_code(dev: DevPool) -> None:
    sub = dev.create(EMAIL)

    challenge = user_auth(dev, EMAIL, PREFERRED_CHALLENGE="EMAIL_OTP")

    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == sub
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "j***@e***"
    [code] = dev.codes(EMAIL)
    assert "AuthenticationResult" in dev.answer(challenge, EMAIL_OTP_CODE=code)


def test_an_address_without_an_account_meets_the_same_challenge_and_no_code_answers_it(dev: DevPool) -> None:
    dev.create(EMAIL)
    known = user_auth(dev, EMAIL, PREFERRED_CHALLENGE="EMAIL_OTP")

    unknown = user_auth(dev, "nobody@example.com", PREFERRED_CHALLENGE="EMAIL_OTP")

    assert unknown["ChallengeName"] == known["ChallengeName"]
    assert set(unknown["ChallengeParameters"]) == set(known["ChallengeParameters"])
    assert unknown["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "n***@e***"
    assert dev.outbox.messages(to="nobody@example.com") == []
    assert error(dev.answer, unknown, EMAIL_OTP_CODE="123456") == "CodeMismatchException"


def test_user_auth_without_a_preference_offers_the_pools_first_factors(dev: DevPool) -> None:
    dev.create(EMAIL)

    choice = user_auth(dev, EMAIL)
    assert choice["ChallengeName"] == "SELECT_CHALLENGE"
    assert choice["AvailableChallenges"] == ["PASSWORD", "EMAIL_OTP"]
    assert error(dev.answer, choice, ANSWER="PASSWORD", PASSWORD="Wrong-Passw0rd1") == "NotAuthorizedException"
    assert "AuthenticationResult" in dev.answer(choice, ANSWER="PASSWORD", PASSWORD=PASSWORD)

    by_email = dev.answer(user_auth(dev, EMAIL), ANSWER="EMAIL_OTP")
    assert by_email["ChallengeName"] == "EMAIL_OTP"
    assert "AuthenticationResult" in dev.answer(by_email, EMAIL_OTP_CODE=dev.codes(EMAIL)[-1])


def test_user_auth_needs_the_flow_on_the_app_client_and_the_secret_hash(dev: DevPool) -> None:
    dev.create(EMAIL)
    password_only = dev.idp.create_user_pool_client(
        UserPoolId=dev.pool_id, ClientName="password-only", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    start = dev.idp.initiate_auth

    assert (
        error(start, ClientId=password_only, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": EMAIL})
        == "InvalidParameterException"
    )
    assert (
        error(start, ClientId=dev.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": EMAIL})
        == "NotAuthorizedException"
    )
    assert dev.codes(EMAIL) == []


def test_installing_twice_changes_nothing(dev: DevPool) -> None:
    emulator.install()
    dev.create(EMAIL)

    user_auth(dev, EMAIL, PREFERRED_CHALLENGE="EMAIL_OTP")

    assert len(dev.codes(EMAIL)) == 1
