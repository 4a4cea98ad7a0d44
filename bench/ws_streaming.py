"""B1 (and B4): what our stack adds to a streamed answer, against a minimal ASGI relay.

    python bench/ws_streaming.py [--clients 50,200,500] [--servers uvicorn,daphne,granian]

N widget clients each send one message and receive the answer streamed from the model simulator,
which waits a fixed time to the first token and then paces the tokens. On the client's own clock
we measure the time from sending to the first `stream_delta` and the gaps between deltas. The
floor (bench/_floor_asgi.py) relays the same simulator stream with the same openai client under
the same server, in the same run; "added" is ours minus the floor at the same percentile, and
"over schedule" is what either adds to the simulator's configured timing.

Processes (2 cores): the simulator, one server process (floor, then ours), one or more client
processes; this parent only waits. `--profile` records the product server with py-spy.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _django import setup
from _harness import RESULTS, Report, ratio, summarize
from _ws import (
    FLOOR_APP,
    KNOWLEDGE_CHOICES,
    PRODUCT_APP,
    Clients,
    bench_inbox,
    bench_question,
    bench_reply,
    client_config,
    floor_environment,
    installed,
    knowledge_base,
    parse_list,
    parse_servers,
    product_environment,
    raise_fd_limit,
    serve,
    simulator,
)

WARM_UP_CLIENTS = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="50", help="comma-separated sizes (e.g. 50,200,500)")
    parser.add_argument(
        "--servers", default="uvicorn", help="comma-separated: uvicorn,daphne,granian"
    )
    parser.add_argument("--server", help="a single server (same as --servers NAME)")
    parser.add_argument(
        "--ttft-ms", type=float, default=200.0, help="simulator time to first token"
    )
    parser.add_argument("--tokens-per-second", type=float, default=20.0, help="simulator pace")
    parser.add_argument("--reply-tokens", type=int, default=30, help="words in each answer")
    parser.add_argument("--ramp-s", type=float, default=2.0, help="clients send within this window")
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument(
        "--knowledge",
        choices=KNOWLEDGE_CHOICES,
        default="none",
        help="the product's knowledge base: none (retrieval finds nothing, as the floor) or the "
        "demo articles (every turn retrieves passages and cites one)",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy the product server")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def run_round(
    server: Any, inbox: str, count: int, args: argparse.Namespace, profile: bool = False
) -> dict[str, Any]:
    """`count` clients connect, then stream one answer each; the raw samples and server CPU.
    With `profile`, py-spy records the server while the answers stream (not while connecting)."""
    timeout = args.ttft_ms / 1000 + args.reply_tokens / args.tokens_per_second + 60
    config = client_config(
        server, inbox, "stream", ramp=args.ramp_s, timeout=timeout,
        text=bench_question(args.knowledge),
    )  # fmt: skip
    clients = Clients(config, count, args.client_processes)
    try:
        connected, failed = clients.wait_ready()
        profiler = _start_profiler(server, args, count) if profile else None
        cpu_before, started = server.cpu_seconds(), time.monotonic()
        clients.command("go")
        results = clients.results()
        cpu = server.cpu_seconds() - cpu_before
        wall = time.monotonic() - started
    finally:
        clients.kill()
    profile_path = _stop_profiler(profiler) if profiler is not None else None
    samples = [c for r in results for c in r.get("clients", [])]
    ok = [c for c in samples if "error" not in c]
    errors = [c["error"] for c in samples if "error" in c]
    errors += [e for r in results for e in r["connect_errors"]]
    return {
        "clients": count,
        "connected": connected,
        "connect_failed": failed,
        "completed": len(ok),
        "errors": errors[:10],
        "error_count": len(samples) - len(ok) + failed,
        "ttft": summarize(c["ttft_ms"] for c in ok),
        "gap": summarize(g for c in ok for g in c["gaps_ms"]),
        "deltas_per_answer": summarize(c["deltas"] for c in ok),
        "server_cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "profile": profile_path,
    }


def run_stack(
    server_name: str, app: str, environment: dict[str, str], inbox: str, args: argparse.Namespace
) -> dict[int, dict[str, Any]]:
    from django.conf import settings

    rounds = {}
    with serve(server_name, app, environment, settings.VAR_DIR) as server:
        run_round(server, inbox, WARM_UP_CLIENTS, args)  # imports, pools, first queries
        for count in parse_list(args.clients):
            profile = args.profile and app == PRODUCT_APP
            rounds[count] = run_round(server, inbox, count, args, profile=profile)
            print(f"{server.name} {count} clients: {rounds[count]['ttft']}", flush=True)
    return rounds


def _start_profiler(server: Any, args: argparse.Namespace, count: int) -> Any:
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    output = (
        args.results_dir
        / f"ws_streaming-profile-{server.name.replace('/', '-')}-{count}-{stamp}.txt"
    )
    # Raw (collapsed) stacks: one line per stack with its sample count, greppable.
    # --gil: only the thread holding the GIL, i.e. where the Python CPU goes (idle threads and
    # threads waiting for the database or the GIL are left out).
    command = [
        "py-spy",
        "record",
        "--gil",
        "--format",
        "raw",
        "--rate",
        "200",
        "--output",
        str(output),
    ]
    command += ["--pid", str(server.pids()[-1])]
    spy = Path(sys.executable).parent / "py-spy"
    command[0] = str(spy) if spy.exists() else "py-spy"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches before the round starts
    return process, output


def _stop_profiler(profiler: Any) -> str:
    import signal

    process, output = profiler
    process.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
    return str(output)


def _over(value: float, schedule: float) -> float:
    return round(value - schedule, 2)


def report_rows(
    server: str, floor: dict[int, dict[str, Any]], ours: dict[int, dict[str, Any]], args: Any
) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    """Rows of the three tables: time to first token, gaps, and ours against the floor."""
    gap_schedule = 1000 / args.tokens_per_second
    ttft_rows, gap_rows, added_rows = [], [], []
    for count in sorted(ours):
        f, o = floor[count], ours[count]
        for label, r in (("floor", f), ("ours", o)):
            ttft, gap = r["ttft"], r["gap"]
            cpu_per_answer = round(1000 * r["server_cpu_s"] / max(1, r["completed"]), 2)
            ttft_rows.append([server, count, label, ttft["p50"], ttft["p99"],
                              _over(ttft["p50"], args.ttft_ms), _over(ttft["p99"], args.ttft_ms),
                              r["completed"], r["error_count"]])  # fmt: skip
            gap_rows.append([server, count, label, gap["p50"], gap["p99"],
                             _over(gap["p50"], gap_schedule), _over(gap["p99"], gap_schedule),
                             cpu_per_answer])  # fmt: skip
        added_rows.append([
            server, count,
            _over(o["ttft"]["p50"], f["ttft"]["p50"]), _over(o["ttft"]["p99"], f["ttft"]["p99"]),
            _over(o["gap"]["p50"], f["gap"]["p50"]), _over(o["gap"]["p99"], f["gap"]["p99"]),
            ratio(o["ttft"]["p50"] - args.ttft_ms, f["ttft"]["p50"] - args.ttft_ms),
            ratio(o["ttft"]["p99"], f["ttft"]["p99"]),
            ratio(o["gap"]["p99"], f["gap"]["p99"]),
            ratio(o["server_cpu_s"], f["server_cpu_s"]),
        ])  # fmt: skip
    return ttft_rows, gap_rows, added_rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    servers = [args.server] if args.server else parse_servers(args.servers)
    setup("bench_ws", redis=True)
    from django.conf import settings

    raise_fd_limit()
    params = {"clients": args.clients, "servers": ",".join(servers)}
    if args.knowledge != "none":
        params["knowledge"] = args.knowledge
    report = Report("ws_streaming", params=params)
    reply = bench_reply(args.reply_tokens, args.knowledge)
    chunks = knowledge_base(args.knowledge)
    ttft_rows: list[list[Any]] = []
    gap_rows: list[list[Any]] = []
    added_rows: list[list[Any]] = []
    with (
        simulator(args.ttft_ms, args.tokens_per_second, reply) as simulator_url,
        bench_inbox() as inbox,
    ):
        for server in servers:
            if not installed(server):
                report.note(f"{server}: NOT MEASURED, it is not installed (pip install {server}).")
                continue
            floor = run_stack(server, FLOOR_APP, floor_environment(simulator_url), inbox, args)
            ours = run_stack(server, PRODUCT_APP, product_environment(simulator_url), inbox, args)
            report.data[server] = {"floor": floor, "ours": ours}
            rows = report_rows(server, floor, ours, args)
            ttft_rows += rows[0]
            gap_rows += rows[1]
            added_rows += rows[2]
    columns = ["server", "clients", "stack", "p50", "p99", "over schedule p50", "over schedule p99"]
    report.table(f"Time to first token, ms (simulator schedule: {args.ttft_ms:g} ms)",
                 [*columns, "answers", "errors"], ttft_rows)  # fmt: skip
    report.table(f"Gap between deltas, ms (schedule: {1000 / args.tokens_per_second:g} ms)",
                 [*columns, "server CPU ms per answer"], gap_rows)  # fmt: skip
    report.table(
        "Ours minus the floor (ms) and ratios ours/floor",
        ["server", "clients", "TTFT p50", "TTFT p99", "gap p50", "gap p99",
         "ratio TTFT over schedule p50", "ratio TTFT p99", "ratio gap p99", "ratio server CPU"],
        added_rows,
    )  # fmt: skip
    report.note(
        f"Each client sends one message at a random moment within {args.ramp_s:g} s; the "
        f"simulator answers {args.reply_tokens} words at {args.tokens_per_second:g} tokens/s "
        f"after {args.ttft_ms:g} ms. Processes: simulator (1), server (1 worker), "
        f"{args.client_processes} client process(es), on {os.cpu_count()} cores."
    )
    knowledge = (
        "no knowledge base (so retrieval finds nothing)"
        if args.knowledge == "none"
        else f"the demo knowledge base ({chunks} chunks: every turn retrieves passages, and the "
        "answer cites the first; the floor retrieves nothing)"
    )
    report.note(
        "The product runs with DEBUG off, the simulator as its reply model, the classifier "
        f"route off (a second model call the floor does not make), and {knowledge}; widget "
        "rate limits are lifted by their settings."
    )
    report.data["knowledge"] = {"kind": args.knowledge, "chunks": chunks}
    report.data["config"] = vars(args) | {"results_dir": str(args.results_dir)}
    report.data["channel_layer"] = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    report.note(f"Channel layer: {report.data['channel_layer']}.")
    # The stream guard holds back the last N characters of an answer while the output checks
    # read ahead: a deliberate delay before the first token (STREAM_GUARD_HOLDBACK=0 removes it).
    report.data["stream_guard_holdback"] = settings.STREAM_GUARD_HOLDBACK
    report.note(f"Stream guard holdback: {settings.STREAM_GUARD_HOLDBACK} characters.")
    report.write(args.results_dir)
    # Errors are reported, not fatal; nothing measured at all is.
    return 0 if ttft_rows else 1


if __name__ == "__main__":
    sys.exit(main())
