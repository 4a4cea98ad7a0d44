"""The pages: managers only, every page renders, CSV exports match the tables, drill-downs list
the conversations behind a number."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analytics import rollups
from assistant.chat.models import Conversation
from tests import factories
from tests.analytics.builders import Call, Spec, build

pytestmark = pytest.mark.django_db
PAGES = ["overview", "response_times", "csat", "agents", "models", "compare"]


@pytest.fixture
def data(inbox: Any, team: Any, agent: Any) -> dict[str, Any]:
    """A week of conversations up to now, on two routes, some with an agent."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    made = []
    for i in range(24):
        start = now - timedelta(days=i % 5, hours=1 + i % 10)
        human = i % 4 == 0
        made.append(
            build(
                inbox,
                Spec(
                    start,
                    messages=[(0, "customer"), (2 + i % 3, "assistant")]
                    + ([(120, "agent")] if human else []),
                    handoff=60 if human else None,
                    reason="customer_request" if human else "",
                    resolved=900 if i % 5 else None,
                    csat=(i % 5) + 1 if i % 5 and i % 2 else None,
                    language="de" if i % 3 == 0 else "en",
                    topic="returns" if i % 2 else "billing",
                    route="reply-lite" if i % 2 else "reply",
                    agent=agent if human else None,
                    team=team if human else None,
                    calls=[Call(model="qwen-flash" if i % 2 else "qwen-plus",
                                cost=Decimal("0.002"))],
                ),
            )
        )  # fmt: skip
    rollups.refresh(now=timezone.now())
    return {"conversations": made}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", [*PAGES, "conversations"])
