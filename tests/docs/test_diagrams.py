"""Every ```mermaid block of README.md, SECURITY.md and docs/ renders with Mermaid itself, in a real headless browser
(one launch for all of them): the bundle the Makefile pins and fetches (.cache/, `make test`). Without a browser the
rendering tests are skipped, saying how to run them; on CI they fail instead."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import tarfile
from io import BytesIO
from pathlib import Path

import httpx
import pytest

from tests.docs.markdown import ROOT, pages, read_file
from tests.support import npm_file
from tests.support.browser import chromium, dump_dom

BLOCKS = {
    f"{page.relative_to(ROOT)}:{fence.line}": fence.text
    for page in pages()
    for fence in read_file(page).fences
    if fence.language == "mermaid"
}
# Rendered with the docs' blocks, in the same launch: the harness must tell a good diagram from broken ones.
CONTROLS = {
    "good sequence": "sequenceDiagram\n  participant App\n  App->>API: POST /auth/signin\n  API-->>App: 200 tokens\n",
    "good flowchart": 'flowchart LR\n  App -->|HTTPS| GW["API Gateway (REST)"] --> Fn[Lambda] --> Pool[(Cognito)]\n',
    "sequence without a target": "sequenceDiagram\n  A->>: oops\n",
    "flowchart edge to nothing": "flowchart LR\n  A -->\n",
}
# Each diagram is parsed (the syntax errors) then rendered (what parsing lets through but drawing does not); the page
# writes one result per diagram, null or Mermaid's error, into #results.
PAGE = """<!doctype html>
<meta charset="utf-8">
<script src="{mermaid}"></script>
<script id="diagrams" type="application/json">{diagrams}</script>
<pre id="results">not run</pre>
<script>
(async () => {{
  const out = document.getElementById("results");
  try {{
    mermaid.initialize({{ startOnLoad: false }});
    const results = [];
    for (const [i, text] of JSON.parse(document.getElementById("diagrams").textContent).entries()) {{
      try {{
        await mermaid.parse(text);
        await mermaid.render(`diagram-${{i}}`, text);
        results.push(null);
      }} catch (error) {{
        results.push(String(error?.message ?? error));
      }}
    }}
    out.textContent = JSON.stringify(results);
  }} catch (error) {{
    out.textContent = `the page failed: ${{error}}`;
  }}
}})();
</script>
"""


def mermaid_pin() -> tuple[str, Path]:
    """Mermaid's version and bundle as the Makefile pins and fetches them."""
    pins = dict(re.findall(r"^(MERMAID_\w+) := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE))
    return pins["MERMAID_VERSION"], ROOT / pins["MERMAID_JS"].replace("$(MERMAID_VERSION)", pins["MERMAID_VERSION"])


VERSION, MERMAID_JS = mermaid_pin()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """Each diagram's error as Mermaid reports it (None: it rendered), the docs' and the controls', from one launch."""
    chromium()  # skipped (failed on CI) without a browser, before asking for anything else
    if not MERMAID_JS.is_file():
        where = MERMAID_JS.relative_to(ROOT)
        pytest.fail(f"{where} not found: run the tests with `make test`, which fetches it (or `make {where}`)")
    diagrams = {**BLOCKS, **CONTROLS}
    page = tmp_path_factory.mktemp("mermaid") / "diagrams.html"
    embedded = json.dumps(list(diagrams.values())).replace("<", "\\u003c")  # no </script> inside the script element
    page.write_text(PAGE.format(mermaid=MERMAID_JS.as_uri(), diagrams=embedded), encoding="utf-8")
    dom = dump_dom(page.as_uri(), virtual_time_ms=30000)
    found = re.search(r'<pre id="results">(.*?)</pre>', dom, re.DOTALL)
    assert found, dom[-3000:]
    results = html.unescape(found.group(1))
    assert results.startswith("["), f"Mermaid {VERSION} did not run: {results}"
    return dict(zip(diagrams, json.loads(results), strict=True))


def test_the_docs_have_diagrams() -> None:
    assert BLOCKS, (
        "no ```mermaid block in README.md, SECURITY.md or docs/: the docs show the architecture and the sign-in "
        "flows as diagrams"
    )


@pytest.mark.parametrize("where", BLOCKS)
def test_each_diagram_renders(where: str, rendered: dict[str, str | None]) -> None:
    page, line = where.rsplit(":", 1)
    assert rendered[where] is None, (
        f"{where}: the ```mermaid block starting on this line does not render (its line 1 is line {int(line) + 1} "
        f"of {page}); Mermaid {VERSION} says:\n{rendered[where]}"
    )


@pytest.mark.parametrize("name", ["good sequence", "good flowchart"])
def test_a_good_diagram_renders(name: str, rendered: dict[str, str | None]) -> None:
    assert rendered[name] is None


@pytest.mark.parametrize("name", ["sequence without a target", "flowchart edge to nothing"])
def test_a_broken_diagram_is_reported_with_mermaids_error(name: str, rendered: dict[str, str | None]) -> None:
    error = rendered[name]
    assert error is not None
    assert error.startswith("Parse error on line ")


# SHA-512 of b"abc" as npm writes integrity (`printf abc | openssl dgst -sha512 -binary | base64`).
ABC_INTEGRITY = "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="


def test_a_tarball_is_checked_against_npms_integrity() -> None:
    assert npm_file.checked(b"abc", ABC_INTEGRITY) == b"abc"
    with pytest.raises(npm_file.IntegrityError, match=r"is sha512-3a81oZ.*, not the pinned sha512-AAAA"):
        npm_file.checked(b"abc", "sha512-AAAA")
    with pytest.raises(npm_file.IntegrityError):
        npm_file.checked(b"abd", ABC_INTEGRITY)


def test_the_bundle_is_written_only_from_a_tarball_that_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://registry.npmjs.org/mermaid/-/mermaid-0.0.0.tgz"
    packed = BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as archive:
        for name, content in {
            "package/README.md": b"# mermaid",
            "package/dist/mermaid.min.js": b"mermaid = {};",
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, BytesIO(content))
    served = packed.getvalue()
    served_integrity = "sha512-" + base64.b64encode(hashlib.sha512(served).digest()).decode()
    reply = httpx.Response(200, content=served, request=httpx.Request("GET", url))
    monkeypatch.setattr(httpx, "get", lambda *_, **__: reply)
    output = tmp_path / ".cache" / "mermaid.min.js"

    refused = f"{url}: the tarball's integrity is {served_integrity}, not the pinned {ABC_INTEGRITY}"
    with pytest.raises(SystemExit, match=re.escape(refused)):
        npm_file.main(url, ABC_INTEGRITY, "package/dist/mermaid.min.js", str(output))
    assert not output.parent.exists()

    npm_file.main(url, served_integrity, "package/dist/mermaid.min.js", str(output))
    assert output.read_bytes() == b"mermaid = {};"
    assert [p.name for p in output.parent.iterdir()] == ["mermaid.min.js"]
