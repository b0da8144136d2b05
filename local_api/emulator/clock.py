"""The emulator's one clock: code expiry, token times and lifetimes all read it, so tests move it instead of sleeping
(`monkeypatch.setattr(clock, "now", ...)`), and the local API's `/_local/clock` sets it apart from the computer's
(`set_offset`)."""

from __future__ import annotations

import time
from collections.abc import Callable

now: Callable[[], float] = time.time
offset_seconds = 0  # how far `set_offset` put the clock from the computer's


def set_offset(seconds: int) -> None:
    """Run the clock `seconds` ahead of the computer's (behind, if negative); 0 puts it back."""
    global now, offset_seconds
    offset_seconds = seconds
    now = time.time if seconds == 0 else lambda: time.time() + seconds
