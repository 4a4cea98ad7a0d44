"""Keeping the facts and rollups in step with the raw tables, incrementally.

`refresh()` is what the Celery beat task runs every minute:

1. The first run backfills month by month (UTC), each month in its own transaction, recording
   the month it finished in `RollupState.backfill_cursor`; an interrupted backfill resumes at
   the next month. Changes made while it ran are picked up by the next run, because the
   watermark becomes the time the backfill *started*.
2. Later runs find every conversation touched since the watermark (minus a lag that covers
   transactions still open when the previous run looked), recompute their facts, and rebuild
   the hour and day rollup rows of the periods those conversations started in. Model call
   rollups are rebuilt for the periods in which calls were stored.

Every step replaces rows rather than adding to them, so a run that is repeated, or one that died
half-way (its transaction rolled back), leaves exactly what one clean run would. A PostgreSQL
advisory lock keeps two runs from overlapping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analytics import cube, measures
from analytics.facts import FACT_COLUMNS, fact_params, facts_sql
from analytics.models import RollupState

log = logging.getLogger(__name__)

STATE_NAME = "rollups"
# Any constant; it only has to differ from the other advisory locks of this database.
ADVISORY_LOCK = 0x616E616C  # "anal"
STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
CONVERSATION_TABLES = {"hour": "analytics_conversationhourly", "day": "analytics_conversationdaily"}
CALL_TABLES = {"hour": "analytics_modelcallhourly", "day": "analytics_modelcalldaily"}


@dataclass(frozen=True)
class RefreshResult:
    skipped: bool = False
    backfilled_months: int = 0
    conversations: int = 0
    hours: int = 0
    days: int = 0
    call_hours: int = 0


# ---------------------------------------------------------------------------------------------
# Building rollup rows for a set of periods
# ---------------------------------------------------------------------------------------------


def _grouping_mask(dimensions: Sequence[str], level: Sequence[str]) -> int:
    """PostgreSQL's GROUPING() value for a level: one bit per column, set when not grouped, the
    first column the most significant."""
    n = len(dimensions)
    return sum(1 << (n - 1 - i) for i, name in enumerate(dimensions) if name not in level)


def build_sql(
    *,
    target: str,
    source: str,
    dimensions: dict[str, str],
    levels: Sequence[tuple[str, ...]],
    sums: Sequence[tuple[str, str]],
    sparse: str,
) -> str:
    """INSERT rollup rows for every level from `source` (rows with a `period` column)."""
    names = list(dimensions)
    cols = [dimensions[name] for name in names]
    col_list = ", ".join(cols)
    f_cols = ", ".join(f"f.{c}" for c in cols)
    sets = ", ".join("(" + ", ".join(f"f.{dimensions[d]}" for d in level) + ")" for level in levels)
    level_case = " ".join(
        f"WHEN {_grouping_mask(names, level)} THEN {index}" for index, level in enumerate(levels)
    )
    sum_exprs = ", ".join(f"{expr} AS {name}" for name, expr in sums)
    sum_names = ", ".join(f"s.{name}" for name, _ in sums)
    join = " AND ".join(f"sp.{c} IS NOT DISTINCT FROM s.{c}" for c in cols)
    return f"""
WITH f AS ({source}),
sums AS (
    SELECT f.period, GROUPING({f_cols}) AS g, {f_cols}, {sum_exprs}
    FROM f GROUP BY f.period, GROUPING SETS ({sets})
),
counted AS (
    SELECT f.period, GROUPING({f_cols}) AS g, {f_cols}, x.metric, x.k, count(*) AS n
    FROM f CROSS JOIN LATERAL ({sparse}) x
    GROUP BY f.period, x.metric, x.k, GROUPING SETS ({sets})
),
per_metric AS (
    SELECT period, g, {col_list}, metric, jsonb_object_agg(k, n) AS counts
    FROM counted GROUP BY period, g, {col_list}, metric
),
sparse AS (
    SELECT period, g, {col_list}, jsonb_object_agg(metric, counts) AS sparse
    FROM per_metric GROUP BY period, g, {col_list}
)
INSERT INTO {target} (period, level, {col_list}, {", ".join(n for n, _ in sums)}, sparse)
SELECT s.period, CASE s.g {level_case} END, {", ".join(f"s.{c}" for c in cols)}, {sum_names},
       coalesce(sp.sparse, '{{}}'::jsonb)
FROM sums s
LEFT JOIN sparse sp ON sp.period = s.period AND sp.g = s.g AND {join}
"""


def _periods_source(inner: str) -> str:
    return f"""
