"""The interactive API docs at /docs, opened in a real headless browser: an installed Chrome or Chromium, or the one
CHROME names. Without one the browser test is skipped, saying how to run it; on CI (CI set) it fails instead."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from local_api import template
from tests.support.local_api import LocalApiProcess, http

API = template.api(template.load_template())
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-proxy-server",
    "--virtual-time-budget=30000",  # let Swagger UI fetch the document and render before the DOM is dumped
    "--dump-dom",
]


# Where Chrome and Chromium are found on Linux (PATH) and macOS (applications), in order of preference.
BROWSER_COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_APPS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
HOW_TO_RUN = (
    "install Chrome or Chromium (Debian or Ubuntu: `make browser`), or set CHROME=/path/to/chrome, "
    "then run `.venv/bin/pytest tests/local/test_docs.py`"
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


def test_the_docs_page_lists_every_endpoint_in_a_real_browser(local_api: LocalApiProcess) -> None:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        result = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"{local_api.url}/docs"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    rendered = {
        (method.upper(), path)
        for method, path in re.findall(
            r'opblock-summary-method">(\w+)</span>.{0,300}?data-path="([^"]+)"', result.stdout, re.DOTALL
        )
    }
    assert {(r.method, r.path) for r in API.routes} <= rendered, result.stdout[-3000:]


def test_the_document_points_try_it_out_at_this_server(local_api: LocalApiProcess) -> None:
    reply = http("GET", f"{local_api.url}/docs/openapi.json")
    assert reply.status == 200
    assert reply.body["servers"][0]["url"] == local_api.url
    assert {r.path for r in API.routes} <= set(reply.body["paths"])


def test_the_docs_assets_come_from_this_server(local_api: LocalApiProcess) -> None:
    page = http("GET", f"{local_api.url}/docs")
    assert page.status == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.body)
    assert assets
    assert all(a.startswith("/docs/") for a in assets)
    for asset in assets:
        assert http("GET", f"{local_api.url}{asset}").status == 200
    assert http("GET", f"{local_api.url}/docs/../template.yaml").status in (403, 404)
