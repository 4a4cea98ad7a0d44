"""An HTML mail body to safe Markdown, with the knowledge import's converter.

``assistant.knowledge.htmltext`` decides what may survive (no script, style, frames, forms or
embedded objects; images become their alt text; only http(s), mailto and relative links). Mail
adds two things before it: newsletters and mail clients lay out with tables, which as Markdown
tables would squeeze a whole message into one cell, so layout tables become plain blocks; and
hidden elements (a newsletter's preview text, tracking blocks) are dropped, since no reader of
the mail saw them.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from assistant.knowledge.htmltext import html_to_markdown

_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCKS = ["p", "div", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "img",
           "blockquote"]  # fmt: skip
_HARD_BREAK = re.compile(r" +\n")
_BLANK_LINES = re.compile(r"\n{3,}")
_SOURCE_SPACE = re.compile(r"^ (?![-*+\d ])", re.MULTILINE)
_TABLE_PARTS = ["table", "thead", "tbody", "tfoot", "tr", "td", "th"]


def mail_html_to_markdown(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(style=_HIDDEN):
        element.decompose()
    _lines_as_lines(soup)
    # Innermost first, so an outer table is judged on what its cells really contain.
    for table in reversed(soup.find_all("table")):
        if isinstance(table, Tag) and _is_layout(table):
            own_parts = [p for p in table.find_all(_TABLE_PARTS) if p.find_parent("table") is table]
            for part in [table, *own_parts]:
                part.name = "div"
    markdown = html_to_markdown(str(soup))[0]
    # The desk shows a message's line breaks as they are: a Markdown hard break is one of them.
    # A line break in the HTML source after a <br> leaves one space at the next line's start.
    markdown = _SOURCE_SPACE.sub("", _HARD_BREAK.sub("\n", markdown))
    return _BLANK_LINES.sub("\n\n", markdown).strip()


def _lines_as_lines(soup: BeautifulSoup) -> None:
    """Mail clients write each line as a block with no margin; keep them lines, not paragraphs.

    Gmail, Apple Mail and new Outlook put every line in a ``<div>`` and a blank line in an empty
    one (``<div><br></div>``); Outlook desktop does the same with ``<p class="MsoNormal">``, whose
    margin its own style sheet sets to zero. Other paragraphs keep their blank line.
    """
    for block in reversed(soup.find_all(["div", "p"])):
        if not isinstance(block, Tag) or block.find(_BLOCKS):
            continue
        if block.name == "p" and "MsoNormal" not in (block.get("class") or []):
            continue
        if not block.get_text().strip(" \xa0\n\t\r") and not block.find("img"):
            block.replace_with(soup.new_tag("br"))
            continue
        block.append(soup.new_tag("br"))
        block.unwrap()


def _is_layout(table: Tag) -> bool:
    """A table for placing things on the page, not a grid of data a reader compares."""
    if str(table.get("role") or "").lower() == "presentation":
        return True
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    cells = [cell for row in rows for cell in row.find_all(["td", "th"], recursive=False)]
    if not rows or any(len(row.find_all(["td", "th"], recursive=False)) < 2 for row in rows):
        return True
    return any(cell.find(_BLOCKS) for cell in cells)
