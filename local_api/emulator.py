"""Make moto's Cognito behave as Amazon Cognito documents where the API depends on it.

moto checks SECRET_HASH on refresh over the name the user signed in with (the email); Cognito computes it over
the user's Cognito username, which on pools that sign in with email is the `sub`. Clients of this API follow
Cognito, so the emulator is made to accept what Cognito accepts and refuse what it refuses.

moto also accepts any confirmation code and lacks ResendConfirmationCode. For the pools given to `deliver_codes`
(the local API's), the emulator issues real random codes on sign-up, resend and forgot-password, records them in an
outbox (nothing is emailed locally), and refuses a wrong, reused or expired code as Cognito does. Other pools keep
moto's behaviour, so in-process tests can confirm with any code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpBackend, UserStatus, cognitoidp_backends
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

_original_initiate_auth = CognitoIdpBackend.initiate_auth


def _hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _initiate_auth(self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> Any:
    if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        for pool in self.user_pools.values():
            client = pool.clients.get(client_id)
            stored = pool.refresh_tokens.get(auth_parameters.get("REFRESH_TOKEN", ""))
            if client is None or not client.generate_secret or stored is None:
                continue
            _, signed_in_as, _ = stored
            user = pool._get_user(signed_in_as)
            given = auth_parameters.get("SECRET_HASH", "")
            if user is not None and hmac.compare_digest(given, _hash(client.secret, user.username, client_id)):
                # Cognito's check passed; hand moto the hash it expects over the sign-in name.
                auth_parameters = {**auth_parameters, "SECRET_HASH": _hash(client.secret, signed_in_as, client_id)}
            else:
                auth_parameters = {**auth_parameters, "SECRET_HASH": "invalid"}
    return _original_initiate_auth(self, client_id, auth_flow, auth_parameters)


# What a code is for, named after the endpoint that takes it, and how long Cognito keeps it valid.
CONFIRM_SIGN_UP = "confirm-sign-up"
RESET_PASSWORD = "reset-password"
CODE_LIFETIME_SECONDS = {CONFIRM_SIGN_UP: 24 * 3600, RESET_PASSWORD: 3600}


@dataclass(frozen=True)
class Message:
    """One message Cognito would have emailed."""

    to: str
    purpose: str
    code: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class Outbox:
    """The messages Cognito would have sent, newest last. `on_send` is told of each one (e.g. to print it)."""

    def __init__(self, on_send: Callable[[Message], None] | None = None) -> None:
        self._messages: list[Message] = []
        self._lock = threading.Lock()
        self._on_send = on_send

    def send(self, message: Message) -> None:
        with self._lock:
            self._messages.append(message)
        if self._on_send is not None:
            self._on_send(message)

    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)


@dataclass(frozen=True)
class _Pending:
    code: str
    expires_at: float


_outboxes: dict[str, Outbox] = {}  # user pool id -> where its codes go
_pending: dict[tuple[str, str, str], _Pending] = {}  # (pool id, user sub, purpose) -> the one valid code
_codes_lock = threading.Lock()


def deliver_codes(user_pool_id: str, outbox: Outbox) -> None:
    """Make this pool issue real codes into `outbox` and refuse wrong ones, as Cognito does."""
    _outboxes[user_pool_id] = outbox


def _pool_for_client(client_id: str) -> Any:
    for account in cognitoidp_backends.values():
        for backend in account.values():
            for pool in backend.user_pools.values():
                if client_id in pool.clients:
                    return pool
    return None


def _issue(pool_id: str, user: Any, purpose: str) -> None:
    """A new code replaces any earlier one of the same purpose."""
    outbox = _outboxes.get(pool_id)
    if outbox is None:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    with _codes_lock:
        _pending[(pool_id, user.id, purpose)] = _Pending(code, time.time() + CODE_LIFETIME_SECONDS[purpose])
    outbox.send(Message(to=user.attribute_lookup.get("email", user.username), purpose=purpose, code=code))


def _check(pool_id: str, user: Any, purpose: str, code: str) -> None:
    """Accept the current code once; refuse any other code, a used one, or an expired one."""
    with _codes_lock:
        pending = _pending.get((pool_id, user.id, purpose))
        if pending is None or not hmac.compare_digest(pending.code.encode(), code.encode()):
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        if time.time() > pending.expires_at:
            raise ExpiredCodeException("Invalid code provided, please request a code again.")
        del _pending[(pool_id, user.id, purpose)]


def _user(pool: Any, username: str) -> Any:
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("Username/client id combination not found.")
    return user


def _mask(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


_original_sign_up = CognitoIdpBackend.sign_up
_original_forgot_password = CognitoIdpBackend.forgot_password
_original_confirm_forgot_password = CognitoIdpBackend.confirm_forgot_password
_original_confirm_sign_up_response = CognitoIdpResponse.confirm_sign_up


def _sign_up(self: CognitoIdpBackend, client_id: str, username: str, password: str, attributes: Any) -> Any:
    user, details = _original_sign_up(self, client_id, username, password, attributes)
    _issue(user.user_pool_id, user, CONFIRM_SIGN_UP)
    return user, details


def _confirm_sign_up_response(self: CognitoIdpResponse) -> Any:
    # moto's ConfirmSignUp never looks at the code: check it here, where the request still has it.
    pool = _pool_for_client(str(self._get_param("ClientId")))
    if pool is not None and pool.id in _outboxes:
        user = _user(pool, str(self._get_param("Username")))
        if user.status == UserStatus.CONFIRMED:
            raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
        _check(pool.id, user, CONFIRM_SIGN_UP, str(self._get_param("ConfirmationCode") or ""))
    return _original_confirm_sign_up_response(self)


def _resend_confirmation_code_response(self: CognitoIdpResponse) -> ActionResult:
    """ResendConfirmationCode, which moto lacks: a new code for a user who has not confirmed yet."""
    client_id = str(self._get_param("ClientId"))
    pool = _pool_for_client(client_id)
    if pool is None:
        raise ResourceNotFoundError(client_id)
    user = _user(pool, str(self._get_param("Username")))
    if user.status == UserStatus.CONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    _issue(pool.id, user, CONFIRM_SIGN_UP)
    email = str(user.attribute_lookup.get("email", ""))
    return ActionResult(
        {"CodeDeliveryDetails": {"Destination": _mask(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}}
    )


def _forgot_password(self: CognitoIdpBackend, client_id: str, username: str) -> Any:
    pool = _pool_for_client(client_id)
    if pool is None or pool.id not in _outboxes:
        return _original_forgot_password(self, client_id, username)
    user = _user(pool, username)
    if user.status == UserStatus.UNCONFIRMED:
        raise InvalidParameterException(
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    _issue(pool.id, user, RESET_PASSWORD)
    details = self._get_code_delivery_details(pool.extended_config.get("AccountRecoverySetting"), user, username)
    # moto would also put its own code in a response header; the real code is only in the outbox.
    return "", {"CodeDeliveryDetails": details}


def _confirm_forgot_password(
    self: CognitoIdpBackend, client_id: str, username: str, password: str, confirmation_code: str
) -> None:
    pool = _pool_for_client(client_id)
    if pool is not None and pool.id in _outboxes:
        user = _user(pool, username)
        self._validate_password(pool.id, password)
        _check(pool.id, user, RESET_PASSWORD, str(confirmation_code))
        _original_confirm_forgot_password(self, client_id, username, password, "checked")
        if user.status == UserStatus.RESET_REQUIRED:
            user.status = UserStatus.CONFIRMED
        return
    _original_confirm_forgot_password(self, client_id, username, password, confirmation_code)


def install() -> None:
    """Patch moto's Cognito backend (idempotent)."""
    CognitoIdpBackend.initiate_auth = _initiate_auth  # type: ignore[method-assign]
    CognitoIdpBackend.sign_up = _sign_up  # type: ignore[method-assign]
    CognitoIdpBackend.forgot_password = _forgot_password  # type: ignore[method-assign]
    CognitoIdpBackend.confirm_forgot_password = _confirm_forgot_password  # type: ignore[method-assign]
    CognitoIdpResponse.confirm_sign_up = _confirm_sign_up_response  # type: ignore[method-assign]
    CognitoIdpResponse.resend_confirmation_code = _resend_confirmation_code_response  # type: ignore[attr-defined]
