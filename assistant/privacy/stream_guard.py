"""What of a streaming answer may be shown before the whole answer is checked. No Django.

`check_answer` judges a complete answer, but the reply turn forwards each delta as it arrives, so
without this an obeying model's "Agreed! The car is yours for $1" or its exfiltration link is on
the customer's screen (and in their screenshots) until the final check replaces it. The guard
runs the same checks on the text so far and releases it with a short delay:

    guard = StreamGuard(passages=passages, allowed_domains=domains, customer_text=customer)
    for delta in stream:
        forward(guard.feed(delta))          # "" while it holds back
    result = check_answer(guard.text, ...)  # as before
    if result.shown_unchanged:
        forward(guard.rest())               # the held-back tail
    # otherwise the stored message (safe text or hand-off notice) replaces what was streamed

It judges each word once it is complete (half a URL or half a number is not judged yet), in a
window that reaches back far enough for any marker spanning words, so the cost per word is
constant however long the answer grows. It holds back two things. What could still become a
marker: the words from where a pattern of the checks has begun to match and the text ends before
the match could (regex's partial matching: "a full" may become "a full refund", "49" may become
"49%", "[click here" a link whose target is not known yet), and trailing words that the inbox's
instructions contain in that order (they may become a copied run). And a margin of `holdback`
characters for context: the words before a marker may be harmful with it ("Confirmed: you get
a 50% discount"), yet only the marker is found. Once anything looks wrong (abuse, a leaked
prompt, a foreign link, a commitment the passages do not support) it releases nothing more and
the final check decides. A false alarm only means the rest arrives at the end in one piece.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import regex

from .guardrails import (
    CONFIDENTIAL_RUN_WORDS,
    SHORT_MARKER_CHARACTERS,
    WORD,
    Confidential,
    Finding,
    HasText,
    Support,
    abusive_term_check,
    commitment_check,
    confidential_check,
    link_check,
    marker_patterns,
    normalise_domains,
    prompt_leak_check,
)

# The margin for context: the words just before a marker can be harmful with it ("Confirmed:
# you get a 50% discount"), and only the marker is found. 48 characters keep every guarded case
# of the adversarial corpus off the screen while it streams (32 do too; 24 let four through).
STREAM_HOLDBACK = 48
# How far back a check reaches before the newly completed words: more than the longest marker
# it looks for, so that a marker spanning words is whole in its window. A check costs what it
# reads, on every word, so each reads only as far as it needs:
# - abusive words and commitments: their markers are short and their spaces single, at most
#   37 characters ("halt die klappe", "responsabilité juridique", or a number of up to 21
#   characters with its currency or unit, "12 business days"), so one that ends in the new
#   words begins at most that far before them: the window reaches back from the judged text
#   no further (a longer reach re-read the same characters on every word: these two checks
#   were most of the guard's cost). It starts with the word that holds the point it reaches
#   back to (`_marker_window_start`), so it holds every such marker the long window holds; a
#   finding's excerpt may show less of the text before;
# - a run of copied instruction words (confidential), a quoted rule of the prompt however its
#   lines were wrapped (prompt leak), a Markdown link's words before its target (links), and an
#   inbox's own abuse terms, which may be long.
MARKER_LOOKBACK = SHORT_MARKER_CHARACTERS
LOOKBACK = 64 + 12 * CONFIDENTIAL_RUN_WORDS
# Where a word ends: white space, or Chinese punctuation (Chinese has no spaces).
_WORD_END = re.compile(r"[\s\u3000-\u303f\uff01-\uff0f\uff1a-\uff1f]+")
# Up to the last end of a word before `endpos` (one search back, as far as the start allows).
_LAST_WORD_END = re.compile(r"(?s:.*)[\s\u3000-\u303f\uff01-\uff0f\uff1a-\uff1f]")


class StreamGuard:
    def __init__(
        self,
        *,
        passages: Sequence[str | HasText],
        allowed_domains: Sequence[str],
        customer_text: Sequence[str] = (),
        confidential: Sequence[str] = (),
        extra_abuse_terms: tuple[str, ...] = (),
        holdback: int = STREAM_HOLDBACK,
    ) -> None:
        # Read once here, not on every word.
        self._support = Support.of(passages, customer_text)
        self._domains = normalise_domains(allowed_domains)
        self._confidential = Confidential.of(confidential)
        self._extra_terms = extra_abuse_terms
        # A margin as long as the short markers already holds them back: look ahead for the
        # long ones only (links, rules of the prompt), at a fraction of the cost.
        self._unfinished = _unfinished_markers(
            extra_abuse_terms, short=holdback < SHORT_MARKER_CHARACTERS
        )
        self._holdback = holdback
        self._text = ""
        self._checked = 0  # the text before this has been judged (a word boundary)
        self._released = 0
        self.finding: Finding | None = None

    @property
    def text(self) -> str:
        """Everything fed so far: the answer to check when the stream ends."""
        return self._text

    def feed(self, piece: str) -> str:
        """The part of the answer that may be shown now (often "")."""
        self._text += piece
        if self.finding is not None:
            return ""
        complete = self._complete_length()
        if complete > self._checked:
            self.finding = self._first_finding(complete)
            if self.finding is not None:
                return ""
            self._checked = complete
        end = min(len(self._text) - self._holdback, self._checked)
        if end > self._released:
            end = min(end, self._unfinished_from(self._released))
        end = max(end, self._released)
        released, self._released = self._text[self._released : end], end
        return released

    def rest(self) -> str:
        """What was held back; forward it only when the final check shows the answer as is."""
        rest, self._released = self._text[self._released :], len(self._text)
        return rest

    def _unfinished_from(self, start: int) -> int:
        """Where the earliest possible marker that has not been judged whole yet begins, at or
        after `start` (the text before it is shown already); the end of the text if none."""
        end = len(self._text)
        for match in self._unfinished.finditer(self._text, start, partial=True, overlapped=True):
            # Partial: the text ends inside it. Past the judged text: it ends in a word that
            # may still grow ("follow" of a rule, or "follows").
            if (match.partial or match.end() > self._checked) and match.start() < end:
                end = match.start()  # matches come in order of where they start
                break
        # The trailing words, if the instructions contain them in that order: one more word
        # may make them a copied run (confidential_check). Longest first: hold them all.
        words = list(WORD.finditer(self._text, start))[-(CONFIDENTIAL_RUN_WORDS - 1) :]
        first = self._longest_copied_tail(words)
        if first is None or (first and words[first].start() >= end):
            return end
        return min(end, words[first].start())

    def _longest_copied_tail(self, words: list[re.Match[str]]) -> int | None:
        """The index of the first of the longest run of trailing ``words`` that the
        instructions contain in that order, or None. Grown from the last word backwards: every
        run the instructions contain ends in shorter runs they contain too (their sequences
        are all runs of consecutive words), so the first miss ends the search, usually at the
        last word, instead of joining every tail on every piece."""
        sequences = self._confidential.sequences
        first: int | None = None
        tail = ""
        for index in range(len(words) - 1, -1, -1):
            word = words[index].group().lower()
            tail = f"{word} {tail}" if tail else word
            if tail not in sequences:
                break
            first = index
        return first

    def _complete_length(self) -> int:
        """Where the last complete word ends: the last word may still be growing."""
        boundaries = list(_WORD_END.finditer(self._text, max(self._checked - 1, 0)))
        return boundaries[-1].end() if boundaries else self._checked

    def _window_start(self) -> int:
        """Where the window of the long look-back starts: the first word start after it."""
        start = max(self._checked - LOOKBACK, 0)
        if start:
            boundary = _WORD_END.search(self._text, start, self._checked)
            start = boundary.end() if boundary else self._checked
        return start

    def _marker_window_start(self, long_start: int) -> int:
        """Where the window of the short look-back starts: at the start of the word that holds
        the point it reaches back to, not the next one as the long window does. Otherwise a
        marker whose first word ends a long word ("…/parcel/money back") would begin before
        the window; the long window held it, unless that word began even before it."""
        reach = self._checked - MARKER_LOOKBACK
        if reach <= long_start:
            return long_start
        boundary = _LAST_WORD_END.match(self._text, long_start, reach)
        return boundary.end() if boundary else long_start

    def _first_finding(self, complete: int) -> Finding | None:
        """What `check_answer` would find in the newly completed words, in the same order."""
        long_start = self._window_start()
        text = self._text[long_start:complete]
        short = self._text[self._marker_window_start(long_start) : complete]
        terms = text if self._extra_terms else short
        found = (
            abusive_term_check(terms, extra_terms=self._extra_terms)
            or prompt_leak_check(text)
            or confidential_check(text, self._confidential)
        )
        if found is not None:
            return found
        _cleaned, removed = link_check(text, self._domains)
        if removed:
            return Finding("link", "removed", removed[0])
        return commitment_check(short, self._support)


@lru_cache(maxsize=64)
def _unfinished_markers(extra_abuse_terms: tuple[str, ...], short: bool) -> regex.Pattern[str]:
    """The checks' patterns as one, for `regex`'s partial matching (which `re` lacks); each
    keeps its own flags. Built once per inbox's terms: compiling it costs milliseconds."""
    parts = []
    for pattern in marker_patterns(extra_abuse_terms, short=short):
        flags = "".join(
            letter
            for flag, letter in ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))
            if pattern.flags & flag
        )
        parts.append(f"(?{flags}:{pattern.pattern})" if flags else f"(?:{pattern.pattern})")
    return regex.compile("|".join(parts))
