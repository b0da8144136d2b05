"""The invocation's deadline: Lambda's remaining time when a request arrives, less the time needed to answer.

Kept apart from the AWS clients so that a function that calls nothing (/getData) does not import botocore for it.
"""

from __future__ import annotations

import threading
import time

# Kept back from Lambda's timeout to answer, log and publish metrics.
ANSWER_SECONDS = 0.5


class _Deadline(threading.local):
    at: float | None = None  # time.monotonic() by which the function must have answered; None: no limit


_deadline = _Deadline()


def start_invocation(remaining_ms: int | None) -> None:
    """Start the clock of one invocation from Lambda's remaining time (None outside Lambda: no deadline)."""
    _deadline.at = None if remaining_ms is None else time.monotonic() + remaining_ms / 1000 - ANSWER_SECONDS


def seconds_left() -> float | None:
    return None if _deadline.at is None else _deadline.at - time.monotonic()


def clear() -> None:
    _deadline.at = None
