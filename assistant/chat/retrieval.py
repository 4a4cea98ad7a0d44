"""The knowledge hook of the reply turn: which passages the assistant may answer from."""

from __future__ import annotations

from asgiref.sync import sync_to_async

from assistant.knowledge.retrieval import retrieve_passages
from assistant.llm.types import Passage

PASSAGES_PER_ANSWER = 4


def passages_for(question: str, *, language: str) -> list[Passage]:
    """Published knowledge passages relevant enough to answer from, best first, in the
    conversation's language first. Empty means "don't know": the assistant says so."""
    if not question.strip():
        return []
    return retrieve_passages(question, language=language, limit=PASSAGES_PER_ANSWER)


apassages_for = sync_to_async(passages_for)
