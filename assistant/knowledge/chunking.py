"""Splitting a Markdown article into chunks along its headings and paragraphs.

A chunk is what search ranks and what the reply turn quotes, so it should hold one idea: a
section of the article, or a few paragraphs of a long one. Chunks never cross a heading (the
heading path is kept beside the text), and they break between paragraphs, or between sentences
when one paragraph alone is too long. Consecutive chunks of one section share their boundary
sentence, so an answer that straddles the break is still found whole in one of them. Tables and
lists are never cut into sentences or repeated in part: a table row without its header, or half a
list, would be quoted as if it were the whole answer (see assistant/llm/mdblocks.py).

Sizes are in estimated tokens (one per CJK character, one per four other characters), which
keeps Chinese and English chunks at a comparable amount of meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.knowledge.cjk import has_cjk
from assistant.llm.mdblocks import blocks, ends_with_colon
from assistant.llm.textmatch import estimate_tokens, sentences

# A chunk grows until the next paragraph would take it past the target; a single paragraph is
# only cut into sentences when it alone exceeds the maximum.
TARGET_TOKENS = 220
MAX_TOKENS = 320
# How much of the end of one chunk the next one repeats (whole sentences, at most this many).
OVERLAP_TOKENS = 60

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")


@dataclass(frozen=True, slots=True)
class ChunkDraft:
    """One chunk before it is stored: its place in the article, heading path and Markdown."""

    position: int
    heading: str
    text: str


@dataclass
class _Section:
    heading: str
    paragraphs: list[str]


def chunk_markdown(markdown: str) -> list[ChunkDraft]:
    """The chunks of an article body, in reading order, numbered from 0."""
    drafts: list[ChunkDraft] = []
    for section in _sections(markdown):
        for text in _pack(section.paragraphs):
            drafts.append(ChunkDraft(len(drafts), section.heading, text))
    return drafts


def _sections(markdown: str) -> list[_Section]:
    """Paragraphs grouped under their heading path ("Returns > Refunds")."""
    path: list[tuple[int, str]] = []
    sections = [_Section("", [])]
    paragraph: list[str] = []
    in_fence = False

    def end_paragraph() -> None:
        text = "\n".join(paragraph).strip()
        if text:
            sections[-1].paragraphs.append(text)
        paragraph.clear()

    for line in markdown.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            # A fenced block is one paragraph, blank lines and all.
            in_fence = not in_fence
            paragraph.append(line)
            if not in_fence:
                end_paragraph()
            continue
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            end_paragraph()
            level = len(heading.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level]
            path.append((level, heading.group(2).strip()))
            sections.append(_Section(" > ".join(title for _, title in path), []))
        elif not line.strip() and not in_fence:
            end_paragraph()
        else:
            paragraph.append(line)
    end_paragraph()
    return [section for section in sections if section.paragraphs]


def _pieces(paragraphs: list[str]) -> list[str]:
    """Paragraphs, with any paragraph longer than the maximum cut into runs of sentences, and
    any table longer than it into runs of rows that each repeat the header. Lists and code
    stay whole whatever their length."""
    result: list[str] = []
    for paragraph in paragraphs:
        if estimate_tokens(paragraph) <= MAX_TOKENS:
            result.append(paragraph)
            continue
        kinds = [block.kind for block in blocks(paragraph)]
        if kinds == ["table"]:
            result.extend(_table_runs(paragraph))
            continue
        if kinds != ["paragraph"]:
            result.append(paragraph)
            continue
        run: list[str] = []
        for sentence in sentences(paragraph):
            if run and estimate_tokens(_join([*run, sentence])) > TARGET_TOKENS:
                result.append(_join(run))
                run = []
            run.append(sentence)
        if run:
            result.append(_join(run))
    return result


def _pack(paragraphs: list[str]) -> list[str]:
    """Group a section's paragraphs into chunks near the target size, with a little overlap."""
    chunks: list[str] = []
    current: list[str] = []
    fresh = False  # whether `current` holds anything beyond the overlap carried over
    for piece in _pieces(paragraphs):
        if fresh and estimate_tokens("\n\n".join([*current, piece])) > TARGET_TOKENS:
            chunks.append("\n\n".join(current))
            current = _overlap(current[-1])
        current.append(piece)
        fresh = True
    if fresh:
        chunks.append("\n\n".join(current))
    return chunks


def _table_runs(table: str) -> list[str]:
    """A long table as several tables of consecutive rows, each under the header row."""
    header, separator, *rows = table.split("\n")
    runs: list[str] = []
    run: list[str] = []
    for row in rows:
        if run and estimate_tokens("\n".join([header, separator, *run, row])) > TARGET_TOKENS:
            runs.append("\n".join([header, separator, *run]))
            run = []
        run.append(row)
    if run:
        runs.append("\n".join([header, separator, *run]))
    return runs


def _overlap(previous: str) -> list[str]:
    """The last sentences of the previous chunk, up to the overlap budget (possibly none). Only
    prose is repeated: the end of a table or list is not a whole answer, nor is a lead-in that
    ends in a colon."""
    last = blocks(previous)[-1:]
    if not last or last[0].kind != "paragraph" or ends_with_colon(last[0].text):
        return []
    kept: list[str] = []
    for sentence in reversed(sentences(last[0].text)):
        if ends_with_colon(sentence):
            break
        if estimate_tokens(_join([sentence, *kept])) > OVERLAP_TOKENS:
            break
        kept.insert(0, sentence)
    return [_join(kept)] if kept else []


def _join(parts: list[str]) -> str:
    """Sentences back into text: Chinese and Japanese sentences follow each other unspaced."""
    return "".join(parts) if parts and has_cjk(parts[0]) else " ".join(parts)
