"""Sums and sparse counts per group, read from the rollups or computed from the raw rows.

Every number on the dashboards comes from `conversation_groups` or `call_groups`. With
source="rollup" (the pages) they add up stored rollup rows; with source="raw" (the benchmark's
baseline and the tests' oracle) they compute the same sums from the raw tables. Both return the
same structure, so everything downstream (rates, percentiles, intervals) is shared.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.db import connection, transaction

from analytics import cube, measures
from analytics.facts import fact_params, facts_sql

Source = Literal["rollup", "raw"]
UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "GMT", "Etc/GMT", "Etc/Universal", "Universal", "Zulu",
     "Etc/Zulu", "Etc/Greenwich", "Greenwich", "Etc/GMT0", "GMT0", "Etc/GMT+0", "Etc/GMT-0"}
)  # fmt: skip
UNITS = ("hour", "day", "week", "month")
MONEY = frozenset({"cost", "cost_human"})
KNOWN_SPARSE = frozenset(measures.CONVERSATION_SPARSE_METRICS + measures.CALL_SPARSE_METRICS)


@dataclass(frozen=True)
class Scope:
    """What a page asks about: [start, end) in UTC on whole hours, a zone for calendar buckets,
    and filters (None: any). `inboxes` limits everything to these inboxes (a manager's teams)."""

    start: datetime
    end: datetime
    tz: str = "UTC"
    inbox: int | None = None
    channel: str | None = None
    team: int | None = None
    agent: int | None = None
    language: str | None = None
    route: str | None = None
    model: str | None = None
    inboxes: tuple[int, ...] | None = None

    def conversation_filters(self) -> dict[str, Any]:
        names = ("inbox", "channel", "team", "agent", "language", "route", "model")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


@dataclass
class Group:
    key: tuple[Any, ...]
    sums: dict[str, Any] = field(default_factory=dict)
    sparse: dict[str, Counter[str]] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.sums.get(name, 0)

    def counts(self, metric: str) -> Counter[str]:
        return self.sparse.get(metric, Counter())


@dataclass
class Query:
    """Where clauses and parameters for one read, shared by the sums and the sparse counts."""

    where: list[str]
    params: dict[str, Any]
    group: list[str]


# ---------------------------------------------------------------------------------------------
# Filters and grouping
# ---------------------------------------------------------------------------------------------


def _conversation_query(scope: Scope, by: Sequence[str], unit: str | None) -> Query:
    where: list[str] = []
    params: dict[str, Any] = {"tz": scope.tz}
    for name, value in scope.conversation_filters().items():
        column = cube.CONVERSATION_DIMENSIONS[name]
        where.append(f"r.{column} = %(f_{name})s")
        params[f"f_{name}"] = value
    if scope.inboxes is not None:
        where.append("r.inbox_id = ANY(%(f_inboxes)s)")
        params["f_inboxes"] = list(scope.inboxes)
    group = _group_exprs(cube.CONVERSATION_DIMENSIONS, by, unit, params)
    return Query(where, params, group)


def _call_query(scope: Scope, by: Sequence[str], unit: str | None) -> Query:
    where: list[str] = []
    params: dict[str, Any] = {"tz": scope.tz}
    if scope.inbox is not None:
        where.append("r.inbox_id = %(f_inbox)s")
        params["f_inbox"] = scope.inbox
    if scope.inboxes is not None:
        where.append("r.inbox_id = ANY(%(f_inboxes)s)")
        params["f_inboxes"] = list(scope.inboxes)
    if scope.channel is not None:
        where.append("r.channel = %(f_channel)s")
        params["f_channel"] = scope.channel
    if scope.route is not None:
        where.append("r.route = %(f_route)s")
        params["f_route"] = scope.route
    if scope.model is not None:
        provider, _, model = scope.model.partition("/")
        where.append("r.provider = %(f_provider)s AND r.model = %(f_model)s")
        params.update(f_provider=provider, f_model=model)
    group = _group_exprs(cube.CALL_DIMENSIONS, by, unit, params)
    return Query(where, params, group)


def _call_needs(scope: Scope, by: Sequence[str]) -> set[str]:
    needed = set(by)
    if scope.inbox is not None or scope.inboxes is not None:
        needed.add("inbox")
    if scope.channel is not None:
        needed.add("channel")
    if scope.route is not None:
        needed.add("route")
    if scope.model is not None:
        needed |= {"provider", "model"}
    return needed


def _conversation_needs(scope: Scope, by: Sequence[str]) -> set[str]:
    needed = set(by) | set(scope.conversation_filters())
    if scope.inboxes is not None:
        needed.add("inbox")
    return needed


def _group_exprs(
    dimensions: dict[str, str], by: Sequence[str], unit: str | None, params: dict[str, Any]
) -> list[str]:
    exprs = []
    if unit is not None:
        if unit not in UNITS:
            raise ValueError(unit)
        params["unit"] = unit
        # The local calendar bucket of the UTC hour (see docs/analytics.md, "Time zones").
        exprs.append("date_trunc(%(unit)s, r.period AT TIME ZONE %(tz)s)")
    exprs.extend(f"r.{dimensions[name]}" for name in by)
    return exprs


def _where(query: Query) -> str:
    return "".join(f" AND {clause}" for clause in query.where)


# ---------------------------------------------------------------------------------------------
# Reading rollups
# ---------------------------------------------------------------------------------------------


def _day_floor(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _rollup_rows(
    scope: Scope, *, hourly: str, daily: str, level: int, unit: str | None, query: Query
) -> str:
    """A UNION of hour rows and day rows covering [start, end) exactly once."""
    where = _where(query)
    query.params.update(level=level, start=scope.start, end=scope.end)
    use_days = unit is None or (unit != "hour" and scope.tz in UTC_NAMES)
    first_day = _day_floor(scope.start)
    if first_day < scope.start:
        first_day += timedelta(days=1)
    last_day = _day_floor(scope.end)
    if not use_days or first_day >= last_day:
        return (
            f"SELECT r.* FROM {hourly} r WHERE r.level = %(level)s "
            f"AND r.period >= %(start)s AND r.period < %(end)s{where}"
        )
    query.params.update(first_day=first_day, last_day=last_day)
    return (
        f"SELECT r.* FROM {hourly} r WHERE r.level = %(level)s AND ("
        f"(r.period >= %(start)s AND r.period < %(first_day)s) OR "
        f"(r.period >= %(last_day)s AND r.period < %(end)s)){where} "
        f"UNION ALL SELECT r.* FROM {daily} r WHERE r.level = %(level)s "
        f"AND r.period >= %(first_day)s AND r.period < %(last_day)s{where}"
    )


def _metric(name: str) -> str:
    if name not in KNOWN_SPARSE:
        raise ValueError(name)
    return name


def _collect(
    sums_sql: str,
    sum_names: Sequence[str],
    sparse_sql: str | None,
    params: dict[str, Any],
    n_keys: int,
    stored_sparse: tuple[str, ...] = (),
) -> dict[tuple[Any, ...], Group]:
    groups: dict[tuple[Any, ...], Group] = {}
    with connection.cursor() as cursor:
        cursor.execute(sums_sql, params)
        for row in cursor.fetchall():
            key = tuple(row[:n_keys])
            values = dict(zip(sum_names, row[n_keys:], strict=True))
            # Counts come back as Decimal from sum(); only money stays Decimal.
            groups[key] = Group(
                key,
                {
                    name: int(v) if isinstance(v, Decimal) and name not in MONEY else v
                    for name, v in values.items()
                },
            )
        if sparse_sql is not None and stored_sparse:
            cursor.execute(sparse_sql, params)
            for row in cursor.fetchall():
                group = groups.setdefault(tuple(row[:n_keys]), Group(tuple(row[:n_keys])))
                for metric, counts in zip(stored_sparse, row[n_keys:], strict=True):
                    if counts:
                        # Counter.update adds: the same as summing the counts per key in SQL.
                        group.sparse.setdefault(metric, Counter()).update(
                            counts if isinstance(counts, dict) else json.loads(counts)
                        )
        elif sparse_sql is not None:
            cursor.execute(sparse_sql, params)
            for row in cursor.fetchall():
                key = tuple(row[:n_keys])
                metric, k, n = row[n_keys:]
                group = groups.setdefault(key, Group(key))
                group.sparse.setdefault(metric, Counter())[k] += int(n)
    return groups


def _read(
    rows_sql: str,
    query: Query,
    sums: Sequence[tuple[str, str]],
    sparse: Sequence[str],
    *,
    from_rollup: bool,
    sparse_source: str,
) -> dict[tuple[Any, ...], Group]:
    group_list = ", ".join(query.group)
    select_keys = f"{group_list}, " if query.group else ""
    group_by = f" GROUP BY {group_list}" if query.group else ""
    if from_rollup:
        sum_sql = ", ".join(f"coalesce(sum(r.{name}), 0)" for name, _ in sums)
    else:
        sum_sql = ", ".join(expr.replace("f.", "r.") for _name, expr in sums)
    sums_sql = f"WITH r AS ({rows_sql}) SELECT {select_keys}{sum_sql} FROM r{group_by}"
    if not query.group:
        # An empty range still has one (all-zero) total row.
        sums_sql = f"WITH r AS ({rows_sql}) SELECT {sum_sql} FROM r"
    sparse_sql = None
    if sparse:
        query.params["metrics"] = list(sparse)
        if from_rollup:
            # The stored counts are merged here rather than in SQL: fetching each row's few
            # small JSON objects and adding them up in Python is several times faster than
            # PostgreSQL expanding, sorting and re-aggregating every key (bench/, 1M rows).
            wanted = ", ".join(f"r.sparse -> '{_metric(m)}'" for m in sparse)
            sparse_sql = f"WITH r AS ({rows_sql}) SELECT {select_keys}{wanted} FROM r"
            return _collect(
                sums_sql, [n for n, _ in sums], sparse_sql, query.params, len(query.group),
                stored_sparse=tuple(sparse),
            )  # fmt: skip
        else:
            body = (
                f"SELECT {select_keys}x.metric, x.k, count(*) FROM r AS f "
                f"CROSS JOIN LATERAL ({sparse_source}) x WHERE x.metric = ANY(%(metrics)s) "
                f"GROUP BY {select_keys}x.metric, x.k"
            ).replace("r.", "f.")
        sparse_sql = f"WITH r AS ({rows_sql}) {body}"
    return _collect(sums_sql, [n for n, _ in sums], sparse_sql, query.params, len(query.group))


# ---------------------------------------------------------------------------------------------
# The two entry points
# ---------------------------------------------------------------------------------------------


def conversation_groups(
    scope: Scope,
    *,
    by: Sequence[str] = (),
    unit: str | None = None,
    sparse: Sequence[str] = (),
    source: Source = "rollup",
) -> dict[tuple[Any, ...], Group]:
    """Conversations started in the scope, grouped by an optional local calendar unit first,
    then by the given dimensions."""
    query = _conversation_query(scope, by, unit)
    if source == "rollup":
        level = cube.pick_level(cube.CONVERSATION_LEVELS, _conversation_needs(scope, by))
        rows = _rollup_rows(
            scope,
            hourly="analytics_conversationhourly",
            daily="analytics_conversationdaily",
            level=level,
            unit=unit,
            query=query,
        )
        return _read(
            rows,
            query,
            measures.CONVERSATION_SUMS,
            sparse,
            from_rollup=True,
            sparse_source=measures.CONVERSATION_SPARSE,
        )
    with transaction.atomic():
        # Facts are computed once per call into a temporary table and read twice (sums, then
        # sparse counts), as a dashboard without rollups would best do it.
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS analytics_raw_facts")
            cursor.execute(
                "CREATE TEMP TABLE analytics_raw_facts ON COMMIT DROP AS "
                "SELECT x.*, date_trunc('hour', x.created_at, 'UTC') AS period FROM ("
                + facts_sql("c.created_at >= %(start)s AND c.created_at < %(end)s")
                + ") x",
                fact_params(start=scope.start, end=scope.end),
            )
        rows = f"SELECT r.* FROM analytics_raw_facts r WHERE true{_where(query)}"
        return _read(
            rows,
            query,
            measures.CONVERSATION_SUMS,
            sparse,
            from_rollup=False,
            sparse_source=measures.CONVERSATION_SPARSE,
        )


def call_groups(
    scope: Scope,
    *,
    by: Sequence[str] = ("provider", "model", "currency"),
    unit: str | None = None,
    sparse: Sequence[str] = (),
    source: Source = "rollup",
) -> dict[tuple[Any, ...], Group]:
    """Model calls made in the scope (team, agent and language filters do not apply: a call
    belongs to an inbox, a channel and a route, not to a person)."""
    query = _call_query(scope, by, unit)
    if source == "rollup":
        level = cube.pick_level(cube.CALL_LEVELS, _call_needs(scope, by))
        rows = _rollup_rows(
            scope,
            hourly="analytics_modelcallhourly",
            daily="analytics_modelcalldaily",
            level=level,
            unit=unit,
            query=query,
        )
        return _read(
            rows,
            query,
            measures.CALL_SUMS,
            sparse,
            from_rollup=True,
            sparse_source=measures.CALL_SPARSE,
        )
    calls = measures.CALLS_SELECT.format(
        where="mc.created_at >= %(start)s AND mc.created_at < %(end)s"
    )
    query.params.update(start=scope.start, end=scope.end)
    rows = (
        f"SELECT r.* FROM (SELECT x.*, date_trunc('hour', x.created_at, 'UTC') AS period "
        f"FROM ({calls}) x) r WHERE true{_where(query)}"
    )
    return _read(
        rows,
        query,
        measures.CALL_SUMS,
        sparse,
        from_rollup=False,
        sparse_source=measures.CALL_SPARSE,
    )


def as_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))
