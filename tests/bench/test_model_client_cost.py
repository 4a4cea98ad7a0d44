"""The model client's CPU benchmark still runs at a tiny size and writes well-formed results. No
time is asserted: benchmarks are not tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.runner import run_bench


@pytest.mark.timeout(90)
def test_the_model_client_benchmark_times_every_reader_against_the_floor(tmp_path: Path) -> None:
    result = run_bench("model_client_cost.py", "--answers", "2", "--words", "5", results=tmp_path)

    (table,) = result["tables"]
    rows = {row[0]: dict(zip(table["columns"], row, strict=True)) for row in table["rows"]}
    assert list(rows) == ["ours", "sdk models", "floor"]
    assert rows["floor"]["ratio p50 to floor"] == 1.0
    for row in rows.values():
        assert row["p50"] > 0 and row["ratio p50 to floor"] is not None
    assert result["data"]["readers"]["ours"]["n"] == 2
