"""Signing out as Cognito does, and the access token every user-context operation checks.

moto lacks RevokeToken, and its user-context operations (GetUser, ChangePassword, ...) accept an access token for as
long as it sits in the pool's table: forever, unless GlobalSignOut removed it, and then they answer with the token
itself as the message. Cognito (Developer Guide, "Revoking tokens"; API reference, RevokeToken):

- RevokeToken revokes the refresh token of one sign-in and every access and id token issued from it (the tokens that
  share its `origin_jti`); the user's other sign-ins keep working. Here the sign-in's rotated refresh tokens (the
  `refresh` module) share that `origin_jti`, so revoking any of them ends the sign-in on that device.
  It needs the app client's secret when the client has one (else UnauthorizedException) and EnableTokenRevocation
  (else UnsupportedOperationException), and revokes refresh tokens only: an access or id token is an
  UnsupportedTokenTypeException. A token Cognito cannot find, or one already revoked, is answered like any other
  (the revocation endpoint's RFC 7009 behaviour); nothing is revoked.
- GlobalSignOut (moto's) revokes every sign-in of the user.
- A user-context operation refuses a revoked access token ("Access Token has been revoked"), an expired one ("Access
  Token has expired", by the emulator's clock), one it never issued ("Invalid Access Token") and a disabled user's,
  with NotAuthorizedException; a deleted user's with UserNotFoundException where the operation declares it (botocore's
  model), else NotAuthorizedException.

`signed_in(access_token)` is that check, returning the pool and the user: an operation this package adds calls it
first (the `email_change` and `deletion` modules do). The operations moto implements are wrapped here.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError, UserNotFoundError
from moto.cognitoidp.models import CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from local_api.emulator import clock, tokens, users
from local_api.emulator.patching import wrap

# moto's operations that act with the caller's access token (AccessToken is optional for the software token ones,
# which also take a sign-in session).
USER_CONTEXT_OPERATIONS = (
    "get_user",
    "update_user_attributes",
    "change_password",
    "global_sign_out",
    "set_user_mfa_preference",
    "associate_software_token",
    "verify_software_token",
)

DECLARE_USER_NOT_FOUND = frozenset(USER_CONTEXT_OPERATIONS) - {"global_sign_out", "associate_software_token"}

_revoked: set[tuple[str, str]] = set()  # (pool id, origin_jti) of every sign-in that was signed out
_lock = threading.Lock()


def claims(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (the emulator issued it, or it is refused anyway); {} for anything else."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError, UnicodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def is_revoked(pool_id: str, origin_jti: Any) -> bool:
    with _lock:
        return (pool_id, str(origin_jti)) in _revoked


def signed_in(access_token: Any) -> tuple[Any, Any]:
    """The pool and user of a valid access token, or what Cognito answers a user-context call with this token."""
    token = access_token if isinstance(access_token, str) else ""
    payload = claims(token)
    pool = next((p for p in users.pools() if token in p.access_tokens), None)
    issuer_pool = str(payload.get("iss", "")).rpartition("/")[2]
    if is_revoked(pool.id if pool is not None else issuer_pool, payload.get("origin_jti")):
        raise NotAuthorizedError("Access Token has been revoked")
    if pool is None:
        raise NotAuthorizedError("Invalid Access Token")
    if clock.now() >= float(payload.get("exp", 0)):
        raise NotAuthorizedError("Access Token has expired")
    _, username = pool.access_tokens[token]
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("User does not exist.")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    return pool, user


def revoke(pool: Any, origin_jti: str) -> None:
    """End one sign-in: its refresh tokens (rotated ones too) and every access and id token issued from them."""
    with _lock:
        _revoked.add((pool.id, origin_jti))
    for session in tokens.sessions(pool.id):
        if session.origin_jti == origin_jti:
            pool.refresh_tokens[session.refresh_token] = None
    for table in (pool.access_tokens, pool.id_tokens):
        for token in [t for t in table if claims(t).get("origin_jti") == origin_jti]:
            del table[token]


def revoke_user(pool: Any, username: str) -> None:
    """End every sign-in of a user (by Cognito username)."""
    for origin_jti in {s.origin_jti for s in tokens.sessions(pool.id) if s.username == username}:
        revoke(pool, origin_jti)


def _checking(operation: str) -> Callable[..., Any]:
    """The access token check before moto's operation. Operations that do not declare UserNotFoundException
    (GlobalSignOut, AssociateSoftwareToken) answer a deleted user's token with NotAuthorizedException."""

    def check(inner: Any, self: CognitoIdpResponse) -> Any:
        access_token = self._get_param("AccessToken")
        if access_token is not None:
            try:
                signed_in(access_token)
            except UserNotFoundError:
                if operation not in DECLARE_USER_NOT_FOUND:
                    raise NotAuthorizedError("Access Token has been revoked") from None
                raise
        return inner(self)

    return check


def _sign_out(inner: Any, self: CognitoIdpUserPool, username: str) -> None:
    """GlobalSignOut and AdminUserGlobalSignOut: moto forgets the tokens; remember that they were revoked."""
    inner(self, username)
    revoke_user(self, users.cognito_username(self, username))


class UnauthorizedException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnauthorizedException", message)


class UnsupportedOperationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedOperationException", message)


class UnsupportedTokenTypeException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedTokenTypeException", message)


def require_client_secret(client: Any, given: Any, refusal: Callable[[str], JsonRESTError]) -> None:
    """The raw client secret that GetTokensFromRefreshToken and RevokeToken take, checked as Cognito checks it."""
    if not client.generate_secret:
        return
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), str(client.secret).encode()):
        raise refusal(f"Unable to verify the client secret of client {client.id}")


def _revoke_token_response(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    """RevokeToken, which moto lacks."""
    client_id = str(self._get_param("ClientId") or "")
    pool, client = users.pool_and_client(client_id)
    require_client_secret(client, self._get_param("ClientSecret"), UnauthorizedException)
    if not client.extended_config.get("EnableTokenRevocation", True):
        raise UnsupportedOperationException("Token revocation is not enabled for this app client.")
    token = str(self._get_param("Token") or "")
    if claims(token).get("token_use") in ("access", "id"):
        raise UnsupportedTokenTypeException("Only refresh tokens can be revoked.")
    session = tokens.session(pool.id, token)
    if session is not None and session.client_id == client_id:
        revoke(pool, session.origin_jti)
    return ActionResult({})


def install() -> None:
    for name in USER_CONTEXT_OPERATIONS:
        wrap(CognitoIdpResponse, name, _checking(name))
    wrap(CognitoIdpUserPool, "sign_out", _sign_out)
    wrap(CognitoIdpResponse, "revoke_token", _revoke_token_response)
