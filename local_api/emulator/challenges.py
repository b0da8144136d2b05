"""Sign-in as Cognito runs it: every challenge between a first factor and the tokens, and the USER_AUTH flow.

moto answers challenges with sessions that belong to no user (one user's session could reset another's password),
never expire, skip SECRET_HASH, answer EMAIL_OTP and SELECT_MFA_TYPE with `{}`, and refuse USER_AUTH. Here, from the
API reference of InitiateAuth and RespondToAuthChallenge and the Developer Guide:

- A sign-in that needs more than a password meets a challenge: NEW_PASSWORD_REQUIRED for a temporary password
  (AdminCreateUser; it expires after the pool's TemporaryPasswordValidityDays), then, on a pool whose MFA is not OFF,
  the user's factor: SOFTWARE_TOKEN_MFA, EMAIL_OTP (a code in the outbox, purpose `sign-in`), SELECT_MFA_TYPE when
  two are on and neither is preferred, or MFA_SETUP when the pool requires MFA and the user has none
  (AssociateSoftwareToken and VerifySoftwareToken take the session, then RespondToAuthChallenge finishes).
- Each challenge has its own session: bound to its user, app client and challenge, single-use (the next step gets a
  new one), and expiring after the app client's AuthSessionValidity (3 minutes unless set). A wrong code leaves the
  challenge standing; no attempt limit is documented, so none is applied until the session expires. Every answer
  names the user by their username, USER_ID_FOR_SRP (not an alias such as the email), with SECRET_HASH over it when
  the client has a secret. Any other session, user, challenge or hash is NotAuthorizedException.
- USER_AUTH (an app client with ALLOW_USER_AUTH): PREFERRED_CHALLENGE EMAIL_OTP or PASSWORD where the pool's
  SignInPolicy allows it as a first factor, else SELECT_CHALLENGE listing what it allows. An address with no usable
  account meets the same challenge, whose session accepts no code (nothing is sent): the Developer Guide's "Managing
  user existence error responses" says choice-based sign-in answers an unknown user with a challenge, not an error.
- Password sign-in on a client with PreventUserExistenceErrors ENABLED answers an unknown user like a wrong password.

Tokens are issued by moto's `_log_user_in`, which the `tokens` module binds to the user's Cognito username.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpBackend, UserStatus
from moto.core.exceptions import JsonRESTError

from local_api.emulator import clock, codes, mfa, users
from local_api.emulator.patching import wrap

DEFAULT_SESSION_MINUTES = 3  # AuthSessionValidity when the app client sets none
DEFAULT_TEMPORARY_PASSWORD_DAYS = 7  # TemporaryPasswordValidityDays when the pool sets none
FIRST_FACTORS = ("PASSWORD", "EMAIL_OTP")  # the USER_AUTH first factors the emulator offers
MFA_ANSWERS = {"SOFTWARE_TOKEN_MFA": mfa.TOTP_MFA, "EMAIL_OTP": mfa.EMAIL_MFA, "EMAIL_MFA": mfa.EMAIL_MFA}


class PasswordResetRequiredException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("PasswordResetRequiredException", "Password reset required for the user")


@dataclass
class Challenge:
    """One challenge a sign-in is waiting on, and what its answer must match."""

    name: str  # the ChallengeName it answers
    pool_id: str
    client_id: str
    username: str  # USER_ID_FOR_SRP: the user's Cognito username (a made-up one where there is no such user)
    sub: str | None  # the user, or None: a simulated challenge for an address with no usable account
    sign_in_name: str  # the name the client signed in with
    expires_at: float
    options: tuple[str, ...] = ()  # what SELECT_MFA_TYPE or SELECT_CHALLENGE offered
    verified: bool = False  # MFA_SETUP: a code of the new authenticator app was verified


_sessions: dict[str, Challenge] = {}  # session -> the challenge it answers
# (pool id, sub) -> when an administrator set the user's temporary password
_temporary_since: dict[tuple[str, str], float] = {}
_lock = threading.RLock()


# Pools, clients, users --------------------------------------------------------------------------------------------


def _user_by_sub(pool: Any, sub: str) -> Any:
    return next((user for user in pool.users.values() if user.id == sub), None)


def secret_hash(client: Any, username: str) -> str:
    digest = hmac.new(client.secret.encode(), (username + client.id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _check_secret_hash(client: Any, username: str, given: str | None) -> None:
    """SECRET_HASH over `username`, as the request names the user, when the app client has a secret."""
    if not client.generate_secret:
        return
    if not given:
        raise NotAuthorizedError(f"Client {client.id} is configured with secret but SECRET_HASH was not received")
    if not hmac.compare_digest(secret_hash(client, username).encode(), str(given).encode()):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


def _hides_existence(client: Any) -> bool:
    return bool(client.extended_config.get("PreventUserExistenceErrors") == "ENABLED")


def _first_factors(pool: Any) -> list[str]:
    policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
    allowed = policy.get("AllowedFirstAuthFactors") or ["PASSWORD"]
    return [factor for factor in FIRST_FACTORS if factor in allowed]


def _can_get_email_code(user: Any) -> bool:
    return bool(
        user is not None
        and user.enabled
        and user.status == UserStatus.CONFIRMED
        and user.attribute_lookup.get("email")
        and user.attribute_lookup.get("email_verified", "true") != "false"
    )


def _mask(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def temporary_password_expired(pool: Any, user: Any) -> bool:
    since = _temporary_since.get((pool.id, user.id))
    policy = (pool.extended_config.get("Policies") or {}).get("PasswordPolicy") or {}
    days = int(policy.get("TemporaryPasswordValidityDays") or DEFAULT_TEMPORARY_PASSWORD_DAYS)
    return since is not None and clock.now() > since + days * 86400


# Sessions ---------------------------------------------------------------------------------------------------------


def _session_seconds(client: Any) -> int:
    return 60 * int(client.extended_config.get("AuthSessionValidity") or DEFAULT_SESSION_MINUTES)


def _challenge(
    name: str,
    pool: Any,
    client: Any,
    user: Any,
    sign_in_name: str,
    *,
    options: tuple[str, ...] = (),
    verified: bool = False,
    parameters: dict[str, str] | None = None,
    username: str | None = None,
) -> dict[str, Any]:
    """A new session for the challenge `name`, and InitiateAuth's (or RespondToAuthChallenge's) answer."""
    username = username or (user.username if user is not None else str(uuid.uuid4()))
    session = secrets.token_urlsafe(96)
    now = clock.now()
    with _lock:
        for expired in [s for s, c in _sessions.items() if c.expires_at <= now]:
            del _sessions[expired]  # nobody can answer them any more
        _sessions[session] = Challenge(
            name,
            pool.id,
            client.id,
            username,
            user.id if user is not None else None,
            sign_in_name,
            now + _session_seconds(client),
            options,
            verified,
        )
    return {
        "ChallengeName": name,
        "Session": session,
        "ChallengeParameters": {"USER_ID_FOR_SRP": username, **(parameters or {})},
    }


def _open(session: str, name: str | None = None, client_id: str | None = None) -> Challenge:
    """The challenge a session answers, or NotAuthorizedException: unknown, used, expired, or another client's."""
    challenge = _sessions.get(session)
    if challenge is None or (client_id is not None and challenge.client_id != client_id):
        raise NotAuthorizedError("Invalid session for the user.")
    if clock.now() >= challenge.expires_at:
        del _sessions[session]
        raise NotAuthorizedError("Invalid session for the user, session is expired.")
    if name is not None and challenge.name != name:
        raise NotAuthorizedError(f"Invalid session for the user: the session answers {challenge.name}.")
    return challenge


