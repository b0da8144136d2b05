"""Second factors as Cognito keeps them: a TOTP secret of the user's own, real RFC 6238 codes, email MFA, and which
factor is preferred.

moto gives every user one fixed secret (`asdfasdfasdf`), checks codes only behind an environment flag, and drops
`EmailMfaSettings` and the pool's `EmailMfaConfiguration`. Here, from the Developer Guide ("TOTP software token MFA",
"SMS and email message MFA") and the API reference of the operations:

- AssociateSoftwareToken gives the user a new random secret (32 bytes, base32); it replaces the one in use only once
  VerifySoftwareToken accepts a code from it. A wrong code is EnableSoftwareTokenMFAException, and nothing changes.
- A code is HMAC-SHA1, 6 digits, 30-second steps (RFC 6238; the otpauth:// URI says so to the app). Codes of the
  current step and the steps either side are accepted (clock skew, RFC 6238 section 5.2), and each step's code is
  good once: after a code is accepted, no code of that step or an earlier one is.
- SetUserMFAPreference (and AdminSetUserMFAPreference) turns TOTP on only once a secret is verified, email MFA only
  where the pool has EmailMfaConfiguration, never turns TOTP off on a pool whose MfaConfiguration is ON, and keeps one
  preferred factor at most; GetUser, AdminGetUser and ListUsers show the result (UserMFASettingList,
  PreferredMfaSetting) as Cognito names it: SOFTWARE_TOKEN_MFA and EMAIL_OTP.

State is per user (pool id and `sub`, which is never reused), so a deleted user's factors never reach anyone else.
`challenges` reads it to decide which challenge a sign-in meets.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, RegionAgnosticBackend
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

from local_api.emulator import clock, users
from local_api.emulator.patching import wrap

TOTP_MFA = "SOFTWARE_TOKEN_MFA"
EMAIL_MFA = "EMAIL_OTP"  # Cognito's name for email MFA in UserMFASettingList, challenges and MFAS_CAN_CHOOSE
STEP_SECONDS = 30
DIGITS = 6
SECRET_BYTES = 32
SKEW_STEPS = 1


class EnableSoftwareTokenMFAException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")


class SoftwareTokenMFANotFoundException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("SoftwareTokenMFANotFoundException", "Software Token MFA has not been associated with user")


@dataclass
class Factors:
    """One user's second factors."""

    secret: str | None = None  # the verified TOTP secret sign-ins check
    pending: str | None = None  # associated, waiting for its first code
    last_step: int = -1  # the last TOTP step whose code was accepted: no code of it or before is accepted again
    totp: bool = False
    email: bool = False
    preferred: str | None = None  # TOTP_MFA or EMAIL_MFA

    def enabled(self) -> list[str]:
        return [name for name, on in ((TOTP_MFA, self.totp), (EMAIL_MFA, self.email)) if on]


_factors: dict[tuple[str, str], Factors] = {}  # (pool id, user sub) -> their factors
_email_mfa_pools: set[str] = set()  # pools whose SetUserPoolMfaConfig had an EmailMfaConfiguration
_lock = threading.RLock()


def of(user: Any) -> Factors:
    """The user's factors (created empty on first use). Change them only under `locked()`."""
    with _lock:
        return _factors.setdefault((user.user_pool_id, user.id), Factors())


def locked() -> threading.RLock:
    return _lock


def pool_factors(pool: Any) -> list[str]:
    """The second factors the pool offers (SetUserPoolMfaConfig), in Cognito's names."""
    offered = []
    if (pool.token_mfa_config or {}).get("Enabled"):
        offered.append(TOTP_MFA)
    if pool.id in _email_mfa_pools:
        offered.append(EMAIL_MFA)
    return offered


def mfa_mode(pool: Any) -> str:
    """OFF, OPTIONAL or ON."""
    return str(pool.mfa_config or "OFF")


# TOTP (RFC 6238) --------------------------------------------------------------------------------------------------


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _totp(secret: str) -> TOTP:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    # SHA-1 is what RFC 6238 and every authenticator app use with an otpauth:// URI saying algorithm=SHA1.
    return TOTP(key, DIGITS, SHA1(), STEP_SECONDS, enforce_key_length=False)  # noqa: S303


