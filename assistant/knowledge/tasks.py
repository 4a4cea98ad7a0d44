"""Celery tasks of the knowledge base. Thin: they take ids and call one function."""

from __future__ import annotations

import logging

from celery import shared_task

from assistant.knowledge.indexing import embed_chunks_now
from assistant.llm import ModelError

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="knowledge.embed_chunks", acks_late=True, max_retries=5)
def embed_chunks(self, chunk_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """Embed these chunks (those still lacking a current vector). Safe to run twice, hence
    acks_late: a worker killed mid-task leaves the task to be redone, and the redo skips what was
    stored. Returns the number of chunks updated."""
    try:
        return embed_chunks_now(chunk_ids)
    except ModelError as error:
        if not error.retryable:
            # A wrong key or a refused input will not fix itself; search stays full-text for
            # these chunks until `manage.py embed_articles` queues them again.
            logger.error("Embedding %d chunks failed for good: %s", len(chunk_ids), error)
            return 0
        countdown = error.retry_after or 5 * 2**self.request.retries
        raise self.retry(exc=error, countdown=countdown) from error
