"""Every relative link of the Markdown pages leads to a file or folder of the repository, and every anchor to a
heading (as GitHub names it) or an explicit <a id> of the page it points into. URLs (http, https, mailto, ...) are
not checked: they are not this repository's files, and the local API's (http://127.0.0.1:3000/...) only run with it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.docs.markdown import ROOT, Page, pages, read, read_file

# A scheme (http:, https:, mailto:, ...) or a scheme-relative //host: a URL, not a path in the repository.
URL = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def why_broken(target: str, page: Path, here: Page, root: Path) -> str | None:
    """Why a link of `page` leads nowhere, or None. A path is relative to the page's folder, or to the repository's
    root if it starts with / (as on GitHub); an anchor is checked in Markdown pages only."""
    if not target:
        return "empty target"
    if URL.match(target):
        return None
    path, _, fragment = target.partition("#")
    path, fragment = unquote(path.partition("?")[0]), unquote(fragment)
    if path:
        file = ((root / path.lstrip("/")) if path.startswith("/") else (page.parent / path)).resolve()
        if not file.is_relative_to(root.resolve()):
            return "outside the repository"
        if not file.exists():
            return "no such file or folder"
    else:
        file = page.resolve()
    if not fragment or file.suffix != ".md" or not file.is_file():
        return None
    anchors = here.anchors if file == page.resolve() else read_file(file).anchors
    if fragment not in anchors:
        return f"no heading or anchor #{fragment} in {file.relative_to(root.resolve())}"
    return None


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """`file:line: target (why)` for each link of the page that leads nowhere."""
    here = read(page.read_text(encoding="utf-8"))
    name = page.relative_to(root)
    return [
        f"{name}:{link.line}: {link.target} ({why})"
        for link in here.links
        if (why := why_broken(link.target, page, here, root))
    ]


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_every_link_leads_somewhere(page: Path) -> None:
    broken = broken_links(page)
    assert not broken, "links that lead nowhere:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        (
            "## Powertools: bundled in the shared layer, not AWS's public Powertools layer",
            "powertools-bundled-in-the-shared-layer-not-awss-public-powertools-layer",
        ),
        ("## The pool's plan (`UserPoolTier`)", "the-pools-plan-userpooltier"),
        ("### `make dev` or `sam local start-api`?", "make-dev-or-sam-local-start-api"),
        ("### CI: `.github/workflows/deploy.yml`", "ci-githubworkflowsdeployyml"),
        (
            "# Auth API for mobile apps (API Gateway + Lambda + Cognito)",
            "auth-api-for-mobile-apps-api-gateway--lambda--cognito",
        ),
        ("## Sign-in: **password**, then [TOTP](#totp) & email_otp", "sign-in-password-then-totp--email_otp"),
        ("## Café déjà vu, 2 \u00d7 3", "café-déjà-vu-2--3"),  # letters of any script stay, symbols go
        ("Setext *heading*\n===", "setext-heading"),
    ],
)
def test_a_heading_anchor_is_the_one_github_gives(heading: str, anchor: str) -> None:
    assert anchor in read(heading).anchors


def test_a_repeated_heading_gets_a_number() -> None:
    page = read("# Example\n\n## Example\n\n### Example\n\n## Example 1\n")
    assert page.anchors == {"example", "example-1", "example-2", "example-1-1"}


def test_explicit_anchors_count() -> None:
    page = read('<a name="top"></a>\n\n# Title\n\nSee <span id="inline">this</span>.\n')
    assert page.anchors == {"top", "title", "inline"}


def test_the_checker_finds_each_kind_of_broken_link(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "openapi.yaml").write_text("openapi: 3.1.0\n")
    (tmp_path / "docs" / "guide.md").write_text('# Guide\n\n## Sign in\n\n## Sign in\n\n<a id="custom"></a>\n')
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Front door\n"
        "\n"
        "[guide](docs/guide.md), [the second sign-in](docs/guide.md#sign-in-1), [custom](docs/guide.md#custom)\n"
        "[missing](docs/nope.md) and [a heading it lacks](docs/guide.md#sign-up)\n"
        "[this page](#front-door), [a heading it lacks](#back-door), [up](/docs/guide.md#guide), [folder](docs/)\n"
        '<a href="docs/gone.md">gone</a> [by reference][r] [the spec, line 1](openapi.yaml#L1)\n'
        "[out](../../outside.md) [docs](http://127.0.0.1:3000/docs) <http://127.0.0.1:3000/auth/signin>\n"
        "[mail](mailto:security@example.com) `[code](nope.md)` ![diagram](docs/missing.svg)\n"
        "\n"
        "```markdown\n"
        "[fenced](nope.md)\n"
        "# Not a heading\n"
        "```\n"
        "\n"
        "[a heading only inside code](#not-a-heading)\n"
        "\n"
        "[r]: docs/guide.md#nowhere\n"
    )
    assert broken_links(readme, tmp_path) == [
        "README.md:4: docs/nope.md (no such file or folder)",
        "README.md:4: docs/guide.md#sign-up (no heading or anchor #sign-up in docs/guide.md)",
        "README.md:5: #back-door (no heading or anchor #back-door in README.md)",
        "README.md:6: docs/gone.md (no such file or folder)",
        "README.md:7: ../../outside.md (outside the repository)",
        "README.md:8: docs/missing.svg (no such file or folder)",
        "README.md:15: #not-a-heading (no heading or anchor #not-a-heading in README.md)",
        "README.md:17: docs/guide.md#nowhere (no heading or anchor #nowhere in docs/guide.md)",
    ]


def test_links_to_the_local_api_are_not_checked(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    page.write_text(
        "Open [the docs](http://127.0.0.1:3000/docs), <http://127.0.0.1:3000/auth/signin> or "
        '<a href="http://127.0.0.1:3000/getData">getData</a>: served by `make dev`, not files of the repository.\n'
    )
    assert read(page.read_text()).links  # they are links, and pass
    assert broken_links(page, tmp_path) == []
