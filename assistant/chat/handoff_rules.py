"""When the assistant should step aside, decided by rules that need no model.

These rules run on every customer message before the assistant answers. They are the fallback
of the model-based classifier (assistant/chat/classifier.py) and work with the offline
responder too. Each returns a reason code (see assistant/chat/reasons.py) or None.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# "Let me talk to a person" in the languages the widget speaks, and a few more. Kept to phrases
# that ask for a human, so "the person who sold me this" does not trigger a handoff.
_HUMAN_REQUEST = re.compile(
    r"""
    \b(talk|speak|chat|connect\ me|put\ me\ through)\b[^.?!]{0,30}
        \b(human|person|agent|someone|somebody|real\ person|representative|operator|staff)\b
    | \b(human|real\ person|live\ agent|customer\ service\ (rep|agent)|representative|operator)
        \s*(please|pls|now)?\s*[.!?]*$
    | ^\s*(agent|human|person|operator)\s*[.!?]*\s*$
    | 人工 | 真人 | 转人工 | 人工客服 | 客服人员 | 找客服
    | \b(hablar|habla)\b[^.?!]{0,30}\b(persona|humano|agente)\b | \bun\ humano\b
    | \b(mit\ einem|einen)\s+(menschen|mitarbeiter|berater)\b | \bmensch(en)?\s+sprechen\b
    | \b(parler|discuter)\b[^.?!]{0,30}\b(humain|personne|conseiller|agent)\b | \bun\ humain\b
    | 担当者 | オペレーター | 人間と話
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Conservative: words that signal anger or abuse in a support chat. A false positive only
# brings a person in sooner, which is the cheap mistake.
_NEGATIVE = re.compile(
    r"""
    \b(furious|outraged|disgusting|ridiculous|unacceptable|scam|fraud|useless|worst|pathetic|
       lawyer|sue\ you|
       fuck\w*|shit\w*|idiot\w*|stupid|damn\ you|hate\ (you|this))\b
    | 垃圾 | 骗子 | 投诉 | 太差 | 气死 | 滚 | 傻
    | \b(estafa|inaceptable|idiota|basura|vergüenza)\b
    | \b(betrug|unverschämt|frechheit|idiot|katastrophe)\b
    | \b(arnaque|inadmissible|honteux|nul|escroc)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)

REPEAT_SIMILARITY = 0.8


@dataclass(frozen=True)
class HistoryEntry:
    author_kind: str
    text: str


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def _shingles(text: str) -> set[str]:
    # Character trigrams work the same for English and for Chinese, which has no spaces.
    text = _normalise(text)
    return {text[i : i + 3] for i in range(max(1, len(text) - 2))}


def similar(a: str, b: str) -> float:
    first, second = _shingles(a), _shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def asks_for_a_person(text: str) -> bool:
    return bool(_HUMAN_REQUEST.search(text))


def sounds_negative(text: str) -> bool:
    return bool(_NEGATIVE.search(text))


def matches_keyword(text: str, keywords: Sequence[str]) -> str | None:
    normalised = _normalise(text)
    for keyword in keywords:
        wanted = _normalise(str(keyword))
        if wanted and wanted in normalised:
            return str(keyword)
    return None


def is_repeating(history: Sequence[HistoryEntry]) -> bool:
    """The customer said (nearly) the same thing three times, with answers in between."""
    said = [h.text for h in history if h.author_kind == "customer"][-3:]
    if len(said) < 3:
        return False
    return (
        similar(said[0], said[2]) >= REPEAT_SIMILARITY
        and similar(said[1], said[2]) >= REPEAT_SIMILARITY
    )


def rule_based_reason(
    *,
    text: str,
    history: Sequence[HistoryEntry],
    keywords: Sequence[str],
    is_vip: bool,
) -> str | None:
    """The first rule that says "hand this to a person", in order of how sure it is."""
    if asks_for_a_person(text):
        return "customer_request"
    if is_vip:
        return "vip"
    if matches_keyword(text, keywords):
        return "keyword"
    if sounds_negative(text):
        return "sentiment"
    if is_repeating(history):
        return "repetition"
    return None
