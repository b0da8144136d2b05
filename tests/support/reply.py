"""One answer, however it was obtained: a handler invoked in-process, the local API or a deployed stack over HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Headers


@dataclass
class Reply:
    status: int
    body: Any
    headers: Headers  # case-insensitive, repeated headers kept (getlist)
    raw: dict[str, Any] = field(default_factory=dict)  # a handler's whole proxy result; empty over HTTP


def parse_body(data: bytes | str | None) -> Any:
    """JSON when the body is JSON, the text otherwise, None when empty."""
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return data.decode(errors="replace") if isinstance(data, bytes) else data