def _used(session: str) -> None:
    _sessions.pop(session, None)


# What follows a first factor --------------------------------------------------------------------------------------


def _tokens(backend: CognitoIdpBackend, pool: Any, client: Any, user: Any) -> dict[str, Any]:
    result: dict[str, Any] = backend._log_user_in(pool, client, user.username)
    return result


def _new_password_required(pool: Any, client: Any, user: Any, sign_in_name: str) -> dict[str, Any]:
    attributes = {name: value for name, value in user.attribute_lookup.items() if name != "sub"}
    parameters = {"requiredAttributes": "[]", "userAttributes": json.dumps(attributes)}
    return _challenge("NEW_PASSWORD_REQUIRED", pool, client, user, sign_in_name, parameters=parameters)


def _after_first_factor(
    backend: CognitoIdpBackend, pool: Any, client: Any, user: Any, sign_in_name: str
) -> dict[str, Any]:
    """Tokens, or the second factor the pool and the user call for."""
    mode = mfa.mfa_mode(pool)
    if mode == "OFF":
        return _tokens(backend, pool, client, user)
    offered = mfa.pool_factors(pool)
    with mfa.locked():
        factors = mfa.of(user)
        enabled = [factor for factor in factors.enabled() if factor in offered]
        preferred = factors.preferred
    if not enabled:
        if mode == "ON":
            parameters = {"MFAS_CAN_SETUP": json.dumps(offered)}
            return _challenge("MFA_SETUP", pool, client, user, sign_in_name, parameters=parameters)
        return _tokens(backend, pool, client, user)
    if preferred in enabled:
        return _second_factor(preferred, pool, client, user, sign_in_name)
    if len(enabled) == 1:
        return _second_factor(enabled[0], pool, client, user, sign_in_name)
    choices = {"MFAS_CAN_CHOOSE": json.dumps(enabled)}
    return _challenge("SELECT_MFA_TYPE", pool, client, user, sign_in_name, options=tuple(enabled), parameters=choices)


