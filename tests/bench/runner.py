"""Running a benchmark script from a test: in a child process, on the test servers, at a tiny
size. Benchmarks are not tests: what is checked is that they run and write well-formed results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, child_process_environment


def run_bench_script(
    script: str, *args: str, results: Path, timeout: int = 110, env: dict[str, str] | None = None
) -> str:
    """Run bench/SCRIPT with --results-dir RESULTS (and `env` added to the environment);
    return its output (it must exit 0)."""
    # The benchmark swaps its own database name in; this only points it at the test servers.
    environment = {**child_process_environment("postgres"), **(env or {})}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args, "--results-dir", str(results)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
    return completed.stdout


def run_bench(
    script: str, *args: str, results: Path, timeout: int = 110, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run a harness benchmark; return its JSON results after checking that the JSON and the
    Markdown it wrote are well formed and say the same tables."""
    run_bench_script(script, *args, results=results, timeout=timeout, env=env)
    (json_path,) = results.glob(f"{Path(script).stem}-*.json")
    result = json.loads(json_path.read_text())
    markdown = json_path.with_suffix(".md").read_text()
    assert markdown.startswith(f"# {result['benchmark']}")
    for table in result["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"]), table["title"]
        assert f"## {table['title']}" in markdown
    return result
