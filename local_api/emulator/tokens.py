"""Tokens as Cognito issues them: bound to the user's Cognito username, not to the name they signed in with.

moto records each token under the name given at sign-in (`Jane@Example.com` or `jane@example.com`), puts that name in
the id token's `email`, and checks a refresh's SECRET_HASH over it. Cognito binds a session to the user: its tokens
carry the Cognito username (on a pool that signs in with email, the `sub`), the id token carries the stored email,
sign-out ends every session of the user whatever case they signed in with, and a refresh's SECRET_HASH is computed
over the Cognito username. So every token table moto keeps (refresh, access and id tokens) is keyed by the Cognito
username here, which no email change or case variation alters.
"""

from __future__ import annotations

import uuid
from typing import Any

from joserfc import jwt
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpUserPool

from local_api.emulator import clock, users
from local_api.emulator.patching import wrap


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
    now = int(clock.now())
    payload: dict[str, Any] = {
        "iss": f"https://cognito-idp.{self.region}.amazonaws.com/{self.id}",
        "sub": user.id,
        "client_id" if token_use == "access" else "aud": client_id,
        "token_use": token_use,
        "iat": now,
        "auth_time": now,
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
    for name in ("create_refresh_token", "create_access_token", "create_id_token"):
        wrap(CognitoIdpUserPool, name, _by_cognito_username)
    wrap(CognitoIdpUserPool, "sign_out", _sign_out)