def _second_factor(name: str, pool: Any, client: Any, user: Any, sign_in_name: str) -> dict[str, Any]:
    if name == mfa.EMAIL_MFA:
        return _email_code(pool, client, user, sign_in_name)
    return _challenge(mfa.TOTP_MFA, pool, client, user, sign_in_name)


def _email_code(pool: Any, client: Any, user: Any, sign_in_name: str, *, username: str | None = None) -> dict[str, Any]:
    """EMAIL_OTP: a code emailed (into the outbox) to a user who can get one; to anyone else, the same challenge and
    nothing sent."""
    email = str(user.attribute_lookup.get("email")) if user is not None else sign_in_name
    if user is not None:
        codes.issue(pool.id, user, codes.SIGN_IN)
    parameters = {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": _mask(email)}
    return _challenge("EMAIL_OTP", pool, client, user, sign_in_name, parameters=parameters, username=username)


def _password_first(
    backend: CognitoIdpBackend,
    pool: Any,
    client: Any,
    name: str,
    password: str | None,
    *,
    hide_unknown: bool,
) -> dict[str, Any]:
    """The password checked as Cognito checks it (right password first, then the account's state); what follows."""
    if not name or password is None:
        raise InvalidParameterException("Missing required parameter USERNAME or PASSWORD")
    user = pool._get_user(name)
    if user is None:
        if hide_unknown:
            raise NotAuthorizedError("Incorrect username or password.")
        raise UserNotFoundError("User does not exist.")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    if user.password is None or not hmac.compare_digest(str(user.password).encode(), str(password).encode()):
        raise NotAuthorizedError("Incorrect username or password.")
    if user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException("User is not confirmed.")
    if user.status == UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredException()
    if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
        if temporary_password_expired(pool, user):
            raise NotAuthorizedError("Temporary password has expired and must be reset by an administrator.")
        return _new_password_required(pool, client, user, name)
    return _after_first_factor(backend, pool, client, user, name)


# InitiateAuth -----------------------------------------------------------------------------------------------------


def _initiate_auth(
    inner: Any, self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str] | None
) -> Any:
    params = dict(auth_parameters or {})
    if auth_flow == "USER_PASSWORD_AUTH":
        pool, client = users.pool_and_client(client_id)
        name, password = params.get("USERNAME", ""), params.get("PASSWORD")
        return _password_first(self, pool, client, name, password, hide_unknown=_hides_existence(client))
    if auth_flow == "USER_AUTH":
        return _user_auth(self, client_id, params)
    return inner(self, client_id, auth_flow, auth_parameters)


def _admin_initiate_auth(
    inner: Any,
    self: CognitoIdpBackend,
    user_pool_id: str,
    client_id: str,
    auth_flow: str,
    auth_parameters: dict[str, str] | None,
) -> Any:
    if auth_flow not in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        return inner(self, user_pool_id, client_id, auth_flow, auth_parameters)
    pool = self.describe_user_pool(user_pool_id)
    if client_id not in pool.clients:
        raise ResourceNotFoundError(client_id)
    client = pool.clients[client_id]
    params = dict(auth_parameters or {})
    name, password = params.get("USERNAME", ""), params.get("PASSWORD")
    return _password_first(self, pool, client, name, password, hide_unknown=_hides_existence(client))


def _user_auth(backend: CognitoIdpBackend, client_id: str, params: dict[str, str]) -> dict[str, Any]:
    """Choice-based sign-in: the preferred first factor where the pool allows it, else a choice of those it allows."""
    pool, client = users.pool_and_client(client_id)
    if "ALLOW_USER_AUTH" not in (client.extended_config.get("ExplicitAuthFlows") or []):
        raise InvalidParameterException("USER_AUTH flow not enabled for this client")
    name = params.get("USERNAME")
    if not name:
        raise InvalidParameterException("Missing required parameter USERNAME")
    _check_secret_hash(client, name, params.get("SECRET_HASH"))
    allowed = _first_factors(pool)
    preferred = params.get("PREFERRED_CHALLENGE")
    if preferred in allowed:
        return _first_factor(backend, pool, client, name, str(preferred), params.get("PASSWORD"))
    user = pool._get_user(name)
    answer = _challenge("SELECT_CHALLENGE", pool, client, user, name, options=tuple(allowed))
    answer["AvailableChallenges"] = allowed
    return answer


