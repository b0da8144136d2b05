"""Verification codes: issued into an outbox instead of an email, checked as Cognito checks them.

moto accepts any confirmation code and lacks ResendConfirmationCode. For the pools given to `deliver_codes` (the
local API's), sign-up, resend and forgot-password issue a real random code, record it in the pool's outbox, and
ConfirmSignUp and ConfirmForgotPassword refuse a wrong, reused or expired one as Cognito does (an email change's code,
purpose `verify-email`, is issued and checked by `email_change`). Other pools keep moto's
behaviour, so in-process tests can confirm with any code.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpBackend, UserStatus
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from local_api.emulator import clock, users
from local_api.emulator.patching import wrap

# What a code is for, named after the endpoint that takes it, and how long Cognito keeps it valid.
CONFIRM_SIGN_UP = "confirm-sign-up"
RESET_PASSWORD = "reset-password"
# An emailed sign-in code (email MFA, passwordless sign-in), answered at /auth/challenge. It lives as long as the
# challenge session that asked for it (the app client's AuthSessionValidity, 3 to 15 minutes): `challenges` refuses
# an expired session first, so this is the longest a session can last.
SIGN_IN = "sign-in"
VERIFY_EMAIL = "verify-email"
CODE_LIFETIME_SECONDS = {CONFIRM_SIGN_UP: 24 * 3600, RESET_PASSWORD: 3600, SIGN_IN: 15 * 60, VERIFY_EMAIL: 24 * 3600}


@dataclass(frozen=True)
class Message:
    """One message Cognito would have emailed."""

    to: str
    purpose: str
    code: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class Outbox:
    """The messages Cognito would have sent, newest last. `on_send` is told of each one (e.g. to print it).

    `messages(to=address)` finds an address as the pool does: in any case on a case-insensitive pool (`deliver_codes`
    tells the outbox which kind its pool is).
    """

    def __init__(self, on_send: Callable[[Message], None] | None = None, *, case_sensitive: bool = True) -> None:
        self._messages: list[Message] = []
        self._lock = threading.Lock()
        self._on_send = on_send
        self.case_sensitive = case_sensitive

    def send(self, message: Message) -> None:
        with self._lock:
            self._messages.append(message)
        if self._on_send is not None:
            self._on_send(message)

    def messages(self, to: str | None = None) -> list[Message]:
        with self._lock:
            messages = list(self._messages)
        if to is None:
            return messages
        if self.case_sensitive:
            return [m for m in messages if m.to == to]
        return [m for m in messages if users.fold(m.to) == users.fold(to)]


@dataclass(frozen=True)
class _Pending:
    code: str
    expires_at: float


_outboxes: dict[str, Outbox] = {}  # user pool id -> where its codes go
_pending: dict[tuple[str, str, str], _Pending] = {}  # (pool id, user sub, purpose) -> the one valid code
_lock = threading.Lock()


def deliver_codes(user_pool_id: str, outbox: Outbox) -> None:
    """Make this pool issue real codes into `outbox` and refuse wrong ones, as Cognito does."""
    pool = users.pool_by_id(user_pool_id)
    if pool is not None:
        outbox.case_sensitive = users.case_sensitive(pool)
    _outboxes[user_pool_id] = outbox


def delivers(pool_id: str) -> bool:
    """Whether this pool issues real codes (`deliver_codes`); other pools keep moto's any-code-will-do."""
    return pool_id in _outboxes


def issue(pool_id: str, user: Any, purpose: str, *, to: str | None = None) -> None:
    """A new code replaces any earlier one of the same purpose. It goes to the user's email, or to `to` (a new
    address being verified)."""
    outbox = _outboxes.get(pool_id)
    if outbox is None:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    with _lock:
        _pending[(pool_id, user.id, purpose)] = _Pending(code, clock.now() + CODE_LIFETIME_SECONDS[purpose])
    address = to if to is not None else user.attribute_lookup.get("email", user.username)
    outbox.send(Message(to=address, purpose=purpose, code=code))


def check(pool_id: str, user: Any, purpose: str, code: str) -> None:
    """Accept the current code once; refuse any other code, a used one, or an expired one."""
    with _lock:
        pending = _pending.get((pool_id, user.id, purpose))
        if pending is None or not hmac.compare_digest(pending.code.encode(), code.encode()):
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        if clock.now() > pending.expires_at:
            raise ExpiredCodeException("Invalid code provided, please request a code again.")
        del _pending[(pool_id, user.id, purpose)]


