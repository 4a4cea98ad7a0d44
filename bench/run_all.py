"""Run the benchmarks in turn: `make bench` (quick sizes) or `--full` (the sizes in the docs).

    python bench/run_all.py [--full] [--only NAME[,NAME]] [--results-dir DIR]

Each benchmark is a script of its own (run it directly for other sizes: `--help`), started here as
a child process so that one failing does not stop the others, and so each gets a clean process to
measure. Each writes NAME-...-STAMP.json and .md into the results directory; this prints an index
of what ran, how long it took and where its results are, and exits non-zero if any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _harness import RESULTS, ROOT, markdown_table


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    quick: tuple[str, ...]
    full: tuple[str, ...] = ()
    what: str = ""


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark(
        "B1 streaming",
        "ws_streaming.py",
        quick=("--clients", "50"),
        full=("--clients", "50,200,500"),
        what="time to first token and gaps added to a streamed answer, vs a minimal ASGI relay",
    ),
    Benchmark(
        "B1 hops",
        "ws_hops.py",
        quick=("--messages", "3"),
        what="thread hops, SQL statements and their CPU, and group sends per widget message",
    ),
    Benchmark(
        "B1 stream guard",
        "stream_guard_cost.py",
        quick=("--repeats", "50"),
        full=("--repeats", "200"),
        what="CPU the streaming output checks cost per answer, vs checking the whole answer once",
    ),
    Benchmark(
        "B1 model client",
        "model_client_cost.py",
        quick=("--answers", "50"),
        full=("--answers", "200"),
        what="CPU the model client spends reading one streamed answer, vs a bare SSE reader",
    ),
    Benchmark(
        "B2 idle",
        "ws_idle.py",
        quick=("--connections", "1000", "--idle-s", "10"),
        full=("--connections", "1000,5000,10000", "--servers", "uvicorn,daphne,granian"),
        what="server memory and CPU per idle widget connection, vs a minimal ASGI app",
    ),
    Benchmark(
        "B3 fanout",
        "fanout.py",
        quick=("--agents", "1,5,20", "--load", "4", "--rounds", "1", "--timeout", "15"),
        full=("--agents", "1,5,20", "--load", "8", "--rounds", "2"),
        what="delivery to a customer and K agents under load, core vs pub/sub channel layer",
    ),
    Benchmark(
        "B4 servers",
        "ws_streaming.py",
        quick=("--clients", "50", "--servers", "uvicorn,daphne,granian"),
        full=("--clients", "50,200,500", "--servers", "uvicorn,daphne,granian"),
        what="B1 under uvicorn, daphne and granian (B2's full run covers all three too)",
    ),
    Benchmark(
        "B5 analytics",
        "analytics_dashboard.py",
        quick=("--conversations", "20000", "--days", "60", "--repeat", "3", "--raw-repeat", "1"),
        full=("--conversations", "1000000"),
        what="dashboard queries on rollups vs the raw scan, at N conversations",
    ),
    Benchmark(
        "B6 knowledge search",
        "knowledge_search.py",
        quick=("--articles", "5000", "--repeat", "3"),
        full=("--articles", "100000"),
        what="hybrid search latency vs an indexed lookup",
    ),
    Benchmark(
        "B7 celery",
        "celery_latency.py",
        quick=("--rate", "50", "--seconds", "5", "--burst", "500"),
        full=("--rate", "200", "--seconds", "20", "--burst", "2000"),
        what="Celery enqueue-to-start latency and throughput vs a Redis LPUSH/BRPOP floor",
    ),
    Benchmark(
        "scale-out",
        "scale_out.py",
        quick=("--clients", "20", "--seconds", "10"),
        full=("--clients", "40", "--seconds", "30"),
        what="chat turns per second on one web process, then two, against one PostgreSQL/Redis",
    ),
    Benchmark(
        "knowledge recall",
        "knowledge_recall.py",
        quick=(),
        what="recall@3 and no-answer rate on the demo knowledge base",
    ),
    Benchmark(
        "redaction recall",
        "redaction_recall.py",
        quick=(),
        what="PII redaction recall and precision on the annotated and Faker corpora "
        "(Presidio beside it with --presidio-python)",
    ),
    Benchmark(
        "redaction cost",
        "redaction_cost.py",
        quick=("--repeats", "2"),
        what="CPU per message of finding personal data, against one regular-expression pass",
    ),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the documented sizes (slow)")
    parser.add_argument("--only", default="", help="comma-separated names or script stems")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    wanted = {name.strip().lower() for name in args.only.split(",") if name.strip()}
    chosen = [
        bench
        for bench in BENCHMARKS
        if not wanted
        or bench.name.lower() in wanted
        or bench.name.split()[0].lower() in wanted
        or Path(bench.script).stem in wanted
    ]
    if not chosen:
        parser.error(f"no benchmark matches {args.only!r}")

    rows = []
    failed = 0
    for bench in chosen:
        extra = bench.full if args.full else bench.quick
        command = [sys.executable, str(ROOT / "bench" / bench.script), *extra]
        command += ["--results-dir", str(args.results_dir)]
        print(f"\n=== {bench.name}: {bench.what}\n$ {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.run(command, cwd=ROOT, check=False).returncode
        seconds = time.monotonic() - started
        failed += code != 0
        rows.append([bench.name, "ok" if code == 0 else f"FAILED ({code})", round(seconds, 1)])

    print("\n" + markdown_table(["benchmark", "result", "seconds"], rows))
    print(f"\nResults in {args.results_dir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
