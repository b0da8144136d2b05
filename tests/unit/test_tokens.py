"""TokenVerifier against tokens signed here with our own RSA keys, as Cognito signs its own.

Every bad token is a 401 InvalidToken and nothing else; a JWKS that cannot be fetched is a 503. The clock and the
JWKS fetch are injected, so the refetch limits are tested without waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from jose import jwk

from cognito_auth import errors, tokens
from cognito_auth.tokens import TokenVerifier
from tests.support.clock import Clock
from tests.support.keys import RsaKey

REGION_POOL = "us-east-1_Example"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{REGION_POOL}"
JWKS_URL = f"{ISSUER}/.well-known/jwks.json"
CLIENT_ID = "4tdr6mhv3ri53mv6e0kqjepe7n"
SUB = "0f5c5a4e-1c2b-4a8e-9a43-5c2f1b7e9d10"
KID = "key-one"
NEW_KID = "key-two"


@pytest.fixture(scope="module")
def key() -> RsaKey:
    return RsaKey(KID)


@pytest.fixture(scope="module")
def new_key() -> RsaKey:
    return RsaKey(NEW_KID)


@pytest.fixture(scope="module")
def attacker_key() -> RsaKey:
    return RsaKey(KID)  # an attacker's own key, published under the pool's key id


class Jwks:
    """The pool's .well-known/jwks.json: counts fetches, can fail like an unreachable endpoint."""

    def __init__(self, *keys: RsaKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        self.failing = False

    def __call__(self, url: str) -> dict[str, Any]:
        assert url == JWKS_URL
        self.fetches += 1
        if self.failing:
            raise TimeoutError("timed out")
        return {"keys": [k.jwk() for k in self.keys]}


@pytest.fixture
def jwks(key: RsaKey) -> Jwks:
    return Jwks(key)


@pytest.fixture
def verifier(clock: Clock, jwks: Jwks) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks_url=JWKS_URL, fetch=jwks, clock=clock)


