"""Vector similarity fused with full-text search, and full-text alone when vectors are missing."""

from collections.abc import Iterator
from typing import Any

import pytest

from assistant.knowledge.indexing import embed_chunks_now
from assistant.knowledge.models import Chunk
from assistant.knowledge.search import embed_query, search_chunks
from assistant.llm import build_llm_config
from assistant.llm.simulator import RunningSimulator, run_in_thread
from assistant.privacy.outbound import CallScope
from assistant.privacy.policy import PrivacySettings

from .conftest import ArticleFactory
from .fakes import TopicEmbedder

pytestmark = pytest.mark.django_db

SIZES = ["size", "swap", "exchang", "bigger", "smaller", "fit"]
BATTERY = ["batter", "charg", "range"]


@pytest.fixture
def embedder() -> TopicEmbedder:
    return TopicEmbedder({"sizes": SIZES, "battery": BATTERY})


@pytest.fixture
def articles(make_article: ArticleFactory) -> None:
    make_article("Exchanging for a different size", "Send it back and we send the right size.",
                 slug="exchanges")  # fmt: skip
    make_article("Battery care", "Charge the battery indoors.", slug="battery")


def all_chunk_ids() -> list[int]:
    return list(Chunk.objects.values_list("pk", flat=True))


def test_a_paraphrase_is_found_through_vectors_only_when_they_exist(
    articles: None, embedder: TopicEmbedder
) -> None:
    question = "It is too small, can I swap it for a bigger one?"
    # No word of the question is in the article: full-text search rightly finds nothing...
    assert search_chunks(question, language="en", embedder=None) == []
    # ...and while the embeddings are still pending, neither does hybrid search.
    assert search_chunks(question, language="en", embedder=embedder) == []

    embed_chunks_now(all_chunk_ids(), embedder=embedder)
    hits = search_chunks(question, language="en", embedder=embedder)

    assert [hit.slug for hit in hits] == ["exchanges"]
    assert hits[0].lexical_rank is None
    assert hits[0].vector_rank == 1
    assert hits[0].similarity == pytest.approx(1.0, abs=0.01)


def test_vector_neighbours_below_the_similarity_threshold_are_not_answers(
    articles: None, embedder: TopicEmbedder
) -> None:
    embed_chunks_now(all_chunk_ids(), embedder=embedder)
    # The nearest chunk of an off-topic question is still "nearest"; it must not be returned.
    assert search_chunks("Do you sell skateboards?", language="en", embedder=embedder) == []


def test_fusion_ranks_hits_found_by_both_lists_above_hits_found_by_one(
    make_article: ArticleFactory, embedder: TopicEmbedder
) -> None:
    make_article("Battery range", "The range depends on the battery and on hills.", slug="range")
    make_article("Hills", "Hills and battery: shift down early; it is about effort.",
                 slug="hills")  # fmt: skip
    embed_chunks_now(all_chunk_ids(), embedder=embedder)

    hits = search_chunks("battery hills range", language="en", embedder=embedder)

    assert hits[0].slug == "range"
    assert hits[0].lexical_rank is not None and hits[0].vector_rank == 1
    assert hits[0].score > hits[-1].score


def test_search_falls_back_to_full_text_when_the_provider_fails(
    articles: None, embedder: TopicEmbedder
) -> None:
    embed_chunks_now(all_chunk_ids(), embedder=embedder)
    embedder.fail = True

    hits = search_chunks("charge the battery", language="en", embedder=embedder)

    assert [hit.slug for hit in hits] == ["battery"]
    assert hits[0].vector_rank is None


def test_vectors_of_another_model_are_never_compared(
    articles: None, embedder: TopicEmbedder
) -> None:
    embed_chunks_now(all_chunk_ids(), embedder=embedder)
    Chunk.objects.update(embedding_model="someone-else/old-model/3")

    question = "It is too small, can I swap it for a bigger one?"
    assert search_chunks(question, language="en", embedder=embedder) == []
    # Re-embedding picks up exactly the chunks whose vectors came from the other model.
    assert embed_chunks_now(all_chunk_ids(), embedder=embedder) == 2


# --- the real path: the registry's embedder, the openai client, the simulator over HTTP -------


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with run_in_thread(ttft=0.0, tokens_per_second=0) as running:
        yield running


@pytest.fixture
def simulated_provider(settings: Any, simulator: RunningSimulator) -> RunningSimulator:
    settings.LLM = build_llm_config(
        dashscope_api_key=None,
        openai_base_url=simulator.base_url,
        openai_model="simulated",
        openai_embedding_model="text-embedding-v4",
        embedding_dimensions=256,
    )
    return simulator


def test_the_configured_provider_embeds_chunks_and_queries(
    articles: None, simulated_provider: RunningSimulator
) -> None:
    embedded = embed_chunks_now(all_chunk_ids())
    stored = Chunk.objects.exclude(embedding=None)

    assert embedded == 2
    assert {c.embedding_model for c in stored} == {"openai/text-embedding-v4/256"}
    # 256 dimensions from the model, zero-padded to the 1024-wide column.
    assert all(len(c.embedding) == 1024 and not any(c.embedding[256:]) for c in stored)

    # The question goes out through the audited call, as the reply turn's does.
    scope = CallScope(None, None, PrivacySettings())
    vector = embed_query("charge the battery indoors", scope=scope)
    hits = search_chunks("charge the battery indoors", language="en", query_vector=vector)
    assert hits[0].slug == "battery"
    assert hits[0].vector_rank == 1 and hits[0].lexical_rank == 1
    assert hits[0].similarity is not None and hits[0].similarity > 0.5
