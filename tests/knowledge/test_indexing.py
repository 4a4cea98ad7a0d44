"""Writing articles: re-chunking on every change, embeddings queued after commit, the idempotent
embedding task."""

from typing import Any

import pytest
from django.db import connection

from assistant import calls
from assistant.knowledge import embedding, indexing
from assistant.knowledge.indexing import embed_chunks_now
from assistant.knowledge.models import EMBEDDING_WIDTH, Article, Chunk
from assistant.knowledge.services import article_update, queue_missing_embeddings
from assistant.knowledge.tasks import embed_chunks
from assistant.llm import ModelError

from .conftest import ArticleFactory
from .fakes import TopicEmbedder

pytestmark = pytest.mark.django_db

BODY = "# Delivery\n\nFree over 500 euros.\n\n# Returns\n\nWithin 30 days."


@pytest.fixture
def embedder(monkeypatch: pytest.MonkeyPatch) -> TopicEmbedder:
    """An embeddings provider "configured" for the services and the task."""
    fake = TopicEmbedder({"delivery": ["deliver", "free"], "returns": ["return", "days"]})
    # The provider the audited call would reach (assistant.calls), for this test's settings.
    monkeypatch.setattr(calls._registry(), "embedder", lambda: fake)
    return fake


def chunk_texts(article: Article) -> list[tuple[int, str, str]]:
    return list(article.chunks.values_list("position", "heading", "text"))


def test_writing_an_article_chunks_it_with_both_search_vectors(
    make_article: ArticleFactory,
) -> None:
    article = make_article("Policies", BODY)

    assert chunk_texts(article) == [
        (0, "Delivery", "Free over 500 euros."),
        (1, "Returns", "Within 30 days."),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text, cjk_vector::text FROM knowledge_chunk"
            " WHERE article_id = %s ORDER BY position",
            [article.pk],
        )
        vectors = cursor.fetchall()
    # Title words weigh A, heading words B, body words C; no CJK text, so no bigrams.
    assert "'polici':1A" in vectors[0][0] and "'deliveri':2B" in vectors[0][0]
    assert vectors[0][1] == ""


def test_editing_rechunks_and_keeps_the_embeddings_of_unchanged_chunks(
    make_article: ArticleFactory, embedder: TopicEmbedder
) -> None:
    article = make_article("Policies", BODY)
    embed_chunks_now(list(article.chunks.values_list("pk", flat=True)))

    article_update(article=article, body=BODY.replace("30 days", "60 days"))

    chunks = {c.heading: c for c in article.chunks.all()}
    assert chunks["Returns"].text == "Within 60 days."
    assert chunks["Delivery"].embedding is not None  # unchanged: kept
    assert chunks["Returns"].embedding is None  # changed: waits for its task


def test_publishing_queues_embeddings_after_commit(
    make_article: ArticleFactory,
    embedder: TopicEmbedder,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queued: list[list[int]] = []
    monkeypatch.setattr(embed_chunks, "delay", queued.append)
    draft = make_article("Policies", BODY, status=Article.Status.DRAFT)
    assert queued == []  # drafts are not embedded (it costs money and nobody searches them)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article_update(article=draft, status=Article.Status.PUBLISHED)
    assert queued == []  # nothing before the commit

    for callback in callbacks:
        callback()
    assert queued == [list(draft.chunks.order_by("pk").values_list("pk", flat=True))]


def test_nothing_is_queued_without_an_embeddings_provider(
    make_article: ArticleFactory, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        make_article("Policies", BODY)
    assert callbacks == []
    assert queue_missing_embeddings() == 0


def test_the_embedding_task_is_idempotent(
    make_article: ArticleFactory, embedder: TopicEmbedder
) -> None:
    article = make_article("Policies", BODY)
    ids = list(article.chunks.values_list("pk", flat=True))

    assert embed_chunks(ids) == 2
    assert embed_chunks(ids) == 0  # a redelivered task finds the work done
    assert len(embedder.calls) == 1
    assert not Chunk.objects.filter(embedding=None).exists()


def test_the_task_never_stores_a_vector_for_text_that_changed_meanwhile(
    make_article: ArticleFactory, embedder: TopicEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = make_article("Policies", BODY)
    ids = list(article.chunks.values_list("pk", flat=True))
    real_embed = indexing._embed

    def embed_while_someone_edits(*args: Any) -> list[list[float]] | None:
        vectors = real_embed(*args)
        Chunk.objects.filter(pk=ids[0]).update(content_hash="edited")
        return vectors

    monkeypatch.setattr(indexing, "_embed", embed_while_someone_edits)
    assert embed_chunks(ids) == 1
    assert Chunk.objects.get(pk=ids[0]).embedding is None


def test_the_task_gives_up_quietly_on_errors_that_retrying_cannot_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(chunk_ids: list[int]) -> int:
        raise ModelError("wrong key", kind="authentication", provider="qwen")

    monkeypatch.setattr("assistant.knowledge.tasks.embed_chunks_now", refuse)
    assert embed_chunks([1, 2]) == 0


def test_vectors_are_padded_to_the_column_and_wider_ones_refused() -> None:
    padded = embedding.pad([0.6, 0.8])
    assert len(padded) == EMBEDDING_WIDTH and padded[:3] == [0.6, 0.8, 0.0]
    with pytest.raises(embedding.EmbeddingWidthError, match="EMBEDDING_DIMENSIONS"):
        embedding.pad([0.0] * (EMBEDDING_WIDTH + 1))


def test_queue_missing_embeddings_covers_published_chunks_without_a_current_vector(
    make_article: ArticleFactory,
    embedder: TopicEmbedder,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queued: list[list[int]] = []
    monkeypatch.setattr(embed_chunks, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=False):
        published = make_article("Policies", BODY)
        make_article("Draft", "Not yet.", status=Article.Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        assert queue_missing_embeddings() == 1
    assert queued == [list(published.chunks.order_by("pk").values_list("pk", flat=True))]
