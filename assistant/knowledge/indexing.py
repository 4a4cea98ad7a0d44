"""Derived search data: an article's chunk rows, their tsvectors and their embeddings.

The tsvectors are maintained columns written together with each chunk, not generated columns: the
text-search configuration differs per row (the article's language) and the CJK bigrams are cut in
Python, neither of which a generated column's immutable expression can express.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.contrib.postgres.search import CombinedSearchVector, SearchVector
from django.db import transaction
from django.db.models import Value

from assistant import calls
from assistant.knowledge.chunking import chunk_markdown
from assistant.knowledge.cjk import cjk_document
from assistant.knowledge.embedding import current_model_key, embed_texts, model_key, pad
from assistant.knowledge.languages import SIMPLE_CONFIG, search_config
from assistant.knowledge.models import Article, Chunk
from assistant.llm import Embedder
from assistant.llm.base import ModelError

# Title words outrank heading words, which outrank body words (ts_rank's A, B and C weights).
_WEIGHTS = ("A", "B", "C")


def weighted_vector(config: str, parts: Sequence[str]) -> CombinedSearchVector | SearchVector:
    """setweight(to_tsvector(config, part), A/B/C) || ... over title, heading and text."""
    vectors = [
        SearchVector(Value(part), config=config, weight=weight)
        for part, weight in zip(parts, _WEIGHTS, strict=True)
    ]
    combined: CombinedSearchVector | SearchVector = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def embedding_input(title: str, heading: str, text: str) -> str:
    """What is embedded for a chunk: the text with the context a reader would have."""
    return "\n".join(part for part in (title, heading) if part) + "\n\n" + text


def content_hash(config: str, title: str, heading: str, text: str) -> str:
    return hashlib.sha256("\x1f".join((config, title, heading, text)).encode()).hexdigest()


def chunk_rows(article: Article, kept: dict[str, tuple[object, str]] | None = None) -> list[Chunk]:
    """Unsaved chunk rows for an article, with their tsvectors as SQL expressions.

    `kept` maps content hashes to (embedding, model key) to carry over from the previous rows.
    """
    config = search_config(article.locale)
    rows = []
    for draft in chunk_markdown(article.body):
        parts = (article.title, draft.heading, draft.text)
        digest = content_hash(config, *parts)
        embedding, embedding_model = (kept or {}).get(digest, (None, ""))
        rows.append(
            Chunk(
                article=article,
                position=draft.position,
                heading=draft.heading[:500],
                text=draft.text,
                content_hash=digest,
                search_config=config,
                search_vector=weighted_vector(config, parts),
                cjk_vector=weighted_vector(SIMPLE_CONFIG, [cjk_document(part) for part in parts]),
                embedding=embedding,
                embedding_model=embedding_model,
            )
        )
    return rows


@transaction.atomic
def rebuild_chunks(article: Article) -> list[int]:
    """Replace the article's chunks; returns the ids of the chunks that need an embedding.

    The article row is locked so two concurrent edits cannot interleave their chunk rows. A chunk
    whose content is unchanged keeps its embedding, so fixing a typo re-embeds one chunk, not the
    whole article.
    """
    Article.objects.select_for_update().filter(pk=article.pk).first()
    kept = {
        chunk.content_hash: (chunk.embedding, chunk.embedding_model)
        for chunk in article.chunks.exclude(embedding=None).only(
            "content_hash", "embedding", "embedding_model"
        )
    }
    article.chunks.all().delete()
    created = Chunk.objects.bulk_create(chunk_rows(article, kept))
    current = current_model_key()
    return [chunk.pk for chunk in created if chunk.embedding_model != current]


def embed_chunks_now(chunk_ids: Sequence[int], *, embedder: Embedder | None = None) -> int:
    """Compute and store embeddings for those of these chunks that lack a current one.

    Idempotent: chunks already embedded by the current model are skipped, and a vector is stored
    only if the chunk's content is still the content it was computed from (an edit meanwhile
    replaced the row, and queued its own task). Returns how many chunks were updated. Raises
    ModelError when the provider fails, EmbeddingWidthError when its vectors do not fit.

    The configured provider is called through `assistant.calls` (audited there); an `embedder`
    handed in (a test's or a benchmark's) is called directly and audited here the same way.
    """
    key = model_key(embedder) if embedder is not None else current_model_key()
    if key is None or not chunk_ids:
        return 0
    chunks = list(
        Chunk.objects.filter(pk__in=chunk_ids, article__status=Article.Status.PUBLISHED)
        .exclude(embedding_model=key)
        .select_related("article")
        .only("pk", "heading", "text", "content_hash", "article__title")
        .order_by("pk")
    )
    inputs = [embedding_input(c.article.title, c.heading, c.text) for c in chunks]
    if not inputs:
        return 0
    vectors = _embed(inputs, embedder)
    if vectors is None:
        return 0  # the provider was unconfigured meanwhile
    updated = 0
    for chunk, vector in zip(chunks, vectors, strict=True):
        updated += Chunk.objects.filter(pk=chunk.pk, content_hash=chunk.content_hash).update(
            embedding=vector, embedding_model=key
        )
    return updated


def _embed(inputs: list[str], embedder: Embedder | None) -> list[list[float]] | None:
    if embedder is None:
        embedded = calls.embed_company_texts(inputs)
        return [pad(vector) for vector in embedded.vectors] if embedded is not None else None
    try:
        vectors = embed_texts(embedder, inputs)
    except ModelError as error:
        _audit(embedder, inputs, outcome=error.kind)
        raise
    _audit(embedder, inputs, outcome="ok")
    return vectors


def _audit(embedder: Embedder, inputs: Sequence[str], *, outcome: str) -> None:
    """An embedder handed in is audited as the configured one is (assistant.calls)."""
    if inputs and calls.leaves_the_process(embedder.info):
        calls.record_company_texts(embedder.info, list(inputs), outcome)
