"""Tokens as Cognito issues them: bound to the user's Cognito username, not to the name they signed in with.

moto records each token under the name given at sign-in (`Jane@Example.com` or `jane@example.com`), puts that name in
the id token's `email`, and checks a refresh's SECRET_HASH over it. Cognito binds a session to the user: its tokens
carry the Cognito username (on a pool that signs in with email, the `sub`), the id token carries the stored email,
sign-out ends every session of the user whatever case they signed in with, and a refresh's SECRET_HASH is computed
over the Cognito username. So every token table moto keeps (refresh, access and id tokens) is keyed by the Cognito
username here, which no email change or case variation alters.

Lifetimes are the app client's, as on Cognito: AccessTokenValidity, IdTokenValidity and RefreshTokenValidity in their
TokenValidityUnits (by default hours, hours and days; unset, 1 hour, 1 hour and 30 days). They set `exp`, `ExpiresIn`
(the access token's), and when a refresh token stops working. moto issued every token for an hour and refresh tokens
forever. Each sign-in is a `Session` (its refresh token, `origin_jti`, `auth_time`, expiry), which the tokens
refreshed from it share.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpUserPool

from local_api.emulator import clock, users
from local_api.emulator.patching import wrap

UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
DEFAULT_SECONDS = {"AccessToken": 3600, "IdToken": 3600, "RefreshToken": 30 * 86400}


def lifetime(client: Any, token: str) -> int:
    """Seconds a token of this app client lives: `token` is AccessToken, IdToken or RefreshToken."""
    config = client.extended_config if client is not None else {}
    value = config.get(f"{token}Validity")
    if not value:  # unset, or 0, which Cognito also reads as its default
        return DEFAULT_SECONDS[token]
    unit = (config.get("TokenValidityUnits") or {}).get(token) or DEFAULT_UNITS[token]
    return int(value) * UNIT_SECONDS[unit]


@dataclass(frozen=True)
class Session:
    """One sign-in: its refresh token and what every token issued from it shares."""

    pool_id: str
    client_id: str
    username: str  # the Cognito username
    refresh_token: str
    origin_jti: str
    auth_time: int
    expires_at: float  # when the refresh token stops working


_sessions: dict[tuple[str, str], Session] = {}  # (pool id, refresh token) -> its session
_by_origin: dict[tuple[str, str], Session] = {}  # (pool id, origin_jti) -> the same sessions
_lock = threading.Lock()


def session(pool_id: str, refresh_token: str) -> Session | None:
    with _lock:
        return _sessions.get((pool_id, refresh_token))


def sessions(pool_id: str) -> list[Session]:
    """Every refresh token the pool has issued (revoked ones too: the pool's `refresh_tokens` say which)."""
    with _lock:
        return [s for (pool, _), s in _sessions.items() if pool == pool_id]


def continue_session(pool: CognitoIdpUserPool, previous: Session) -> Session:
    """A new refresh token for the same sign-in (refresh token rotation): the same `origin_jti` and `auth_time`, so
    the tokens issued from it belong to that sign-in, and a lifetime of its own from now."""
    refresh_token = str(uuid.uuid4())
    pool.refresh_tokens[refresh_token] = (previous.client_id, previous.username, previous.origin_jti)
    now = clock.now()
    lifetime_seconds = lifetime(pool.clients.get(previous.client_id), "RefreshToken")
    continued = Session(
        pool.id,
        previous.client_id,
        previous.username,
        refresh_token,
        previous.origin_jti,
        previous.auth_time,
        now + lifetime_seconds,
    )
    with _lock:
        _sessions[(pool.id, refresh_token)] = continued
    return continued


def _create_refresh_token(inner: Any, self: CognitoIdpUserPool, client_id: str, username: str) -> tuple[str, str]:
    username = users.cognito_username(self, username)
    refresh_token, origin_jti = inner(self, client_id, username)
    now = clock.now()
    started = Session(
        self.id,
        client_id,
        username,
        refresh_token,
        origin_jti,
        int(now),
        now + lifetime(self.clients.get(client_id), "RefreshToken"),
    )
    with _lock:
        _sessions[(self.id, refresh_token)] = started
        _by_origin[(self.id, origin_jti)] = started
    return refresh_token, origin_jti


def _create_tokens_from_refresh_token(inner: Any, self: CognitoIdpUserPool, refresh_token: str) -> Any:
    known = session(self.id, refresh_token)
    if known is not None and clock.now() >= known.expires_at:
        raise NotAuthorizedError("Refresh Token has expired")
    if known is not None and self._get_user(known.username) is None:  # deleted: moto would fail on the missing user
        raise NotAuthorizedError("Refresh Token has been revoked")
    return inner(self, refresh_token)


def _create_jwt(
    inner: Any,
    self: CognitoIdpUserPool,
    client_id: str,
    username: str,
    token_use: str,
    expires_in: int = 3600,
    extra_data: dict[str, Any] | None = None,
) -> tuple[str, int]:
    user = self._get_user(username)
    if user is None:
        raise NotAuthorizedError("User does not exist.")
    expires_in = lifetime(self.clients.get(client_id), "AccessToken" if token_use == "access" else "IdToken")
    now = int(clock.now())
    with _lock:
        started = _by_origin.get((self.id, str((extra_data or {}).get("origin_jti"))))
    payload: dict[str, Any] = {
        "iss": f"https://cognito-idp.{self.region}.amazonaws.com/{self.id}",
        "sub": user.id,
        "client_id" if token_use == "access" else "aud": client_id,
        "token_use": token_use,
        "iat": now,
        "auth_time": started.auth_time if started is not None else now,
        "exp": now + expires_in,
        "jti": str(uuid.uuid4()),
    }
    if token_use == "access":
        payload["username"] = user.username
    else:
        payload["cognito:username"] = user.username
        if "email" in user.attribute_lookup:
            payload["email"] = user.attribute_lookup["email"]
    payload.update(extra_data or {})
    return jwt.encode({"kid": "dummy", "alg": "RS256"}, payload, self.json_web_key), expires_in


def _by_cognito_username(
    inner: Any, self: CognitoIdpUserPool, client_id: str, username: str, *args: Any, **kwargs: Any
) -> Any:
    return inner(self, client_id, users.cognito_username(self, username), *args, **kwargs)


def _sign_out(inner: Any, self: CognitoIdpUserPool, username: str) -> None:
    inner(self, users.cognito_username(self, username))


def install() -> None:
    wrap(CognitoIdpUserPool, "create_jwt", _create_jwt)
    wrap(CognitoIdpUserPool, "create_refresh_token", _create_refresh_token)
    wrap(CognitoIdpUserPool, "create_tokens_from_refresh_token", _create_tokens_from_refresh_token)
    for name in ("create_access_token", "create_id_token"):
        wrap(CognitoIdpUserPool, name, _by_cognito_username)
    wrap(CognitoIdpUserPool, "sign_out", _sign_out)
