"""Chinese, Japanese and Korean text as overlapping character bigrams.

PostgreSQL's parser has no dictionary for these scripts: it keeps a whole run of Chinese
characters as one "word", so a question never matches an article unless it repeats a sentence
verbatim, and the embedded server has neither a Chinese configuration nor pg_trgm. Overlapping
bigrams are the classic dictionary-free index for CJK (Lucene's CJKAnalyzer does the same): both
the chunks and the query are cut into bigrams, stored in a `simple` tsvector beside the
language-specific one, and matched like words.

The question words and particles that carry no topic (怎么, 什么, 吗, 的...) come from the model
package's matcher so the offline responder and the search agree on them; they are cut out of a
run before the bigrams are formed.
"""

from __future__ import annotations

import re

from assistant.llm.textmatch import CJK_CLASS, CJK_STOPWORDS, normalize

# Hangul too: Korean is written with spaces, but particles attach to nouns (환불은, 환불을), so a
# plain word match misses most questions.
_HANGUL = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
_RUN = re.compile(f"[{CJK_CLASS}{_HANGUL}]+")
# Question words the shared list lacks ("how many", "how far", "need to"...); a question is made
# of them and its topic, and only the topic can match an article.
_MORE_STOPWORDS = ("几", "多远", "多长", "多大", "需要", "应该", "哪些", "这个", "那个", "还是")
_STOPWORDS = re.compile(
    "|".join(map(re.escape, sorted({*CJK_STOPWORDS, *_MORE_STOPWORDS}, key=len, reverse=True)))
)


def has_cjk(text: str) -> bool:
    return _RUN.search(text) is not None


def cjk_chains(text: str) -> list[list[str]]:
    """The bigrams of each CJK run (stopwords cut out), run by run, in reading order.

    A lone character stands for itself. Keeping the order lets search recognise a bigram that
    straddles two words ("申请退款" -> 申请, 请退, 退款: 请退 is no word).
    """
    chains: list[list[str]] = []
    # The katakana middle dot separates words, and PostgreSQL's parser splits on it too.
    for run in _RUN.findall(normalize(text).replace("\u30fb", " ")):
        for part in _STOPWORDS.split(run):
            if len(part) == 1:
                chains.append([part])
            elif part:
                chains.append([part[i : i + 2] for i in range(len(part) - 1)])
    return chains


def cjk_bigrams(text: str) -> list[str]:
    """Every overlapping pair of characters in each CJK run, in reading order."""
    return [gram for chain in cjk_chains(text) for gram in chain]


def cjk_document(text: str) -> str:
    """The bigrams as one space-separated string, ready for to_tsvector('simple', ...)."""
    return " ".join(cjk_bigrams(text))
