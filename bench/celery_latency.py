"""B7, Celery enqueue-to-start latency and throughput, with our settings, against a Redis floor.

    python bench/celery_latency.py [--rate 50] [--seconds 5] [--burst 500] [--pool prefork]
                                   [--concurrency 2] [--results-dir DIR]

A real `celery worker` process (our app and CELERY_* settings: JSON, prefetch multiplier 1, late
acknowledgement off by default, the result backend on Redis) consumes a queue of its own. This
process enqueues the product's no-op task `assistant.echo`:
- paced: `--rate` tasks per second for `--seconds`; latency = the task's `date_done` (stored by the
  worker right after the no-op body ran, so it bounds the start from above by microseconds)
  minus the moment `apply_async` was called;
- burst: `--burst` tasks as fast as they can be queued; throughput = tasks / (last done - first
  enqueued).

Floor, in the same run: a plain Redis list between two processes (this one LPUSHes, a child
BRPOPs and records when it got each item), paced the same way and as a burst. Stalls: any
latency of 0.9 s or more is counted and reported (Celery's Redis transport polls with a 1 s
timeout by default; a task that waits for a poll shows here).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from _django import setup
from _harness import RESULTS, Report, ratio, summarize

STALL_SECONDS = 0.9
QUEUE = "bench-latency"

# The floor's consumer: BRPOP one list, push (sent, received) to another, until told to stop.
FLOOR_CONSUMER = """
import json, sys, time, redis
client = redis.Redis.from_url(sys.argv[1])
source, sink = sys.argv[2], sys.argv[3]
print("ready", flush=True)
while True:
    _, raw = client.brpop(source)
    received = time.time()
    item = json.loads(raw)
    if item.get("stop"):
        break
    client.rpush(sink, json.dumps([item["t"], received]))
