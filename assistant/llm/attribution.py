"""Which passages an answer drew on, read from the answer itself.

Citations must name exactly the articles whose passages an answer used, whoever wrote it: the
offline responder quotes one passage (which need not be the search's first), and a model that
did not number its sources still says what some passages say. Each statement of the answer (a
sentence, a table row, a list item) is traced to the passage that holds it: word for word when
it is a quote, else the passage that contains most of its terms, when that is most of them. A
statement that no passage holds cites nothing; a passage that no statement came from is not
cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .mdblocks import blocks
from .textmatch import sentences, terms
from .types import Passage

# The share of a statement's terms a passage must contain to be its source. High on purpose:
# a statement that merely shares its topic with a passage is not drawn from it.
MIN_SHARE = 0.6
# Statements with fewer terms ("Thanks!", "Yes.") say nothing that comes from a passage.
MIN_TERMS = 2
_SPACE = re.compile(r"\s+")
# Table pipes and list markers: a row or an item is found in its passage without them.
_MARKUP = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+|\|", re.MULTILINE)


def statements(answer: str) -> list[str]:
    """The answer cut into what it states: table rows and list items one by one (their lines),
    paragraphs into sentences."""
    result: list[str] = []
    for block in blocks(answer):
        if block.kind in ("table", "list", "code"):
            result.extend(line for line in block.text.split("\n") if line.strip())
        else:
            result.extend(sentences(block.text))
    return result


def used_passages(answer: str, passages: Sequence[Passage]) -> list[Passage]:
    """The passages some statement of the answer came from, in the order given."""
    bodies = [_plain(f"{p.title}\n{p.text}") for p in passages]
    body_terms = [set(terms(body)) for body in bodies]
    used: set[int] = set()
    for statement in statements(answer):
        source = _source(_plain(statement), bodies, body_terms)
        if source is not None:
            used.add(source)
    return [passages[i] for i in sorted(used)]


def _source(statement: str, bodies: list[str], body_terms: list[set[str]]) -> int | None:
    wanted = set(terms(statement))
    if len(wanted) < MIN_TERMS:
        return None
    # A quote is found word for word: its passage is the source even if another passage shares
    # as many of its terms.
    for index, body in enumerate(bodies):
        if statement in body:
            return index
    shares = [len(wanted & found) / len(wanted) for found in body_terms]
    best = max(range(len(shares)), key=lambda i: (shares[i], -i), default=None)
    if best is None or shares[best] < MIN_SHARE:
        return None
    return best


def _plain(text: str) -> str:
    """Text without table pipes, list markers and line breaks, to find a quote in its source."""
    return _SPACE.sub(" ", _MARKUP.sub(" ", text)).strip()
