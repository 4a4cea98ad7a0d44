"""Search latency on a generated corpus, against a plain indexed lookup as the floor.

    python bench/knowledge_search.py [--articles 100000] [--repeat 5] [--results-dir DIR]
    python bench/knowledge_search.py --chunks 300000 [--repeat 5] [--rebuild]  # scale, hybrid

Generates (once; reused while the size matches) a corpus of N articles in the "bench_search"
database: English text with a Zipf-distributed vocabulary, so some words occur in most chunks and
most words in few, and 5% Chinese articles. Articles and chunks are written with the same
`chunk_rows` code as the product, in bulk.

Then times `search_chunks` (full-text; no embeddings provider) for four kinds of query, and, in
the same run on the same connection, an indexed primary-key lookup of an article by slug (the
floor: a query that costs one B-tree probe). Reports medians, 95th percentiles and their ratios
to the floor. The machines are noisy: compare ratios, not milliseconds.

Scale mode (`--chunks N`, database "bench_search_N"): N chunks of support-article text, each
embedded by the product's local embeddings model, with the HNSW index built after the load
(_scale_corpus.py: build time and index size reported). Then the fixture's customer questions
(bench/fixtures/knowledge_questions.json: paraphrases, typos, five languages) go through
`search`, the function the reply turn calls, with their query vectors, as the turn asks
(`retrieval.retrieve`'s limit); floor: a chunk by primary key (B-tree), in the same run.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

from _harness import Report

SEED = 2026
BATCH = 500
CHINESE_SHARE = 0.05
RARE_WORDS = 30_000


class Corpus:
    """Deterministic article text: demo-article words plus a long tail of rare made-up ones."""

    def __init__(self, seed: int = SEED) -> None:
        # Product modules are imported inside functions here: Django is only set up in main().
        from assistant.knowledge.demo import DEMO_ARTICLES
        from assistant.llm.textmatch import CJK_CLASS

        text = " ".join(p.read_text(encoding="utf-8") for p in sorted(DEMO_ARTICLES.glob("*.md")))
        words = sorted(set(re.findall(r"[a-z]{3,}", text.lower())))
        self.random = random.Random(seed)
        self.random.shuffle(words)
        tail = [f"{w}{n}" for n, w in enumerate(self.random.choices(words, k=RARE_WORDS))]
        self.vocabulary = words + tail
        # Zipf's law: the k-th most common word is about 1/k as frequent as the first.
        self.cumulative = list(
            accumulate(1.0 / rank for rank in range(1, len(self.vocabulary) + 1))
        )
        self.hanzi = sorted(set(re.findall(f"[{CJK_CLASS}]", text)))

    def words(self, count: int) -> str:
        return " ".join(self.random.choices(self.vocabulary, cum_weights=self.cumulative, k=count))

    def hanzi_text(self, count: int) -> str:
        return "".join(self.random.choices(self.hanzi, k=count)) + "。"

    def article(self, number: int) -> dict[str, Any]:
        chinese = self.random.random() < CHINESE_SHARE
        sentence = self.hanzi_text if chinese else self.words
        sections = []
        for _ in range(self.random.randint(2, 4)):
            count = self.random.randint(1, 3)
            paragraphs = [sentence(self.random.randint(25, 60)) for _ in range(count)]
            sections.append(
                f"## {sentence(self.random.randint(2, 5))}\n\n" + "\n\n".join(paragraphs)
            )
        return {
            "title": sentence(self.random.randint(3, 7)).rstrip("。")[:300],
            "slug": f"bench-{number}",
            "body": "\n\n".join(sections),
            "locale": "zh-hans" if chinese else "en",
            "status": "published",
        }


def ensure_corpus(size: int, log: Callable[[str], None]) -> float:
    """Generate the corpus unless it is already there; returns the seconds spent generating."""
    from django.db import connection

    from assistant.knowledge.indexing import chunk_rows
    from assistant.knowledge.models import Article, Chunk

    if (
        Article.objects.count() == size
        and Article.objects.filter(slug=f"bench-{size - 1}").exists()
    ):
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE knowledge_chunk, knowledge_article RESTART IDENTITY CASCADE")
    corpus = Corpus()
    for start in range(0, size, BATCH):
        articles = Article.objects.bulk_create(
            [Article(**corpus.article(n)) for n in range(start, min(start + BATCH, size))]
        )
        Chunk.objects.bulk_create([row for a in articles for row in chunk_rows(a)], batch_size=1000)
        if (start // BATCH) % 20 == 0:
            log(f"  {start + len(articles):,} / {size:,} articles")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_article")
        cursor.execute("ANALYZE knowledge_chunk")
    return time.perf_counter() - started


def queries() -> dict[str, list[tuple[str, str]]]:
    """(query, language) per kind."""
    from bench.knowledge_recall import load_questions

    corpus = Corpus()
    common = corpus.vocabulary[:12]
    rare = corpus.vocabulary[5000:]
    rng = random.Random(SEED + 1)
    return {
        # The words that occur in most chunks: the case that is slow without a candidate cap.
        "common words": [(" ".join(rng.sample(common, 3)), "en") for _ in range(10)],
        # One rare word with two common ones, like a real question about a specific thing.
        "specific": [
            (f"{rng.choice(common)} {rng.choice(rare)} {rng.choice(common)}", "en")
            for _ in range(10)
        ],
        "customer questions": [(q["question"], q["language"]) for q in load_questions()[:20]],
        "no match": [(f"quixotic{n} zebra{n}", "en") for n in range(10)],
    }


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(size: int, repeat: int) -> dict[str, Any]:
    from assistant.knowledge.models import Article
    from assistant.knowledge.search import search_chunks

    slugs = [f"bench-{n}" for n in random.Random(SEED).sample(range(size), min(size, 50))]

    def lookup(slug: str) -> Callable[[], object]:
        return lambda: Article.objects.filter(slug=slug).values("pk", "title").first()

    def search(query: str, language: str) -> Callable[[], object]:
        return lambda: search_chunks(query, language=language, embedder=None)

    # Warm the caches and the connection pool before measuring anything.
    for slug in slugs[:5]:
        lookup(slug)()
    floor = [t for slug in slugs for t in timed(lookup(slug), repeat)]
    floor_median = statistics.median(floor)
    kinds = {}
    for kind, items in queries().items():
        for query, language in items[:2]:
            search(query, language)()
        durations = [t for query, language in items for t in timed(search(query, language), repeat)]
        median, p95 = statistics.median(durations), percentile(durations, 0.95)
        kinds[kind] = {
            "queries": len(items),
            "median_ms": round(median, 2),
            "p95_ms": round(p95, 2),
            "median_ratio": round(median / floor_median, 1),
            "p95_ratio": round(p95 / floor_median, 1),
        }
    return {
        "floor": {"what": "Article by slug (B-tree)", "median_ms": round(floor_median, 3),
                  "p95_ms": round(percentile(floor, 0.95), 3)},
        "search": kinds,
    }  # fmt: skip


def measure_scale(size: int, repeat: int) -> dict[str, Any]:
    """The reply turn's hybrid search over the scale corpus, against a primary-key lookup."""
    from assistant.knowledge.embedding import pad
    from assistant.knowledge.models import Chunk
    from assistant.knowledge.retrieval import MAX_CHUNKS_PER_ARTICLE
    from assistant.knowledge.search import QueryVector, search
    from assistant.llm.local_embeddings import embed_now
    from bench._scale_corpus import local_model_key
    from bench.knowledge_recall import load_questions

    questions = [(q["question"], q["language"]) for q in load_questions()]
    key = local_model_key()
    vectors = [QueryVector(key, pad(v)) for v in embed_now([q for q, _ in questions])]
    pks = random.Random(SEED).sample(range(1, size + 1), min(size, 50))

    def lookup(pk: int) -> Callable[[], object]:
        return lambda: Chunk.objects.filter(pk=pk).values("pk", "heading").first()

    def hybrid(index: int) -> Callable[[], object]:
        query, language = questions[index]
        # The turn's retrieval asks for 4 passages, at most 2 per article: limit 8.
        return lambda: search(
            query, language=language, limit=4 * MAX_CHUNKS_PER_ARTICLE,
            query_vector=vectors[index],
        )  # fmt: skip

    def full_text(index: int) -> Callable[[], object]:
        query, language = questions[index]
        return lambda: search(query, language=language, limit=4 * MAX_CHUNKS_PER_ARTICLE)

    # The first search reads the spelling vocabulary (once per process, spelling.py): warm-up.
    for index in range(len(questions)):
        hybrid(index)()
    for pk in pks[:5]:
        lookup(pk)()
    floor = [t for pk in pks for t in timed(lookup(pk), repeat)]
    floor_median = statistics.median(floor)
    kinds = {}
    for kind, factory in (("customer questions, hybrid", hybrid),
                          ("customer questions, full text", full_text)):  # fmt: skip
        durations = [t for i in range(len(questions)) for t in timed(factory(i), repeat)]
        kinds[kind] = {
            "queries": len(questions),
            "median_ms": round(statistics.median(durations), 2),
            "p95_ms": round(percentile(durations, 0.95), 2),
            "p99_ms": round(percentile(durations, 0.99), 2),
            "median_ratio": round(statistics.median(durations) / floor_median, 1),
            "p95_ratio": round(percentile(durations, 0.95) / floor_median, 1),
        }
    return {
        "floor": {"what": "Chunk by primary key (B-tree)", "median_ms": round(floor_median, 3),
                  "p95_ms": round(percentile(floor, 0.95), 3)},
        "search": kinds,
    }  # fmt: skip


