"""The project's Markdown pages read as GitHub reads them, with markdown-it-py (CommonMark, plus GitHub's tables and
strikethrough): their links with the lines they are on, the anchors GitHub gives their headings, their fenced blocks.
Links and headings inside fenced code or inline code are code, not links or headings."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[2]
PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# What a heading's anchor keeps of its lowercased text, as GitHub's /[^\p{Word}\- ]/u: letters and marks of any
# script, decimal digits, connector punctuation (`_`), hyphens and spaces; spaces then become hyphens.
KEPT_CATEGORIES = ("L", "M", "Nd", "Pc")
# The attribute of a tag in the pages' HTML that is a link.
LINKING_ATTRIBUTE = {"a": "href", "img": "src"}
# Inline children whose text a heading's anchor is made of (HTML tags and images add none; a setext heading's line
# break is a newline, which the anchor drops).
HEADING_TEXT = {"text": None, "text_special": None, "code_inline": None, "softbreak": "\n"}


@dataclass(frozen=True)
class Link:
    line: int  # 1-based, in the page
    target: str


@dataclass(frozen=True)
class Fence:
    line: int  # the opening fence's, 1-based
    language: str
    text: str


@dataclass(frozen=True)
class Page:
    links: list[Link]
    anchors: set[str]  # the headings' (as GitHub makes them) and the explicit ones (<a id="..."> or <a name="...">)
    fences: list[Fence]


def pages(root: Path = ROOT) -> list[Path]:
    """README.md, SECURITY.md and every Markdown page under docs/."""
    return [root / "README.md", root / "SECURITY.md", *sorted((root / "docs").rglob("*.md"))]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading of this text (before telling repeated headings apart)."""
    kept = (c for c in heading.lower() if c in " -" or unicodedata.category(c).startswith(KEPT_CATEGORIES))
    return "".join(kept).replace(" ", "-")


def heading_anchors(headings: Iterable[str]) -> list[str]:
    """Each heading's anchor, in page order: a repeated one gets -1, -2, ... (github-slugger's rule)."""
    seen: dict[str, int] = {}
    anchors = []
    for heading in headings:
        base = anchor = slug(heading)
        while anchor in seen:
            seen[base] += 1
            anchor = f"{base}-{seen[base]}"
        seen[anchor] = 0
        anchors.append(anchor)
    return anchors


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[int, str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((self.getpos()[0], tag, {name: value or "" for name, value in attrs}))


def html_tags(html: str, first_line: int) -> list[tuple[int, str, dict[str, str]]]:
    """The start tags of a piece of HTML: (line in the page, tag, attributes)."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return [(first_line + line - 1, tag, attrs) for line, tag, attrs in parser.tags]


def inline_pieces(inline: Token) -> Iterator[tuple[int, Token]]:
    """An inline token's children with the page line each starts on."""
    assert inline.map is not None
    line = inline.map[0] + 1
    for child in inline.children or []:
        yield line, child
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "html_inline":
            line += child.content.count("\n")


def heading_text(inline: Token) -> str:
    return "".join(HEADING_TEXT[c.type] or c.content for c in inline.children or [] if c.type in HEADING_TEXT)


def read(text: str) -> Page:
    env: dict[str, Any] = {}
    tokens = PARSER.parse(text, env)
    links: list[Link] = []
    headings: list[str] = []
    fences: list[Fence] = []
    html: list[tuple[int, str, dict[str, str]]] = []
    for previous, token in zip([None, *tokens], tokens, strict=False):
        if token.type == "inline":
            if previous is not None and previous.type == "heading_open":
                headings.append(heading_text(token))
            for line, child in inline_pieces(token):
                if child.type == "link_open":
                    links.append(Link(line, str(child.attrs["href"])))
                elif child.type == "image":
                    links.append(Link(line, str(child.attrs["src"])))
                elif child.type == "html_inline":
                    html += html_tags(child.content, line)
        elif token.type == "html_block" and token.map:
            html += html_tags(token.content, token.map[0] + 1)
        elif token.type == "fence" and token.map:
            fences.append(Fence(token.map[0] + 1, (token.info.split() or [""])[0], token.content))
    explicit = set()
    for line, tag, attrs in html:
        if tag in LINKING_ATTRIBUTE and attrs.get(LINKING_ATTRIBUTE[tag]):
            links.append(Link(line, attrs[LINKING_ATTRIBUTE[tag]]))
        explicit |= {anchor for anchor in (attrs.get("id"), attrs.get("name") if tag == "a" else None) if anchor}
    # A reference-style link is checked where its definition is ([label]: target), the line that would need fixing.
    references = env.get("references", {}).values()
    defined = {ref["href"] for ref in references}
    links = [link for link in links if link.target not in defined]
    links += [Link(ref["map"][0] + 1, ref["href"]) for ref in references]
    links.sort(key=lambda link: link.line)
    return Page(links, set(heading_anchors(headings)) | explicit, fences)


@cache
def read_file(path: Path) -> Page:
    return read(path.read_text(encoding="utf-8"))
