"""The stream guard's CPU benchmark still runs at a tiny size and writes well-formed results. No
time is asserted: benchmarks are not tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.runner import run_bench


@pytest.mark.timeout(60)
def test_the_stream_guard_benchmark_times_both_answers_and_the_floor(tmp_path: Path) -> None:
    result = run_bench("stream_guard_cost.py", "--repeats", "2", results=tmp_path)

    (table,) = result["tables"]
    rows = [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]
    assert [row["answer"] for row in rows] == ["short", "long"]
    short, long = rows
    assert 25 <= short["words"] <= 35 and 250 <= long["words"] <= 350
    for row in rows:
        assert row["guard p50"] > 0 and row["floor p50"] > 0 and row["ratio p50"] is not None
    assert result["data"]["long"]["stream_guard"]["n"] == 2
