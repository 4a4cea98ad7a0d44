"""Embeddings as the knowledge base sees them: which vector space is current, padded vectors.

The provider itself is reached only through `assistant.calls`, which audits every call; this
module adapts its vectors to the one fixed-width column, and still embeds with an embedder that
is handed in explicitly (the tests' and benchmarks' fakes).
"""

from __future__ import annotations

from collections.abc import Sequence

from asgiref.sync import async_to_sync

from assistant import calls
from assistant.knowledge.models import EMBEDDING_WIDTH
from assistant.llm import Embedder


class EmbeddingWidthError(ValueError):
    """The configured model produces vectors wider than the embedding column."""


def current_model_key() -> str | None:
    """The configured embeddings model's vector space, or None when none is configured (search
    is then full-text only). Stored vectors of another key are never compared with new ones."""
    space = calls.embedding_space()
    return space.key if space is not None else None


def model_key(embedder: Embedder) -> str:
    """The vector space of an explicitly given embedder (the same form as `current_model_key`)."""
    info = embedder.info
    return calls.EmbeddingSpace(info.name, info.model, embedder.dimensions).key


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
    """Padded vectors for the texts from an explicitly given embedder, in order. Raises
    ModelError when it fails."""
    if not texts:
        return []
    result = async_to_sync(embedder.embed)(list(texts))
    return [pad(vector) for vector in result.vectors]