"""


def paced(send: Any, rate: float, seconds: float) -> list[tuple[Any, float]]:
    """Call send() `rate` times a second for `seconds`; returns (handle, sent at) pairs."""
    interval, count = 1.0 / rate, int(rate * seconds)
    started = time.monotonic()
    sent = []
    for index in range(count):
        delay = started + index * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        at = time.time()
        sent.append((send(), at))
    return sent


def burst(send: Any, count: int) -> list[tuple[Any, float]]:
    sent = []
    for _ in range(count):
        at = time.time()
        sent.append((send(), at))
    return sent


def celery_times(sent: list[tuple[Any, float]], within: float) -> list[tuple[float, float]]:
    """(enqueued, done) of every task, waiting for all to finish."""
    times = []
    for result, at in sent:
        result.get(timeout=within)
        times.append((at, result.date_done.timestamp()))
    return times


class FloorConsumer:
    """The child process that BRPOPs the floor's list."""

    def __init__(self, redis_url: str) -> None:
        from assistant.kv import sync_redis

        self.client = sync_redis()
        key = uuid.uuid4().hex
        self.source, self.sink = f"bench:floor:{key}:in", f"bench:floor:{key}:out"
        self.process = subprocess.Popen(
            [sys.executable, "-c", FLOOR_CONSUMER, redis_url, self.source, self.sink],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "ready"

    def send(self) -> None:
        self.client.lpush(self.source, json.dumps({"t": time.time()}))

    def times(self, count: int, within: float) -> list[tuple[float, float]]:
        deadline = time.monotonic() + within
        while self.client.llen(self.sink) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        raw = self.client.lpop(self.sink, count) or []
        return [tuple(json.loads(item)) for item in raw]

    def close(self) -> None:
        self.client.lpush(self.source, json.dumps({"stop": True}))
        self.process.wait(10)
        self.client.delete(self.source, self.sink)


def latency_ms(times: list[tuple[float, float]]) -> list[float]:
    return [(done - at) * 1000 for at, done in times]


def throughput(times: list[tuple[float, float]]) -> float:
    if len(times) < 2:
        return float("nan")
    return len(times) / (max(done for _, done in times) - min(at for at, _ in times))


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings

    from assistant.tasks import echo

    def enqueue() -> Any:
        return echo.apply_async(("bench",), queue=QUEUE)

    floor = FloorConsumer(settings.REDIS_URL)
    try:
        floor_paced = paced(floor.send, args.rate, args.seconds)
        floor_paced_times = floor.times(len(floor_paced), args.timeout)
        floor_burst = burst(floor.send, args.burst)
        floor_burst_times = floor.times(len(floor_burst), args.timeout)
    finally:
        floor.close()
    ours_paced = celery_times(paced(enqueue, args.rate, args.seconds), args.timeout)
    ours_burst = celery_times(burst(enqueue, args.burst), args.timeout)
    return {
        "paced": {"ours": latency_ms(ours_paced), "floor": latency_ms(floor_paced_times)},
        "burst": {"ours": ours_burst, "floor": floor_burst_times},
    }


def report(measured: dict[str, Any], args: argparse.Namespace) -> Report:
    report = Report(
        "celery_latency",
        params={"rate": int(args.rate), "seconds": int(args.seconds), "burst": args.burst,
                "pool": args.pool, "concurrency": args.concurrency},
    )  # fmt: skip
    ours, floor = summarize(measured["paced"]["ours"]), summarize(measured["paced"]["floor"])
    stalls = {
        kind: sum(1 for ms in measured["paced"][kind] if ms >= STALL_SECONDS * 1000)
        for kind in ("ours", "floor")
    }
    report.table(
        f"Enqueue to start, {args.rate:g} tasks/s for {args.seconds:g} s (ms)",
        ["path", "n", "p50", "p90", "p99", "max", f"stalls >= {STALL_SECONDS} s"],
        [
            ["Celery (assistant.echo)", ours["n"], ours["p50"], ours["p90"], ours["p99"],
             ours.get("max"), stalls["ours"]],
            ["floor: Redis LPUSH/BRPOP", floor["n"], floor["p50"], floor["p90"], floor["p99"],
             floor.get("max"), stalls["floor"]],
            ["ratio", None, ratio(ours["p50"], floor["p50"]), ratio(ours["p90"], floor["p90"]),
             ratio(ours["p99"], floor["p99"]), None, None],
        ],
    )  # fmt: skip
    rates = {kind: throughput(measured["burst"][kind]) for kind in ("ours", "floor")}
    report.table(
        f"Throughput, a burst of {args.burst} (items/s)",
        ["path", "items", "items/s", "ratio to floor"],
        [
            ["Celery", len(measured["burst"]["ours"]), round(rates["ours"], 1),
             ratio(rates["ours"], rates["floor"])],
            ["floor: Redis LPUSH/BRPOP", len(measured["burst"]["floor"]),
             round(rates["floor"], 1), 1.0],
        ],
    )  # fmt: skip
    report.note(
        f"Worker: `celery -A assistant worker --pool {args.pool} --concurrency "
        f"{args.concurrency}` with the project's CELERY_* settings, on a queue of its own; the "
        "enqueuing process and the worker share this machine's cores."
    )
    report.note(
        "Start time: the result's date_done, written by the worker right after the no-op body; "
        "it exceeds the true start by the body's microseconds and the result write."
    )
    report.data.update(
        paced=measured["paced"],
        stalls=stalls,
        throughput=rates,
        burst_latency={k: summarize(latency_ms(v)) for k, v in measured["burst"].items()},
    )
    return report


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="paced tasks per second")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--pool", default="prefork", choices=("prefork", "solo", "threads"))
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    setup("bench_celery", redis=True)
    from _cluster import celery_worker, process_environment

    with celery_worker(
        process_environment(None), QUEUE, pool=args.pool, concurrency=args.concurrency
    ):
        measured = measure(args)
    report(measured, args).write(args.results_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
