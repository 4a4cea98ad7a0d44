"""Vectors narrower than the column are searched through a half-precision index of their width."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pgvector.django import CosineDistance

from assistant.knowledge.embedding import embed_texts, model_key
from assistant.knowledge.indexing import embed_chunks_now
from assistant.knowledge.models import Chunk
from assistant.knowledge.search import search_chunks
from assistant.llm.local_embeddings import LocalEmbedder

from .conftest import ArticleFactory
from .fakes import TopicEmbedder

pytestmark = pytest.mark.django_db

QUESTION = "My battery does not charge any more, what can I do?"


@pytest.fixture
def local_articles(make_article: ArticleFactory) -> LocalEmbedder:
    make_article("Battery care", "Charge the battery indoors, between 10 and 25 degrees.",
                 slug="battery")  # fmt: skip
    make_article("Exchanging for a different size", "Send it back and we send the right size.",
                 slug="exchanges")  # fmt: skip
    make_article("Gift cards", "Gift cards are valid for three years.", slug="gift-cards")
    embedder = LocalEmbedder()
    embed_chunks_now(list(Chunk.objects.values_list("pk", flat=True)), embedder=embedder)
    return embedder


def vector_statement(embedder: object) -> str:
    """The SQL of the vector half of a hybrid search (the statement that orders by distance)."""
    with CaptureQueriesContext(connection) as captured:
        search_chunks(QUESTION, language="en", embedder=embedder)
    (statement,) = [q["sql"] for q in captured.captured_queries if "<=>" in q["sql"]]
    return statement


def plan_at_scale(statement: str) -> str:
    # A table of three chunks is read and sorted; the question is which index could serve the
    # order by distance when the table is large.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {statement}")
        return "\n".join(row for (row,) in cursor.fetchall())


def test_the_local_models_vectors_are_ordered_through_the_256_wide_half_precision_index(
    local_articles: LocalEmbedder,
) -> None:
    plan = plan_at_scale(vector_statement(local_articles))

    assert "knowledge_chunk_halfvec256_hnsw" in plan
    assert "knowledge_chunk_embedding_hnsw" not in plan


def test_a_vector_as_wide_as_no_narrow_index_uses_the_full_width_index(
    make_article: ArticleFactory,
) -> None:
    make_article("Battery care", "Charge the battery indoors.", slug="battery")
    embedder = TopicEmbedder({"battery": ["batter", "charg"]})
    embed_chunks_now(list(Chunk.objects.values_list("pk", flat=True)), embedder=embedder)

    plan = plan_at_scale(vector_statement(embedder))

    assert "knowledge_chunk_embedding_hnsw" in plan
    assert "halfvec" not in plan


def test_narrow_hits_keep_the_full_precision_order_and_similarity(
    local_articles: LocalEmbedder,
) -> None:
    (query,) = embed_texts(local_articles, [QUESTION])
    exact = list(
        Chunk.objects.annotate(distance=CosineDistance("embedding", query))
        .order_by("distance")
        .values_list("pk", "distance")
    )

    hits = search_chunks(QUESTION, language="en", embedder=local_articles, min_similarity=-1.0)

    by_vector = sorted((h for h in hits if h.vector_rank), key=lambda h: h.vector_rank or 0)
    assert [h.chunk_id for h in by_vector] == [pk for pk, _ in exact]
    assert [h.similarity for h in by_vector] == [pytest.approx(1 - d, abs=1e-9) for _, d in exact]
    assert model_key(local_articles).endswith("/256")