def code_at(secret: str, when: float) -> str:
    """The code an authenticator app shows at `when` (seconds since the epoch)."""
    return _totp(secret).generate(int(when)).decode()


def accepted_step(secret: str, code: str, last_step: int) -> int | None:
    """The time step whose code `code` is, if it may be used now, else None."""
    now_step = int(clock.now()) // STEP_SECONDS
    for step in range(now_step - SKEW_STEPS, now_step + SKEW_STEPS + 1):
        if step > last_step and hmac.compare_digest(code_at(secret, step * STEP_SECONDS).encode(), code.encode()):
            return step
    return None


def check_sign_in_code(user: Any, code: str) -> bool:
    """A SOFTWARE_TOKEN_MFA answer: the code of the user's verified secret, not used before (then used)."""
    with _lock:
        factors = of(user)
        if factors.secret is None:
            return False
        step = accepted_step(factors.secret, str(code), factors.last_step)
        if step is None:
            return False
        factors.last_step = step
        return True


def associate(user: Any) -> str:
    """A new secret for the user's authenticator app; the one in use stays until a code from this one is verified."""
    with _lock:
        secret = new_secret()
        of(user).pending = secret
        return secret


def verify(user: Any, code: str) -> None:
    """VerifySoftwareToken: the associated secret becomes the user's, or Cognito's exception."""
    with _lock:
        factors = of(user)
        if factors.pending is None:
            raise SoftwareTokenMFANotFoundException()
        step = accepted_step(factors.pending, str(code), -1)
        if step is None:
            raise EnableSoftwareTokenMFAException()
        factors.secret, factors.pending, factors.last_step = factors.pending, None, step


# Preferences ------------------------------------------------------------------------------------------------------


def set_preference(pool: Any, user: Any, settings: dict[str, dict[str, Any] | None]) -> None:
    """SetUserMFAPreference's settings ({TOTP_MFA: {Enabled, PreferredMfa}, EMAIL_MFA: ..., "SMS_MFA": ...}), applied
    as Cognito applies them, or InvalidParameterException and nothing changes."""
    given = {name: setting for name, setting in settings.items() if setting is not None}
    sms = given.pop("SMS_MFA", {})
    if sms.get("Enabled") or sms.get("PreferredMfa"):
        raise InvalidParameterException("SMS MFA is not enabled for this user pool.")
    wanted = [name for name, setting in given.items() if setting.get("PreferredMfa")]
    if len(wanted) > 1:
        raise InvalidParameterException("Only one MFA method can be preferred.")
    with _lock:
        factors = of(user)
        enabled = {TOTP_MFA: factors.totp, EMAIL_MFA: factors.email}
        preferred = factors.preferred
        for name, setting in given.items():
            if "Enabled" in setting:
                on = bool(setting["Enabled"])
                if on and name == TOTP_MFA and factors.secret is None:
                    raise InvalidParameterException("User has not verified software token mfa")
                if on and name == EMAIL_MFA and name not in pool_factors(pool):
                    raise InvalidParameterException("Email MFA is not enabled for this user pool.")
                if not on and name == TOTP_MFA and enabled[name] and mfa_mode(pool) == "ON":
                    raise InvalidParameterException("TOTP MFA cannot be turned off while the user pool requires MFA.")
                enabled[name] = on
            if setting.get("PreferredMfa"):
                preferred = name
            elif "PreferredMfa" in setting and preferred == name:
                preferred = None
        if preferred is not None and not enabled[preferred]:
            if preferred in wanted:
                raise InvalidParameterException("An MFA method must be enabled to be preferred.")
            preferred = None  # turning the preferred factor off leaves no preference
        factors.totp, factors.email, factors.preferred = enabled[TOTP_MFA], enabled[EMAIL_MFA], preferred


def enable_totp_after_setup(user: Any) -> None:
    """MFA_SETUP at sign-in: the verified authenticator app is the user's factor from now on."""
    with _lock:
        factors = of(user)
        factors.totp = True
        if factors.preferred is None:
            factors.preferred = TOTP_MFA


