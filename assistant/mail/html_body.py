"""An HTML mail body to safe Markdown, with the knowledge import's converter.

``assistant.knowledge.htmltext`` decides what may survive (no script, style, frames, forms or
embedded objects; images become their alt text; only http(s), mailto and relative links). Mail
adds to it: newsletters and mail clients lay out with tables, which as Markdown tables would
squeeze a whole message into one cell, so layout tables become plain blocks; hidden elements (a
newsletter's preview text, tracking blocks) are dropped, since no reader of the mail saw them;
the one-line blocks mail clients write stay lines; and hostile nesting gets the words only.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from assistant.knowledge.htmltext import DROPPED_WITH_CONTENT, soup_to_markdown

_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCKS = {"p", "div", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "img",
           "blockquote", "pre", "hr"}  # fmt: skip
_HARD_BREAK = re.compile(r" +\n")
_BLANK_LINES = re.compile(r"\n{3,}")
_SOURCE_SPACE = re.compile(r"^ (?![-*+\d ])", re.MULTILINE)
# Real mail nests tables a few dozen levels deep at most.
_MAX_NESTING = 100
_TABLE_PARTS = ["table", "thead", "tbody", "tfoot", "tr", "td", "th"]


def mail_html_to_markdown(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    if _deeper_than(soup, _MAX_NESTING):
        # The converter recurses once per element (a few hundred levels exhaust Python's stack)
        # and our rules look into each block's subtree: hostile nesting gets the words only.
        for element in soup.find_all(DROPPED_WITH_CONTENT):
            element.decompose()
        return _BLANK_LINES.sub("\n\n", _tidy_lines(soup.get_text("\n"))).strip()
    for element in soup.find_all(style=_HIDDEN):
        element.decompose()
    _lines_as_lines(soup)
    # Innermost first, so an outer table is judged on what its cells really contain.
    for table in reversed(soup.find_all("table")):
        if isinstance(table, Tag) and _is_layout(table):
            own_parts = [p for p in table.find_all(_TABLE_PARTS) if p.find_parent("table") is table]
            for part in [table, *own_parts]:
                part.name = "div"
    markdown = soup_to_markdown(soup)
    # The desk shows a message's line breaks as they are: a Markdown hard break is one of them.
    # A line break in the HTML source after a <br> leaves one space at the next line's start.
    markdown = _SOURCE_SPACE.sub("", _HARD_BREAK.sub("\n", markdown))
    return _BLANK_LINES.sub("\n\n", markdown).strip()


def _deeper_than(soup: BeautifulSoup, limit: int) -> bool:
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        element, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in element.children if isinstance(child, Tag))
    return False


def _tidy_lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.split("\n"))


def _lines_as_lines(soup: BeautifulSoup) -> None:
    """Mail clients write each line as a block with no margin; keep them lines, not paragraphs.

    Gmail, Apple Mail and new Outlook put every line in a ``<div>`` and a blank line in an empty
    one (``<div><br></div>``); Outlook desktop does the same with ``<p class="MsoNormal">``, whose
    margin its own style sheet sets to zero. Other paragraphs keep their blank line.
    """
    # One pass, innermost first (reversed document order puts descendants before ancestors):
    # a line is a div or p with no block left inside it once its own lines were turned inline.
    holds_a_block: set[int] = set()
    for element in reversed(soup.find_all(True)):
        inside = id(element) in holds_a_block
        if element.name in ("div", "p") and not inside and _is_line(element):
            # Renamed in place: unwrapping looks the element up among its siblings, which over
            # thousands of sibling lines is quadratic.
            element.attrs = {}
            if element.get_text().strip(" \xa0\n\t\r"):
                element.append(soup.new_tag("br"))
                element.name = "span"
            else:
                element.clear()
                element.name = "br"
        elif (inside or element.name in _BLOCKS) and element.parent is not None:
            holds_a_block.add(id(element.parent))


def _is_line(block: Tag) -> bool:
    return block.name == "div" or "MsoNormal" in (block.get("class") or [])


def _is_layout(table: Tag) -> bool:
    """A table for placing things on the page, not a grid of data a reader compares."""
    if str(table.get("role") or "").lower() == "presentation":
        return True
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    cells = [cell for row in rows for cell in row.find_all(["td", "th"], recursive=False)]
    if not rows or any(len(row.find_all(["td", "th"], recursive=False)) < 2 for row in rows):
        return True
    return any(cell.find(list(_BLOCKS)) for cell in cells)
