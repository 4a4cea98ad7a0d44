"""Scale-out: the same chat load against one web process, then two, on one PostgreSQL and Redis.

    python bench/scale_out.py [--clients 40] [--seconds 20] [--words 40] [--tps 100]
                              [--webs 1,2] [--layer core] [--results-dir DIR]

`--clients` widget clients (real WebSockets, the real protocol) each ask for an answer, read it to
its `stream_end`, and ask again, for `--seconds`. The model is the simulator, in a process of its
own, streaming `--words` words at `--tps` words per second after `--ttft` seconds, so a turn can
never take less than ttft + words / tps (the floor: the model's own time). The clients are split
evenly over the web processes (uvicorn children on different ports, as replicas behind a load
balancer), all on the same database and Redis. Reported: turns completed per second, the time of
a turn (send to `stream_end`) and to its first delta, and their ratios to the model's time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from _django import setup
from _harness import RESULTS, Report, ratio, summarize


async def client_loop(base: str, token: str, until: float, index: int) -> dict[str, Any]:
    """One widget client: ask, read the streamed answer to its end, repeat until `until`."""
    from _cluster import ask, open_widget, question

    socket = await open_widget(base, token)
    turns, first_deltas, errors = [], [], 0
    number = 0
    try:
        while time.monotonic() < until:
            sent = time.monotonic()
            await ask(socket, question(number), f"scale-{index}-{number}")
            number += 1
            first = None
            while True:
                frame = json.loads(await asyncio.wait_for(socket.recv(), 60))
                if frame["type"] == "stream_delta" and first is None:
                    first = time.monotonic() - sent
                elif frame["type"] == "stream_end":
                    break
                elif frame["type"] == "error":
                    errors += 1
                    break
            if frame["type"] == "stream_end" and frame["message"] and first is not None:
                turns.append(time.monotonic() - sent)
                first_deltas.append(first)
    finally:
        await socket.close()
    return {"turns": turns, "first_deltas": first_deltas, "errors": errors}


async def drive(bases: list[str], tokens: list[str], seconds: float) -> dict[str, Any]:
    started = time.monotonic()
    until = started + seconds
    outcomes = await asyncio.gather(
        *(
            client_loop(bases[index % len(bases)], token, until, index)
            for index, token in enumerate(tokens)
        ),
        return_exceptions=True,
    )
    elapsed = time.monotonic() - started
    failed = [f"{type(o).__name__}: {o}" for o in outcomes if isinstance(o, BaseException)]
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    turns = [t * 1000 for o in done for t in o["turns"]]
    return {
        "elapsed": elapsed,
        "turns_completed": len(turns),
        "turns_per_second": len(turns) / elapsed,
        "turn_ms": summarize(turns),
        "first_delta_ms": summarize(t * 1000 for o in done for t in o["first_deltas"]),
        "errors": sum(o["errors"] for o in done),
        "clients_failed": failed[:5],
        "client_failures": len(failed),
    }


def run(webs: int, model_url: str, inbox: Any, args: argparse.Namespace) -> dict[str, Any]:
    from _cluster import process_environment, session_tokens

    from tests.live import LiveServer

    environment = process_environment(model_url, args.layer)
    tokens = [token for token, _ in session_tokens(inbox, args.clients)]
    with ExitStack() as stack:
        servers = [
            stack.enter_context(LiveServer(environment, name=f"bench-scale-{index}"))
            for index in range(webs)
        ]
        result = asyncio.run(drive([s.url for s in servers], tokens, args.seconds))
    result["web_processes"] = webs
    print(f"{webs} web: {result['turns_per_second']:.1f} turns/s", file=sys.stderr)
    return result


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> Report:
    report = Report(
        "scale_out",
        params={"clients": args.clients, "seconds": int(args.seconds), "words": args.words,
                "webs": ",".join(map(str, args.webs)), "layer": args.layer},
    )  # fmt: skip
    model_ms = (args.ttft + args.words / args.tps) * 1000
    base = results[0]["turns_per_second"]
    report.table(
        "Throughput and latency",
        ["web processes", "turns", "turns/s", "x first row", "turn p50 ms", "turn p99 ms",
         "turn p50 / model time", "first delta p50 ms", "first delta p99 ms", "errors"],
        [
            [r["web_processes"], r["turns_completed"], round(r["turns_per_second"], 2),
             ratio(r["turns_per_second"], base), r["turn_ms"]["p50"], r["turn_ms"]["p99"],
             ratio(r["turn_ms"]["p50"], model_ms), r["first_delta_ms"]["p50"],
             r["first_delta_ms"]["p99"], r["errors"] + r["client_failures"]]
            for r in results
        ],
    )  # fmt: skip
    report.note(
        f"Floor: the model's own time per turn, {model_ms:.0f} ms (first token after "
        f"{args.ttft:g} s, then {args.words} words at {args.tps:g}/s); a web process that added "
        "nothing would give a ratio of 1.00 and clients / that time turns per second."
    )
    report.note(
        f"{args.clients} clients, each asking again as soon as an answer ends, for "
        f"{args.seconds:g} s; split evenly over the web processes. This process runs every "
        "client; the simulator runs in its own process; PostgreSQL and Redis are the embedded "
        "servers; all share this machine's cores."
    )
    report.data["results"] = results
    return report


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--words", type=int, default=40)
    parser.add_argument("--tps", type=float, default=100.0, help="simulator words per second")
    parser.add_argument("--ttft", type=float, default=0.2)
    parser.add_argument("--webs", default="1,2", help="numbers of web processes to run")
    parser.add_argument(
        "--layer", default="pubsub", help="channel layer: pubsub (the default) or core"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.webs = [int(n) for n in args.webs.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    setup("bench_scale_out", redis=True)
    from _cluster import ensure_story_article, make_inbox_with_team, model_simulator, use_layer

    use_layer(args.layer)
    ensure_story_article()
    inbox, _team = make_inbox_with_team()
    with model_simulator(
        words=args.words, tokens_per_second=args.tps, ttft=args.ttft, own_process=True
    ) as model_url:
        results = [run(webs, model_url, inbox, args) for webs in args.webs]
    report(results, args).write(args.results_dir)
    failures = sum(r["client_failures"] for r in results)
    return 1 if failures or any(r["turns_completed"] == 0 for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
