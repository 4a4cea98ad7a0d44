"""Every figure can be filtered by channel (issue 21): a chat conversation and an e-mail
conversation each count under their own channel, the two channels add up to the unfiltered
total, and the rollups agree with the raw computation under every filter."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from analytics import rollups, sources
from analytics.models import ConversationFact, ConversationHourly, RollupState
from assistant.chat.models import Conversation
from tests.analytics.builders import Call, Spec, build
from tests.analytics.conftest import NOW, calls, refreshed, same, scope, total

pytestmark = pytest.mark.django_db
T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MARCH = scope(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))
BOTH = pytest.mark.parametrize("source", ["rollup", "raw"])


@pytest.fixture
def two_channels(inbox: Any, team: Any, agent: Any) -> dict[str, Conversation]:
    """A chat the assistant resolved on its own, rated 5; an e-mail handed to an agent, who
    answered after 10 minutes, resolved after 2 hours, rated 2; each with its own model."""
    chat = build(
        inbox,
        Spec(
            T,
            messages=[(0, "customer"), (3, "assistant")],
            resolved=300,
            csat=5,
            calls=[Call(cost=Decimal("0.002"), ttft_ms=400, model="qwen-plus")],
        ),
    )
    email = build(
        inbox,
        Spec(
            T + timedelta(hours=1),
            channel="email",
            subject="Broken pedal on order 1042",
            messages=[(0, "customer"), (40, "assistant"), (700, "agent")],
            handoff=100,
            reason="customer_request",
            resolved=7200,
            csat=2,
            agent=agent,
            team=team,
            ticket_events=[("sla_breach", 3600)],
            calls=[Call(cost=Decimal("0.005"), ttft_ms=2000, model="qwen-flash", at=40)],
        ),
    )
    refreshed()
    return {"chat": chat, "email": email}


@BOTH
def test_each_conversation_counts_under_its_own_channel_and_the_total_is_unchanged(
    two_channels: dict[str, Conversation], source: str
) -> None:
    everything = total(MARCH, source)
    chat = total(scope(MARCH.start, MARCH.end, channel="chat"), source)
    email = total(scope(MARCH.start, MARCH.end, channel="email"), source)
    assert (everything.conversations, chat.conversations, email.conversations) == (2, 1, 1)
    for name in ("resolved", "handed_off", "human", "automated", "sla_breaches", "model_calls"):
        assert getattr(chat, name) + getattr(email, name) == getattr(everything, name), name
    assert chat.cost + email.cost == everything.cost == Decimal("0.007")


@BOTH
def test_every_conversation_metric_follows_the_channel_filter(
    two_channels: dict[str, Conversation], source: str
) -> None:
    chat = total(scope(MARCH.start, MARCH.end, channel="chat"), source)
    email = total(scope(MARCH.start, MARCH.end, channel="email"), source)
    # Automated resolution: only the chat.
    assert (chat.automated, chat.automated_rate) == (1, 1.0)
    assert (email.automated, email.automated_rate) == (0, 0.0)
    # Handoffs and their reasons.
    assert (chat.handoff_rate, chat.reasons) == (0.0, [])
    assert (email.handoff_rate, email.reasons) == (1.0, [("customer_request", 1)])
    # Response and resolution times.
    assert (chat.frt_assistant.p50, email.frt_assistant.p50) == (3, 40)
    assert (chat.frt_human.n, email.frt_human.p50) == (0, 600)
    assert (chat.resolution.p50, email.resolution.p50) == (300, 7200)
    # CSAT, split as the CSAT page splits it.
    assert (chat.csat_all.average, email.csat_all.average) == (5.0, 2.0)
    assert (chat.csat_assistant.rated, email.csat_human.rated) == (1, 1)
    # SLA breaches, cost and cost per automated resolution.
    assert (chat.sla_breaches, email.sla_breaches) == (0, 1)
    assert (chat.cost, email.cost) == (Decimal("0.002"), Decimal("0.005"))
    assert chat.cost_per_automated_resolution == pytest.approx(0.002)
    assert email.cost_per_automated_resolution is None


@BOTH
def test_model_cost_and_latency_follow_the_channel_filter(
    two_channels: dict[str, Conversation], source: str
) -> None:
    chat = calls(scope(MARCH.start, MARCH.end, channel="chat"), source)
    email = calls(scope(MARCH.start, MARCH.end, channel="email"), source)
    assert list(chat) == [("qwen", "qwen-plus", "USD")]
    assert list(email) == [("qwen", "qwen-flash", "USD")]
    flash = email[("qwen", "qwen-flash", "USD")]
    assert (flash.calls, flash.cost, flash.ttft.p50) == (1, Decimal("0.005"), 2000)
    assert chat[("qwen", "qwen-plus", "USD")].ttft.p50 == 400
    assert set(calls(MARCH, source)) == set(chat) | set(email)


def test_the_channel_filter_combines_with_the_others_and_breakdowns(
    two_channels: dict[str, Conversation], agent: Any, inbox: Any
) -> None:
    for filters in (
        {"channel": "email", "agent": agent.pk},
        {"channel": "chat", "agent": agent.pk},
        {"channel": "email", "inbox": inbox.pk, "language": "en"},
        {"channel": "chat", "route": "reply", "model": "qwen/qwen-plus"},
    ):
        for by in ((), ("channel",), ("inbox",), ("team", "agent"), ("route", "model")):
            rollup, raw = same(scope(MARCH.start, MARCH.end, **filters), by=by, unit="day")
            assert rollup == raw, (filters, by)
    by_channel = sources.conversation_groups(MARCH, by=("channel",))
    assert {key: g.get("conversations") for key, g in by_channel.items()} == {
        ("chat",): 1,
        ("email",): 1,
    }
    with_agent = total(scope(MARCH.start, MARCH.end, channel="chat", agent=agent.pk))
    assert with_agent.conversations == 0


def test_a_conversation_later_continued_by_email_stays_a_chat(
    two_channels: dict[str, Conversation],
) -> None:
    # Continuity: the customer left the widget and answers the agent by e-mail. The
    # conversation's channel does not change, so neither does the chat count.
    chat = two_channels["chat"]
    Conversation.objects.filter(pk=chat.pk).update(updated_at=NOW + timedelta(minutes=1))
    refreshed(NOW + timedelta(minutes=2))
    assert total(scope(MARCH.start, MARCH.end, channel="chat")).conversations == 1
    assert ConversationFact.objects.get(pk=chat.pk).channel == "chat"


def test_a_rebuild_after_the_migration_rolls_up_facts_of_deleted_conversations(
    two_channels: dict[str, Conversation],
) -> None:
    # What migration analytics/0002 leaves: facts kept, rollups emptied, watermark gone. The
    # e-mail conversation has meanwhile been deleted by retention; its fact still counts.
    two_channels["email"].delete()
    Conversation.objects.filter(pk=two_channels["chat"].pk).delete()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE analytics_conversationhourly, analytics_conversationdaily")
    RollupState.objects.all().delete()

    result = rollups.refresh(now=NOW)

    assert result.backfilled_months >= 1
    assert ConversationHourly.objects.exists()
    assert total(scope(MARCH.start, MARCH.end, channel="email")).conversations == 1
    assert total(MARCH).conversations == 2


# ---------------------------------------------------------------------------------------------
# The pages: the filter bar, the overview's channel table, the CSV exports
# ---------------------------------------------------------------------------------------------

RANGE = {"range": "custom", "start": "2026-03-01", "end": "2026-03-10", "tz": "UTC"}
PAGES = ["overview", "response_times", "csat", "agents", "models", "compare"]


def _get(manager: Any, page: str, **params: str) -> Any:
    client = Client()
    client.force_login(manager)
    return client.get(reverse(f"analytics:{page}"), {**RANGE, **params})


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def _kpi_conversations(html: str) -> str:
    found = re.search(
        r'data-testid="kpi-conversations".*?kpi-value"><a href="[^"]+">(\d+)<', html, re.S
    )
    assert found is not None
    return found.group(1)


def test_the_overview_counts_conversations_per_channel(
    manager: Any, two_channels: dict[str, Conversation]
) -> None:
    html = _get(manager, "overview").content.decode()
    assert _kpi_conversations(html) == "2"
    table = re.search(r'data-testid="table-channels">(.*?)</table>', html, re.S)
    assert table is not None
    rows = [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
                      for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S))
        if cells
    ]  # fmt: skip
    assert sorted((row[0], row[1]) for row in rows) == [("Chat", "1"), ("E-mail", "1")]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_can_be_filtered_by_channel_and_keeps_the_filter(
    manager: Any, two_channels: dict[str, Conversation], page: str
) -> None:
    response = _get(manager, page, channel="email")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="email" selected>E-mail</option>' in html
    # Links to the conversations behind the numbers carry the filter along.
    assert "channel=email" in html
    # "How these numbers are counted" says what a channel is, once.
    assert html.count("A chat the customer continued by e-mail stays a chat.") == 1
    # Channel is a breakdown too, on every page that breaks numbers down.
    broken_down = _get(manager, page, by="channel")
    assert broken_down.status_code == 200
    if page in ("overview", "response_times", "csat"):
        tables = broken_down.content.decode().split('data-testid="table-', 1)[1]
        assert re.search(r"<td[^>]*>(<a [^>]*>)?E-mail(</a>)?</td>", tables)


def test_a_filtered_overview_counts_only_that_channel(
    manager: Any, two_channels: dict[str, Conversation]
) -> None:
    assert _kpi_conversations(_get(manager, "overview", channel="email").content.decode()) == "1"
    models = _get(manager, "models", channel="email").content.decode()
    table = re.search(r'data-testid="table-models">(.*?)</table>', models, re.S)
    assert table is not None
    assert "qwen-flash" in table.group(1) and "qwen-plus" not in table.group(1)


def test_an_unknown_channel_is_refused_in_words(
    manager: Any, two_channels: dict[str, Conversation]
) -> None:
    html = _get(manager, "overview", channel="fax").content.decode()
    assert "Channel:" in html and "Select a valid choice" in html


def test_csv_exports_honour_the_channel_filter(
    manager: Any, two_channels: dict[str, Conversation]
) -> None:
    everything = _csv(_get(manager, "conversations", export="conversations"))
    assert sorted(row["channel"] for row in everything) == ["chat", "email"]
    email = _csv(_get(manager, "conversations", export="conversations", channel="email"))
    assert [(row["conversation_id"], row["channel"]) for row in email] == [
        (str(two_channels["email"].pk), "email")
    ]
    breakdown = _csv(_get(manager, "overview", export="breakdown", channel="chat"))
    assert [(row["Inbox"], row["Conversations"]) for row in breakdown] == [("Shop", "1")]
    channels = _csv(_get(manager, "overview", export="channels"))
    assert sorted((row["Channel"], row["Conversations"]) for row in channels) == [
        ("Chat", "1"),
        ("E-mail", "1"),
    ]


def test_the_drill_down_lists_one_channel(
    manager: Any, two_channels: dict[str, Conversation]
) -> None:
    html = _get(manager, "conversations", dim="channel", value="email").content.decode()
    assert html.count('data-testid="drill-row"') == 1
    assert "<td>E-mail</td>" in html