# moto -------------------------------------------------------------------------------------------------------------


def _user_of_token(response: CognitoIdpResponse, access_token: str) -> Any:
    backend = RegionAgnosticBackend(response.current_account, response.region)._find_backend_by_access_token(
        access_token
    )
    return backend.get_user(access_token)


def _pool_of(user: Any) -> Any:
    pool = users.pool_by_id(user.user_pool_id)
    if pool is None:
        raise NotAuthorizedError("Invalid user pool.")
    return pool


def _settings(response: CognitoIdpResponse) -> dict[str, dict[str, Any] | None]:
    return {
        TOTP_MFA: response._get_param("SoftwareTokenMfaSettings"),
        EMAIL_MFA: response._get_param("EmailMfaSettings"),
        "SMS_MFA": response._get_param("SMSMfaSettings"),
    }


def _set_user_mfa_preference(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    user = _user_of_token(self, str(self._get_param("AccessToken")))
    set_preference(_pool_of(user), user, _settings(self))
    return EmptyResult()


def _admin_set_user_mfa_preference(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    pool = self.backend.describe_user_pool(str(self._get_param("UserPoolId")))
    user = users.require(pool, str(self._get_param("Username")))
    set_preference(pool, user, _settings(self))
    return EmptyResult()


def _associate_software_token(inner: Any, self: CognitoIdpBackend, access_token: str, session: str) -> Any:
    if session:  # at sign-in (MFA_SETUP): the challenges module's sessions
        return inner(self, access_token, session)
    return {"SecretCode": associate(self.get_user(access_token))}


def _verify_software_token(
    inner: Any, self: CognitoIdpBackend, access_token: str, session: str, user_code: str, friendly_device_name: str
) -> Any:
    if session:
        return inner(self, access_token, session, user_code, friendly_device_name)
    verify(self.get_user(access_token), user_code)
    return {"Status": "SUCCESS"}


def _set_user_pool_mfa_config(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    result = inner(self)
    pool_id = str(self._get_param("UserPoolId"))
    email = self._get_param("EmailMfaConfiguration")
    with _lock:
        if email is not None and self._get_param("MfaConfiguration") != "OFF":
            _email_mfa_pools.add(pool_id)
        else:
            _email_mfa_pools.discard(pool_id)
    return _with_email_config(result, pool_id)


def _get_user_pool_mfa_config(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    return _with_email_config(inner(self), str(self._get_param("UserPoolId")))


def _with_email_config(result: ActionResult, pool_id: str) -> ActionResult:
    body = dict(getattr(result, "result", None) or {})
    if pool_id in _email_mfa_pools:
        body["EmailMfaConfiguration"] = {}
    return ActionResult(body)


def _to_json(inner: Any, self: CognitoIdpUser, *args: Any, **kwargs: Any) -> dict[str, Any]:
    shown: dict[str, Any] = inner(self, *args, **kwargs)
    if "UserMFASettingList" in shown:
        with _lock:
            factors = _factors.get((self.user_pool_id, self.id), Factors())
            shown["UserMFASettingList"] = factors.enabled()
            shown.pop("PreferredMfaSetting", None)
            if factors.preferred is not None:
                shown["PreferredMfaSetting"] = factors.preferred
    return shown


def install() -> None:
    wrap(CognitoIdpResponse, "set_user_mfa_preference", _set_user_mfa_preference)
    wrap(CognitoIdpResponse, "admin_set_user_mfa_preference", _admin_set_user_mfa_preference)
    wrap(CognitoIdpResponse, "set_user_pool_mfa_config", _set_user_pool_mfa_config)
    wrap(CognitoIdpResponse, "get_user_pool_mfa_config", _get_user_pool_mfa_config)
    wrap(CognitoIdpBackend, "associate_software_token", _associate_software_token)
    wrap(CognitoIdpBackend, "verify_software_token", _verify_software_token)
    wrap(CognitoIdpUser, "to_json", _to_json)
