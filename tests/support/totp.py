"""What an authenticator app does with the secret of an otpauth:// URI (RFC 6238: HMAC-SHA1, 6 digits, 30 s), so tests
compute TOTP codes themselves, against the emulator and against a deployed stack alike."""

from __future__ import annotations

import base64
import time

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

STEP_SECONDS = 30


def code(secret: str, at: float | None = None) -> str:
    """The code the app shows at `at` (default now) for a base32 secret, padded or not."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    totp = TOTP(key, 6, SHA1(), STEP_SECONDS, enforce_key_length=False)  # noqa: S303 - RFC 6238's algorithm
    return totp.generate(int(time.time() if at is None else at)).decode()


def step(at: float | None = None) -> int:
    """The 30-second step a time falls in: each step's code is accepted once."""
    return int(time.time() if at is None else at) // STEP_SECONDS


def next_step_code(secret: str, used_step: int) -> str:
    """A code of a step after `used_step`, waiting (at most 30 s) for that step to begin, as a user waits for the app
    to show a new code."""
    while step() <= used_step:
        time.sleep(max(0.05, min(1.0, (used_step + 1) * STEP_SECONDS - time.time() + 0.05)))
    return code(secret)
