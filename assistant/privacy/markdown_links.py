"""The Markdown links, images, autolinks and reference definitions of a text, as CommonMark reads
them (markdown-it-py's token stream), and the text with the disallowed ones neutralised. No Django.

markdown-it-py's tokens say what a renderer will make a link of, but not where in the text it was
written: inline tokens carry no offsets, and a block's inline content is the text without its
quote markers and indentation. So the parser is given three small changes:

- its link, image and autolink rules are wrapped to record where each construct starts and ends
  in the inline content (and where a link's words are);
- every destination is accepted and kept as written (after CommonMark's unescaping), so that
  `javascript:` or `data:` targets are judged by the caller instead of silently becoming text,
  and hosts are judged as the customer's browser would see them, not punycoded;
- reference definitions are kept as tokens (markdown-it-py's `inline_definitions`), with their
  lines.

Offsets in an inline content are mapped back to the text line by line: each line of a block's
content is a slice of a line of the text (the rest of that line is quote markers, indentation,
list markers or heading marks). A construct that cannot be mapped back fails closed: its whole
block is replaced by the marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.autolink import autolink as _autolink_rule
from markdown_it.rules_inline.image import image as _image_rule
from markdown_it.rules_inline.link import link as _link_rule
from markdown_it.token import Token

Kind = Literal["link", "image", "autolink", "definition"]
_LINE_FEED = re.compile("\n")
# Every construct needs one of these: "](" an inline link or image, "]:" a reference definition
# (which a reference link needs too), "<" an autolink. Most texts have none: no parse then.
_CONSTRUCT_HINT = re.compile(r"\]\(|\]:|<")
_SPANS = "link_spans"  # the env key the recording rules write to


@dataclass(frozen=True, slots=True)
class _Recorded:
    """A construct as a wrapped rule saw it, in the coordinates of one inline content."""

    source: str  # the inline content it was found in (the object itself, not an equal one)
    start: int
    end: int
    label: tuple[int, int] | None  # where a link's words are
    kind: Kind
    target: str  # as written, after CommonMark's unescaping


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    replacement: str
    targets: tuple[str, ...]  # what it removes (more than one when a whole block goes)


def _recording(kind: Kind, rule: Callable[[StateInline, bool], bool]) -> Any:
    """`rule`, recording each construct it tokenizes (not its look-ahead in silent mode)."""
    wanted, attribute = ("image", "src") if kind == "image" else ("link_open", "href")

    def record(state: StateInline, silent: bool) -> bool:
        start, pushed = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            # The rule's own token: text pending before it may have been pushed first.
            own = (t for t in state.tokens[pushed:] if t.type == wanted)
            target = next((str(t.attrs.get(attribute, "")) for t in own), "")
            label = None
            if kind == "link":
                # The label the rule parsed (parseLinkLabel restores the position it moves).
                label_end = state.md.helpers.parseLinkLabel(state, start, True)
                label = (start + 1, label_end) if label_end >= 0 else None
            spans = state.env.setdefault(_SPANS, [])
            spans.append(_Recorded(state.src, start, state.pos, label, kind, target))
        return True

    return record


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "inline_definitions": True})
    # Only what decides where links are: emphasis, entities and line breaks do not.
    md.disable(["emphasis", "entity", "newline", "text_join"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.inline.ruler.at("link", _recording("link", _link_rule))
    md.inline.ruler.at("image", _recording("image", _image_rule))
    md.inline.ruler.at("autolink", _recording("autolink", _autolink_rule))
    return md


_MARKDOWN = _parser()


def neutralise(
    text: str, allowed: Callable[[str], bool], *, removed_marker: str
) -> tuple[str, list[str]]:
    """`text` with every Markdown construct whose target `allowed` refuses neutralised (a link
    keeps its words, an image disappears, an autolink becomes `removed_marker`, a reference
    definition's lines are emptied), and the refused targets in the order they were written.
    Links that use a reference definition are left alone: emptying the definition unlinks them,
    and its target is reported once. E-mail autolinks are left alone too, as bare addresses are.
    The text comes back as it was when nothing is refused."""
    if not _CONSTRUCT_HINT.search(text):
        return text, []
    removed: list[str] = []
    current = _normalised(text)
    # A construct inside a removed one (an image in a link's words) is judged on the next pass.
    # Each pass removes at least one construct, so this ends (in two or three passes: a link
    # cannot hold a link, and an image's words are text).
    while edits := _outermost(_edits(current, allowed, removed_marker)):
        for edit in reversed(edits):
            current = current[: edit.start] + edit.replacement + current[edit.end :]
        removed.extend(target for edit in edits for target in edit.targets)
    return (current if removed else text), removed


def _normalised(text: str) -> str:
    # What markdown-it-py does first, so that offsets in its tokens are offsets in this text.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")


def _edits(text: str, allowed: Callable[[str], bool], removed_marker: str) -> list[_Edit]:
    env: dict[str, Any] = {}
    tokens = _MARKDOWN.parse(text, env)
    recorded: list[_Recorded] = env.get(_SPANS, [])
    lines = _Lines(text)
    edits: list[_Edit] = []
    for token in tokens:
        if token.type == "definition":
            target = str(token.meta.get("url", ""))
            if token.map and not allowed(target):
                start, end = lines.block(token.map)
                edits.append(_Edit(start, end, "", (target,)))
        elif token.type == "inline" and token.map:
            # Not an image's words, which are parsed as a content of their own (and are text).
            spans = [r for r in recorded if r.source is token.content]
            edits.extend(_inline_edits(token, spans, lines, allowed, removed_marker))
    return edits


def _inline_edits(
    token: Token,
    spans: list[_Recorded],
    lines: _Lines,
    allowed: Callable[[str], bool],
    removed_marker: str,
) -> list[_Edit]:
    assert token.map is not None
    content: str = token.content
    refused = []
    for span in spans:
        raw = content[span.start : span.end]
        if span.kind != "autolink" and raw.endswith("]"):
            continue  # a reference link: its definition is judged instead
        if span.kind == "autolink" and ":" not in raw:
            continue  # <someone@example.com>: an address, which the checks leave alone
        if not allowed(span.target):
            refused.append((span, span.target))
    if not refused:
        return []
    offsets = lines.offsets(content, token.map)
    if offsets is None:  # fail closed: the whole block goes
        start, end = lines.block(token.map)
        return [_Edit(start, end, removed_marker, tuple(target for _span, target in refused))]
    edits = []
    for span, target in refused:
        start, end = offsets[span.start], offsets[span.end - 1] + 1
        if span.kind == "image":
            replacement = ""
        elif span.kind == "autolink":
            replacement = removed_marker
        elif span.label is None:
            replacement = ""
        else:
            label_start, label_end = span.label
            replacement = (
                lines.text[offsets[label_start] : offsets[label_end - 1] + 1]
                if label_end > label_start
                else ""
            )
        edits.append(_Edit(start, end, replacement, (target,)))
    return edits


def _outermost(edits: list[_Edit]) -> list[_Edit]:
    """The edits that no other edit contains, in order (the rest wait for the next pass)."""
    result: list[_Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        if result and edit.start < result[-1].end:
            continue
        result.append(edit)
    return result


class _Lines:
    """Where each line of a text starts, and the way back from a block's inline content."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        # Only a text with something to neutralise needs them.
        if self._starts is None:
            self._starts = [0, *(match.end() for match in _LINE_FEED.finditer(self.text))]
        return self._starts

    def line(self, number: int) -> tuple[int, int]:
        """Start and end (before its line feed) of line `number`."""
        start = self.starts[number]
        end = self.starts[number + 1] - 1 if number + 1 < len(self.starts) else len(self.text)
        return start, end

    def block(self, line_map: list[int]) -> tuple[int, int]:
        """The text of lines [first, last), without the last line feed."""
        first, last = line_map
        start = self.line(first)[0]
        end = self.line(min(last, len(self.starts)) - 1)[1]
        return start, end

    def offsets(self, content: str, line_map: list[int]) -> list[int] | None:
        """For each character of `content`, its offset in the text; None if a line of it is
        not found on its line of the text."""
        result: list[int] = []
        first, last = line_map
        for number, piece in enumerate(content.split("\n")):
            if first + number >= last:
                return None
            start, end = self.line(first + number)
            placed = _place(self.text[start:end], piece)
            if placed is None:
                return None
            at, virtual = placed
            # Spaces the parser made of a tab stand where the tab's line goes on.
            result.extend([start + at] * virtual)
            result.extend(range(start + at, start + at + len(piece) - virtual))
            result.append(start + at + len(piece) - virtual)  # the line feed
        return result


def _place(line: str, piece: str) -> tuple[int, int] | None:
    """Where `piece` (a line of a block's content) is in `line`, and how many of its leading
    spaces are not in the line (the parser expands a tab it cuts into indentation)."""
    # A slice of the line: its end, unless marks follow it (a heading's closing #s), or
    # trailing spaces were trimmed from the block's last line.
    for candidate, virtual in (
        (piece, 0),
        (piece.lstrip(" "), len(piece) - len(piece.lstrip(" "))),
    ):
        if line.endswith(candidate):
            return len(line) - len(candidate), virtual
        trimmed = line.rstrip()
        if trimmed.endswith(candidate):
            return len(trimmed) - len(candidate), virtual
        at = line.find(candidate)
        if at >= 0:
            return at, virtual
    return None
