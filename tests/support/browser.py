"""A real headless browser for the tests that open a page: an installed Chrome or Chromium, or the one CHROME names.
Without one a browser test is skipped, saying how to run it; on CI (CI set) it fails instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-proxy-server",
]

# Where Chrome and Chromium are found on Linux (PATH) and macOS (applications), in order of preference.
BROWSER_COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_APPS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
HOW_TO_RUN = (
    "install Chrome or Chromium (Debian or Ubuntu: `make browser`), or set CHROME=/path/to/chrome, "
    "then run `.venv/bin/pytest tests/local/test_docs.py tests/docs/test_diagrams.py`"
)


def find_browser(env: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """CHROME if set (a command on PATH or a path), else the first Chrome or Chromium installed."""
    chosen = env.get("CHROME")
    if chosen:
        return shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
    for command in BROWSER_COMMANDS:
        if path := shutil.which(command):
            return path
    return next((app for app in BROWSER_APPS if Path(app).is_file()), None)


def chromium() -> str:
    path = find_browser()
    if path is None:
        if os.environ.get("CHROME"):
            pytest.fail(f"CHROME={os.environ['CHROME']} is not a browser found on this machine: {HOW_TO_RUN}")
        if os.environ.get("CI"):
            pytest.fail(f"no Chrome or Chromium on this CI machine: {HOW_TO_RUN}")
        pytest.skip(f"no Chrome or Chromium found: {HOW_TO_RUN}")
    return path


def dump_dom(url: str, *, virtual_time_ms: int, flags: tuple[str, ...] = ()) -> str:
    """The page's DOM once its scripts have run for `virtual_time_ms` of the browser's virtual time (which jumps ahead
    whenever the page is idle), from one run of the browser with a fresh profile."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        result = subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                *flags,
                f"--virtual-time-budget={virtual_time_ms}",
                "--dump-dom",
                f"--user-data-dir={profile}",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