SELECT p.start AS period, x.*
FROM unnest(%(periods)s::timestamptz[]) AS p(start)
CROSS JOIN LATERAL ({inner}) x
"""


CONVERSATION_SOURCE = _periods_source(
    "SELECT * FROM analytics_conversationfact fact "
    "WHERE fact.created_at >= p.start AND fact.created_at < p.start + %(step)s"
)
CALL_SOURCE = _periods_source(
    measures.CALLS_SELECT.format(
        where="mc.created_at >= p.start AND mc.created_at < p.start + %(step)s"
    )
)


def rebuild_conversation_rollups(unit: str, periods: Sequence[datetime]) -> None:
    if not periods:
        return
    table = CONVERSATION_TABLES[unit]
    sql = build_sql(
        target=table,
        source=CONVERSATION_SOURCE,
        dimensions=cube.CONVERSATION_DIMENSIONS,
        levels=cube.CONVERSATION_LEVELS,
        sums=measures.CONVERSATION_SUMS,
        sparse=measures.CONVERSATION_SPARSE,
    )
    params = {"periods": list(periods), "step": STEP[unit]}
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE period = ANY(%(periods)s)", params)
        cursor.execute(sql, params)


def rebuild_call_rollups(unit: str, periods: Sequence[datetime]) -> None:
    if not periods:
        return
    table = CALL_TABLES[unit]
    sql = build_sql(
        target=table,
        source=CALL_SOURCE,
        dimensions=cube.CALL_DIMENSIONS,
        levels=cube.CALL_LEVELS,
        sums=measures.CALL_SUMS,
        sparse=measures.CALL_SPARSE,
    )
    params = {"periods": list(periods), "step": STEP[unit]}
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE period = ANY(%(periods)s)", params)
        cursor.execute(sql, params)


# ---------------------------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------------------------

_UPSERT = """
INSERT INTO analytics_conversationfact ({columns}, refreshed_at)
SELECT {columns}, now() FROM ({select}) AS computed
ON CONFLICT (conversation_id) DO UPDATE SET {updates}, refreshed_at = now()
"""


def _upsert_sql(where: str) -> str:
    columns = ", ".join(FACT_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS if c != "conversation_id")
    return _UPSERT.format(columns=columns, select=facts_sql(where), updates=updates)


def refresh_facts_between(start: datetime, end: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert_sql("c.created_at >= %(start)s AND c.created_at < %(end)s"),
            fact_params(start=start, end=end),
        )


def refresh_facts_for(ids: Sequence[str]) -> None:
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql("c.id = ANY(%(ids)s::uuid[])"), fact_params(ids=list(ids)))


# Every way a conversation's facts can change after it was last computed (docs/analytics.md,
# "Freshness"). Each branch is an indexed range scan except the ticket ones, which scan tickets.
_TOUCHED = """
SELECT id FROM chat_conversation WHERE updated_at >= %(since)s
UNION SELECT conversation_id FROM chat_message WHERE created_at >= %(since)s
UNION SELECT conversation_id FROM chat_modelcall
    WHERE created_at >= %(since)s AND conversation_id IS NOT NULL
UNION SELECT conversation_id FROM tickets_ticket
    WHERE updated_at >= %(since)s AND conversation_id IS NOT NULL
UNION SELECT t.conversation_id FROM tickets_ticketevent e
    JOIN tickets_ticket t ON t.id = e.ticket_id
    WHERE e.created_at >= %(since)s AND t.conversation_id IS NOT NULL
UNION SELECT earlier.id FROM chat_conversation later
    JOIN chat_conversation earlier ON earlier.contact_id = later.contact_id
        AND earlier.id <> later.id
        AND earlier.resolved_at < later.created_at
        AND earlier.resolved_at >= later.created_at - %(window)s
    WHERE later.updated_at >= %(since)s
