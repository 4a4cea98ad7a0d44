"""Each metric on a hand-built history, with the exact value docs/analytics.md's definition gives.

Ten conversations start on 2 March 2026 (UTC) and after; their fates are spelled out below. Every
assertion is checked on the rollups and on the raw computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from analytics import sources
from tests.analytics.builders import Call, Spec, build, make_contact
from tests.analytics.conftest import calls, refreshed, scope, total

pytestmark = pytest.mark.django_db
T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MARCH = scope(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))
BOTH = pytest.mark.parametrize("source", ["rollup", "raw"])


@dataclass
class History:
    conversations: dict[str, Any]


@pytest.fixture
def history(inbox: Any, team: Any, agent: Any) -> History:
    def bot(start: datetime, assistant: float, resolved: float | None = None, **more: Any) -> Spec:
        return Spec(start, messages=[(0, "customer"), (assistant, "assistant")],
                    resolved=resolved, **more)  # fmt: skip

    returning = make_contact(inbox)
    faithful = make_contact(inbox)
    c: dict[str, Any] = {}
    # A: answered and resolved by the assistant, not rated: automated.
    c["A"] = build(inbox, bot(T, 3, 300, calls=[Call(cost=Decimal("0.002"), ttft_ms=400)]))
    # B: the same, rated 5: automated.
    c["B"] = build(inbox, bot(T, 5, 600, csat=5, calls=[Call(cost=Decimal("0.004"), ttft_ms=800)]))
    # C: rated 2 ("badly"): resolved, not automated. Its reply came from the fallback provider.
    c["C"] = build(
        inbox,
        bot(T, 2, 120, csat=2, calls=[Call(provider="openai", model="gpt-4o-mini",
                                           cost=Decimal("0.001"), ttft_ms=300,
                                           fallback_used=True)]),
    )  # fmt: skip
    # D: resolved, and its contact came back 10 hours later (E): reopened, not automated.
    c["D"] = build(inbox, bot(T, 4, 200, contact=returning))
    c["E"] = build(inbox, bot(T + timedelta(seconds=200, hours=10), 6, contact=returning))
    # F: resolved; its contact came back after 73 hours (G), outside the 72 h window: automated.
    c["F"] = build(inbox, bot(T, 1, 100, contact=faithful))
    c["G"] = build(inbox, bot(T + timedelta(seconds=100, hours=73), 7, contact=faithful))
    # H: handed off at 30 s, first agent answer at 90 s (60 s after the handoff), two more
    # answers after 50 s and 30 s waits, resolved after an hour, rated 4, one SLA breach.
    c["H"] = build(
        inbox,
        Spec(T, messages=[(0, "customer"), (3, "assistant"), (90, "agent"), (100, "customer"),
                          (110, "customer"), (150, "agent"), (200, "customer"), (230, "agent")],
             handoff=30, reason="customer_request", resolved=3600, csat=4, agent=agent,
             team=team, ticket_events=[("sla_breach", 1800)],
             calls=[Call(outcome="error", cost=None, currency="", ttft_ms=None),
                    Call(at=31, purpose="summary", model="qwen-flash", cost=Decimal("0.0005"),
                         ttft_ms=None)]),
    )  # fmt: skip
    # I: handed off ("dont_know"), nobody answered yet: open.
    c["I"] = build(inbox, bot(T, 2, handoff=20, reason="dont_know"))
    # J: resolved by the assistant, but its ticket was reopened 5 hours later: reopened.
    c["J"] = build(inbox, bot(T, 4, 400, ticket_events=[("reopened", 400 + 5 * 3600)]))
    refreshed()
    return History(c)


@BOTH
def test_conversations_resolutions_and_handoffs_are_counted(history: History, source: str) -> None:
    s = total(MARCH, source)
    assert (s.conversations, s.resolved, s.open) == (10, 7, 3)
    assert (s.handed_off, s.human, s.assistant_only) == (2, 2, 8)
    assert s.handoff_rate == pytest.approx(0.2)
    assert s.reasons == [("customer_request", 1), ("dont_know", 1)]


@BOTH
def test_automated_resolution_excludes_bad_ratings_reopened_and_human_conversations(
    history: History, source: str
) -> None:
    s = total(MARCH, source)
    # A (unrated), B (rated 5) and F (came back after the window) only.
    assert s.automated == 3
    assert s.automated_rate == pytest.approx(0.3)
    assert s.reopened == 2  # D (new conversation within 72 h) and J (ticket reopened)


def test_the_drill_down_lists_exactly_the_automated_resolutions(history: History) -> None:
    from analytics.drill import facts

    ids = set(facts(MARCH, {"metric": "automated"}).values_list("conversation_id", flat=True))
    assert ids == {history.conversations[k].id for k in ("A", "B", "F")}
    reopened = facts(MARCH, {"metric": "reopened"}).values_list("conversation_id", flat=True)
    assert set(reopened) == {history.conversations[k].id for k in ("D", "J")}


def test_a_reopen_window_setting_changes_the_definition(history: History, settings: Any) -> None:
    from analytics import rollups

    settings.ANALYTICS_REOPEN_WINDOW_HOURS = 80
    rollups.rebuild_all()
    s = total(MARCH)
    # F's contact came back after 73 hours: within 80.
    assert (s.reopened, s.automated) == (3, 2)


@BOTH
def test_response_times_are_medians_and_90th_percentiles(history: History, source: str) -> None:
    s = total(MARCH, source)
    # Assistant's first answers: 1, 2, 2, 3, 3, 4, 4, 5, 6, 7 s.
    assert (s.frt_assistant.n, s.frt_assistant.p50, s.frt_assistant.p90) == (10, 3, 6)
    # Human first response: 60 s after the handoff (H only).
    assert (s.frt_human.n, s.frt_human.p50) == (1, 60)
    # Human response times: 50 s (from the first of two customer messages) and 30 s.
    assert (s.reply_human.n, s.reply_human.p50, s.reply_human.p90) == (2, 30, 50)
    # Resolution: 100, 120, 200, 300, 400, 600, 3600 s.
    assert (s.resolution.n, s.resolution.p50, s.resolution.p90) == (7, 300, 3600)


@BOTH
def test_csat_is_split_between_assistant_only_and_human_handled(
    history: History, source: str
) -> None:
    s = total(MARCH, source)
    assert s.csat_assistant.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert s.csat_assistant.average == pytest.approx(3.5)
    assert s.csat_assistant.response_rate == pytest.approx(2 / 6)  # rated / resolved
    assert s.csat_human.distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    assert s.csat_human.response_rate == pytest.approx(1.0)
    assert s.csat_all.average == pytest.approx(11 / 3)
    assert s.csat_all.response_rate == pytest.approx(3 / 7)


@BOTH
def test_agents_and_teams_get_their_conversations_and_sla_breaches(
    history: History, source: str, agent: Any, team: Any
) -> None:
    groups = sources.conversation_groups(
        MARCH, by=("team", "agent"), sparse=("frt_h", "reply_h"), source=source
    )
    handled = groups[(team.pk, agent.pk)]
    assert handled.get("conversations") == 1
    assert handled.get("sla_breaches") == 1
    assert handled.counts("frt_h") == {"60": 1}
    # J has a ticket without a team; everything else has no ticket at all.
    assert groups[(None, None)].get("conversations") == 9


@BOTH
def test_model_calls_per_provider_and_model(history: History, source: str) -> None:
    rows = calls(MARCH, source)
    plus = rows[("qwen", "qwen-plus", "USD")]
    assert (plus.calls, plus.cost, plus.ttft.p50, plus.ttft.p95) == (2, Decimal("0.006"), 400, 800)
    assert plus.input_tokens == 200 and plus.output_tokens == 100
    failed = rows[("qwen", "qwen-plus", "")]
    assert (failed.calls, failed.errors, failed.unpriced, failed.error_rate) == (1, 1, 1, 1.0)
    fallback = rows[("openai", "gpt-4o-mini", "USD")]
    assert fallback.fallback_rate == 1.0 and fallback.ttft.p50 == 300
    assert rows[("qwen", "qwen-flash", "USD")].cost == Decimal("0.0005")


@BOTH
def test_cost_per_conversation_and_per_automated_resolution(history: History, source: str) -> None:
    s = total(MARCH, source)
    assert s.cost == Decimal("0.0075")
    assert s.cost_per_conversation == pytest.approx(0.00075)
    assert s.cost_per_automated_resolution == pytest.approx(0.0025)  # 0.0075 / 3
    assert s.model_cost_per_human_conversation == pytest.approx(0.00025)  # 0.0005 / 2


@BOTH
def test_the_model_filter_means_the_model_of_the_first_successful_reply(
    history: History, source: str
) -> None:
    plus = total(sources.Scope(MARCH.start, MARCH.end, model="qwen/qwen-plus"), source)
    assert plus.conversations == 2  # A and B; H's reply failed
    fallback = total(sources.Scope(MARCH.start, MARCH.end, model="openai/gpt-4o-mini"), source)
    assert fallback.conversations == 1


# ---------------------------------------------------------------------------------------------
# Calendar edges
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def around_midnight(inbox: Any) -> dict[str, Any]:
    late = datetime(2026, 3, 2, 23, 50, tzinfo=UTC)
    return {
        # Starts at 23:50 UTC, resolved 30 minutes later, the next day.
        "late": build(
            inbox, Spec(late, messages=[(0, "customer"), (4, "assistant")], resolved=1800)
        ),
        # 23:30 UTC on 2 March is 00:30 on 3 March in Berlin and 18:30 on 2 March in New York.
        "berlin": build(inbox, Spec(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))),
        "early": build(inbox, Spec(datetime(2026, 3, 3, 0, 10, tzinfo=UTC))),
    }


def _per_day(tz: str, source: str) -> dict[str, int]:
    groups = sources.conversation_groups(
        sources.Scope(MARCH.start, MARCH.end, tz=tz), unit="day", source=source
    )
    return {key[0].strftime("%m-%d"): group.get("conversations") for key, group in groups.items()}


@BOTH
def test_a_conversation_spanning_midnight_counts_on_the_day_it_started(
    around_midnight: dict[str, Any], source: str
) -> None:
    refreshed()
    assert _per_day("UTC", source) == {"03-02": 2, "03-03": 1}
    day = sources.Scope(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))
    s = total(day, source)
    assert (s.conversations, s.resolved, s.resolution.p50) == (2, 1, 1800)


@BOTH
def test_days_follow_the_chosen_time_zone(around_midnight: dict[str, Any], source: str) -> None:
    refreshed()
    assert _per_day("Europe/Berlin", source) == {"03-03": 3}
    assert _per_day("America/New_York", source) == {"03-02": 3}


@BOTH
def test_a_local_day_range_is_exact_in_whole_hour_zones(
    around_midnight: dict[str, Any], source: str
) -> None:
    from zoneinfo import ZoneInfo

    from analytics.forms import local_midnight

    refreshed()
    berlin = ZoneInfo("Europe/Berlin")
    day = datetime(2026, 3, 3).date()
    start, end = local_midnight(day, berlin), local_midnight(day + timedelta(days=1), berlin)
    assert (start, end) == (
        datetime(2026, 3, 2, 23, tzinfo=UTC),
        datetime(2026, 3, 3, 23, tzinfo=UTC),
    )
    assert total(sources.Scope(start, end, tz="Europe/Berlin"), source).conversations == 3


@BOTH
def test_half_hour_zones_start_days_at_the_next_whole_utc_hour(inbox: Any, source: str) -> None:
    from zoneinfo import ZoneInfo

    from analytics.forms import local_midnight

    # India is UTC+5:30. Local midnight of 3 March is 18:30 UTC on 2 March; the day is taken to
    # start at 19:00 UTC. A conversation at 18:40 UTC (00:10 local) counts on 2 March.
    build(inbox, Spec(datetime(2026, 3, 2, 18, 40, tzinfo=UTC)))
    build(inbox, Spec(datetime(2026, 3, 2, 19, 10, tzinfo=UTC)))
    refreshed()
    kolkata = ZoneInfo("Asia/Kolkata")
    assert local_midnight(datetime(2026, 3, 3).date(), kolkata) == datetime(
        2026, 3, 2, 19, tzinfo=UTC
    )
    assert _per_day("Asia/Kolkata", source) == {"03-02": 1, "03-03": 1}


@BOTH
def test_an_empty_range_has_zero_conversations_and_no_percentiles(db: Any, source: str) -> None:
    s = total(MARCH, source)
    assert s.conversations == 0 and s.automated_rate is None and s.frt_assistant.p50 is None


@pytest.mark.parametrize("source", ["rollup", "raw"])
def test_conversations_awaiting_an_outcome_are_the_unresolved_ones(inbox: Any, source: str) -> None:
    answered = [(0, "customer"), (3, "assistant")]
    build(inbox, Spec(T, messages=answered, resolved=600))  # an automated resolution
    build(inbox, Spec(T, messages=answered))  # open, still with the assistant
    build(inbox, Spec(T, messages=answered))  # open, still with the assistant
    build(inbox, Spec(T, messages=[*answered, (90, "agent")], handoff=30))  # open, with a person
    build(inbox, Spec(T, messages=[*answered, (90, "agent")], handoff=30, resolved=900))
    refreshed()
    s = total(MARCH, source)
    assert (s.conversations, s.automated, s.open, s.open_assistant_only) == (5, 1, 3, 2)
