"""Refreshing a sign-in as Cognito does: GetTokensFromRefreshToken, refresh token rotation, and which clients may
still use InitiateAuth's REFRESH_TOKEN_AUTH.

moto lacks GetTokensFromRefreshToken and lets every client refresh with REFRESH_TOKEN_AUTH. Cognito (API reference,
GetTokensFromRefreshToken and RefreshTokenRotationType; ExplicitAuthFlows):

- GetTokensFromRefreshToken takes the app client's raw secret (ClientSecret; wrong or missing for a client that has
  one: NotAuthorizedException) and a refresh token of that client that is neither revoked nor expired, of a user who
  exists and is enabled (else NotAuthorizedException). The new tokens belong to the same sign-in: the same
  `auth_time` and `origin_jti`, so signing that device out (RevokeToken) ends them too.
- With the client's RefreshTokenRotation `Feature: ENABLED`, each refresh also returns a new refresh token, and the
  one submitted stays valid for RetryGracePeriodSeconds (0 to 60) after its first use, for a client's retries; used
  after that, it is refused with RefreshTokenReuseException. Without rotation, no refresh token is returned.
- InitiateAuth REFRESH_TOKEN_AUTH needs ALLOW_REFRESH_TOKEN_AUTH among the client's ExplicitAuthFlows (which a client
  without ExplicitAuthFlows, or with only the legacy flow names, has), and is refused on a rotating client: rotation
  is completed with GetTokensFromRefreshToken only. Refused flows are InvalidParameterException.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from local_api.emulator import clock, revocation, tokens, users
from local_api.emulator.patching import wrap

REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")

_first_used: dict[tuple[str, str], float] = {}  # (pool id, refresh token) -> when rotation first replaced it
_lock = threading.Lock()


class RefreshTokenReuseException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("RefreshTokenReuseException", "Refresh token has been used already.")


def rotation(client: Any) -> tuple[bool, int]:
    """Whether the app client rotates refresh tokens, and its grace period in seconds."""
    settings = client.extended_config.get("RefreshTokenRotation") or {}
    return settings.get("Feature") == "ENABLED", int(settings.get("RetryGracePeriodSeconds") or 0)


def _usable_session(pool: Any, client_id: str, refresh_token: Any) -> tokens.Session:
    """The sign-in of a refresh token this client may use now, or Cognito's NotAuthorizedException."""
    session = tokens.session(pool.id, refresh_token) if isinstance(refresh_token, str) else None
    if session is None or session.client_id != client_id:
        raise NotAuthorizedError("Invalid Refresh Token")
    if pool.refresh_tokens.get(refresh_token) is None or revocation.is_revoked(pool.id, session.origin_jti):
        raise NotAuthorizedError("Refresh Token has been revoked")
    if clock.now() >= session.expires_at:
        raise NotAuthorizedError("Refresh Token has expired")
    user = pool._get_user(session.username)
    if user is None:
        raise NotAuthorizedError("Refresh Token has been revoked")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    return session


def _replace(pool_id: str, refresh_token: str, grace_seconds: int) -> None:
    """Record that rotation replaced this refresh token, or refuse it once its grace period is over."""
    now = clock.now()
    with _lock:
        first_used = _first_used.get((pool_id, refresh_token))
        if first_used is None:
            _first_used[(pool_id, refresh_token)] = now
            return
    if now >= first_used + grace_seconds:
        raise RefreshTokenReuseException()


def _get_tokens_from_refresh_token_response(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    """GetTokensFromRefreshToken, which moto lacks."""
    client_id = str(self._get_param("ClientId") or "")
    pool, client = users.pool_and_client(client_id)
    revocation.require_client_secret(client, self._get_param("ClientSecret"), NotAuthorizedError)
    refresh_token = self._get_param("RefreshToken")
    session = _usable_session(pool, client_id, refresh_token)
    rotates, grace_seconds = rotation(client)
    if rotates:
        _replace(pool.id, session.refresh_token, grace_seconds)
    access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(session.refresh_token)
    result = {"AccessToken": access_token, "IdToken": id_token, "ExpiresIn": expires_in, "TokenType": "Bearer"}
    if rotates:
        result["RefreshToken"] = tokens.continue_session(pool, session).refresh_token
    return ActionResult({"AuthenticationResult": result})


def _initiate_auth(
    inner: Any, self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
) -> Any:
    if auth_flow in REFRESH_FLOWS:
        pool = users.pool_for_client(client_id)
        if pool is not None:
            client = pool.clients[client_id]
            flows = client.extended_config.get("ExplicitAuthFlows") or []
            modern = any(str(flow).startswith("ALLOW_") for flow in flows)
            if rotation(client)[0] or (modern and "ALLOW_REFRESH_TOKEN_AUTH" not in flows):
                raise InvalidParameterException("Refresh Token flow not enabled for this client")
            _usable_session(pool, client_id, (auth_parameters or {}).get("REFRESH_TOKEN"))
    return inner(self, client_id, auth_flow, auth_parameters)


def install() -> None:
    wrap(CognitoIdpResponse, "get_tokens_from_refresh_token", _get_tokens_from_refresh_token_response)
    wrap(CognitoIdpBackend, "initiate_auth", _initiate_auth)
