"""The challenge session a client echoes back: one opaque string carrying Cognito's session, the challenge it answers
and the user's internal username (USER_ID_FOR_SRP, which challenge answers and their SECRET_HASH need: with email as
the sign-in name it is the user's `sub`, never the email), so that a mobile client never has to learn any of them.

It is sealed with AES-GCM under a key derived (HKDF) from the app client's secret: a tampered or foreign session
cannot be opened, and the username inside cannot be read. It expires with Cognito's own session (3 minutes by
default); Cognito makes its session single-use. An app client without a secret has nothing to seal with: its
sessions are only encoded, and Cognito's own binding of its session to the user is what protects them.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from cognito_auth import errors

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"\x01"
NONCE_BYTES = 12
KEY_INFO = b"auth-api challenge session v1"
CLOCK_SKEW_SECONDS = 5


@dataclass(frozen=True)
class ChallengeSession:
    cognito_session: str
    username: str  # the user's internal username (USER_ID_FOR_SRP)
    challenge: str  # the challenge this session answers
    issued_at: float


@cache
def _aead(secret: str, client_id: str) -> AESGCM:
    # Imported here: only the functions that meet a challenge pay for the cipher's import.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=client_id.encode(), info=KEY_INFO).derive(secret.encode())
    return AESGCM(key)


def seal(session: ChallengeSession, *, secret: str | None, client_id: str) -> str:
    """The opaque string the client gets."""
    payload = json.dumps(
        {"s": session.cognito_session, "u": session.username, "c": session.challenge, "t": round(session.issued_at, 3)},
        separators=(",", ":"),
    ).encode()
    if secret is None:
        return base64.urlsafe_b64encode(b"\x00" + payload).decode().rstrip("=")
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(secret, client_id).encrypt(nonce, payload, VERSION)
    return base64.urlsafe_b64encode(VERSION + nonce + sealed).decode().rstrip("=")


def open_session(
    text: str,
    *,
    secret: str | None,
    client_id: str,
    lifetime_seconds: float,
    clock: Callable[[], float] | None = None,
) -> ChallengeSession:
    """The session inside `text`, or 401 InvalidToken if it was tampered with, made for another client, or expired."""
    refused = errors.InvalidToken("The session is invalid or has expired. Sign in again.")
    malformed: tuple[type[Exception], ...] = (ValueError, KeyError, TypeError, binascii.Error, UnicodeError)
    if secret is not None:
        from cryptography.exceptions import InvalidTag  # tampered, or sealed under another key

        malformed = (*malformed, InvalidTag)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        if secret is None:
            if raw[:1] != b"\x00":
                raise ValueError("not an encoded session")
            payload = raw[1:]
        else:
            if raw[:1] != VERSION:
                raise ValueError("not a sealed session")
            nonce, sealed = raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
            payload = _aead(secret, client_id).decrypt(nonce, sealed, VERSION)
        data = json.loads(payload)
        session = ChallengeSession(str(data["s"]), str(data["u"]), str(data["c"]), float(data["t"]))
    except malformed as exc:
        raise refused from exc
    # Sealed by one Lambda container, opened by another: their clocks may differ a little.
    if not -CLOCK_SKEW_SECONDS <= (clock or time.time)() - session.issued_at <= lifetime_seconds:
        raise refused
    return session
