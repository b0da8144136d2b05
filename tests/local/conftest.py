"""One local API for the whole session, started as `make dev` starts it and stopped with Ctrl-C."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.local.support import LocalApiProcess


@pytest.fixture(scope="session")
def local_api() -> Iterator[LocalApiProcess]:
    server = LocalApiProcess()
    yield server
    server.stop()
