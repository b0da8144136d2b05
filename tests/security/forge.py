"""Tokens an attacker would send: built from scratch, signed with the pool's own key (moto's, served as the JWKS)
where a check other than the signature must refuse them, or with no key, the wrong key or the wrong algorithm.

Every attack is a small function of a `Forger`, listed in ATTACKS with the name tests and reports use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jose import jwk, jwt
from jose.backends.base import Key

from tests.support.cognito import moto_private_jwk
from tests.support.keys import attacker_key

SCOPE = "aws.cognito.signin.user.admin"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@cache
def pool_private_jwk() -> dict[str, Any]:
    """The key moto signs its tokens with: the pool's signing key as far as these tests are concerned."""
    return moto_private_jwk()


@cache
def pool_public_pem() -> bytes:
    """The pool's public key as PEM: public knowledge, what an HS256 confusion attack uses as the HMAC secret."""
    key = jwk.construct(pool_private_jwk(), algorithm="RS256").public_key()
    return key.to_pem()  # type: ignore[no-any-return]


def _attacker_key() -> dict[str, Any]:
    return attacker_key().private_jwk


def attacker_private_jwk(kid: str = "attacker") -> dict[str, Any]:
    """An RSA key the pool never published (one key per run: generating keys is slow), under any key id."""
    return {**_attacker_key(), "kid": kid}


@cache
def _signer(modulus: str) -> Key:
    """The signing key object for a key's modulus, built once: building one from a JWK's n, e, d is slow."""
    material = next(k for k in (pool_private_jwk(), _attacker_key()) if k["n"] == modulus)
    return jwk.construct(material, algorithm="RS256")


