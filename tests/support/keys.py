"""RSA signing keys made here, as Cognito's own would be: one generator for every suite (generating keys is slow)."""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt


class RsaKey:
    """A 2048-bit RSA key under a key id: its PEMs, its public JWK as jwks.json lists it, and a signer."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.public_pem = (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        self.private_jwk: dict[str, Any] = {**jwk.construct(self.private_pem, algorithm="RS256").to_dict(), "kid": kid}
        public = jwk.construct(self.public_pem, algorithm="RS256").to_dict()
        self.public_jwk = {"kid": kid, "alg": "RS256", "kty": "RSA", "e": public["e"], "n": public["n"], "use": "sig"}

    def jwk(self) -> dict[str, Any]:
        """The public key as Cognito publishes it in jwks.json."""
        return dict(self.public_jwk)

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        return str(jwt.encode(claims, self.private_pem, algorithm="RS256", headers={"kid": self.kid, **header}))


@cache
def attacker_key() -> RsaKey:
    """A key no pool ever published, one per test run."""
    return RsaKey("attacker")