def test_anonymous_visitors_are_sent_to_sign_in(db: Any, page: str) -> None:
    response = Client().get(reverse(f"analytics:{page}"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("page", [*PAGES, "conversations"])
def test_agents_and_outsiders_cannot_see_analytics(agent: Any, page: str) -> None:
    outsider = factories.make_user("oscar")
    for user in (agent, outsider):
        assert signed_in(user).get(reverse(f"analytics:{page}")).status_code == 403
        export = signed_in(user).get(reverse(f"analytics:{page}"), {"export": "breakdown"})
        assert export.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_a_manager_with_charts_and_tables(
    manager: Any, data: dict[str, Any], page: str
) -> None:
    response = signed_in(manager).get(reverse(f"analytics:{page}"), {"range": "7d"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="chart-' in html and 'type="application/json"' in html
    assert "<script>" not in html  # nothing inline: the desk's CSP allows no inline scripts
    assert "desk/desk.css" in html and "vendor/chart-4.6.1.umd.min.js" in html


def test_the_overview_counts_every_conversation_of_the_range(
    manager: Any, data: dict[str, Any]
) -> None:
    response = signed_in(manager).get(reverse("analytics:overview"), {"range": "7d"})
    kpi = re.search(r'data-testid="kpi-conversations".*?kpi-value"><a href="([^"]+)">(\d+)<',
                    response.content.decode(), re.S)  # fmt: skip
    assert kpi is not None and kpi.group(2) == "24"
    # The number links to the conversations behind it, and there are as many of them.
    drill = signed_in(manager).get(unescape(kpi.group(1)))
    assert drill.status_code == 200
    assert drill.content.decode().count('data-testid="drill-row"') == 24


def test_a_manager_sees_only_the_inboxes_of_their_teams(manager: Any, data: dict[str, Any]) -> None:
    other = factories.make_inbox(name="Elsewhere")
    elsewhere = build(other, Spec(timezone.now() - timedelta(hours=3)))
    Conversation.objects.filter(pk=elsewhere.pk).update(updated_at=timezone.now())
    rollups.refresh(now=timezone.now() + timedelta(minutes=1))
    response = signed_in(manager).get(reverse("analytics:overview"), {"range": "7d"})
    assert "Elsewhere" not in response.content.decode()
    kpi = re.search(r'data-testid="kpi-conversations".*?kpi-value"><a href="[^"]+">(\d+)<',
                    response.content.decode(), re.S)  # fmt: skip
    assert kpi is not None and kpi.group(1) == "24"
    admin = factories.make_agent("ada", role="admin")
    response = signed_in(admin).get(reverse("analytics:overview"), {"range": "7d"})
    kpi = re.search(r'data-testid="kpi-conversations".*?kpi-value"><a href="[^"]+">(\d+)<',
                    response.content.decode(), re.S)  # fmt: skip
    assert kpi is not None and kpi.group(1) == "25"


def _html_table(html: str, table_id: str) -> list[list[str]]:
    section = re.search(rf'data-testid="table-{table_id}">(.*?)</table>', html, re.S)
    assert section is not None
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", section.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


@pytest.mark.parametrize(
    ("page", "table"),
    [("overview", "breakdown"), ("overview", "channels"), ("overview", "handoff_reasons"),
     ("response_times",
     "response_times"), ("csat", "csat"), ("agents", "agents"), ("models", "models"),
     ("models", "cost_comparison"), ("compare", "comparison")],
)  # fmt: skip
def test_csv_exports_match_the_tables(
    manager: Any, data: dict[str, Any], page: str, table: str
) -> None:
    from analytics.tables import DASH, format_cell

    client = signed_in(manager)
    html = client.get(reverse(f"analytics:{page}"), {"range": "7d"}).content.decode()
    shown = _html_table(html, table)
    response = client.get(reverse(f"analytics:{page}"), {"range": "7d", "export": table})
    assert response["Content-Type"].startswith("text/csv")
    exported = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    # Every exported value, formatted as the page formats it, is what the page shows.
    from analytics import pages
    from analytics.forms import FilterForm
    from tickets import access

    form = FilterForm({"range": "7d"}, inboxes=access.visible_inboxes(manager))
    assert form.is_valid()
    builder = {
        "overview": pages.overview,
        "response_times": pages.response_times,
        "csat": pages.csat,
        "agents": pages.agents,
        "models": pages.models,
        "compare": lambda s: pages.compare(s, None, None),
    }[page]
    definition = builder(form.selection(all_inboxes=False)).table(table)
    assert definition is not None
    # The same columns, in the same order, each header naming its unit (plus plain numbers the
    # page shows inside text).
    assert exported[0] == [column.csv_label() for column in definition.columns]
    assert [c.label for c in definition.columns if not c.csv_only] == shown[0]
    assert len(exported) == len(shown) and len(exported) > 1
    for csv_row, html_row in zip(exported[1:], shown[1:], strict=True):
        pairs = [(c, v) for c, v in zip(definition.columns, csv_row, strict=True) if not c.csv_only]
        for (column, value), text in zip(pairs, html_row, strict=True):
            if column.kind == "text":
                assert value == text
            elif value == "":
                assert text in (DASH, "")
            else:
                as_number: Any = Decimal(value)
                if column.kind == "pct":
                    as_number /= 100  # a percentage in the CSV, a rate in the code
                assert format_cell(column.kind, as_number) == text


def test_csv_headers_name_their_units_and_values_are_rounded(
    manager: Any, data: dict[str, Any]
) -> None:
    client = signed_in(manager)

    def export(page: str, table: str, **params: str) -> list[dict[str, str]]:
        query = {"range": "7d", "export": table, **params}
        text = b"".join(client.get(reverse(f"analytics:{page}"), query).streaming_content)
        return list(csv.DictReader(io.StringIO(text.decode())))

    # By language: 16 conversations in English, 8 in German (Deutsch): two thirds, one third.
    by_language = {row["Language"]: row for row in export("overview", "breakdown", by="language")}
    assert {"Share (%)", "Automated rate (%)", "Resolution, median (s)"} <= set(
        by_language["English"]
    )
    assert (by_language["English"]["Share (%)"], by_language["Deutsch"]["Share (%)"]) == (
        "66.67",
        "33.33",
    )
    for row in by_language.values():
        for name, value in row.items():
            if value and name != "Language":
                assert re.fullmatch(r"\d+(\.\d{1,2})?", value), (name, value)
    models = export("models", "models")
    assert {"Cost", "First token, median (ms)", "Errors (%)"} <= set(models[0])
    cost = export("models", "cost_comparison")
    assert [row["Cost"] for row in cost][:3] and all(
        re.fullmatch(r"\d+(\.\d{1,6})?", row["Cost"]) for row in cost if row["Cost"]
    )
    conversations = signed_in(manager).get(
        reverse("analytics:conversations"), {"range": "7d", "export": "conversations"}
    )
    header = next(csv.reader(io.StringIO(b"".join(conversations.streaming_content).decode())))
    assert {"cost_usd", "frt_assistant_s", "resolution_s"} <= set(header)


def test_one_csv_row_per_conversation_is_streamed(manager: Any, data: dict[str, Any]) -> None:
    response = signed_in(manager).get(
        reverse("analytics:conversations"), {"range": "7d", "export": "conversations"}
    )
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 24
    ids = {str(c.id) for c in data["conversations"]}
    assert {row["conversation_id"] for row in rows} == ids
    human = [row for row in rows if row["human"] == "1"]
    assert len(human) == 6 and all(row["frt_human_s"] == "60" for row in human)


def test_drill_down_by_metric_and_dimension(manager: Any, data: dict[str, Any]) -> None:
    client = signed_in(manager)
    handed = client.get(reverse("analytics:conversations"),
                        {"range": "7d", "metric": "handed_off"})  # fmt: skip
    assert handed.content.decode().count('data-testid="drill-row"') == 6
    german = client.get(reverse("analytics:conversations"),
                        {"range": "7d", "dim": "language", "value": "de"})  # fmt: skip
    assert german.content.decode().count('data-testid="drill-row"') == 8


def test_the_comparison_shows_both_routes_with_intervals(
    manager: Any, data: dict[str, Any]
) -> None:
    response = signed_in(manager).get(reverse("analytics:compare"), {"range": "7d"})
    html = response.content.decode()
    assert "A: reply" in html and "B: reply" in html
    assert 'data-testid="chart-arm_automated"' in html


def test_a_bad_custom_range_is_reported_and_the_default_shown(manager: Any, db: Any) -> None:
    response = signed_in(manager).get(
        reverse("analytics:overview"),
        {"range": "custom", "start": "2026-03-05", "end": "2026-03-01"},
    )
    assert response.status_code == 200
    assert "The range ends before it starts." in response.content.decode()


def test_days_are_taken_in_the_chosen_zone(manager: Any, inbox: Any) -> None:
    # 23:30 UTC on 2 March is already 3 March in Berlin.
    build(inbox, Spec(datetime(2026, 3, 2, 23, 30, tzinfo=UTC)))
    rollups.refresh(now=timezone.now())
    client = signed_in(manager)

    def count(tz: str) -> str:
        response = client.get(
            reverse("analytics:overview"),
            {"range": "custom", "start": "2026-03-03", "end": "2026-03-03", "tz": tz},
        )
        match = re.search(
            r'data-testid="kpi-conversations".*?kpi-value"><a href="[^"]+">(\d+)<',
            response.content.decode(),
            re.S,
        )
        assert match is not None
        return match.group(1)

    assert (count("UTC"), count("Europe/Berlin")) == ("0", "1")


def test_a_table_cell_links_to_the_conversations_it_counts(
    manager: Any, data: dict[str, Any]
) -> None:
    client = signed_in(manager)
    html = client.get(reverse("analytics:agents"), {"range": "7d", "by": "language"}).content
    table = re.search(r'data-testid="table-agents">(.*?)</table>', html.decode(), re.S)
    assert table is not None
    link = re.search(r'<td class="num"><a href="([^"]+)">(\d+)</a>', table.group(1))
    assert link is not None and link.group(2) == "6"
    drill = client.get(unescape(link.group(1)))
    assert drill.content.decode().count('data-testid="drill-row"') == 6
