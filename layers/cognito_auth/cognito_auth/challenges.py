"""Every sign-in finishes: Cognito's challenges answered (a new password, a TOTP or emailed code, the choice of a
factor, TOTP set-up at sign-in), and passwordless sign-in by an emailed code (the USER_AUTH flow).

A challenge reaches the client as `{challenge, session, ...}` where `session` is one opaque string (sessions.py)
carrying Cognito's session and the user's internal username, which every answer and its SECRET_HASH need: with
email as the sign-in name that is the `sub` Cognito returns as USER_ID_FOR_SRP, never the email (Cognito's API
reference for RespondToAuthChallenge: "USERNAME ... the username or alias... use the value of USER_ID_FOR_SRP").
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cognito_auth import errors
from cognito_auth.aws import client_secret, cognito_client
from cognito_auth.cognito import HIDE, Hidden, auth_parameters, translated
from cognito_auth.service import mask_email, tokens
from cognito_auth.sessions import ChallengeSession, open_session, seal
from cognito_auth.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.literals import ChallengeNameTypeType

# The API's names of the factors a user chooses between, and Cognito's.
MFA_ANSWERS = {"totp": "SOFTWARE_TOKEN_MFA", "email": "EMAIL_OTP"}
MFA_NAMES = {cognito: ours for ours, cognito in MFA_ANSWERS.items()}
SESSION_REFUSED = {
    # An expired, used, or foreign session, or one whose user is gone.
    "NotAuthorizedException": errors.InvalidToken,
    "UserNotFoundException": errors.InvalidToken,
    "MFAMethodNotFoundException": errors.ValidationFailed,
}


def _session_text(cognito_session: str, username: str, challenge: str) -> str:
    settings = get_settings()
    session = ChallengeSession(cognito_session, username, challenge, time.time())
    return seal(session, secret=client_secret(), client_id=settings.client_id)


def _open(text: str) -> ChallengeSession:
    settings = get_settings()
    return open_session(
        text,
        secret=client_secret(),
        client_id=settings.client_id,
        lifetime_seconds=settings.challenge_session_seconds,
    )


def answer_for(result: Any, sign_in_name: str) -> dict[str, Any]:
    """InitiateAuth's or RespondToAuthChallenge's answer as the API gives it: tokens, or the next challenge with what
    the client needs to meet it."""
    if result.get("AuthenticationResult"):
        return tokens(result["AuthenticationResult"])
    challenge = str(result.get("ChallengeName") or "")
    parameters: dict[str, str] = dict(result.get("ChallengeParameters") or {})
    username = parameters.get("USER_ID_FOR_SRP") or sign_in_name
    body: dict[str, Any] = {"challenge": challenge}
    if challenge == "EMAIL_OTP":
        destination = parameters.get("CODE_DELIVERY_DESTINATION") or mask_email(sign_in_name)
        body["code_delivery"] = {"destination": destination, "medium": "EMAIL"}
    elif challenge == "SELECT_MFA_TYPE":
        body["mfa_options"] = [MFA_NAMES[f] for f in _list(parameters.get("MFAS_CAN_CHOOSE")) if f in MFA_NAMES]
    elif challenge == "MFA_SETUP":
        if "SOFTWARE_TOKEN_MFA" not in _list(parameters.get("MFAS_CAN_SETUP")):
            # Only email could be set up, and this API sets email MFA up from a signed-in session.
            raise errors.FeatureDisabled("Multi-factor authentication must be set up, and only TOTP can be here.")
        body["totp"], session = _associate(str(result.get("Session") or ""), sign_in_name)
        body["session"] = _session_text(session, username, challenge)
        return body
    elif challenge not in ("NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA"):
        # A challenge this API does not answer (SMS, a custom challenge...): the pool is set up for another client.
        raise errors.InternalError().caused_by({"cognito_challenge": challenge})
    body["session"] = _session_text(str(result.get("Session") or ""), username, challenge)
    return body


def _list(value: str | None) -> list[str]:
    try:
        parsed = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(v) for v in parsed] if isinstance(parsed, list) else []


def _associate(cognito_session: str, account: str) -> tuple[dict[str, str], str]:
    """A TOTP secret for the user being set up at sign-in; the session Cognito continues with."""
    with translated(SESSION_REFUSED):
        associated = cognito_client().associate_software_token(Session=cognito_session)
    return totp_details(associated["SecretCode"], account), str(associated.get("Session") or cognito_session)


def totp_details(secret: str, account: str) -> dict[str, str]:
    """The secret and the otpauth:// URI an authenticator app scans (Key Uri Format: issuer, account, SHA1, 6, 30)."""
    from urllib.parse import quote, urlencode

    issuer = get_settings().totp_issuer
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": "6", "period": "30"})
    return {"secret": secret, "otpauth_uri": f"otpauth://totp/{label}?{query}"}