"""


def touched_conversations(since: datetime) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_TOUCHED, fact_params(since=since))
        return [str(row[0]) for row in cursor.fetchall()]


def _fact_periods(ids: Sequence[str]) -> tuple[list[datetime], list[datetime]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT date_trunc('hour', created_at, 'UTC'), "
            "date_trunc('day', created_at, 'UTC') "
            "FROM analytics_conversationfact WHERE conversation_id = ANY(%s::uuid[])",
            [list(ids)],
        )
        rows = cursor.fetchall()
    return sorted({r[0] for r in rows}), sorted({r[1] for r in rows})


def _call_periods(since: datetime) -> tuple[list[datetime], list[datetime]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT date_trunc('hour', created_at, 'UTC'), "
            "date_trunc('day', created_at, 'UTC') FROM chat_modelcall WHERE created_at >= %s",
            [since],
        )
        rows = cursor.fetchall()
    return sorted({r[0] for r in rows}), sorted({r[1] for r in rows})


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def _month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(moment: datetime) -> datetime:
    return (moment.replace(day=28) + timedelta(days=4)).replace(day=1)


def _hours(start: datetime, end: datetime) -> list[datetime]:
    count = int((end - start) / STEP["hour"])
    return [start + i * STEP["hour"] for i in range(count)]


def _days(start: datetime, end: datetime) -> list[datetime]:
    count = int((end - start) / STEP["day"])
    return [start + i * STEP["day"] for i in range(count)]


def _earliest_activity() -> datetime | None:
    # Facts count too: they outlive conversations deleted by retention, and a backfill that
    # started after those were deleted (a rebuild after a migration) must still roll them up.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT least((SELECT min(created_at) FROM chat_conversation), "
            "(SELECT min(created_at) FROM chat_modelcall), "
            "(SELECT min(created_at) FROM analytics_conversationfact))"
        )
        return cursor.fetchone()[0]


def backfill_month(month: datetime) -> None:
    """Recompute one UTC month from scratch: facts, then hour and day rollups."""
    end = _next_month(month)
    refresh_facts_between(month, end)
    rebuild_conversation_rollups("hour", _hours(month, end))
    rebuild_conversation_rollups("day", _days(month, end))
    rebuild_call_rollups("hour", _hours(month, end))
    rebuild_call_rollups("day", _days(month, end))


def _try_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK])
        return bool(cursor.fetchone()[0])


def _unlock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK])


def refresh(*, now: datetime | None = None, max_months: int | None = None) -> RefreshResult:
    """Bring facts and rollups up to date. `max_months` stops a backfill early (tests use it to
    interrupt one on purpose; the next call resumes)."""
    if not _try_lock():
        return RefreshResult(skipped=True)
    started = time.monotonic()
    try:
        state, _created = RollupState.objects.get_or_create(name=STATE_NAME)
        now = now or timezone.now()
        if state.mark is None:
            result = _backfill(state, now, max_months)
        else:
            result = _incremental(state, now)
        RollupState.objects.filter(pk=state.pk).update(
            runs=state.runs + 1,
            last_run_at=now,
            last_duration_ms=(time.monotonic() - started) * 1000,
            last_touched=result.conversations,
        )
        return result
    finally:
        _unlock()


def _backfill(state: RollupState, now: datetime, max_months: int | None) -> RefreshResult:
    # The watermark a finished backfill hands over is the moment the backfill first started, kept
    # across interruptions, so changes made while it ran are caught by the next run.
    if state.backfill_cursor is None:
        earliest = _earliest_activity()
        state.backfill_cursor = _month_start(earliest) if earliest else _month_start(now)
        state.backfill_started = now
        RollupState.objects.filter(pk=state.pk).update(
            backfill_cursor=state.backfill_cursor, backfill_started=now
        )
    backfill_started = state.backfill_started or now
    month = state.backfill_cursor
    done = 0
    while month <= now:
        if max_months is not None and done >= max_months:
            return RefreshResult(backfilled_months=done)
        with transaction.atomic():
            backfill_month(month)
            month = _next_month(month)
            RollupState.objects.filter(pk=state.pk).update(backfill_cursor=month)
        done += 1
        log.info("analytics backfill: done up to %s", month.date())
    RollupState.objects.filter(pk=state.pk).update(
        mark=backfill_started, backfill_cursor=None, backfill_started=None
    )
    return RefreshResult(backfilled_months=done)


def _incremental(state: RollupState, now: datetime) -> RefreshResult:
    since = state.mark - timedelta(seconds=settings.ANALYTICS_ROLLUP_LAG_SECONDS)
    with transaction.atomic():
        ids = touched_conversations(since)
        refresh_facts_for(ids)
        hours, days = _fact_periods(ids)
        rebuild_conversation_rollups("hour", hours)
        rebuild_conversation_rollups("day", days)
        call_hours, call_days = _call_periods(since)
        rebuild_call_rollups("hour", call_hours)
        rebuild_call_rollups("day", call_days)
        RollupState.objects.filter(pk=state.pk).update(mark=now)
    return RefreshResult(
        conversations=len(ids), hours=len(hours), days=len(days), call_hours=len(call_hours)
    )


def rebuild_all() -> RefreshResult:
    """Forget the watermark and recompute everything (after changing a definition or setting,
    e.g. ANALYTICS_REOPEN_WINDOW_HOURS)."""
    with transaction.atomic():
        RollupState.objects.filter(name=STATE_NAME).delete()
        with connection.cursor() as cursor:
            for table in (*CONVERSATION_TABLES.values(), *CALL_TABLES.values()):
                cursor.execute(f"TRUNCATE {table}")
            cursor.execute("TRUNCATE analytics_conversationfact")
    return refresh()
