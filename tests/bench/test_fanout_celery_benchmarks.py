"""B3 (fan-out), B7 (Celery latency) and the scale-out load run still run, end to end, at a tiny
size and write well-formed results. No time is asserted: benchmarks are not tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.bench.runner import run_bench as run_harness_bench


def run_bench(script: str, *args: str, results: Path) -> dict[str, Any]:
    result = run_harness_bench(script, *args, results=results)
    assert all(table["rows"] for table in result["tables"])
    return result


@pytest.mark.timeout(120)
def test_the_fan_out_benchmark_runs_on_both_layers_and_drops_nothing(tmp_path: Path) -> None:
    result = run_bench(
        "fanout.py", "--agents", "1,2", "--load", "1", "--rounds", "1", "--words", "10",
        "--tps", "200", "--probe-ms", "50", "--grace", "0.5", results=tmp_path,
    )  # fmt: skip
    runs = result["data"]["results"]
    assert [(run["layer"], run["k"]) for run in runs] == [
        ("core", 1), ("core", 2), ("pubsub", 1), ("pubsub", 2),
    ]  # fmt: skip
    for run in runs:
        assert run["dropped_total"] == 0, run
        assert run["ours"]["agents"]["n"] == run["probes_sent"] * run["k"] > 0


@pytest.mark.worker
@pytest.mark.timeout(120)
def test_the_celery_latency_benchmark_runs_against_a_real_worker(tmp_path: Path) -> None:
    result = run_bench(
        "celery_latency.py", "--rate", "20", "--seconds", "1", "--burst", "20",
        "--concurrency", "1", results=tmp_path,
    )  # fmt: skip
    assert len(result["data"]["paced"]["ours"]) == len(result["data"]["paced"]["floor"]) == 20
    assert result["data"]["throughput"]["ours"] > 0


@pytest.mark.timeout(120)
def test_the_scale_out_load_run_completes_turns_on_one_and_two_web_processes(
    tmp_path: Path,
) -> None:
    result = run_bench(
        "scale_out.py", "--clients", "2", "--seconds", "2", "--words", "10", "--tps", "200",
        results=tmp_path,
    )  # fmt: skip
    runs = result["data"]["results"]
    assert [run["web_processes"] for run in runs] == [1, 2]
    assert all(run["turns_completed"] > 0 and run["client_failures"] == 0 for run in runs)
