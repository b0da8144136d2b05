"""The interactive API docs at /docs, opened in a real headless browser: an installed Chrome or Chromium, or the one
CHROME names. Without one the browser test is skipped, saying how to run it; on CI (CI set) it fails instead."""

from __future__ import annotations

import re

from local_api import template
from tests.support.browser import dump_dom
from tests.support.local_api import LocalApiProcess, http

API = template.api(template.load_template())


def test_the_docs_page_lists_every_endpoint_in_a_real_browser(local_api: LocalApiProcess) -> None:
    # Time for Swagger UI to fetch the document and render before the DOM is dumped.
    dom = dump_dom(f"{local_api.url}/docs", virtual_time_ms=30000)
    rendered = {
        (method.upper(), path)
        for method, path in re.findall(
            r'opblock-summary-method">(\w+)</span>.{0,300}?data-path="([^"]+)"', dom, re.DOTALL
        )
    }
    assert {(r.method, r.path) for r in API.routes} <= rendered, dom[-3000:]


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
