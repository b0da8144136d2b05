"""The challenge session a client echoes back: one opaque string carrying Cognito's session, the challenge it answers
and the user's internal username (USER_ID_FOR_SRP, which challenge answers and their SECRET_HASH need: with email as
the sign-in name it is the user's `sub`, never the email), so that a mobile client never has to learn any of them.

It is signed with HMAC-SHA256 under a key derived from the app client's secret: a tampered session, or one made for
another app client, is refused before Cognito is asked. It expires with Cognito's own session (3 minutes by
default); Cognito makes its session single-use and binds it to its user. Signed, not encrypted: what it carries is
nothing the client could not know (its own `sub` is in its id token), and encryption would cost each cold start of
the challenge functions the import of a cipher (docs/performance.md). An app client without a secret has nothing to
sign with: its sessions are only encoded, and Cognito's own binding of its session to the user protects them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from cognito_auth import errors

SIGNED, ENCODED = b"\x02", b"\x00"
MAC_BYTES = 32
KEY_INFO = b"auth-api challenge session v2"
CLOCK_SKEW_SECONDS = 5


@dataclass(frozen=True)
class ChallengeSession:
    cognito_session: str
    username: str  # the user's internal username (USER_ID_FOR_SRP)
    challenge: str  # the challenge this session answers
    issued_at: float


@cache
def _key(secret: str, client_id: str) -> bytes:
    """A key for sessions alone, derived from the app client's secret and id (never the secret itself)."""
    return hmac.new(secret.encode(), KEY_INFO + b"\x00" + client_id.encode(), hashlib.sha256).digest()


def _mac(payload: bytes, secret: str, client_id: str) -> bytes:
    return hmac.new(_key(secret, client_id), SIGNED + payload, hashlib.sha256).digest()


def seal(session: ChallengeSession, *, secret: str | None, client_id: str) -> str:
    """The opaque string the client gets."""
    payload = json.dumps(
        {"s": session.cognito_session, "u": session.username, "c": session.challenge, "t": round(session.issued_at, 3)},
        separators=(",", ":"),
    ).encode()
    raw = ENCODED + payload if secret is None else SIGNED + _mac(payload, secret, client_id) + payload
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


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
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        if secret is None:
            if raw[:1] != ENCODED:
                raise ValueError("not an encoded session")
            payload = raw[1:]
        else:
            if raw[:1] != SIGNED:
                raise ValueError("not a signed session")
            mac, payload = raw[1 : 1 + MAC_BYTES], raw[1 + MAC_BYTES :]
            if not hmac.compare_digest(mac, _mac(payload, secret, client_id)):
                raise ValueError("tampered with, or signed for another app client")
        data = json.loads(payload)
        session = ChallengeSession(str(data["s"]), str(data["u"]), str(data["c"]), float(data["t"]))
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError) as exc:
        raise refused from exc
    # Sealed by one Lambda container, opened by another: their clocks may differ a little.
    if not -CLOCK_SKEW_SECONDS <= (clock or time.time)() - session.issued_at <= lifetime_seconds:
        raise refused
    return session
