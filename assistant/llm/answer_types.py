"""What kind of answer a question asks for, and whether a text holds one.

"How long does delivery take?" asks for a duration, "How much is a new battery?" for an amount
of money. Several sections of one article often share a question's words ("delivery" is in the
costs table and in the delivery times alike), and the one that answers is the one holding a
value of the kind asked for: "2-4 working days", "€649". This is the classic answer-type
check of extractive question answering, done with patterns for the scripts the offline
responder matches (Latin and Chinese): cheap, and a tie-breaker only, never a reason to answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS_OF_TIME = r"(?:working\s+)?(?:minutes?|hours?|days?|weeks?|months?|years?)"
_NUMBER = r"\d+(?:[.,]\d+)?"


@dataclass(frozen=True, slots=True)
class AnswerType:
    asked: re.Pattern[str]  # a question that asks for this kind of answer
    value: re.Pattern[str]  # a value of this kind in a text


ANSWER_TYPES = (
    # A duration or a time: "how long", "how soon", "what time", 多久, 几天, 什么时候. Not a bare
    # "when", which as often sets a condition ("what happens when...").
    AnswerType(
        asked=re.compile(
            r"\bhow\s+(?:long|soon|fast|quickly)\b|\bhow\s+many\s+(?:days|hours|weeks)\b"
            r"|\bwhat\s+time\b|多久|多长时间|几天|什么时候|几点",
            re.IGNORECASE,
        ),
        value=re.compile(
            rf"{_NUMBER}\s*(?:[\u2013-]\s*{_NUMBER}\s*)?{_UNITS_OF_TIME}\b|\b\d{{1,2}}:\d{{2}}\b"
            r"|[\d一二三四五六七八九十两]+\s*个?(?:工作日|天|小时|周|个月|年)",
            re.IGNORECASE,
        ),
    ),
    # An amount of money: "how much", "cost", "price", 多少钱, 费用.
    AnswerType(
        asked=re.compile(
            r"\bhow\s+much\b|\bcosts?\b|\bprices?\b|\bfees?\b|多少钱|费用|价格|价钱",
            re.IGNORECASE,
        ),
        value=re.compile(
            rf"[€$£]\s?{_NUMBER}|{_NUMBER}\s?(?:€|eur\b|euros?\b|欧元|元)", re.IGNORECASE
        ),
    ),
)


def answer_fit(question: str, text: str) -> int:
    """How many of the kinds of answer the question asks for the text holds a value of."""
    return sum(
        1 for kind in ANSWER_TYPES if kind.asked.search(question) and kind.value.search(text)
    )
