"""Verification of Cognito JWTs with python-jose: RS256 only; issuer, expiry and issue time (integers), token_use
and client checked.

The JWKS is fetched once per container (with a timeout) and each key object is built once per key id. A token
with an unknown key id causes at most one refetch a minute, never one per request.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from functools import cache
from typing import Any

from jose import jwk, jwt
from jose.backends.base import Key
from jose.exceptions import JOSEError

from cognito_auth import errors
from cognito_auth.observability import logger
from cognito_auth.settings import get_settings

REQUIRED_SCOPE = "aws.cognito.signin.user.admin"
MAX_TOKEN_LENGTH = 8192
REFETCH_INTERVAL_SECONDS = 60.0
RETRY_AFTER_FAILURE_SECONDS = 5.0
CLOCK_SKEW_SECONDS = 30


def fetch_jwks(url: str, timeout: float = 2.0) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - URL built from settings
        return json.load(response)  # type: ignore[no-any-return]


class TokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        jwks_url: str,
        fetch: Callable[[str], dict[str, Any]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.jwks_url = jwks_url
        self._fetch = fetch
        self._clock = clock
        self._jwks: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, Key] = {}
        self._fetched_at: float | None = None
        self._fetch_failed = False
        self._lock = threading.Lock()
        self.fetch_count = 0

    def verify(self, token: str, *, token_use: str = "access", scope: str | None = REQUIRED_SCOPE) -> dict[str, Any]:
        """Return the token's claims, or raise InvalidToken (401). Never raises anything else for a bad token."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise errors.InvalidToken()
        try:
            header = jwt.get_unverified_header(token)
        except (JOSEError, ValueError, TypeError, UnicodeError) as exc:
            raise errors.InvalidToken() from exc
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str):
            raise errors.InvalidToken()
        key = self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_aud": False, "require_exp": True, "require_iat": True, "leeway": 0},
            )
        except (JOSEError, ValueError, TypeError) as exc:
            raise errors.InvalidToken() from exc
        self._check_times(claims)
        self._check_claims(claims, token_use, scope)
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        """`exp` and `iat` are integers, as Cognito writes them (python-jose takes "9999999999" or 1e10 for a time);
        the token has not expired and was not issued in the future, beyond a small clock skew. Every verifier,
        subclasses included, applies this: it is not part of `_check_claims`."""
        exp, iat = claims.get("exp"), claims.get("iat")
        if type(exp) is not int or type(iat) is not int:
            raise errors.InvalidToken()
        now = self._clock()
        if now >= exp or iat > now + CLOCK_SKEW_SECONDS:
            raise errors.InvalidToken()

    def _check_claims(self, claims: dict[str, Any], token_use: str, scope: str | None) -> None:
        if claims.get("token_use") != token_use:
            raise errors.InvalidToken()
        audience = claims.get("client_id") if token_use == "access" else claims.get("aud")
        if audience != self.client_id:
            raise errors.InvalidToken()
        if not isinstance(claims.get("sub"), str):
            raise errors.InvalidToken()
        if token_use == "access" and scope is not None and scope not in str(claims.get("scope", "")).split():
            raise errors.InvalidToken()

    def _key(self, kid: str) -> Key:
        with self._lock:
            if kid in self._keys:
                return self._keys[kid]
            if kid not in self._jwks:
                if self._may_fetch():
                    self._refresh()
                elif self._fetch_failed:
                    # The last fetch failed moments ago: the token may be good, so do not call it invalid.
                    raise errors.ServiceUnavailable()
            jwk_dict = self._jwks.get(kid)
            if jwk_dict is None:
                raise errors.InvalidToken()
            try:
                key = jwk.construct(jwk_dict, algorithm="RS256")
            except (JOSEError, ValueError, TypeError) as exc:
                raise errors.InvalidToken() from exc
            self._keys[kid] = key
            return key

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= REFETCH_INTERVAL_SECONDS

    def _refresh(self) -> None:
        self._fetched_at = self._clock()
        self.fetch_count += 1
        try:
            document = self._fetch(self.jwks_url)
        except Exception as exc:
            self._fetch_failed = True
            # Let a transient failure be retried after a few seconds rather than a whole interval.
            self._fetched_at = self._clock() - REFETCH_INTERVAL_SECONDS + RETRY_AFTER_FAILURE_SECONDS
            logger.warning("Could not fetch the JWKS", extra={"error_type": type(exc).__name__})
            raise errors.ServiceUnavailable() from exc
        self._fetch_failed = False
        keys = document.get("keys") if isinstance(document, dict) else None
        self._jwks = {
            k["kid"]: k
            for k in keys or []
            if isinstance(k, dict) and isinstance(k.get("kid"), str) and k.get("kty") == "RSA"
        }
        self._keys = {kid: key for kid, key in self._keys.items() if kid in self._jwks}


@cache
def get_verifier() -> TokenVerifier:
    settings = get_settings()
    return TokenVerifier(
        issuer=settings.issuer, client_id=settings.client_id, jwks_url=settings.jwks_url, fetch=fetch_jwks
    )