def harness_report(result: dict[str, Any]) -> Report:
    """The results in the shared format (bench/_harness.py): a table for people, all of
    `result` under "data" for machines."""
    floor = result["floor"]
    report = Report("knowledge_search", params={"articles": result["articles"]})
    rows = [[f"floor: {floor['what']}", None, floor["median_ms"], floor["p95_ms"], 1.0, 1.0]]
    rows += [
        [kind, row["queries"], row["median_ms"], row["p95_ms"], row["median_ratio"],
         row["p95_ratio"]]
        for kind, row in result["search"].items()
    ]  # fmt: skip
    report.table(
        "Search latency (ms)",
        ["query kind", "queries", "median ms", "p95 ms", "median / floor", "p95 / floor"],
        rows,
    )
    report.note(
        f"Corpus: {result['articles']:,} articles, {result['chunks']:,} chunks; every query run "
        f"{result['repeat']} times."
    )
    report.data.update(result)
    return report


def scale_report(result: dict[str, Any]) -> Report:
    """Scale mode's results: latency against the floor, and what building the corpus cost."""
    floor = result["floor"]
    report = Report("knowledge_search_scale", params={"chunks": result["chunks"]})
    rows = [[f"floor: {floor['what']}", None, floor["median_ms"], floor["p95_ms"], None, 1.0]]
    rows += [
        [kind, row["queries"], row["median_ms"], row["p95_ms"], row["p99_ms"], row["p95_ratio"]]
        for kind, row in result["search"].items()
    ]
    report.table(
        "Search latency (ms)",
        ["query kind", "queries", "median ms", "p95 ms", "p99 ms", "p95 / floor median"],
        rows,
    )
    if (built := result.get("built")) is not None:
        report.table(
            "Build",
            ["step", "seconds", "MiB"],
            [["load (text, embeddings, tsvectors)", built["load_seconds"],
              round(built["table_bytes"] / 2**20)]]
            + [[f"index {name}", seconds, round(built["index_bytes"][name] / 2**20)]
               for name, seconds in built["index_seconds"].items()],
        )  # fmt: skip
    report.note(
        f"Corpus: {result['chunks']:,} chunks; every question run {result['repeat']} times."
    )
    report.data.update(result)
    return report


