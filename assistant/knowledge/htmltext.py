"""HTML to Markdown, for importing help-center articles (Zendesk bodies, saved HTML pages).

Only the structure search and readers need survives: headings, paragraphs, lists, links, emphasis,
code and table rows. Scripts, styles, frames and unknown tags are dropped or reduced to their
text; link targets other than http(s), mailto and relative ones are dropped. The result is
rendered later with raw HTML disabled, so nothing here has to be a sanitiser.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED = {"script", "style", "iframe", "noscript", "svg", "template", "head", "object", "embed",
            "canvas", "form", "button", "select"}  # fmt: skip
_BLOCKS = {"p", "div", "section", "article", "header", "footer", "main", "aside",
           "blockquote", "table", "thead", "tbody", "tr", "ul", "ol", "dl", "dt", "dd", "figure",
           "hr"}  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_EMPHASIS = {"strong": "**", "b": "**", "em": "*", "i": "*"}
_SAFE_LINK = re.compile(r"^(https?:|mailto:|/|#)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.inline: list[str] = []
        self.prefix = ""
        self.lists: list[str] = []  # "ul" / "ol" of the open lists
        self.links: list[tuple[int, str | None]] = []
        self.skipping = 0
        self.in_pre = False
        self.cells = 0
        self.title = ""
        self._in_title = False

    def flush(self) -> None:
        text = "".join(self.inline)
        text = text.strip("\n") if self.in_pre else _SPACES.sub(" ", text).strip()
        if text:
            self.blocks.append(self.prefix + text)
        self.inline.clear()
        self.prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _SKIPPED or self.skipping:
            self.skipping += tag in _SKIPPED
            return
        if tag in _HEADINGS:
            self.flush()
            self.prefix = "#" * _HEADINGS[tag] + " "
        elif tag in _BLOCKS:
            self.flush()
            if tag in ("ul", "ol"):
                self.lists.append(tag)
            elif tag == "tr":
                self.cells = 0
        elif tag == "li":
            self.flush()
            marker = "1. " if self.lists and self.lists[-1] == "ol" else "- "
            self.prefix = "   " * max(len(self.lists) - 1, 0) + marker
        elif tag == "br":
            self.inline.append("\n" if self.in_pre else "  \n")
        elif tag == "pre":
            self.flush()
            self.in_pre = True
            self.inline.append("```\n")
        elif tag == "code" and not self.in_pre:
            self.inline.append("`")
        elif tag in _EMPHASIS:
            self.inline.append(_EMPHASIS[tag])
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((len(self.inline), href if _SAFE_LINK.match(href) else None))
        elif tag in ("td", "th"):
            if self.cells:
                self.inline.append(" | ")
            self.cells += 1
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.inline.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self.skipping:
            self.skipping -= tag in _SKIPPED
            return
        if tag in _HEADINGS or tag in _BLOCKS or tag == "li":
            self.flush()
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
        elif tag == "pre":
            self.inline.append("\n```")
            self.flush()
            self.in_pre = False
        elif tag == "code" and not self.in_pre:
            self.inline.append("`")
        elif tag in _EMPHASIS:
            self.inline.append(_EMPHASIS[tag])
        elif tag == "a" and self.links:
            start, href = self.links.pop()
            label = "".join(self.inline[start:]).strip()
            if href and label:
                self.inline[start:] = [f"[{label}]({href.replace(' ', '%20')})"]

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self.skipping:
            self.inline.append(data)


def html_to_markdown(html: str) -> tuple[str, str]:
    """(Markdown body, the document's <title> or first <h1>, or "")."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    converter.flush()
    title = _SPACES.sub(" ", converter.title).strip()
    if not title and converter.blocks and converter.blocks[0].startswith("# "):
        title = converter.blocks[0][2:].strip()
    return "\n\n".join(converter.blocks), title
