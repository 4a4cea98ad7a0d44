"""The knowledge hook of the reply turn: which passages the assistant may answer from."""

from __future__ import annotations

from assistant.db_async import db_async
from assistant.knowledge.retrieval import Retrieved, retrieve
from assistant.knowledge.search import QueryVector, aembed_query, embed_query
from assistant.privacy.outbound import CallScope

PASSAGES_PER_ANSWER = 4


def knowledge_for(question: str, *, language: str, scope: CallScope) -> Retrieved:
    """Published knowledge passages relevant enough to answer from, best first, in the
    conversation's language first, and the question as the search read it (typos corrected).
    No passages means "don't know": the assistant says so.

    The query (the customer's own words) is embedded through the audited call under the inbox's
    rules (`scope`): pseudonymised for an external embeddings provider, not sent at all to one
    the inbox's residency list refuses (full-text search still answers), and logged in the audit
    log like every other call that leaves. For synchronous callers (a draft reply in the desk);
    the reply turn uses `aknowledge_for`.
    """
    if not question.strip():
        return Retrieved([], question)
    vector = embed_query(question, scope=scope)
    return retrieve(question, language=language, limit=PASSAGES_PER_ANSWER, query_vector=vector)


async def aknowledge_for(question: str, *, language: str, scope: CallScope) -> Retrieved:
    """`knowledge_for` for the reply turn: the query is embedded first, on the event loop, and
    only then does the search run on a database thread. A slow or hanging embeddings provider
    keeps this turn waiting, never a pooled connection or one of the few database threads that
    every conversation shares."""
    if not question.strip():
        return Retrieved([], question)
    vector = await aembed_query(question, scope=scope)
    return await _search(question, language, vector)


@db_async
def _search(question: str, language: str, vector: QueryVector | None) -> Retrieved:
    return retrieve(question, language=language, limit=PASSAGES_PER_ANSWER, query_vector=vector)
