"""Markdown cut into whole blocks, so that a quote never breaks a table, a list or a lead-in.

An extractive answer (the offline responder) and a chunk boundary (knowledge chunking) both cut
Markdown. Cutting by lines or sentences tears a table from its header row, runs list items
together, and leaves "standard delivery costs:" with the table it introduces left behind. Here
the text is parsed by markdown-it-py (the CommonMark parser the help center renders with) and
cut only between its top-level blocks: a table, a whole list, a paragraph, a code block.

A `Unit` is what may be quoted on its own: a block, or a lead-in paragraph that ends in a colon
together with the table, list or code block it introduces. A lead-in sentence whose content is
missing (the text ends after the colon) is left out, since it would promise what it does not
show; the sentences before it in its paragraph stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from markdown_it import MarkdownIt

from .textmatch import has_cjk, sentences

BlockKind = Literal["paragraph", "heading", "table", "list", "code", "quote", "rule"]

# HTML is not parsed: help articles are rendered with it off, so raw HTML is plain text here too.
_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")

_KINDS: dict[str, BlockKind] = {
    "paragraph_open": "paragraph",
    "heading_open": "heading",
    "table_open": "table",
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "fence": "code",
    "code_block": "code",
    "blockquote_open": "quote",
    "hr": "rule",
}
# What a lead-in ending in a colon introduces. Latin and full-width (CJK) colons alike.
_INTRODUCED: frozenset[BlockKind] = frozenset({"table", "list", "code", "quote"})
_COLONS = (":", "\uff1a")


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    text: str  # the block's Markdown source, exactly as written


@dataclass(frozen=True, slots=True)
class Unit:
    """One or two blocks that make sense quoted on their own."""

    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)

    @property
    def kinds(self) -> tuple[BlockKind, ...]:
        return tuple(block.kind for block in self.blocks)


def blocks(markdown: str) -> list[Block]:
    """The top-level blocks of a Markdown text, in order, each with its own source lines."""
    source = markdown.replace("\r\n", "\n")
    lines = source.split("\n")
    result: list[Block] = []
    for token in _PARSER.parse(source):
        kind = _KINDS.get(token.type)
        if kind is None or token.level != 0 or token.map is None:
            continue
        start, end = token.map
        text = "\n".join(lines[start:end]).strip()
        if text:
            result.append(Block(kind, text))
    return result


def ends_with_colon(text: str) -> bool:
    return text.rstrip().endswith(_COLONS)


def units(markdown: str) -> list[Unit]:
    """The quotable units of a text: headings and rules are left out (they answer nothing on
    their own), a lead-in is joined to what it introduces, and a lead-in without it is dropped."""
    parts = blocks(markdown)
    result: list[Unit] = []
    index = 0
    while index < len(parts):
        block = parts[index]
        index += 1
        if block.kind in ("heading", "rule"):
            continue
        if block.kind == "paragraph" and ends_with_colon(block.text):
            following = parts[index] if index < len(parts) else None
            if following is not None and following.kind in _INTRODUCED:
                result.append(Unit((block, following)))
                index += 1
            else:
                # What the last sentence introduces is missing: keep the sentences before it.
                kept = _without_last_sentence(block.text)
                if kept:
                    result.append(Unit((Block("paragraph", kept),)))
            continue
        result.append(Unit((block,)))
    return result


def _without_last_sentence(paragraph: str) -> str:
    kept = sentences(paragraph)[:-1]
    return ("" if has_cjk(paragraph) else " ").join(kept)
