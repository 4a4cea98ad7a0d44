"""The knowledge benchmarks still run, end to end, at a tiny size (no timing is asserted)."""

import json
from pathlib import Path

import pytest

from tests.bench.runner import run_bench_script


def run_bench(script: str, *args: str, results: Path) -> str:
    return run_bench_script(script, *args, results=results, timeout=110)


@pytest.mark.timeout(120)
def test_the_search_latency_benchmark_runs_on_a_tiny_corpus(tmp_path: Path) -> None:
    output = run_bench("knowledge_search.py", "--articles", "40", "--repeat", "1", results=tmp_path)

    (result_file,) = tmp_path.glob("knowledge_search-40-*.json")
    result = json.loads(result_file.read_text())["data"]  # bench/_harness.py's format
    assert result["articles"] == 40 and result["chunks"] > 40
    assert set(result["search"]) == {"common words", "specific", "customer questions", "no match"}
    assert all(row["median_ratio"] > 0 for row in result["search"].values())
    assert "| query kind |" in output


@pytest.mark.timeout(120)
def test_the_scale_mode_builds_embedded_chunks_and_times_the_hybrid_search(tmp_path: Path) -> None:
    output = run_bench(
        "knowledge_search.py", "--chunks", "300", "--repeat", "1", "--rebuild", results=tmp_path
    )

    (result_file,) = tmp_path.glob("knowledge_search_scale-300-*.json")
    result = json.loads(result_file.read_text())["data"]
    assert result["chunks"] == 300
    assert set(result["search"]) == {
        "customer questions, hybrid",
        "customer questions, full text",
    }
    assert all(row["queries"] == 97 and row["p95_ms"] > 0 for row in result["search"].values())
    # Every HNSW index of the chunk table was dropped for the load and rebuilt after it.
    assert set(result["built"]["index_seconds"]) >= {
        "knowledge_chunk_embedding_hnsw",
        "knowledge_chunk_halfvec256_hnsw",
    }
    assert "| customer questions, hybrid |" in output


@pytest.mark.timeout(120)
def test_the_recall_benchmark_runs_and_reports_every_mode_per_kind(tmp_path: Path) -> None:
    output = run_bench("knowledge_recall.py", results=tmp_path)

    (result_file,) = tmp_path.glob("knowledge_recall-*.json")
    reports = json.loads(result_file.read_text())
    assert [report["mode"] for report in reports] == [
        "full-text",
        "hybrid (local embeddings)",
        "hybrid (simulator embeddings)",
    ]
    assert all(
        set(report["by_kind"]) == {"direct", "paraphrase", "typo", "other-language"}
        for report in reports
    )
    assert "recall@3" in output and "| paraphrase |" in output
