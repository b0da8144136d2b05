"""Tokens: what moto issues, checked as Cognito checks them.

moto checks SECRET_HASH on refresh over the name the user signed in with (the email); Cognito computes it over the
user's Cognito username, which on pools that sign in with email is the `sub`. Clients of this API follow Cognito, so
the emulator accepts what Cognito accepts and refuses what it refuses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend

from local_api.emulator.patching import wrap


def _hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _initiate_auth(
    inner: Any, self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
) -> Any:
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
    return inner(self, client_id, auth_flow, auth_parameters)


def install() -> None:
    wrap(CognitoIdpBackend, "initiate_auth", _initiate_auth)
