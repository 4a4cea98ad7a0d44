"""A knowledge base of N embedded chunks, written fast, for B6's scale mode (knowledge_search.py).

The text is support-article prose: every chunk is a heading and three to six sentences drawn from
the demo articles of one language (English, or Chinese for a fifth of the articles, the demo
base's two languages), plus a made-up product name of the article's own, so that chunks differ
in their words and their vectors as real articles about different products do. Each chunk is
embedded by the product's local embeddings model (assistant/llm/local_embeddings.py, the
default when no provider is configured, about 7,000 chunks a second here), so every vector is
the embedding of its own text: no pool, no derived variants.

Rows go in by COPY into a staging table and one INSERT ... SELECT per batch, which computes the
weighted tsvectors with the same expressions as the product's `chunk_rows` (title A, heading B,
text C; the article's configuration, and CJK bigrams in `simple`). The HNSW indexes are dropped
for the load and rebuilt afterwards, timed, as one would for a bulk import: building once is
much faster than inserting a million rows into a graph.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

SEED = 2026
BATCH = 10_000
CHUNKS_PER_ARTICLE = 5
CHINESE_SHARE = 0.2
# The build's memory for the HNSW graph: the graph of a million 256-dimension half-precision
# vectors is about 1 GB; when it does not fit, pgvector builds on disk, many times slower.
MAINTENANCE_WORK_MEM = "2GB"


@dataclass(frozen=True, slots=True)
class Built:
    chunks: int
    load_seconds: float
    index_seconds: dict[str, float]
    index_bytes: dict[str, int]
    table_bytes: int


class ScaleText:
    """Sentences and headings of the demo articles, by language, recombined deterministically."""

    def __init__(self, seed: int = SEED) -> None:
        from assistant.knowledge.chunking import chunk_markdown
        from assistant.knowledge.demo import DEMO_ARTICLES

        self.random = random.Random(seed)
        self.sentences: dict[str, list[str]] = {"en": [], "zh-hans": []}
        self.headings: dict[str, list[str]] = {"en": [], "zh-hans": []}
        for path in sorted(DEMO_ARTICLES.glob("*.md")):
            language = "zh-hans" if path.name.startswith("zh-") else "en"
            for draft in chunk_markdown(path.read_text(encoding="utf-8")):
                if draft.heading:
                    self.headings[language].append(draft.heading)
                # Chinese sentences end in a full stop, exclamation or question mark (U+3002,
                # U+FF01, U+FF1F) with no space after them.
                split = r"(?<=[\u3002\uff01\uff1f])" if language == "zh-hans" else r"(?<=[.!?])\s+"
                self.sentences[language] += [
                    s.strip() for s in re.split(split, draft.text) if len(s.strip()) > 8
                ]

    def article(self, number: int) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """An article's row and its chunks' (heading, text)."""
        language = "zh-hans" if self.random.random() < CHINESE_SHARE else "en"
        product = f"{self.random.choice(['Trail', 'City', 'Cargo', 'Volt', 'Ridge'])}{number}"
        heading = self.random.choice(self.headings[language])
        title = f"{heading} ({product})"
        chunks = []
        for _ in range(CHUNKS_PER_ARTICLE):
            sentences = self.random.sample(self.sentences[language], self.random.randint(3, 6))
            sentences.insert(self.random.randrange(len(sentences) + 1), f"{product}.")
            chunks.append((self.random.choice(self.headings[language]), " ".join(sentences)))
        row = {"title": title[:300], "slug": f"scale-{number}", "locale": language}
        return row, chunks


def ensure_scale_corpus(size: int, log: Callable[[str], None], *, rebuild: bool) -> Built | None:
    """Build the corpus of `size` chunks unless it is there (or `rebuild`); None when reused."""
    from assistant.knowledge.models import Chunk

    if (
        not rebuild
        and Chunk.objects.count() == size
        and Chunk.objects.filter(article__slug="scale-0").exists()
    ):
        return None
    return _build(size, log)


def _build(size: int, log: Callable[[str], None]) -> Built:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE knowledge_chunk, knowledge_article RESTART IDENTITY CASCADE")
        indexes = _drop_hnsw_indexes(cursor)
        cursor.execute(
            "CREATE TEMP TABLE scale_staging (article_id bigint, position int, heading text,"
            " text text, title text, config regconfig, cjk_title text, cjk_heading text,"
            " cjk_text text, hash text, embedding real[])"
        )
    text = ScaleText()
    written = 0
    while written < size:
        written += _load_batch(text, written, min(BATCH, size - written))
        log(f"  {written:,} / {size:,} chunks ({time.perf_counter() - started:.0f} s)")
    load_seconds = time.perf_counter() - started
    index_seconds, index_bytes = {}, {}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE scale_staging")
        cursor.execute("ANALYZE knowledge_article")
        cursor.execute("ANALYZE knowledge_chunk")
        cursor.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        for name, definition in indexes:
            log(f"  building {name}...")
            began = time.perf_counter()
            cursor.execute(definition)
            index_seconds[name] = round(time.perf_counter() - began, 1)
            cursor.execute("SELECT pg_relation_size(%s::regclass)", [name])
            (index_bytes[name],) = cursor.fetchone()
            log(f"  {name}: {index_seconds[name]} s, {index_bytes[name] / 2**20:,.0f} MiB")
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("SELECT pg_table_size('knowledge_chunk')")
        (table_bytes,) = cursor.fetchone()
    return Built(size, round(load_seconds, 1), index_seconds, index_bytes, table_bytes)


def _drop_hnsw_indexes(cursor: Any) -> list[tuple[str, str]]:
    """Drop the chunk table's HNSW indexes; returns their names and definitions to rebuild."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'knowledge_chunk'"
        " AND indexdef LIKE '%USING hnsw%' ORDER BY indexname"
    )
    indexes = list(cursor.fetchall())
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return indexes


