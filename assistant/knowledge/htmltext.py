"""HTML to Markdown, for importing help-center articles (Zendesk bodies, saved HTML pages).

markdownify (over BeautifulSoup) does the conversion: headings, paragraphs, nested lists, links,
emphasis, code, block quotes and tables. Our rules on top of it are about what may survive:
scripts, styles, frames, embedded objects and forms are dropped with their content; images and
videos are reduced to their text (a remote image on the help page would load on sight); link
targets other than http(s), mailto, relative ones and anchors are dropped, keeping the words.
The result is rendered later with raw HTML disabled (knowledge/rendering.py), so nothing here
has to be a sanitiser.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag
from markdownify import ATX, MarkdownConverter

# Dropped with everything inside them (the mail body converter uses the same list).
DROPPED_WITH_CONTENT = ["script", "style", "iframe", "frame", "frameset", "noscript", "svg",
                        "math", "template", "head", "object", "embed", "canvas", "form",
                        "button", "select", "textarea"]  # fmt: skip
_SAFE_LINK = re.compile(r"^(https?:|mailto:|/|#)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _Converter(MarkdownConverter):
    """markdownify with the import's rules for links and media."""

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        href = str(el.get("href") or "").strip()
        if not _SAFE_LINK.match(href):
            return text  # the words stay, the target goes
        # A space would end the Markdown link target early.
        el["href"] = href.replace(" ", "%20")
        return str(super().convert_a(el, text, parent_tags))

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return str(el.get("alt") or "")

    def convert_video(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return text

    convert_audio = convert_video
    convert_picture = convert_video


_CONVERTER = _Converter(
    heading_style=ATX,  # "## Heading": the chunker and the title rule read ATX headings
    bullets="-",
    # Asterisks are escaped (one inside a word starts emphasis); underscores are not: inside a
    # word they never do, and an unescaped "order_id" reads better to search and to the model.
    escape_underscores=False,
    escape_misc=False,
    # Line breaks of the HTML source are white space, as a browser shows them: kept, a line
    # starting with "- " or "# " would become a list or a heading. Lines are not re-wrapped.
    wrap=True,
    wrap_width=None,
)


def html_to_markdown(html: str) -> tuple[str, str]:
    """(Markdown body, the document's <title> or first <h1>, or "")."""
    soup = BeautifulSoup(html, "html.parser")
    title = _SPACES.sub(" ", soup.title.get_text()).strip() if soup.title else ""
    body = soup_to_markdown(soup)
    if not title and body.startswith("# "):
        title = body.split("\n", 1)[0][2:].strip()
    return body, title


def soup_to_markdown(soup: BeautifulSoup) -> str:
    """An already parsed document as Markdown, by the rules above (the soup is changed)."""
    for element in soup.find_all(DROPPED_WITH_CONTENT):
        element.decompose()
    return _tidy(_CONVERTER.convert_soup(soup))


def _tidy(markdown: Any) -> str:
    """Trailing spaces off every line (but a hard break's two), at most one blank line."""
    lines = [line if line.endswith("  ") and line.strip() else line.rstrip()
             for line in str(markdown).splitlines()]  # fmt: skip
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
