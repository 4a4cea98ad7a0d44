"""Small, dependency-free text matching for English and Chinese.

Used by the offline responder and the simulator to pick the passage and sentences that best
answer a question. Words are matched for space-separated scripts; Chinese and Japanese have no
spaces, so they are matched by overlapping character bigrams, which is the standard cheap way to
index CJK text without a dictionary.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

CJK_CLASS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff"
_CJK = re.compile(f"[{CJK_CLASS}]")
_TERMS = re.compile(f"[{CJK_CLASS}]+|[^\\W_{CJK_CLASS}]+(?:'[^\\W_{CJK_CLASS}]+)?")
# Chinese sentences end with full-width punctuation and need no following space.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？；!?])|\n+")  # noqa: RUF001
_PIECES = re.compile(f"\\s*(?:[{CJK_CLASS}]|[^\\s{CJK_CLASS}]+)|\\s+")

_ENGLISH_STOPWORDS = """
a about am an and any are as at be been but by can can't could did do does don't for from get got
had has have hello hey hi how i i'm if in into is it it's its me my of on or our please should so
than thanks that the their them then there these they this those to us was we were what when where
which who why will with would you your yours
just know like long many much need take tell want
"""
STOPWORDS = frozenset(_ENGLISH_STOPWORDS.split())
# Stopwords that still say what kind of answer is wanted: "how long" asks for a duration, "how
# much" for an amount. Too common in questions to rank passages by, but a section heading that
# repeats them ("How long delivery takes") is the section that answers.
INTENT_WORDS = frozenset({"long", "many", "much", "take"})
# Question words, pronouns and particles that carry no topic in Chinese. They are cut out of a
# run of characters before bigrams are formed, so "我怎么申请退款" yields 申请/请退/退款 and not
# noise such as 我怎/么申 that no passage would ever contain.
_CHINESE_STOPWORDS = """
为什么 怎么样 怎么 怎样 什么时候 什么 如何 多久 多长时间 多少 哪里 哪儿 哪个 能不能 可不可以
有没有 是不是 请问 是否 一下 我们 你们 您好 你好 可以 能否 吗 呢 吧 啊 的 了 我 你 您
"""
CJK_STOPWORDS = sorted(_CHINESE_STOPWORDS.split(), key=len, reverse=True)
_CJK_STOP = re.compile("|".join(map(re.escape, CJK_STOPWORDS)))


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _stem(word: str) -> str:
    # Just enough stemming for "refunds"/"refund" and "deliveries"/"delivery" to meet.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str, *, stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """Content terms: stemmed words without stopwords, and CJK character bigrams."""
    result: list[str] = []
    for match in _TERMS.finditer(normalize(text)):
        run = match.group()
        if _CJK.match(run):
            for part in _CJK_STOP.split(run):
                if len(part) == 1:
                    result.append(part)
                else:
                    result.extend(part[i : i + 2] for i in range(len(part) - 1))
        elif run not in stopwords and (len(run) > 1 or run.isdigit()):
            result.append(_stem(run))
    return result


def heading_overlap(question: str, heading: str) -> int:
    """How many of the question's terms, its intent words included, a heading repeats."""
    with_intent = STOPWORDS - INTENT_WORDS
    return len(
        set(terms(question, stopwords=with_intent)) & set(terms(heading, stopwords=with_intent))
    )


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def pieces(text: str) -> list[str]:
    """Split text into token-like pieces (a word with its leading space, or one CJK character)
    whose concatenation is exactly the original text."""
    return _PIECES.findall(text)


def estimate_tokens(text: str) -> int:
    """A rough token count: one per CJK character, one per four other non-space characters."""
    cjk = len(_CJK.findall(text))
    other = len(re.sub(r"\s", "", text)) - cjk
    return cjk + math.ceil(other / 4)


@dataclass(frozen=True, slots=True)
class Match:
    index: int  # position of the document in the list given
    score: float
    coverage: float  # share of the question's distinct terms found in the document


def rank(question: str, documents: Sequence[str]) -> list[Match]:
    """Rank documents for a question, best first, with BM25-style saturation and IDF weights."""
    query = Counter(terms(question))
    if not query or not documents:
        return []
    doc_terms = [Counter(terms(doc)) for doc in documents]
    n = len(documents)
    avg_len = sum(sum(c.values()) for c in doc_terms) / n or 1.0

    def idf(term: str) -> float:
        df = sum(1 for c in doc_terms if term in c)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    weights = {term: idf(term) for term in query}
    matches = []
    for index, counts in enumerate(doc_terms):
        length = sum(counts.values()) or 1
        score = 0.0
        found = 0
        for term, weight in weights.items():
            tf = counts.get(term, 0)
            if tf:
                score += weight * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / avg_len))
                found += 1
        # Coverage is unweighted on purpose: a question term that no passage contains is exactly
        # the evidence that the passages do not answer it.
        matches.append(Match(index, score, found / len(weights)))
    return sorted(matches, key=lambda m: m.score, reverse=True)


def best_sentences(question: str, text: str, limit: int = 2) -> list[str]:
    """The sentences of a text that share most terms with the question, in their original order."""
    candidates = sentences(text)
    if not candidates:
        return []
    query = set(terms(question))
    scored = [(len(query & set(terms(s))), i) for i, s in enumerate(candidates)]
    top = sorted(scored, key=lambda item: (-item[0], item[1]))[:limit]
    chosen = sorted(i for score, i in top if score > 0)
    return [candidates[i] for i in chosen] or candidates[:1]
