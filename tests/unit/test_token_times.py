"""A token's `exp` and `iat` are integers, as Cognito writes them, and mean what they say: the layer's verifier and
every subclass of it (the local API's Cognito authorizer) refuse a token with a time of another type, an expired
one, and one issued in the future."""

from __future__ import annotations

from typing import Any

import pytest

from cognito_auth import errors
from cognito_auth.tokens import TokenVerifier
from local_api.authorizer import CognitoAuthorizer
from tests.support.clock import Clock
from tests.support.keys import RsaKey

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Times"
JWKS_URL = f"{ISSUER}/.well-known/jwks.json"
CLIENT_ID = "times-client"
SCOPE = "aws.cognito.signin.user.admin"


@pytest.fixture(scope="module")
def key() -> RsaKey:
    return RsaKey("times")


def _claims(now: float, **changes: Any) -> dict[str, Any]:
    claims = {
        "sub": "5d9f6c1e-0b7a-4c1f-9d7e-2a6b3c4d5e6f",
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "token_use": "access",
        "scope": SCOPE,
        "iat": int(now),
        "exp": int(now) + 900,
    }
    return {**claims, **changes}


def _refused(now: int) -> dict[str, dict[str, Any]]:
    return {
        "exp as a string": {"exp": str(now + 900)},
        "exp as a float": {"exp": now + 900.0},
        "exp as a boolean": {"exp": True},
        "iat as a string": {"iat": str(now)},
        "iat as a float": {"iat": now + 0.5},
        "iat an hour in the future": {"iat": now + 3600, "exp": now + 4500},
        "expired a second ago": {"iat": now - 901, "exp": now - 1},
    }


CASES = list(_refused(0))


def _verifier(key: RsaKey, clock: Clock) -> TokenVerifier:
    return TokenVerifier(
        issuer=ISSUER, client_id=CLIENT_ID, jwks_url=JWKS_URL, fetch=lambda url: {"keys": [key.jwk()]}, clock=clock
    )


def test_a_good_token_passes_both(key: RsaKey, clock: Clock) -> None:
    token = key.sign(_claims(clock.now))
    authorizer = CognitoAuthorizer(issuer=ISSUER, jwks_url=JWKS_URL, fetch=lambda url: {"keys": [key.jwk()]})

    assert _verifier(key, clock).verify(token)["sub"]
    assert authorizer.authorize(f"Bearer {token}", [SCOPE]) is not None


@pytest.mark.parametrize("case", CASES)
def test_the_layers_verifier_refuses(key: RsaKey, clock: Clock, case: str) -> None:
    token = key.sign(_claims(clock.now, **_refused(int(clock.now))[case]))

    with pytest.raises(errors.InvalidToken):
        _verifier(key, clock).verify(token)


@pytest.mark.parametrize("case", CASES)
def test_the_local_authorizer_refuses_as_api_gateway_does(key: RsaKey, clock: Clock, case: str) -> None:
    token = key.sign(_claims(clock.now, **_refused(int(clock.now))[case]))
    authorizer = CognitoAuthorizer(issuer=ISSUER, jwks_url=JWKS_URL, fetch=lambda url: {"keys": [key.jwk()]})

    assert authorizer.authorize(f"Bearer {token}", [SCOPE]) is None