def main_scale(chunks: int, repeat: int, results_dir: Path | None, *, rebuild: bool) -> None:
    from dataclasses import asdict

    from _django import RESULTS, setup

    # A database per size: the corpora take minutes to build and are kept for the next run.
    setup(f"bench_search_{chunks}")
    from bench._scale_corpus import ensure_scale_corpus

    print(f"Corpus of {chunks:,} embedded chunks...", flush=True)
    built = ensure_scale_corpus(chunks, lambda line: print(line, flush=True), rebuild=rebuild)
    result = {
        "chunks": chunks,
        "repeat": repeat,
        "built": asdict(built) if built is not None else None,
        **measure_scale(chunks, repeat),
    }
    scale_report(result).write(results_dir or RESULTS)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--results-dir", type=Path, default=None)
    parser.add_argument(
        "--chunks", type=int, default=None, help="scale mode: N embedded chunks, hybrid search"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="scale mode: build the corpus even if it is there"
    )
    args = parser.parse_args(argv)
    if args.chunks is not None:
        main_scale(args.chunks, args.repeat, args.results_dir, rebuild=args.rebuild)
        return

    from _django import RESULTS, setup

    setup("bench_search")
    from django.conf import settings

    from assistant.knowledge.models import Chunk
    from assistant.llm import build_llm_config

    settings.LLM = build_llm_config(dashscope_api_key=None)
    print(f"Corpus of {args.articles:,} articles...", flush=True)
    generated = ensure_corpus(args.articles, lambda line: print(line, flush=True))
    result = {
        "articles": args.articles,
        "chunks": Chunk.objects.count(),
        "generation_seconds": round(generated, 1),
        "repeat": args.repeat,
        **measure(args.articles, args.repeat),
    }
    harness_report(result).write(args.results_dir or RESULTS)


if __name__ == "__main__":
    main()