def _first_factor(
    backend: CognitoIdpBackend, pool: Any, client: Any, name: str, factor: str, password: str | None
) -> dict[str, Any]:
    if factor == "PASSWORD":
        # Choice-based sign-in never says that a user does not exist.
        return _password_first(backend, pool, client, name, password, hide_unknown=True)
    user = pool._get_user(name)
    return _email_code(pool, client, user if _can_get_email_code(user) else None, name)


# RespondToAuthChallenge -------------------------------------------------------------------------------------------

Answer = Callable[[CognitoIdpBackend, Any, Any, str, Challenge, Any, dict[str, str]], dict[str, Any]]


def _required(responses: dict[str, str], key: str) -> str:
    value = responses.get(key)
    if value is None or value == "":
        raise InvalidParameterException(f"Missing required parameter {key}")
    return str(value)


def _answer_new_password(
    backend: CognitoIdpBackend, pool: Any, client: Any, session: str, challenge: Challenge, user: Any, r: dict[str, str]
) -> dict[str, Any]:
    password = _required(r, "NEW_PASSWORD")
    backend._validate_password(pool.id, password)  # a refused password leaves the challenge standing
    _used(session)
    user.password = password
    user.status = UserStatus.CONFIRMED
    _temporary_since.pop((pool.id, user.id), None)
    return _after_first_factor(backend, pool, client, user, challenge.sign_in_name)


def _answer_totp(
    backend: CognitoIdpBackend, pool: Any, client: Any, session: str, challenge: Challenge, user: Any, r: dict[str, str]
) -> dict[str, Any]:
    if not mfa.check_sign_in_code(user, _required(r, "SOFTWARE_TOKEN_MFA_CODE")):
        raise CodeMismatchException("Invalid code received for user")
    _used(session)
    return _tokens(backend, pool, client, user)


def _answer_email_code(
    backend: CognitoIdpBackend, pool: Any, client: Any, session: str, challenge: Challenge, user: Any, r: dict[str, str]
) -> dict[str, Any]:
    code = _required(r, "EMAIL_OTP_CODE")
    if user is None:  # a simulated challenge: no code was sent, none is right
        raise CodeMismatchException("Invalid code received for user")
    codes.check(pool.id, user, codes.SIGN_IN, code)
    _used(session)
    return _tokens(backend, pool, client, user)


def _answer_mfa_choice(
    backend: CognitoIdpBackend, pool: Any, client: Any, session: str, challenge: Challenge, user: Any, r: dict[str, str]
) -> dict[str, Any]:
    choice = MFA_ANSWERS.get(_required(r, "ANSWER"))
    if choice not in challenge.options:
        raise InvalidParameterException(f"ANSWER must be one of {', '.join(challenge.options)}")
    _used(session)
    return _second_factor(str(choice), pool, client, user, challenge.sign_in_name)


def _answer_first_factor_choice(
    backend: CognitoIdpBackend, pool: Any, client: Any, session: str, challenge: Challenge, user: Any, r: dict[str, str]
) -> dict[str, Any]:
    choice = _required(r, "ANSWER")
    if choice not in challenge.options:
        raise InvalidParameterException(f"ANSWER must be one of {', '.join(challenge.options)}")
    if choice == "PASSWORD":
        answer = _password_first(backend, pool, client, challenge.sign_in_name, r.get("PASSWORD"), hide_unknown=True)
        _used(session)
        return answer
    _used(session)
    usable = user if _can_get_email_code(user) else None
    return _email_code(pool, client, usable, challenge.sign_in_name, username=challenge.username)


def _answer_mfa_setup(
    backend: CognitoIdpBackend, pool: Any, client: Any, session: str, challenge: Challenge, user: Any, r: dict[str, str]
) -> dict[str, Any]:
    if not challenge.verified:
        raise InvalidParameterException("Set up MFA first: AssociateSoftwareToken, then VerifySoftwareToken.")
    _used(session)
    return _tokens(backend, pool, client, user)


ANSWERS: dict[str, Answer] = {
    "NEW_PASSWORD_REQUIRED": _answer_new_password,
    "SOFTWARE_TOKEN_MFA": _answer_totp,
    "EMAIL_OTP": _answer_email_code,
    "SELECT_MFA_TYPE": _answer_mfa_choice,
    "SELECT_CHALLENGE": _answer_first_factor_choice,
    "MFA_SETUP": _answer_mfa_setup,
}


