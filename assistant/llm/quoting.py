"""What to quote from a passage: the whole Markdown units that answer the question.

The offline responder has no language model to rephrase a passage, so its answer is a quote,
and a quote must read as whole Markdown: a table with its header row, a list with all its items,
a lead-in with what it introduces (see mdblocks). A short passage (one section of an article)
is quoted whole; a longer one is cut to the units that share most terms with the question, in
their original order, so a price question gets the table with the price in it.
"""

from __future__ import annotations

from .mdblocks import Unit, ends_with_colon, units
from .textmatch import best_sentences, has_cjk, terms

# About a short paragraph and a table: as much as a chat bubble shows without feeling like a
# wall of text. A passage that fits is quoted whole, which keeps its context.
QUOTE_BUDGET = 700
# A single paragraph longer than the budget is cut to its most relevant sentences.
SENTENCES_OF_LONG_PARAGRAPH = 3


def quote(question: str, text: str, *, budget: int = QUOTE_BUDGET) -> str:
    """The part of `text` that answers `question`, as well-formed Markdown ("" if nothing in
    it can be quoted on its own, such as a lone heading)."""
    parts = units(text)
    if not parts:
        return ""
    if sum(len(part.text) for part in parts) <= budget:
        return _join(parts)
    query = set(terms(question))
    overlap = [len(query & set(terms(part.text))) for part in parts]
    best_first = sorted(range(len(parts)), key=lambda i: (-overlap[i], i))
    chosen = [best_first[0]]
    used = len(parts[best_first[0]].text)
    for index in best_first[1:]:
        size = len(parts[index].text)
        if overlap[index] == 0 or used + size > budget:
            continue
        chosen.append(index)
        used += size
    picked = [parts[i] for i in sorted(chosen)]
    if len(picked) == 1 and picked[0].kinds == ("paragraph",) and used > budget:
        return _sentences_of(question, picked[0].text)
    return _join(picked)


def _join(parts: list[Unit]) -> str:
    return "\n\n".join(part.text for part in parts)


def _sentences_of(question: str, paragraph: str) -> str:
    """The most relevant whole sentences of a long paragraph, none that ends in a colon (its
    content would be missing)."""
    chosen = [
        s
        for s in best_sentences(question, paragraph, limit=SENTENCES_OF_LONG_PARAGRAPH)
        if not ends_with_colon(s)
    ]
    joiner = "" if has_cjk(paragraph) else " "
    return joiner.join(chosen) or paragraph
