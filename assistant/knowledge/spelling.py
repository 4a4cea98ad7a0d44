"""Typo tolerance: a question's misspelled word is read as the knowledge base's word it was meant
to be.

Full-text search weighs each word by how rare it is, and a word that no chunk contains is the
rarest of all: "How long is the warrenty?" would make "warrenty" the heaviest term of the
question, and the article about the warranty would fail the relevance test. So before the
question is searched, each of its words that the published articles never use is compared with
the words they do use (in the same text-search configuration), and replaced by the closest one
if it is a single edit away: a letter missing, added, changed, or two neighbours swapped
(optimal string alignment distance, RapidFuzz).

A word is left alone when it is not a typo of an article's word:
- it is shorter than MIN_WORD_LENGTH (too many short words are one edit apart), a number, CJK
  text, or part of a contraction ("hasn't");
- its stem is an article's stem ("arrived" where the articles say "arrives"), or it is a stop
  word of the configuration ("were" is not a typo of "where");
- it is a common English word that the articles happen not to use ("best" is not a typo of
  "test"): a whole-word token of the local embeddings model's tokenizer (llm/english_words.py).

A word that has no neighbour keeps its weight, which is what makes "Do you sell skateboards?"
find nothing. The words compared are the articles' own, unstemmed (`simple` configuration): the
stemmer cuts a misspelled word differently from the real one ("instalmnets" -> "instalmnet",
"instalments" -> "instal"), so stems cannot be compared.

The vocabulary is read with `ts_stat` over the published chunks and kept per process until the
chunks change (every edit of an article replaces its chunk rows, so the highest chunk id and a
counter of deletions, kept by a trigger, say whether it is still current; checking costs one
statement of two single-row reads). Reading it parses every published chunk once: milliseconds
for a help center of hundreds of articles, seconds for a hundred thousand.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from django.db import connection
from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.knowledge.models import Article, Chunk
from assistant.llm.english_words import common_words

MIN_WORD_LENGTH = 4
MAX_EDITS = 1
# Letters only (any script's, hyphens inside): what the corrector may replace.
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_APOSTROPHES = "'\u2019"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Vocabulary:
    """The published articles' words in one configuration, with how many chunks use each, and
    their stems (the lexemes of the search vectors)."""

    chunks_by_word: dict[str, int]
    stems: frozenset[str]
    version: tuple[int, int]
    words: list[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", list(self.chunks_by_word))

    def __contains__(self, word: str) -> bool:
        return word in self.chunks_by_word

    def nearest(self, word: str) -> str | None:
        """The word within MAX_EDITS of `word` that it most likely misspells, or None.

        Fewest edits first; then the likelier slip of the fingers: two letters swapped keeps
        every letter ("opne" is "open", not "one"), and a first letter is rarely mistyped
        ("ebike" is "e-bike", not "bike"); then the word most chunks use."""
        found = process.extract(
            word, self.words, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None
        )
        if not found:
            return None
        letters = sorted(word)

        def likelihood(match: tuple[str, float, int]) -> tuple[float, bool, bool, int, str]:
            candidate, edits, _ = match
            return (
                edits,
                sorted(candidate) != letters,
                candidate[0] != word[0],
                -self.chunks_by_word[candidate],
                candidate,
            )

        best, _, _ = min(found, key=likelihood)
        return best


_vocabularies: dict[str, Vocabulary] = {}
_lock = threading.Lock()


def vocabulary(config: str) -> Vocabulary:
    """The vocabulary of the published chunks indexed with this configuration (cached until
    the chunks change)."""
    version = _chunks_version()
    with _lock:
        cached = _vocabularies.get(config)
    if cached is not None and cached.version == version:
        return cached
    fresh = Vocabulary(*_read_vocabulary(config), version)
    with _lock:
        _vocabularies[config] = fresh
    return fresh


def _chunks_version() -> tuple[int, int]:
    """The highest chunk id (every new chunk raises it) and how many statements have deleted
    chunks (a sequence bumped by a trigger, migration 0004): two index or single-row reads,
    where counting the chunks read every row (15 ms at 100,000 chunks, on every question)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT coalesce(max(id), 0) FROM {Chunk._meta.db_table}),"
            " (SELECT last_value + (is_called::int) FROM knowledge_chunk_deletions)"
        )
        highest, deletions = cursor.fetchone()
    return highest, deletions


def _read_vocabulary(config: str) -> tuple[dict[str, int], frozenset[str]]:
    chunks, articles = Chunk._meta.db_table, Article._meta.db_table
    published = (
        " FROM %%I c JOIN %%I a ON a.id = c.article_id"
        " WHERE a.status = %%L AND c.search_config = %%L"
    )
    names = [chunks, articles, Article.Status.PUBLISHED, config]
    with connection.cursor() as cursor:
        # ts_stat takes the text of a query; format() quotes the names and values into it.
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat(format('SELECT to_tsvector(''simple'', a.title"
            f" || '' '' || c.heading || '' '' || c.text){published}', %s, %s, %s, %s))",
            names,
        )
        words = {word: count for word, count in cursor.fetchall() if not _CJK.search(word)}
        cursor.execute(
            f"SELECT word FROM ts_stat(format('SELECT c.search_vector{published}',"
            " %s, %s, %s, %s))",
            names,
        )
        stems = frozenset(word for (word,) in cursor.fetchall())
    return words, stems


def _stems(words: list[str], config: str) -> dict[str, list[str]]:
    """Each word's lexemes in the configuration (none for a stop word), in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, tsvector_to_array(to_tsvector(%s::regconfig, word))"
            " FROM unnest(%s::text[]) AS word",
            [config, words],
        )
        return dict(cursor.fetchall())


def _in_contraction(text: str, match: re.Match[str]) -> bool:
    before, after = text[match.start() - 1 : match.start()], text[match.end() : match.end() + 1]
    return bool(before and before in _APOSTROPHES) or bool(after and after in _APOSTROPHES)


def corrected(query: str, config: str) -> str:
    """The query with each word the articles never use replaced by their word one edit away.

    Words are compared in lower case and replaced as they are written; the rest of the query
    (punctuation, numbers, CJK text) is kept exactly.
    """
    candidates = {
        match.group().lower()
        for match in _WORD.finditer(query)
        if len(match.group()) >= MIN_WORD_LENGTH
        and not _CJK.search(match.group())
        and not _in_contraction(query, match)
    }
    candidates -= common_words()
    if not candidates:
        return query
    words = vocabulary(config)
    unknown = sorted(word for word in candidates if word not in words)
    if not unknown:
        return query
    stems = _stems(unknown, config)
    replacements = {
        word: near
        for word in unknown
        if stems.get(word)
        and not words.stems.intersection(stems[word])
        and (near := words.nearest(word)) is not None
    }
    if not replacements:
        return query
    return _WORD.sub(lambda m: replacements.get(m.group().lower(), m.group()), query)