def access_claims(**changes: Any) -> dict[str, Any]:
    """Claims of a Cognito access token; a change to None removes the claim."""
    now = int(time.time())
    claims = {
        "sub": SUB,
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "origin_jti": "5b0e0c2e-7e36-4a34-9f0a-8c6b3f8f5a11",
        "event_id": "d4a7f3c1-0c3e-4a39-8d9a-3a7e0c1b2f44",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": "0c7d2a4e-2f0b-4a55-9a3c-7a1f6a1d2b33",
        "username": SUB,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def id_claims(**changes: Any) -> dict[str, Any]:
    claims = access_claims(token_use="id", aud=CLIENT_ID, email="jane@example.com", client_id=None, scope=None)
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"


def refused(verifier: TokenVerifier, token: Any, **kwargs: Any) -> errors.ApiError:
    with pytest.raises(errors.ApiError) as raised:
        verifier.verify(token, **kwargs)
    return raised.value


def assert_invalid(verifier: TokenVerifier, token: Any, **kwargs: Any) -> None:
    error = refused(verifier, token, **kwargs)
    assert (error.status, error.code) == (401, "InvalidToken")
    assert error.body() == {"error": errors.InvalidToken.message, "code": "InvalidToken"}


def test_a_good_access_token_gives_its_claims(verifier: TokenVerifier, key: RsaKey) -> None:
    claims = verifier.verify(key.sign(access_claims()))

    assert claims["sub"] == SUB
    assert claims["username"] == SUB
    assert claims["token_use"] == "access"


def test_a_good_id_token_is_accepted_where_an_id_token_is_asked_for(verifier: TokenVerifier, key: RsaKey) -> None:
    assert verifier.verify(key.sign(id_claims()), token_use="id")["email"] == "jane@example.com"


def test_the_scope_may_be_one_of_several(verifier: TokenVerifier, key: RsaKey) -> None:
    token = key.sign(access_claims(scope="openid email aws.cognito.signin.user.admin"))

    assert verifier.verify(token)["sub"] == SUB


def test_a_small_clock_skew_is_tolerated(verifier: TokenVerifier, key: RsaKey) -> None:
    assert verifier.verify(key.sign(access_claims(iat=int(time.time()) + 5)))["sub"] == SUB


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(access_claims(exp=int(time.time()) - 1, iat=int(time.time()) - 3601), id="expired"),
        pytest.param(access_claims(iat=int(time.time()) + 600, exp=int(time.time()) + 4200), id="issued-in-future"),
        pytest.param(access_claims(nbf=int(time.time()) + 600), id="not-before-in-future"),
        pytest.param(access_claims(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"), id="issuer"),
        pytest.param(access_claims(iss=ISSUER + "/"), id="issuer-with-slash"),
        pytest.param(access_claims(iss=None), id="no-issuer"),
        pytest.param(access_claims(client_id="someotherclientid"), id="other-client"),
        pytest.param(access_claims(client_id=None), id="no-client"),
        pytest.param(access_claims(scope="openid email"), id="missing-scope"),
        pytest.param(access_claims(scope=None), id="no-scope"),
        pytest.param(access_claims(scope="aws.cognito.signin.user.admin.extra"), id="scope-prefix"),
        pytest.param(id_claims(), id="id-token"),
        pytest.param(access_claims(token_use=None), id="no-token-use"),
        pytest.param(access_claims(sub=None), id="no-sub"),
        pytest.param(access_claims(sub=12345), id="sub-not-a-string"),
        pytest.param(access_claims(exp=None), id="no-exp"),
        pytest.param(access_claims(iat=None), id="no-iat"),
        pytest.param(access_claims(exp="tomorrow"), id="exp-not-a-number"),
        pytest.param(access_claims(iat="today"), id="iat-not-a-number"),
    ],
)
def test_a_token_with_wrong_claims_is_refused(verifier: TokenVerifier, key: RsaKey, claims: dict[str, Any]) -> None:
    assert_invalid(verifier, key.sign(claims))


def test_an_access_token_is_refused_where_an_id_token_is_asked_for(verifier: TokenVerifier, key: RsaKey) -> None:
    assert_invalid(verifier, key.sign(access_claims()), token_use="id")


def test_an_id_token_for_another_client_is_refused(verifier: TokenVerifier, key: RsaKey) -> None:
    assert_invalid(verifier, key.sign(id_claims(aud="someotherclientid")), token_use="id")


def test_a_tampered_payload_is_refused(verifier: TokenVerifier, key: RsaKey) -> None:
    header, _, signature = key.sign(access_claims()).split(".")
    forged = b64url(json.dumps(access_claims(sub="someone-else", username="someone-else")).encode())

    assert_invalid(verifier, f"{header}.{forged}.{signature}")


def test_a_tampered_signature_is_refused(verifier: TokenVerifier, key: RsaKey) -> None:
    header, payload, signature = key.sign(access_claims()).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01

    assert_invalid(verifier, f"{header}.{payload}.{b64url(bytes(raw))}")


def test_a_token_signed_by_another_key_under_the_pools_key_id_is_refused(
    verifier: TokenVerifier, attacker_key: RsaKey
) -> None:
    assert_invalid(verifier, attacker_key.sign(access_claims()))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_token_is_refused(verifier: TokenVerifier, alg: str) -> None:
    token = unsigned({"alg": alg, "kid": KID, "typ": "JWT"}, access_claims()) + "."

    assert_invalid(verifier, token)


@pytest.mark.parametrize("header_alg", ["HS256", "RS256"])
def test_a_token_signed_with_hmac_using_the_public_key_as_secret_is_refused(
    verifier: TokenVerifier, key: RsaKey, jwks: Jwks, header_alg: str
) -> None:
    # The classic algorithm-confusion attack: the public key is public, so anyone can compute this signature.
    signing_input = unsigned({"alg": header_alg, "kid": KID, "typ": "JWT"}, access_claims())
    for secret in (key.public_pem.encode(), json.dumps(key.jwk()).encode()):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert_invalid(verifier, f"{signing_input}.{b64url(mac)}")


GARBAGE = [
    pytest.param("", id="empty"),
    pytest.param("a", id="one-char"),
    pytest.param("a.b.c", id="three-junk-segments"),
    pytest.param("..", id="empty-segments"),
    pytest.param("....", id="five-empty-segments"),
    pytest.param("not a token at all", id="words"),
    pytest.param("eyJhbGciOiJSUzI1NiJ9", id="header-only"),
    pytest.param(b64url(b"[1, 2]") + ".e30.c2ln", id="header-is-a-list"),
    pytest.param(b64url(b'"RS256"') + ".e30.c2ln", id="header-is-a-string"),
    pytest.param(b64url(b"\xff\xfe\x00") + ".e30.c2ln", id="header-not-utf8"),
    pytest.param(b64url(b'{"alg": "RS256", "kid": 7}') + ".e30.c2ln", id="kid-not-a-string"),
    pytest.param(b64url(b'{"alg": "RS256"}') + ".e30.c2ln", id="no-kid"),
    pytest.param(b64url(b'{"alg": ["RS256"], "kid": "key-one"}') + ".e30.c2ln", id="alg-a-list"),
    pytest.param("ÿÿÿ.ÿÿÿ.ÿÿÿ", id="non-ascii"),
    pytest.param("\x00" * 100, id="nul-bytes"),
    pytest.param("a" * 9000, id="oversized-junk"),
    pytest.param("e30." * 3000, id="oversized-segments"),
    pytest.param(None, id="none"),
    pytest.param(b"bytes.are.not.tokens", id="bytes"),
]


@pytest.mark.parametrize("token", GARBAGE)
def test_garbage_is_a_401_without_fetching_the_jwks(verifier: TokenVerifier, jwks: Jwks, token: Any) -> None:
    assert_invalid(verifier, token)
    assert jwks.fetches == 0


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1, 2, 3]", id="a-list"),
        pytest.param(b'"claims"', id="a-string"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
    ],
)
def test_a_signed_token_with_a_malformed_payload_is_a_401(verifier: TokenVerifier, key: RsaKey, payload: bytes) -> None:
    # Validly signed over a payload that is not a claims object.
    from jose import jws

    assert_invalid(verifier, jws.sign(payload, key.private_pem, headers={"kid": KID}, algorithm="RS256"))