def respond(
    session_text: str, *, new_password: str | None, code: str | None, mfa: str | None, challenge: str | None
) -> dict[str, Any]:
    """Answer the challenge the session was issued for."""
    session = _open(session_text)
    if challenge is not None and challenge != session.challenge:
        raise errors.ValidationFailed(f"This session answers the {session.challenge} challenge, not {challenge}.")
    responses: dict[str, str]
    if session.challenge == "NEW_PASSWORD_REQUIRED":
        from cognito_auth.passwords import check_password

        check_password(_required(new_password, "new_password", session.challenge), get_settings().password_policy)
        responses = {"NEW_PASSWORD": str(new_password)}
    elif session.challenge in ("SOFTWARE_TOKEN_MFA", "EMAIL_OTP"):
        key = "SOFTWARE_TOKEN_MFA_CODE" if session.challenge == "SOFTWARE_TOKEN_MFA" else "EMAIL_OTP_CODE"
        responses = {key: _required(code, "code", session.challenge)}
        if not session.cognito_session:  # passwordless start for an address with no account: any code is wrong
            raise errors.InvalidCode()
    elif session.challenge == "SELECT_MFA_TYPE":
        choice = _required(mfa, "mfa", session.challenge)
        responses = {"ANSWER": MFA_ANSWERS[choice]}
    elif session.challenge == "MFA_SETUP":
        return _finish_setup(session, _required(code, "code", session.challenge))
    else:
        raise errors.InvalidToken()
    with translated(SESSION_REFUSED):
        result = cognito_client().respond_to_auth_challenge(
            ClientId=get_settings().client_id,
            ChallengeName=_challenge_name(session.challenge),
            Session=session.cognito_session,
            ChallengeResponses=auth_parameters(session.username, **responses),
        )
    return answer_for(result, session.username)


def _required(value: str | None, field: str, challenge: str) -> str:
    if value is None:
        raise errors.ValidationFailed(f"Invalid request: '{field}' is required to answer {challenge}.")
    return value


def _challenge_name(name: str) -> ChallengeNameTypeType:
    return name  # type: ignore[return-value]  # one of the names answer_for issued


def _finish_setup(session: ChallengeSession, code: str) -> dict[str, Any]:
    """MFA_SETUP at sign-in: verify the first TOTP code, then finish the sign-in."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise errors.InvalidCode()  # not what an authenticator app shows (Cognito takes exactly six digits)
    with translated({**SESSION_REFUSED, "EnableSoftwareTokenMFAException": errors.InvalidCode}):
        verified = cognito_client().verify_software_token(Session=session.cognito_session, UserCode=code)
        if verified.get("Status") != "SUCCESS":
            raise errors.InvalidCode()
        result = cognito_client().respond_to_auth_challenge(
            ClientId=get_settings().client_id,
            ChallengeName="MFA_SETUP",
            Session=str(verified.get("Session") or session.cognito_session),
            ChallengeResponses=auth_parameters(session.username),
        )
    return answer_for(result, session.username)


def email_sign_in(email: str) -> dict[str, Any]:
    """Passwordless sign-in: Cognito emails a one-time code (USER_AUTH, preferred challenge EMAIL_OTP). An address
    with no account gets the same status and keys; its session accepts no code."""
    if not get_settings().email_sign_in:
        raise errors.FeatureDisabled("Sign-in by emailed code is not enabled for this API.")
    # Whatever would tell that the address has an account (unconfirmed, disabled, to reset its password) is hidden.
    hidden = dict.fromkeys(
        (
            "UserNotFoundException",
            "NotAuthorizedException",
            "UserNotConfirmedException",
            "PasswordResetRequiredException",
        ),
        HIDE,
    )
    result: Mapping[str, Any]
    try:
        with translated(hidden):
            result = cognito_client().initiate_auth(
                ClientId=get_settings().client_id,
                AuthFlow="USER_AUTH",
                AuthParameters=auth_parameters(email, PREFERRED_CHALLENGE="EMAIL_OTP"),
            )
    except Hidden:
        result = {}
    if result.get("ChallengeName") != "EMAIL_OTP":
        # No account (or one that cannot get a code): the answer a registered address gets, with a session that no
        # code can answer.
        return {
            "challenge": "EMAIL_OTP",
            "session": _session_text("", email, "EMAIL_OTP"),
            "code_delivery": {"destination": mask_email(email), "medium": "EMAIL"},
        }
    body = answer_for(result, email)
    body["code_delivery"] = {"destination": mask_email(email), "medium": "EMAIL"}
    return body
