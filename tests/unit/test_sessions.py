"""The opaque challenge session: it round-trips, and anything tampered with, foreign or old is a 401 InvalidToken."""

from __future__ import annotations

import base64

import pytest

from cognito_auth import errors
from cognito_auth.sessions import CLOCK_SKEW_SECONDS, ChallengeSession, _key, open_session, seal
from tests.support.clock import Clock

SECRET, CLIENT_ID = "s3cr3t-of-the-app-client", "client123"
SUB = "0f5c5a4e-1c2b-4a8e-9a43-5c2f1b7e9d10"
LIFETIME = 180


def session(clock: Clock) -> ChallengeSession:
    clock.now = round(clock.now, 3)  # the session keeps milliseconds
    return ChallengeSession("AYABeC0gn1t0-session", SUB, "SOFTWARE_TOKEN_MFA", clock())


def opened(text: str, clock: Clock, *, secret: str | None = SECRET, client_id: str = CLIENT_ID) -> ChallengeSession:
    return open_session(text, secret=secret, client_id=client_id, lifetime_seconds=LIFETIME, clock=clock)


@pytest.mark.parametrize("secret", [SECRET, None], ids=["sealed", "no client secret"])
def test_a_session_round_trips(secret: str | None, clock: Clock) -> None:
    original = session(clock)

    assert opened(seal(original, secret=secret, client_id=CLIENT_ID), clock, secret=secret) == ChallengeSession(
        original.cognito_session, SUB, "SOFTWARE_TOKEN_MFA", original.issued_at
    )


def test_the_session_carries_no_secret(clock: Clock) -> None:
    text = seal(session(clock), secret=SECRET, client_id=CLIENT_ID)
    decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    assert SECRET.encode() not in decoded
    # The signing key is derived for sessions alone: knowing a session's MAC says nothing about SECRET_HASH's key.
    assert SECRET.encode() not in _key(SECRET, CLIENT_ID)


def flipped(text: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize("index", [0, 5, 40, -1], ids=["version", "mac", "payload", "last byte"])
def test_a_tampered_session_is_refused(index: int, clock: Clock) -> None:
    text = seal(session(clock), secret=SECRET, client_id=CLIENT_ID)

    with pytest.raises(errors.InvalidToken):
        opened(flipped(text, index), clock)


@pytest.mark.parametrize(
    ("secret", "client_id"), [("another-secret", CLIENT_ID), (SECRET, "another-client")], ids=["secret", "client"]
)
def test_a_session_of_another_app_client_is_refused(secret: str, client_id: str, clock: Clock) -> None:
    text = seal(session(clock), secret=SECRET, client_id=CLIENT_ID)

    with pytest.raises(errors.InvalidToken):
        opened(text, clock, secret=secret, client_id=client_id)


@pytest.mark.parametrize("text", ["", "x", "not base64 !", "AAAA", "A" * 5000, "\ud800"], ids=repr)
def test_garbage_is_refused(text: str, clock: Clock) -> None:
    for secret in (SECRET, None):
        with pytest.raises(errors.InvalidToken):
            opened(text, clock, secret=secret)


def test_a_session_expires_with_cognitos(clock: Clock) -> None:
    text = seal(session(clock), secret=SECRET, client_id=CLIENT_ID)

    clock.advance(LIFETIME)
    assert opened(text, clock).username == SUB
    clock.advance(1)
    with pytest.raises(errors.InvalidToken):
        opened(text, clock)


def test_a_session_from_the_future_is_refused(clock: Clock) -> None:
    text = seal(session(clock), secret=SECRET, client_id=CLIENT_ID)

    clock.advance(-CLOCK_SKEW_SECONDS)
    assert opened(text, clock).username == SUB  # another container's clock may run a little behind
    clock.advance(-1)
    with pytest.raises(errors.InvalidToken):
        opened(text, clock)
