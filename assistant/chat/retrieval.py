"""The knowledge hook of the reply turn: which passages the assistant may answer from."""

from __future__ import annotations

from assistant.db_async import db_async
from assistant.knowledge.embedding import configured_embedder
from assistant.knowledge.retrieval import retrieve_passages
from assistant.llm.types import Passage
from assistant.privacy.outbound import CallScope, protect_embedder
from assistant.privacy.services import record_embedding_call

PASSAGES_PER_ANSWER = 4


def passages_for(question: str, *, language: str, scope: CallScope | None = None) -> list[Passage]:
    """Published knowledge passages relevant enough to answer from, best first, in the
    conversation's language first. Empty means "don't know": the assistant says so.

    With a `scope` (the customer's own words are the query), the query is embedded under the
    inbox's rules: pseudonymised for an external embeddings provider, not sent at all to one the
    inbox's residency list refuses (full-text search still answers), and logged in the audit
    log like every other call that leaves.
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


# The query may wait on an embeddings provider: on the database threads, not the event loop.
apassages_for = db_async(passages_for)
