"""The analytics dashboard's queries on rollups, against computing the same numbers from raw rows.

    python bench/analytics_dashboard.py [--conversations 1000000] [--repeat 5] [--results-dir DIR]

Generates (once; reused while the size matches) N conversations of realistic history with
`analytics.history` (the code behind `manage.py generate_history`) in the "bench_analytics"
database, builds the rollups from scratch (timed: that is the first beat run on a database of
that size), then times each query a dashboard page runs, both from the rollups and from the raw
tables (the facts computed from conversations, messages, tickets and model calls, then
aggregated). Reports medians, the ratio raw / rollup, and whether both gave the same numbers.
The machines are noisy: compare ratios, not milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _django import RESULTS, setup
from _harness import Report

DATABASE = "bench_analytics"
GOAL_MS = 200.0


def queries(now: datetime) -> list[tuple[str, Callable[[str], Any]]]:
    from analytics import sources

    def scope(days: int, tz: str = "UTC", **filters: Any) -> sources.Scope:
        return sources.Scope(start=now - timedelta(days=days), end=now, tz=tz, **filters)

    durations = ("frt_a", "frt_h", "reply_h", "resolution")
    last30, berlin30 = scope(30), scope(30, "Europe/Berlin")
    return [
        ("overview: totals, 30 days",
         lambda s: sources.conversation_groups(
             last30, sparse=("frt_a", "frt_h", "resolution", "reason"), source=s)),
        ("overview: volume by inbox per day, 30 days, Berlin",
         lambda s: sources.conversation_groups(berlin30, by=("inbox",), unit="day", source=s)),
        ("overview: by language, 30 days",
         lambda s: sources.conversation_groups(
             last30, by=("language",), sparse=("resolution",), source=s)),
        ("response times: medians per day, 30 days, Berlin",
         lambda s: sources.conversation_groups(berlin30, unit="day", sparse=durations, source=s)),
        ("csat: totals, 365 days, New York",
         lambda s: sources.conversation_groups(scope(365, "America/New_York"), source=s)),
        ("csat: per week, 365 days, UTC",
         lambda s: sources.conversation_groups(scope(365), unit="week", source=s)),
        ("agents: per team and agent, 30 days",
         lambda s: sources.conversation_groups(
             last30, by=("team", "agent"), sparse=("frt_h", "reply_h", "resolution"), source=s)),
        ("models: per provider and model, 30 days",
         lambda s: sources.call_groups(last30, sparse=("ttft",), source=s)),
        ("models: cost per day and model, 30 days",
         lambda s: sources.call_groups(last30, unit="day", source=s)),
        ("compare: two routes of one inbox, 120 days",
         lambda s: sources.conversation_groups(
             scope(120, inbox=first_inbox()), by=("route",), sparse=("frt_a",), source=s)),
        ("filtered: e-mail only, medians, 30 days",
         lambda s: sources.conversation_groups(
             scope(30, channel="email"), sparse=durations, source=s)),
        ("filtered: e-mail only, model cost per day, 30 days",
         lambda s: sources.call_groups(scope(30, channel="email"), unit="day", source=s)),
        ("filtered: inbox + language + team, 90 days",
         lambda s: sources.conversation_groups(
             scope(90, inbox=first_inbox(), language="de", team=first_team()),
             sparse=durations, source=s)),
    ]  # fmt: skip


def first_inbox() -> int:
    from assistant.chat.models import Inbox

    return Inbox.objects.filter(public_key="pk_history_1").values_list("pk", flat=True).get()


def first_team() -> int:
    from tickets.models import Team

    return Team.objects.filter(inboxes__public_key="pk_history_1").values_list("pk", flat=True)[0]


def comparable(groups: dict[Any, Any]) -> dict[str, Any]:
    """Both sources' answers in one form: exact for counts, money and sparse counts; floats
    (the cost sum of squares, added up in another order) to 6 significant digits."""
    result = {}
    for key, group in groups.items():
        sums = {
            name: (f"{value:.6g}" if isinstance(value, float) else str(value.normalize())
                   if hasattr(value, "normalize") else value)
            for name, value in group.sums.items()
        }  # fmt: skip
        sparse = {metric: dict(sorted(c.items())) for metric, c in sorted(group.sparse.items())}
        result[repr(key)] = {"sums": sums, "sparse": sparse}
    return result


def timed(function: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--raw-repeat", type=int, default=2)
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--database", default=DATABASE, help="benchmark database (created)")
    args = parser.parse_args()
    setup(args.database)

    from django.db import connection

    from analytics import history, rollups

    def log(text: str) -> None:
        print(text, flush=True)

    started = time.perf_counter()
    generated = history.generate(conversations=args.conversations, days=args.days)
    generation_s = time.perf_counter() - started
    log(
        f"history: {generated.conversations} conversations "
        f"({'reused' if generated.reused else f'generated in {generation_s:.0f} s'})"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT mark IS NOT NULL FROM analytics_rollupstate WHERE name = 'rollups'")
        row = cursor.fetchone()
    backfill_s = None
    if not generated.reused or not (row and row[0]):
        started = time.perf_counter()
        rollups.rebuild_all()
        backfill_s = time.perf_counter() - started
        log(f"rollups built from scratch in {backfill_s:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT max(created_at) FROM chat_conversation")
        latest = cursor.fetchone()[0]
        counts = {}
        for table in ("chat_conversation", "chat_message", "chat_modelcall",
                      "analytics_conversationhourly", "analytics_conversationdaily",
                      "analytics_modelcallhourly", "analytics_modelcalldaily"):  # fmt: skip
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    # "Now" is the end of the generated history, so the ranges cover real data.
    now = (latest + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    now = now.astimezone(UTC)

    started = time.perf_counter()
    incremental = rollups.refresh()
    incremental_ms = (time.perf_counter() - started) * 1000

    report: dict[str, Any] = {
        "conversations": args.conversations,
        "days": args.days,
        "generated_in_s": None if generated.reused else round(generation_s, 1),
        "rollups_built_in_s": None if backfill_s is None else round(backfill_s, 1),
        "incremental_refresh_ms": round(incremental_ms, 1),
        "incremental_touched": incremental.conversations,
        "rows": counts,
        "goal_ms": GOAL_MS,
        "queries": {},
    }
    for name, query in queries(now):
        query("rollup")  # warm the cache, as a dashboard in use would be
        rollup_times, rollup_result = timed(lambda q=query: q("rollup"), args.repeat)
        raw_times, raw_result = timed(lambda q=query: q("raw"), args.raw_repeat)
        rollup_ms, raw_ms = statistics.median(rollup_times), statistics.median(raw_times)
        row = {
            "rollup_ms": round(rollup_ms, 1),
            "rollup_max_ms": round(max(rollup_times), 1),
            "raw_ms": round(raw_ms, 1),
            "ratio": round(raw_ms / rollup_ms, 1) if rollup_ms else None,
            "same_numbers": comparable(rollup_result) == comparable(raw_result),
            "groups": len(rollup_result),
            "under_goal": rollup_ms < GOAL_MS,
        }
        report["queries"][name] = row
        log(f"{name}: rollup {row['rollup_ms']} ms, raw {row['raw_ms']} ms, x{row['ratio']}")

    harness_report(report).write(args.results_dir)


def harness_report(result: dict[str, Any]) -> Report:
    """The results in the shared format (bench/_harness.py): a table for people, all of
    `result` under "data" for machines."""
    report = Report("analytics_dashboard", params={"conversations": result["conversations"]})
    report.table(
        "Dashboard queries: rollups vs the raw scan (ms, medians)",
        ["query", "rollup ms", "raw ms", "raw / rollup", "same numbers",
         f"under {result['goal_ms']:.0f} ms"],
        [[name, row["rollup_ms"], row["raw_ms"], row["ratio"],
          "yes" if row["same_numbers"] else "NO", "yes" if row["under_goal"] else "no"]
         for name, row in result["queries"].items()],
    )  # fmt: skip
    report.note(
        f"{result['conversations']:,} conversations over {result['days']} days. "
        + (
            f"Rollups built from scratch in {result['rollups_built_in_s']} s; "
            if result["rollups_built_in_s"] is not None
            else "Rollups reused from an earlier run; "
        )
        + f"an incremental refresh with nothing new took {result['incremental_refresh_ms']} ms."
    )
    report.note("The raw scan computes the same numbers from the raw tables: the floor to beat.")
    report.data.update(result)
    return report


if __name__ == "__main__":
    main()
