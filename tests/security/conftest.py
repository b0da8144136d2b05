"""Adversarial suites. Each suite counts the cases it tried (an attack token, an email pair, a fuzzed request ...)
and the terminal summary prints the counts, so a run shows how much was tried and not only that it passed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

_TRIED: Counter[str] = Counter()
_FAILED: Counter[str] = Counter()


class Cases:
    """How many cases one test tried. A test counts as one case unless it says it tried more."""

    def __init__(self) -> None:
        self.count = 0

    def tried(self, n: int = 1) -> None:
        self.count += n


def suite_of(module_name: str) -> str:
    return module_name.rsplit(".", 1)[-1].removeprefix("test_")


@pytest.fixture(autouse=True)
def cases(request: pytest.FixtureRequest) -> Iterator[Cases]:
    counter = Cases()
    yield counter
    _TRIED[suite_of(request.module.__name__)] += counter.count or 1


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and "tests/security/" in report.nodeid:
        _FAILED[suite_of(report.nodeid.split("::")[0].removesuffix(".py").replace("/", "."))] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TRIED:
        return
    terminalreporter.section("security suites: cases tried")
    for suite, count in sorted(_TRIED.items()):
        failed = f", {_FAILED[suite]} failed" if _FAILED[suite] else ""
        terminalreporter.write_line(f"{suite:<24} {count:>6} cases{failed}")
    terminalreporter.write_line(f"{'total':<24} {sum(_TRIED.values()):>6} cases")


@pytest.fixture
def cognito_calls() -> list[str]:
    """The Cognito operations the functions call during a test (needs a pool fixture first)."""
    from cognito_auth.aws import cognito_client

    seen: list[str] = []

    def record(model: Any, **_: Any) -> None:
        seen.append(model.name)

    cognito_client().meta.events.register("before-call.cognito-idp", record)
    return seen
