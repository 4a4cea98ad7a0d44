"""What the reply turn asks the knowledge base: passages worth grounding an answer on.

An empty list means "nothing relevant": the reply turn then says it does not know and offers a
human. It never gets weak matches to improvise from, because every passage returned has passed
the relevance test of search.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from asgiref.sync import sync_to_async

from assistant.knowledge.search import QueryVector, SearchHit, search
from assistant.llm import Passage
from assistant.llm.base import Embedder

# More than two chunks of one article crowd out other articles that may hold the answer.
MAX_CHUNKS_PER_ARTICLE = 2


@dataclass(frozen=True, slots=True)
class Retrieved:
    """The passages for a question, and the question as the search read it."""

    passages: list[Passage]
    # The question with its typos read as the articles' words (search.SearchResult.query): the
    # offline responder chooses and quotes its passage by these words.
    question: str


def retrieve(
    query: str,
    *,
    language: str | None,
    limit: int = 4,
    query_vector: QueryVector | None = None,
    embedder: Embedder | None = None,
) -> Retrieved:
    """Passages from published articles relevant to the query, best first, at most `limit`.

    `language` is the conversation's language (a Django language code); articles in it come
    first. Uses vectors when the query comes with its `query_vector` (search.embed_query or
    aembed_query, through the audited call) or an `embedder` handed in (tests and benchmarks),
    full-text search otherwise.
    """
    per_article: dict[int, int] = {}
    passages: list[Passage] = []
    found = search(
        query,
        language=language,
        limit=limit * MAX_CHUNKS_PER_ARTICLE,
        embedder=embedder,
        query_vector=query_vector,
    )
    for hit in found.hits:
        if per_article.get(hit.article_id, 0) >= MAX_CHUNKS_PER_ARTICLE:
            continue
        per_article[hit.article_id] = per_article.get(hit.article_id, 0) + 1
        passages.append(to_passage(hit))
        if len(passages) == limit:
            break
    return Retrieved(passages, found.query)


def retrieve_passages(
    query: str,
    *,
    language: str | None,
    limit: int = 4,
    query_vector: QueryVector | None = None,
    embedder: Embedder | None = None,
) -> list[Passage]:
    """The passages of `retrieve` alone."""
    return retrieve(
        query, language=language, limit=limit, query_vector=query_vector, embedder=embedder
    ).passages


async def aretrieve_passages(query: str, *, language: str | None, limit: int = 4) -> list[Passage]:
    """retrieve_passages for async callers (the reply turn runs in the ASGI event loop)."""
    return await sync_to_async(retrieve_passages)(query, language=language, limit=limit)


def to_passage(hit: SearchHit) -> Passage:
    title = f"{hit.title} › {hit.heading.split(' > ')[-1]}" if hit.heading else hit.title  # noqa: RUF001
    return Passage(id=hit.passage_id, title=title, text=hit.text, url=hit.url, language=hit.locale)
