"""The knowledge hook of the reply turn: which passages the assistant may answer from."""

from __future__ import annotations

from assistant.db_async import db_async
from assistant.knowledge.embedding import configured_embedder
from assistant.knowledge.retrieval import retrieve_passages
from assistant.knowledge.search import QueryVector, aembed_query
from assistant.llm.types import Passage
from assistant.privacy.outbound import CallScope, ProtectedEmbedder, protect_embedder
from assistant.privacy.services import record_embedding_call

PASSAGES_PER_ANSWER = 4


def passages_for(question: str, *, language: str, scope: CallScope | None = None) -> list[Passage]:
    """Published knowledge passages relevant enough to answer from, best first, in the
    conversation's language first. Empty means "don't know": the assistant says so.

    With a `scope` (the customer's own words are the query), the query is embedded under the
    inbox's rules: pseudonymised for an external embeddings provider, not sent at all to one the
    inbox's residency list refuses (full-text search still answers), and logged in the audit
    log like every other call that leaves. For synchronous callers (a desk view's draft reply);
    the reply turn uses `apassages_for`.
    """
    if not question.strip():
        return []
    if scope is None:
        return retrieve_passages(question, language=language, limit=PASSAGES_PER_ANSWER)
    embedder = protect_embedder(configured_embedder(), scope.privacy)
    passages = retrieve_passages(
        question, language=language, limit=PASSAGES_PER_ANSWER, embedder=embedder
    )
    if embedder is not None:
        record_embedding_call(scope=scope, embedder=embedder)
    return passages


async def apassages_for(question: str, *, language: str, scope: CallScope) -> list[Passage]:
    """`passages_for` for the reply turn: the query is embedded first, on the event loop, and
    only then does the search run on a database thread. A slow or hanging embeddings provider
    keeps this turn waiting, never a pooled connection or one of the few database threads that
    every conversation shares."""
    if not question.strip():
        return []
    embedder = protect_embedder(configured_embedder(), scope.privacy)
    vector = await aembed_query(question, embedder) if embedder is not None else None
    return await _search_and_record(question, language, scope, embedder, vector)


@db_async
def _search_and_record(
    question: str,
    language: str,
    scope: CallScope,
    embedder: ProtectedEmbedder | None,
    vector: QueryVector | None,
) -> list[Passage]:
    # One database call for both: the search and the audit row of what the embedding sent.
    passages = retrieve_passages(
        question, language=language, limit=PASSAGES_PER_ANSWER, embedder=None, query_vector=vector
    )
    if embedder is not None:
        record_embedding_call(scope=scope, embedder=embedder)
    return passages
