"""The rollups equal the raw computation: after a backfill, after late changes picked up
incrementally, after an interrupted backfill, and for random histories (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import buckets, rollups
from analytics.models import ConversationHourly, RollupState
from analytics.sources import Scope
from assistant.chat.models import Conversation
from assistant.usage.models import ModelCall
from tests.analytics.builders import Call, Spec, build, make_contact
from tests.analytics.conftest import NOW, refreshed, same, total

pytestmark = pytest.mark.django_db
START = datetime(2026, 1, 1, tzinfo=UTC)
WHOLE = Scope(START, datetime(2026, 4, 1, tzinfo=UTC))


def test_the_sql_bucket_function_agrees_with_python() -> None:
    values = [0, 0.001, 0.5, 1, 1.2, 99.1, 100, 100.01, 101, 109.5, 110, 999, 1000, 1001, 1234,
              9999, 10_001, 123_456.7, 2_600_000]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT analytics_bucket(x) FROM unnest(%s::float8[]) x", [[float(v) for v in values]]
        )
        in_sql = [row[0] for row in cursor.fetchall()]
    assert in_sql == [buckets.bucket(v) for v in values]
    assert [buckets.bucket(v) for v in (0.5, 101, 1234, 123_456.7)] == [1, 110, 1300, 130_000]


def _history(inbox: Any) -> list[Conversation]:
    """Forty conversations over two months: most resolved, some rated, a few returning."""
    contact = make_contact(inbox)
    conversations = []
    for i in range(40):
        start = START + timedelta(days=i * 1.5, hours=(i * 7) % 24)
        conversations.append(
            build(
                inbox,
                Spec(
                    start,
                    messages=[(0, "customer"), (2 + i % 5, "assistant")],
                    resolved=600 if i % 4 else None,
                    csat=(i % 5) + 1 if i % 4 and i % 2 else None,
                    contact=contact if i % 6 == 0 else None,
                    calls=[Call(cost=Decimal("0.001") * (i + 1))],
                ),
            )
        )
    return conversations


def test_late_changes_reach_the_rollups_on_the_next_run(inbox: Any) -> None:
    conversations = _history(inbox)
    refreshed(NOW)
    before = total(WHOLE)

    # A rating, a handoff and a model call arrive weeks after the conversations started; and a
    # returning customer reopens an old resolution.
    later = NOW + timedelta(minutes=5)
    rated, handed, resolved = conversations[1], conversations[4], conversations[5]
    Conversation.objects.filter(pk=rated.pk).update(csat_score=1, updated_at=later)
    Conversation.objects.filter(pk=handed.pk).update(
        handoff_at=handed.created_at + timedelta(minutes=1), handoff_reason="keyword",
        updated_at=later,
    )  # fmt: skip
    reopened_by = build(
        inbox,
        Spec(resolved.resolved_at + timedelta(hours=1), contact=resolved.contact),
    )
    Conversation.objects.filter(pk=reopened_by.pk).update(updated_at=later)
    result = refreshed(later + timedelta(minutes=1))

    assert result.conversations >= 3
    rollup, raw = same(WHOLE)
    assert rollup == raw
    after = total(WHOLE)
    assert after.handed_off == before.handed_off + 1
    assert after.conversations == before.conversations + 1
    assert after.reopened > before.reopened


def test_a_run_repeated_changes_nothing(inbox: Any) -> None:
    _history(inbox)
    refreshed(NOW)
    first = list(ConversationHourly.objects.order_by("period", "level", "pk").values())
    RollupState.objects.update(mark=NOW - timedelta(days=365))  # re-read everything
    refreshed(NOW)
    second = list(ConversationHourly.objects.order_by("period", "level", "pk").values())
    strip = lambda rows: [{k: v for k, v in row.items() if k != "id"} for row in rows]  # noqa: E731
    assert sorted(map(repr, strip(first))) == sorted(map(repr, strip(second)))


def test_an_interrupted_backfill_resumes_where_it_stopped(inbox: Any) -> None:
    _history(inbox)
    refreshed_part = rollups.refresh(now=NOW, max_months=1)
    assert refreshed_part.backfilled_months == 1
    state = RollupState.objects.get()
    assert state.mark is None and state.backfill_cursor == datetime(2026, 2, 1, tzinfo=UTC)
    # A change made while the backfill was stopped, in a month it had already done.
    first = Conversation.objects.order_by("created_at").first()
    Conversation.objects.filter(pk=first.pk).update(csat_score=5, updated_at=NOW)
    result = rollups.refresh(now=NOW + timedelta(minutes=1))
    assert result.backfilled_months == 2  # February and March
    state.refresh_from_db()
    assert state.mark == NOW and state.backfill_cursor is None
    refreshed(NOW + timedelta(minutes=2))
    rollup, raw = same(WHOLE)
    assert rollup == raw


def test_a_second_run_while_one_holds_the_lock_is_skipped(inbox: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [rollups.ADVISORY_LOCK])
    try:
        # The lock is reentrant for this session, so take it from another connection.
        from django.db import connections

        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [rollups.ADVISORY_LOCK])
                assert cursor.fetchone()[0] is False
        finally:
            other.close()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [rollups.ADVISORY_LOCK])


def test_the_beat_task_refreshes(inbox: Any) -> None:
    from analytics.tasks import refresh_rollups

    _history(inbox)
    result = refresh_rollups.apply().get()
    assert result["backfilled_months"] >= 3 and not result["skipped"]


def test_the_beat_schedule_runs_the_task_every_minute() -> None:
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["analytics.refresh_rollups"]
    assert entry == {"task": "analytics.tasks.refresh_rollups", "schedule": 60.0}


# ---------------------------------------------------------------------------------------------
# Property: for random histories, rollups == raw, whatever the filters, grouping and zone
# ---------------------------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]

conversation_strategy = st.fixed_dictionaries(
    {
        "minute": st.integers(0, 60 * 24 * 20),  # within 20 days from START
        "assistant": st.one_of(st.none(), st.floats(0.1, 300)),
        "handoff": st.one_of(st.none(), st.floats(1, 600)),
        "agent_after": st.one_of(st.none(), st.floats(1, 7200)),
        "resolved_after": st.one_of(st.none(), st.floats(10, 4 * 86400)),
        "csat": st.one_of(st.none(), st.integers(1, 5)),
        "language": st.sampled_from(["en", "de", "zh-hans"]),
        "topic": st.sampled_from(["", "returns", "billing"]),
        "route": st.sampled_from(["reply", "reply-lite"]),
        "inbox": st.integers(0, 1),
        "channel": st.sampled_from(["chat", "chat", "email"]),
        "returning": st.booleans(),
        "staffed": st.booleans(),
        "breach": st.booleans(),
        "cost": st.one_of(st.none(), st.decimals("0.0001", "0.05", places=4)),
        "ttft": st.one_of(st.none(), st.floats(50, 5000)),
        "model": st.sampled_from(["qwen-plus", "qwen-flash"]),
        "outcome": st.sampled_from(["ok", "ok", "error"]),
    }
)
query_strategy = st.fixed_dictionaries(
    {
        "tz": st.sampled_from(ZONES),
        "start_day": st.integers(0, 10),
        "days": st.integers(1, 14),
        "by": st.sampled_from(
            [
                (),
                ("inbox",),
                ("channel",),
                ("language",),
                ("topic",),
                ("team", "agent"),
                ("route", "model"),
            ]
        ),
        "unit": st.sampled_from([None, "hour", "day", "week"]),
        "filter": st.sampled_from(
            [
                {},
                {"language": "de"},
                {"route": "reply-lite"},
                {"language": "en", "route": "reply"},
                {"model": "qwen/qwen-plus"},
                {"agent": "staff"},
                {"channel": "email"},
                {"channel": "chat", "route": "reply-lite"},
            ]
        ),
    }
)


def _build_random(inboxes: list[Any], team: Any, staff: Any, rows: list[dict[str, Any]]) -> None:
    contacts = [make_contact(inboxes[0]), make_contact(inboxes[1])]
    for row in rows:
        messages: list[tuple[float, str]] = [(0, "customer")]
        if row["assistant"] is not None:
            messages.append((row["assistant"], "assistant"))
        handoff = row["handoff"]
        if handoff is not None and row["agent_after"] is not None:
            messages += [(handoff + row["agent_after"], "agent"),
                         (handoff + row["agent_after"] + 5, "customer"),
                         (handoff + row["agent_after"] + 65, "agent")]  # fmt: skip
        last = max(offset for offset, _kind in messages)
        resolved = None if row["resolved_after"] is None else last + row["resolved_after"]
        staffed = row["staffed"] and handoff is not None
        build(
            inboxes[row["inbox"]],
            Spec(
                START + timedelta(minutes=row["minute"]),
                messages=messages,
                handoff=handoff,
                reason="customer_request" if handoff is not None else "",
                resolved=resolved,
                csat=row["csat"] if resolved is not None else None,
                language=row["language"],
                channel=row["channel"],
                topic=row["topic"],
                route=row["route"],
                agent=staff if staffed else None,
                team=team if staffed else None,
                contact=contacts[row["inbox"]] if row["returning"] else None,
                ticket_events=[("sla_breach", 60)] if staffed and row["breach"] else [],
                calls=[Call(model=row["model"], cost=row["cost"],
                            currency="USD" if row["cost"] is not None else "",
                            ttft_ms=row["ttft"], outcome=row["outcome"])],
            ),
        )  # fmt: skip


@pytest.mark.timeout(900)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(conversation_strategy, min_size=0, max_size=14),
       queries=st.lists(query_strategy, min_size=1, max_size=4),
       split=st.integers(0, 14))  # fmt: skip
def test_rollups_equal_the_raw_computation_for_random_histories(
    inbox: Any, team: Any, agent: Any, rows: list[dict[str, Any]],
    queries: list[dict[str, Any]], split: int,
) -> None:  # fmt: skip
    from tests import factories

    with transaction.atomic():
        other = factories.make_inbox(name="Other")
        # Part of the history exists at the first run, the rest arrives before the second, so
        # both the backfill and the incremental path are exercised.
        _build_random([inbox, other], team, agent, rows[:split])
        rollups.refresh(now=NOW)
        earlier = set(Conversation.objects.values_list("pk", flat=True))
        _build_random([inbox, other], team, agent, rows[split:])
        # As the product would stamp them: late rows were written "now". A late conversation
        # is an old one changed now; a model call is stamped when it is made.
        late = Conversation.objects.exclude(pk__in=earlier)
        late.update(updated_at=NOW)
        ModelCall.objects.filter(conversation__in=late).update(created_at=NOW)
        rollups.refresh(now=NOW + timedelta(minutes=1))
        for query in queries:
            filters = dict(query["filter"])
            if filters.get("agent") == "staff":
                filters["agent"] = agent.pk
            start = START + timedelta(days=query["start_day"])
            scope = Scope(start, start + timedelta(days=query["days"]), tz=query["tz"], **filters)
            rollup, raw = same(scope, by=query["by"], unit=query["unit"])
            assert rollup == raw, query
            if not filters.get("agent") and not filters.get("language"):
                call_by = ("route",) if "route" in query["by"] else ()
                rollup, raw = same(scope, by=call_by, unit=query["unit"], kind="calls")
                assert rollup == raw, query
                around_now = Scope(NOW - timedelta(days=1), NOW + timedelta(days=1), tz=query["tz"])
                rollup, raw = same(around_now, by=call_by, unit=query["unit"], kind="calls")
                assert rollup == raw, query
        transaction.set_rollback(True)
