"""API Gateway's Cognito user pool authorizer (COGNITO_USER_POOLS), as it behaves for a REST API.

It trusts any token of the pool (any app client): signature, issuer, expiry and issue time (integers, not in the
future) are checked, by the layer's own verifier. A method with
authorization scopes needs an access token holding one of them; a method without scopes needs an id token. A
refused token never reaches the function; an accepted one reaches it as `requestContext.authorizer.claims`, every
value a string, the times written the way API Gateway writes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from cognito_auth import errors
from cognito_auth.tokens import TokenVerifier

MAX_HEADER_LENGTH = 10_240


class _PoolVerifier(TokenVerifier):
    """The layer's verifier (RS256, JWKS, issuer, exp and iat) without its app-client check: API Gateway has none."""

    def _check_claims(self, claims: dict[str, Any], token_use: str, scope: str | None) -> None:
        if claims.get("token_use") != token_use or not isinstance(claims.get("sub"), str):
            raise errors.InvalidToken()


class CognitoAuthorizer:
    def __init__(self, *, issuer: str, jwks_url: str, fetch: Callable[[str], dict[str, Any]]) -> None:
        self._verifier = _PoolVerifier(issuer=issuer, client_id="", jwks_url=jwks_url, fetch=fetch)

    def authorize(self, header: str | None, scopes: Sequence[str]) -> dict[str, str] | None:
        """The claims API Gateway would pass on, or None for its 401 {"message": "Unauthorized"}."""
        if not header or len(header) > MAX_HEADER_LENGTH:
            return None
        token = header.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        try:
            claims = self._verifier.verify(token, token_use="access" if scopes else "id", scope=None)
        except errors.InvalidToken:
            return None
        if scopes and not set(scopes) & set(str(claims.get("scope", "")).split()):
            return None
        return {name: _as_string(name, value) for name, value in claims.items()}


def _as_string(name: str, value: Any) -> str:
    if name in ("exp", "iat") and isinstance(value, (int, float)):
        return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
