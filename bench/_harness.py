"""What every benchmark here shares: percentiles, ratios to the floor, and writing the results.

    from _harness import Report, summarize   # bench/ is on sys.path when a script here is run

    report = Report("streaming", params={"clients": 200})
    report.table("Added time to first token (ms)", ["stack", "p50", "p99", "ratio p50"], rows)
    report.note("Floor: a minimal ASGI WebSocket relay of the same simulator stream.")
    report.data["raw"] = {...}                 # anything JSON-serialisable
    report.write(args.results_dir)             # NAME-<params>-<stamp>.json and .md, prints the .md

Every benchmark measures its floor in the same run, on the same machine, and reports ratios: these
machines are noisy, so milliseconds are only indicative and the ratio is what to compare between
runs. Nothing here asserts a time; `tests/bench/` only checks that each benchmark runs at a tiny
size and writes well-formed results.
"""

from __future__ import annotations

import json
import math
import platform
import statistics
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` in 0..1) of `values`; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(values: Iterable[float]) -> dict[str, float]:
    """n, mean, p50, p90, p99 and max of a sample (rounded to 3 decimals)."""
    sample = list(values)
    if not sample:
        return {"n": 0, "mean": math.nan, "p50": math.nan, "p90": math.nan, "p99": math.nan}
    result = {
        "n": len(sample),
        "mean": statistics.fmean(sample),
        "p50": percentile(sample, 0.50),
        "p90": percentile(sample, 0.90),
        "p99": percentile(sample, 0.99),
        "max": max(sample),
    }
    return {key: round(value, 3) for key, value in result.items()}


def ratio(ours: float, floor: float) -> float | None:
    """ours / floor, or None when the floor is zero or unknown (a ratio would be meaningless)."""
    if not floor or math.isnan(floor) or math.isnan(ours):
        return None
    return round(ours / floor, 2)


def machine() -> dict[str, Any]:
    import os

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(columns))) + "|",
    ]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


class Report:
    """The results of one benchmark run: JSON for machines, Markdown for people."""

    def __init__(self, name: str, params: dict[str, Any] | None = None) -> None:
        self.name = name
        self.params = dict(params or {})
        self.started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.tables: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.data: dict[str, Any] = {}

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if any(len(row) != len(columns) for row in rows):
            raise ValueError(f"{title}: every row needs {len(columns)} cells")
        rows = [list(row) for row in rows]
        self.tables.append({"title": title, "columns": list(columns), "rows": rows})

    def note(self, text: str) -> None:
        self.notes.append(text)

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.name,
            "started": self.started,
            "params": self.params,
            "machine": machine(),
            "tables": self.tables,
            "notes": self.notes,
            "data": self.data,
        }

    def markdown(self) -> str:
        params = ", ".join(f"{key}={value}" for key, value in self.params.items())
        parts = [f"# {self.name}" + (f" ({params})" if params else ""), ""]
        parts.append(f"Run {self.started}; machine: {json.dumps(machine())}")
        for table in self.tables:
            body = markdown_table(table["columns"], table["rows"])
            parts += ["", f"## {table['title']}", "", body]
        if self.notes:
            parts += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(parts) + "\n"

    def write(self, results_dir: Path | None = None, *, quiet: bool = False) -> Path:
        """Write NAME[-size]-STAMP.json and .md into `results_dir`; return the JSON path."""
        directory = Path(results_dir) if results_dir else RESULTS
        directory.mkdir(parents=True, exist_ok=True)
        size = "-".join(str(v) for v in self.params.values() if isinstance(v, int | str))[:60]
        stem = "-".join(p for p in (self.name, size, time.strftime("%Y%m%d-%H%M%S")) if p)
        path = directory / f"{stem}.json"
        path.write_text(json.dumps(self.as_dict(), indent=1, default=str), encoding="utf-8")
        text = self.markdown()
        path.with_suffix(".md").write_text(text, encoding="utf-8")
        if not quiet:
            print(text)
            print(f"Results: {path} (and .md)")
        return path