@dataclass
class Forger:
    issuer: str
    client_id: str
    now: Callable[[], float] = time.time
    sub: str = field(default_factory=lambda: str(uuid.uuid4()))

    def access_claims(self, **changes: Any) -> dict[str, Any]:
        now = int(self.now())
        claims = {
            "iss": self.issuer,
            "sub": self.sub,
            "client_id": self.client_id,
            "token_use": "access",
            "scope": SCOPE,
            "iat": now,
            "auth_time": now,
            "exp": now + 3600,
            "jti": str(uuid.uuid4()),
            "username": self.sub,
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def id_claims(self, **changes: Any) -> dict[str, Any]:
        claims = self.access_claims(token_use="id", aud=self.client_id, client_id=None, scope=None, username=None)
        claims.update({"cognito:username": self.sub, "email": "jane@example.com", **changes})
        return claims

    def sign(
        self, claims: dict[str, Any], *, key: dict[str, Any] | None = None, headers: dict[str, Any] | None = None
    ) -> str:
        key = key or pool_private_jwk()
        return jwt.encode(claims, _signer(key["n"]), algorithm="RS256", headers={"kid": key["kid"], **(headers or {})})

    def valid(self) -> str:
        return self.sign(self.access_claims())


def _tamper_payload(f: Forger) -> str:
    header, _, signature = f.valid().split(".")
    return ".".join([header, segment(f.access_claims(sub="someone-else", username="someone-else")), signature])


def _tamper_signature(f: Forger) -> str:
    header, payload, signature = f.valid().split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return ".".join([header, payload, b64url(bytes(raw))])


def _alg_none(f: Forger) -> str:
    return ".".join([segment({"alg": "none", "kid": "dummy", "typ": "JWT"}), segment(f.access_claims()), ""])


def _alg_none_uppercase(f: Forger) -> str:
    return ".".join([segment({"alg": "NONE", "kid": "dummy"}), segment(f.access_claims()), ""])


def _hs256_with_public_key(f: Forger) -> str:
    """Algorithm confusion: HMAC-SHA256 keyed with the RSA public key, which anyone can download."""
    signing_input = segment({"alg": "HS256", "kid": "dummy", "typ": "JWT"}) + "." + segment(f.access_claims())
    mac = hmac.new(pool_public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def _signed_by_attacker_with_pool_kid(f: Forger) -> str:
    return f.sign(f.access_claims(), key={**attacker_private_jwk(), "kid": "dummy"})


def _embedded_jwk(f: Forger) -> str:
    """The token carries its own (attacker's) public key in the header, hoping the verifier trusts it."""
    attacker = attacker_private_jwk()
    public = {k: attacker[k] for k in ("kty", "n", "e")}
    return f.sign(f.access_claims(), key=attacker, headers={"jwk": public, "jku": "https://attacker.example/jwks"})


def _unknown_kid(f: Forger) -> str:
    return f.sign(f.access_claims(), key=attacker_private_jwk())


def _expired(f: Forger) -> str:
    now = int(f.now())
    return f.sign(f.access_claims(iat=now - 7200, auth_time=now - 7200, exp=now - 60))


def _not_yet_valid(f: Forger) -> str:
    now = int(f.now())
    return f.sign(f.access_claims(iat=now + 600, auth_time=now + 600, nbf=now + 600, exp=now + 4200))


def _attacks() -> dict[str, Callable[[Forger], str]]:
    return {
        "alg-none": _alg_none,
        "alg-NONE": _alg_none_uppercase,
        "hs256-signed-with-rsa-public-key": _hs256_with_public_key,
        "expired": _expired,
        "not-yet-valid": _not_yet_valid,
        "no-expiry": lambda f: f.sign(f.access_claims(exp=None)),
        "wrong-issuer": lambda f: f.sign(
            f.access_claims(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Attacker")
        ),
        "issuer-with-suffix": lambda f: f.sign(f.access_claims(iss=f.issuer + "/")),
        "another-clients-token": lambda f: f.sign(f.access_claims(client_id="another-app-client")),
        "id-token-for-access": lambda f: f.sign(f.id_claims()),
        "missing-scope": lambda f: f.sign(f.access_claims(scope=None)),
        "other-scope-only": lambda f: f.sign(f.access_claims(scope="openid email")),
        "scope-as-prefix": lambda f: f.sign(f.access_claims(scope=SCOPE + "x")),
        "no-subject": lambda f: f.sign(f.access_claims(sub=None)),
        "tampered-payload": _tamper_payload,
        "tampered-signature": _tamper_signature,
        "signature-stripped": lambda f: f.valid().rsplit(".", 1)[0] + ".",
        "signed-by-attacker-with-pool-kid": _signed_by_attacker_with_pool_kid,
        "embedded-jwk-header": _embedded_jwk,
        "unknown-kid": _unknown_kid,
    }


ATTACKS: dict[str, Callable[[Forger], str]] = _attacks()

# Bearer values that are not a JWT at all, or are too large to be one.
MALFORMED_TOKENS: dict[str, str] = {
    "one-segment": "abc",
    "two-segments": "abc.def",
    "empty-segments": "..",
    "four-segments": "a.b.c.d",
    "jwe-five-segments": "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d",
    "header-not-base64": "!!!.e30.c2ln",
    "header-not-json": b64url(b"not json") + ".e30.c2ln",
    "header-json-array": segment(["alg", "RS256"]) + ".e30.c2ln",
    "kid-not-a-string": segment({"alg": "RS256", "kid": 7}) + ".e30.c2ln",
    "payload-not-json": segment({"alg": "RS256", "kid": "dummy"}) + "." + b64url(b"\xff\xfe") + ".c2ln",
    "non-ascii": "ééé.ééé.ééé",
    "nul-byte": segment({"alg": "RS256", "kid": "dummy"}) + ".e30\x00.c2ln",
    "huge-header": segment({"alg": "RS256", "kid": "dummy", "x": "A" * 6000}) + ".e30.c2ln",
    "oversized": segment({"alg": "RS256", "kid": "dummy"}) + "." + "A" * 9000 + ".c2ln",
}

# Authorization headers that do not carry one bearer token.
MALFORMED_HEADERS: dict[str, str] = {
    "empty": "",
    "scheme-only": "Bearer",
    "scheme-and-space": "Bearer ",
    "basic-auth": "Basic dXNlcjpwYXNzd29yZA==",
    "two-tokens": "Bearer a.b.c d.e.f",
    "no-scheme": "a.b.c",
    "oversized": "Bearer " + "A" * 100_000,
}
