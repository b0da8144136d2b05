"""Changing a signed-in user's email as Cognito does: UpdateUserAttributes, VerifyUserAttribute and
GetUserAttributeVerificationCode.

moto changes the email at once, sends no code, and lacks the other two operations. Cognito (API reference,
UpdateUserAttributes, VerifyUserAttribute, GetUserAttributeVerificationCode, UserAttributeUpdateSettingsType):

- On a pool whose UserAttributeUpdateSettings list `email` in AttributesRequireVerificationBeforeUpdate (the
  template's), UpdateUserAttributes does not change the email: the user keeps signing in with the old one and
  receives messages there until they verify the new one with the code sent to it (CodeDeliveryDetailsList says
  where). VerifyUserAttribute with that code makes the new address the email, verified; the old one no longer signs
  in. Other pools change the email at once, unverified, and send the code to the new address.
- An address another user already has is refused with AliasExistsException, the other user untouched: when the
  change is asked for, and again at verification if someone took the address meanwhile (both operations declare
  it; with email as the sign-in name an address belongs to one user).
- GetUserAttributeVerificationCode sends a new code (to the pending address, if a change is waiting), replacing the
  previous one.

Codes go to the pool's outbox (`codes`, purpose `verify-email`, addressed to the new address). A pool without an
outbox keeps moto's any-code-will-do, as in `codes`. Every operation checks its access token first
(`revocation.signed_in`). Only `email` is handled (the template's pool has no phone numbers).
"""

from __future__ import annotations

import threading
from typing import Any

from moto.cognitoidp.exceptions import AliasExistsException, InvalidParameterException
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.cognitoidp.utils import validate_username_format
from moto.core.responses import ActionResult

from local_api.emulator import codes, revocation, users
from local_api.emulator.patching import wrap

_pending: dict[tuple[str, str], str] = {}  # (pool id, user sub) -> the address waiting for its code
_lock = threading.Lock()


def pending_email(pool: Any, user: Any) -> str | None:
    """The address a user asked to change to and has not verified yet."""
    with _lock:
        return _pending.get((pool.id, user.id))


def _requires_verification(pool: Any) -> bool:
    settings = pool.extended_config.get("UserAttributeUpdateSettings") or {}
    return "email" in (settings.get("AttributesRequireVerificationBeforeUpdate") or [])


def _taken(pool: Any, user: Any, email: str) -> bool:
    """Whether another user of the pool has this address (compared as the pool compares sign-in names)."""
    return any(
        other is not user and users.same_name(pool, str(other.attribute_lookup.get("email", "")), email)
        for other in pool.users.values()
    )


def _delivery(email: str) -> dict[str, str]:
    return {"Destination": codes.mask(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _require_email_attribute(name: Any) -> None:
    if name != "email":
        raise InvalidParameterException(f"Attribute {name} cannot be verified here: only email.")


def _change_email(pool: Any, user: Any, email: str) -> list[dict[str, str]]:
    if not validate_username_format(email, _format="email"):
        raise InvalidParameterException("Invalid email address format.")
    if users.same_name(pool, email, str(user.attribute_lookup.get("email", ""))):
        with _lock:
            _pending.pop((pool.id, user.id), None)  # back to the address they have: nothing to verify
        return []
    if _taken(pool, user, email):
        raise AliasExistsException()
    if _requires_verification(pool):
        with _lock:
            _pending[(pool.id, user.id)] = email
    else:
        user.update_attributes([{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "false"}])
    codes.issue(pool.id, user, codes.VERIFY_EMAIL, to=email)
    return [_delivery(email)]


def _update_user_attributes_response(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    access_token = self._get_param("AccessToken")
    pool, user = revocation.signed_in(access_token)
    attributes = list(self._get_param("UserAttributes") or [])
    email = next((a.get("Value") for a in attributes if a.get("Name") == "email"), None)
    others = [a for a in attributes if a.get("Name") != "email"]
    deliveries = _change_email(pool, user, str(email)) if email is not None else []
    if others:
        self._get_region_agnostic_backend().update_user_attributes(access_token, others)
    return ActionResult({"CodeDeliveryDetailsList": deliveries} if deliveries else {})


def _verify_user_attribute_response(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    """VerifyUserAttribute, which moto lacks."""
    pool, user = revocation.signed_in(self._get_param("AccessToken"))
    _require_email_attribute(self._get_param("AttributeName"))
    pending = pending_email(pool, user)
    if pending is not None and _taken(pool, user, pending):
        raise AliasExistsException()
    if codes.delivers(pool.id):
        codes.check(pool.id, user, codes.VERIFY_EMAIL, str(self._get_param("Code") or ""))
    verified = [{"Name": "email_verified", "Value": "true"}]
    if pending is not None:
        verified.append({"Name": "email", "Value": pending})
        with _lock:
            _pending.pop((pool.id, user.id), None)
    user.update_attributes(verified)
    return ActionResult({})


def _get_user_attribute_verification_code_response(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    """GetUserAttributeVerificationCode, which moto lacks."""
    pool, user = revocation.signed_in(self._get_param("AccessToken"))
    _require_email_attribute(self._get_param("AttributeName"))
    email = pending_email(pool, user) or str(user.attribute_lookup.get("email", ""))
    codes.issue(pool.id, user, codes.VERIFY_EMAIL, to=email)
    return ActionResult({"CodeDeliveryDetails": _delivery(email)})


def install() -> None:
    wrap(CognitoIdpResponse, "update_user_attributes", _update_user_attributes_response)
    wrap(CognitoIdpResponse, "verify_user_attribute", _verify_user_attribute_response)
    wrap(CognitoIdpResponse, "get_user_attribute_verification_code", _get_user_attribute_verification_code_response)
