"""The knowledge hook of the reply turn: which passages the assistant may answer from."""

from __future__ import annotations

from asgiref.sync import sync_to_async

from assistant.llm.types import Passage


def passages_for(question: str, *, language: str) -> list[Passage]:
    """Knowledge passages relevant enough to answer from, best first (empty: "don't know")."""
    del question, language
    return []


apassages_for = sync_to_async(passages_for)