def test_an_oversized_but_well_formed_token_is_refused_before_any_work(
    verifier: TokenVerifier, key: RsaKey, jwks: Jwks
) -> None:
    token = key.sign(access_claims(padding="x" * 9000))

    assert_invalid(verifier, token)
    assert jwks.fetches == 0


def test_the_jwks_is_fetched_once_and_each_key_built_once(
    verifier: TokenVerifier, key: RsaKey, jwks: Jwks, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed = [key.sign(access_claims(jti=f"token-{n}")) for n in range(5)]
    built: list[Any] = []
    real_construct = jwk.construct

    def counting_construct(*args: Any, **kwargs: Any) -> Any:
        built.append(args)
        return real_construct(*args, **kwargs)

    monkeypatch.setattr(jwk, "construct", counting_construct)

    for token in signed:
        assert verifier.verify(token)["sub"] == SUB

    assert jwks.fetches == 1
    assert len(built) == 1


def test_an_unknown_key_id_refetches_the_jwks_at_most_once_a_minute(
    verifier: TokenVerifier, clock: Clock, key: RsaKey, new_key: RsaKey, jwks: Jwks
) -> None:
    verifier.verify(key.sign(access_claims()))
    assert jwks.fetches == 1

    # Within the first minute an unknown key id costs nothing but a 401.
    clock.now += 30
    assert_invalid(verifier, new_key.sign(access_claims()))
    assert jwks.fetches == 1

    # After a minute: exactly one refetch, then none however many such tokens arrive within the next minute.
    clock.now += 31
    for step in range(10):
        assert_invalid(verifier, new_key.sign(access_claims(jti=f"attempt-{step}")))
        clock.now += 5
    assert jwks.fetches == 2

    # Known keys keep working throughout.
    assert verifier.verify(key.sign(access_claims()))["sub"] == SUB
    assert jwks.fetches == 2


def test_a_rotated_key_is_picked_up_by_the_refetch(
    verifier: TokenVerifier, clock: Clock, key: RsaKey, new_key: RsaKey, jwks: Jwks
) -> None:
    verifier.verify(key.sign(access_claims()))
    jwks.keys = [key, new_key]  # Cognito publishes a new signing key
    clock.now += 61

    assert verifier.verify(new_key.sign(access_claims()))["sub"] == SUB
    assert verifier.verify(key.sign(access_claims()))["sub"] == SUB
    assert jwks.fetches == 2


def test_a_key_removed_from_the_jwks_stops_being_trusted(
    verifier: TokenVerifier, clock: Clock, key: RsaKey, new_key: RsaKey, jwks: Jwks
) -> None:
    verifier.verify(key.sign(access_claims()))
    jwks.keys = [new_key]
    clock.now += 61
    verifier.verify(new_key.sign(access_claims()))  # triggers the refetch

    assert_invalid(verifier, key.sign(access_claims()))


def test_an_unreachable_jwks_is_a_503_and_is_retried_after_a_few_seconds(
    verifier: TokenVerifier, clock: Clock, key: RsaKey, jwks: Jwks
) -> None:
    token = key.sign(access_claims())
    jwks.failing = True

    error = refused(verifier, token)
    assert (error.status, error.code) == (503, "ServiceUnavailable")
    assert int(error.headers["Retry-After"]) > 0
    assert jwks.fetches == 1

    # Right after a failure the JWKS is not hammered, and a good token is not called invalid.
    clock.now += 1
    error = refused(verifier, token)
    assert (error.status, error.code) == (503, "ServiceUnavailable")
    assert jwks.fetches == 1

    # A few seconds later it is tried again.
    jwks.failing = False
    clock.now += tokens.RETRY_AFTER_FAILURE_SECONDS
    assert verifier.verify(token)["sub"] == SUB
    assert jwks.fetches == 2


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({}, id="no-keys"),
        pytest.param({"keys": "nope"}, id="keys-a-string"),
        pytest.param([], id="a-list"),
        pytest.param({"keys": [{"kid": KID, "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]}, id="not-rsa"),
        pytest.param({"keys": [{"kid": KID, "kty": "RSA", "e": "AQAB"}]}, id="rsa-without-modulus"),
        pytest.param({"keys": [{"kid": KID, "kty": "RSA", "n": "!!", "e": "AQAB"}]}, id="rsa-garbage-modulus"),
        pytest.param({"keys": [{"kty": "RSA", "n": "AA", "e": "AQAB"}]}, id="no-kid"),
    ],
)
def test_an_unusable_jwks_refuses_tokens_with_a_401(
    clock: Clock, key: RsaKey, document: Any, make_verifier: Callable[[Callable[[str], Any]], TokenVerifier]
) -> None:
    assert_invalid(make_verifier(lambda _url: document), key.sign(access_claims()))


@pytest.fixture
def make_verifier(clock: Clock) -> Callable[[Callable[[str], Any]], TokenVerifier]:
    def make(fetch: Callable[[str], Any]) -> TokenVerifier:
        return TokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks_url=JWKS_URL, fetch=fetch, clock=clock)

    return make


def test_get_verifier_is_built_from_settings_once_per_container(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.handlers import reset_caches

    monkeypatch.setenv("USER_POOL_ID", REGION_POOL)
    monkeypatch.setenv("USER_POOL_CLIENT_ID", CLIENT_ID)
    monkeypatch.delenv("COGNITO_ENDPOINT_URL", raising=False)
    reset_caches()
    try:
        verifier = tokens.get_verifier()
        assert (verifier.issuer, verifier.client_id, verifier.jwks_url) == (ISSUER, CLIENT_ID, JWKS_URL)
        assert tokens.get_verifier() is verifier
    finally:
        reset_caches()