def _load_batch(text: ScaleText, first_chunk: int, count: int) -> int:
    from django.db import connection, transaction

    from assistant.knowledge.cjk import cjk_document
    from assistant.knowledge.embedding import pad
    from assistant.knowledge.indexing import content_hash, embedding_input
    from assistant.knowledge.languages import search_config
    from assistant.knowledge.models import Article
    from assistant.llm.local_embeddings import load_model

    first_article = first_chunk // CHUNKS_PER_ARTICLE
    last_article = -(-(first_chunk + count) // CHUNKS_PER_ARTICLE)  # rounded up
    articles = [text.article(number) for number in range(first_article, last_article)]
    with transaction.atomic():
        saved = Article.objects.bulk_create(
            [Article(**row, status=Article.Status.PUBLISHED) for row, _ in articles]
        )
        rows = list(_chunk_rows(saved, articles))[:count]
        vectors = load_model().embed([embedding_input(*r[:3]) for r in rows], norm=True)
        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY scale_staging (article_id, position, heading, text, title, config,"
                " cjk_title, cjk_heading, cjk_text, hash, embedding) FROM STDIN"
            ) as copy:
                for (title, heading, body, article, position), vector in zip(
                    rows, vectors, strict=True
                ):
                    config = search_config(article.locale)
                    copy.write_row((
                        article.pk, position, heading, body, title, config,
                        cjk_document(title), cjk_document(heading), cjk_document(body),
                        content_hash(config, title, heading, body),
                        pad(vector.tolist()),
                    ))  # fmt: skip
            cursor.execute(
                "INSERT INTO knowledge_chunk (article_id, position, heading, text, content_hash,"
                " search_config, search_vector, cjk_vector, embedding, embedding_model)"
                " SELECT article_id, position, heading, text, hash, config,"
                " setweight(to_tsvector(config, title), 'A')"
                " || setweight(to_tsvector(config, heading), 'B')"
                " || setweight(to_tsvector(config, text), 'C'),"
                " setweight(to_tsvector('simple', cjk_title), 'A')"
                " || setweight(to_tsvector('simple', cjk_heading), 'B')"
                " || setweight(to_tsvector('simple', cjk_text), 'C'),"
                " embedding::vector, %s FROM scale_staging",
                [local_model_key()],
            )
            cursor.execute("TRUNCATE scale_staging")
    return len(rows)


def _chunk_rows(saved: list[Any], articles: list[Any]) -> Iterator[tuple[Any, ...]]:
    for article, (row, chunks) in zip(saved, articles, strict=True):
        for position, (heading, body) in enumerate(chunks):
            yield row["title"], heading, body, article, position


def local_model_key() -> str:
    """The vector space of the local embeddings model, as the product stores it."""
    from assistant.knowledge.embedding import model_key
    from assistant.llm.local_embeddings import LocalEmbedder

    return model_key(LocalEmbedder())
