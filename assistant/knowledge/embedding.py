"""The embeddings provider as the knowledge base sees it: configured or not, and padded vectors.

The model package owns the client (the process-wide registry's embedder); this module only adapts
it to synchronous callers (Celery tasks, the sync search) and to the one fixed-width column.
"""

from __future__ import annotations

from collections.abc import Sequence

from asgiref.sync import async_to_sync

from assistant.knowledge.models import EMBEDDING_WIDTH
from assistant.llm import Embedder
from assistant.providers import registry


class EmbeddingWidthError(ValueError):
    """The configured model produces vectors wider than the embedding column."""


def configured_embedder() -> Embedder | None:
    """The embeddings provider, or None when none is configured (search is then full-text only)."""
    return registry().embedder()


def model_key(embedder: Embedder) -> str:
    """Names the vector space: vectors with different keys must never be compared."""
    info = embedder.info
    return f"{info.name}/{info.model}/{embedder.dimensions or 'default'}"


def pad(vector: Sequence[float]) -> list[float]:
    """The vector zero-padded to the column width (cosine similarity is unchanged)."""
    if len(vector) > EMBEDDING_WIDTH:
        raise EmbeddingWidthError(
            f"the embeddings model returned {len(vector)} dimensions, but the knowledge base "
            f"stores at most {EMBEDDING_WIDTH}; set EMBEDDING_DIMENSIONS to {EMBEDDING_WIDTH} or "
            "fewer (most models, Qwen's text-embedding-v4 included, can shorten their vectors)"
        )
    return [*vector, *([0.0] * (EMBEDDING_WIDTH - len(vector)))]


def embed_texts(embedder: Embedder, texts: Sequence[str]) -> list[list[float]]:
    """Padded vectors for the texts, in order. Raises ModelError when the provider fails.

    Called from synchronous code: in a Celery worker async_to_sync runs a fresh event loop; in a
    thread of the ASGI server it hands the call to the server's loop, whose HTTP client is reused.
    """
    if not texts:
        return []
    result = async_to_sync(embedder.embed)(list(texts))
    return [pad(vector) for vector in result.vectors]
