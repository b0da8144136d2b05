"""The emulator's one clock: code expiry, token times and lifetimes all read it, so tests move it instead of sleeping
(`monkeypatch.setattr(clock, "now", ...)`)."""

from __future__ import annotations

import time
from collections.abc import Callable

now: Callable[[], float] = time.time