def _respond_to_auth_challenge(
    inner: Any,
    self: CognitoIdpBackend,
    session: str,
    client_id: str,
    challenge_name: str,
    challenge_responses: dict[str, str] | None,
) -> Any:
    if session not in _sessions and session in self.sessions:
        return inner(self, session, client_id, challenge_name, challenge_responses)  # moto's own (SRP) sign-in
    pool, client = users.pool_and_client(client_id)
    responses = dict(challenge_responses or {})
    with _lock:
        challenge = _open(session, challenge_name, client_id)
        username = _required(responses, "USERNAME")
        _check_secret_hash(client, username, responses.get("SECRET_HASH"))
        if not users.same_name(pool, username, challenge.username):
            raise NotAuthorizedError("Invalid session for the user.")  # another user, or the user by an alias
        user = _user_by_sub(pool, challenge.sub) if challenge.sub is not None else None
        if challenge.sub is not None and user is None:
            _used(session)
            raise NotAuthorizedError("Invalid session for the user.")  # deleted meanwhile
        if challenge.name not in ANSWERS:
            raise InvalidParameterException(f"{challenge.name} cannot be answered here.")
        return ANSWERS[challenge.name](self, pool, client, session, challenge, user, responses)


# TOTP set-up at sign-in (MFA_SETUP) -------------------------------------------------------------------------------


def _setup_user(challenge: Challenge) -> tuple[Any, Any, Any]:
    pool = users.pool_by_id(challenge.pool_id)
    user = _user_by_sub(pool, challenge.sub) if pool is not None and challenge.sub is not None else None
    if user is None:
        raise NotAuthorizedError("Invalid session for the user.")
    return pool, pool.clients[challenge.client_id], user


def _associate_software_token(inner: Any, self: CognitoIdpBackend, access_token: str, session: str) -> Any:
    if not session:
        return inner(self, access_token, session)
    with _lock:
        challenge = _open(session, "MFA_SETUP")
        pool, client, user = _setup_user(challenge)
        secret = mfa.associate(user)
        _used(session)
        answer = _challenge("MFA_SETUP", pool, client, user, challenge.sign_in_name)
    return {"SecretCode": secret, "Session": answer["Session"]}


def _verify_software_token(
    inner: Any, self: CognitoIdpBackend, access_token: str, session: str, user_code: str, friendly_device_name: str
) -> Any:
    if not session:
        return inner(self, access_token, session, user_code, friendly_device_name)
    with _lock:
        challenge = _open(session, "MFA_SETUP")
        pool, client, user = _setup_user(challenge)
        mfa.verify(user, user_code)  # a wrong code leaves the session standing
        mfa.enable_totp_after_setup(user)
        _used(session)
        answer = _challenge("MFA_SETUP", pool, client, user, challenge.sign_in_name, verified=True)
    return {"Status": "SUCCESS", "Session": answer["Session"]}


# Temporary passwords ----------------------------------------------------------------------------------------------


def _admin_create_user(
    inner: Any,
    self: CognitoIdpBackend,
    user_pool_id: str,
    username: str,
    message_action: str,
    temporary_password: str | None,
    attributes: Any,
) -> Any:
    user = inner(self, user_pool_id, username, message_action, temporary_password, attributes)
    if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
        _temporary_since[(user_pool_id, user.id)] = clock.now()
    return user


def _admin_set_user_password(
    inner: Any, self: CognitoIdpBackend, user_pool_id: str, username: str, password: str, permanent: bool
) -> None:
    inner(self, user_pool_id, username, password, permanent)
    user = self.admin_get_user(user_pool_id, username)
    if permanent:
        _temporary_since.pop((user_pool_id, user.id), None)
    else:
        _temporary_since[(user_pool_id, user.id)] = clock.now()


def install() -> None:
    wrap(CognitoIdpBackend, "initiate_auth", _initiate_auth)
    wrap(CognitoIdpBackend, "admin_initiate_auth", _admin_initiate_auth)
    wrap(CognitoIdpBackend, "respond_to_auth_challenge", _respond_to_auth_challenge)
    wrap(CognitoIdpBackend, "associate_software_token", _associate_software_token)
    wrap(CognitoIdpBackend, "verify_software_token", _verify_software_token)
    wrap(CognitoIdpBackend, "admin_create_user", _admin_create_user)
    wrap(CognitoIdpBackend, "admin_set_user_password", _admin_set_user_password)