def mask(email: str) -> str:
    """An address as Cognito shows it in CodeDeliveryDetails: first letters only."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def _sign_up(inner: Any, self: CognitoIdpBackend, client_id: str, username: str, password: str, attrs: Any) -> Any:
    user, details = inner(self, client_id, username, password, attrs)
    issue(user.user_pool_id, user, CONFIRM_SIGN_UP)
    return user, details


def _confirm_sign_up_response(inner: Any, self: CognitoIdpResponse) -> Any:
    # moto's ConfirmSignUp never looks at the code: check it here, where the request still has it.
    pool = users.pool_for_client(str(self._get_param("ClientId")))
    if pool is not None and pool.id in _outboxes:
        user = users.require(pool, str(self._get_param("Username")))
        if user.status == UserStatus.CONFIRMED:
            raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
        check(pool.id, user, CONFIRM_SIGN_UP, str(self._get_param("ConfirmationCode") or ""))
    return inner(self)


def _confirm_sign_up(inner: Any, self: CognitoIdpBackend, client_id: str, username: str) -> Any:
    """The sign-up code went to the email: confirming with it verifies the address too, where the pool auto-verifies
    email (moto leaves email_verified unset; AdminConfirmSignUp, which takes no code, does not verify it either)."""
    result = inner(self, client_id, username)
    pool = users.pool_for_client(client_id)
    if pool is not None and "email" in (pool.extended_config.get("AutoVerifiedAttributes") or []):
        user = users.require(pool, username)
        if "email" in user.attribute_lookup:
            user.update_attributes([{"Name": "email_verified", "Value": "true"}])
    return result


def _resend_confirmation_code_response(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    """ResendConfirmationCode, which moto lacks: a new code for a user who has not confirmed yet."""
    client_id = str(self._get_param("ClientId"))
    pool = users.pool_for_client(client_id)
    if pool is None:
        raise ResourceNotFoundError(client_id)
    user = users.require(pool, str(self._get_param("Username")))
    if user.status == UserStatus.CONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    issue(pool.id, user, CONFIRM_SIGN_UP)
    email = str(user.attribute_lookup.get("email", ""))
    return ActionResult(
        {"CodeDeliveryDetails": {"Destination": mask(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}}
    )


def _forgot_password(inner: Any, self: CognitoIdpBackend, client_id: str, username: str) -> Any:
    pool = users.pool_for_client(client_id)
    if pool is None or pool.id not in _outboxes:
        return inner(self, client_id, username)
    user = users.require(pool, username)
    if user.status == UserStatus.UNCONFIRMED:
        raise InvalidParameterException(
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    issue(pool.id, user, RESET_PASSWORD)
    details = self._get_code_delivery_details(pool.extended_config.get("AccountRecoverySetting"), user, username)
    # moto would also put its own code in a response header; the real code is only in the outbox.
    return "", {"CodeDeliveryDetails": details}


def _confirm_forgot_password(
    inner: Any, self: CognitoIdpBackend, client_id: str, username: str, password: str, confirmation_code: str
) -> None:
    pool = users.pool_for_client(client_id)
    if pool is None or pool.id not in _outboxes:
        return inner(self, client_id, username, password, confirmation_code)  # type: ignore[no-any-return]
    user = users.require(pool, username)
    check(pool.id, user, RESET_PASSWORD, str(confirmation_code))
    inner(self, client_id, username, password, "checked")
    if user.status == UserStatus.RESET_REQUIRED:
        user.status = UserStatus.CONFIRMED
    return None


def install() -> None:
    wrap(CognitoIdpBackend, "sign_up", _sign_up)
    wrap(CognitoIdpBackend, "confirm_sign_up", _confirm_sign_up)
    wrap(CognitoIdpBackend, "forgot_password", _forgot_password)
    wrap(CognitoIdpBackend, "confirm_forgot_password", _confirm_forgot_password)
    wrap(CognitoIdpResponse, "confirm_sign_up", _confirm_sign_up_response)
    wrap(CognitoIdpResponse, "resend_confirmation_code", _resend_confirmation_code_response)
