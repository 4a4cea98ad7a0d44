"""The dashboard benchmark still runs, end to end, at a tiny size (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench.runner import run_bench_script


def run_bench(script: str, *args: str, results: Path) -> str:
    return run_bench_script(script, *args, results=results, timeout=170)


@pytest.mark.timeout(180)
def test_the_dashboard_benchmark_runs_and_both_sources_agree(tmp_path: Path) -> None:
    output = run_bench(
        "analytics_dashboard.py", "--conversations", "400", "--days", "60", "--repeat", "1",
        "--raw-repeat", "1", "--database", "bench_analytics_tiny", results=tmp_path,
    )  # fmt: skip

    (result_file,) = tmp_path.glob("analytics_dashboard-400-*.json")
    result = json.loads(result_file.read_text())["data"]  # bench/_harness.py's format
    assert result["conversations"] == 400
    assert len(result["queries"]) >= 10
    assert all(row["same_numbers"] for row in result["queries"].values()), result["queries"]
    assert all(row["rollup_ms"] > 0 and row["raw_ms"] > 0 for row in result["queries"].values())
    assert "| query |" in output
    assert (tmp_path / result_file.with_suffix(".md").name).exists()
