"""Chat and e-mail side by side (issue 21), in Chromium: a manager filters the analytics dashboard
to e-mail, and works a queue holding a chat and an e-mail conversation, first in English, then
with their desk in German. Screenshots of each, desktop and phone, go to var/screens/
(channels-*.png)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext, override

from analytics import rollups
from assistant.chat import services as chat
from assistant.chat.models import Conversation
from assistant.demo import load_demo_data
from tests import factories
from tests.analytics.builders import Call, Spec, build
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in
from tickets.workspace.preferences import agent_language_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(settings.BASE_DIR) / "var" / "screens"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
SUBJECT = "Broken pedal on order 10423"


def shoot(page: Any, name: str) -> None:
    """Photograph the page at desktop and phone size. Each size is loaded afresh, so the charts
    are drawn for that width, as a person opening the page on that screen sees them."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.reload()
        page.wait_for_load_state("networkidle")
        _wait_for_charts(page)
        page.screenshot(path=str(SCREENS / f"channels-{name}-{size}.png"), full_page=True)
    # The phone's page has no horizontal scrolling.
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)
    page.reload()


def in_german(text: str) -> str:
    with override("de"):
        return gettext(text)


def _wait_for_charts(page: Any) -> None:
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every((c) => c.dataset.drawn === 'true')"
    )


def _kpi(page: Any) -> str:
    return page.get_by_test_id("kpi-conversations").inner_text().splitlines()[1]


def _channel_rows(page: Any) -> list[tuple[str, str]]:
    rows = page.get_by_test_id("table-channels").locator("tbody tr")
    return [tuple(rows.nth(i).locator("td").all_inner_texts()[:2]) for i in range(rows.count())]


def test_a_manager_filters_the_dashboard_to_email(browser: Any, web_server: Any) -> None:
    inbox = load_demo_data(port=web_server.port)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for i in range(10):
        by_mail = i % 5 in (0, 3)  # four of ten
        build(
            inbox,
            Spec(
                now - timedelta(days=i % 4, hours=2 + i),
                channel="email" if by_mail else "chat",
                subject=f"Order {10400 + i}" if by_mail else "",
                messages=[(0, "customer"), (30 if by_mail else 3, "assistant")],
                resolved=900 if i % 3 else None,
                csat=5 if i % 2 else None,
                calls=[Call(model="qwen-flash" if by_mail else "qwen-plus", cost=Decimal("0.002"))],
            ),
        )
    rollups.refresh(now=timezone.now())
    manager = get_user_model().objects.get(username="manager")
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, web_server, "manager")
        page.goto(f"{web_server.url}/analytics/?range=7d&tz=UTC")
        assert _kpi(page) == "10"
        assert sorted(_channel_rows(page)) == [("Chat", "6"), ("E-mail", "4")]

        # The manager picks E-mail in the filter bar: the choice goes into the address with
        # the other filters, and every number is about e-mail only.
        filters = page.get_by_test_id("filters")
        filters.locator("select[name=channel]").select_option(label="E-mail")
        filters.get_by_role("button", name="Apply").click()
        page.wait_for_url("**channel=email**")
        assert "range=7d" in page.url and "tz=UTC" in page.url
        _wait_for_charts(page)
        assert _kpi(page) == "4"
        assert _channel_rows(page) == [("E-mail", "4")]
        shoot(page, "analytics-email")

        # The number leads to the four e-mail conversations, the filter kept.
        page.get_by_test_id("kpi-conversations").locator("a").click()
        page.wait_for_url("**/analytics/conversations/**channel=email**")
        assert page.get_by_test_id("drill-row").count() == 4
        channels = page.get_by_test_id("drill-row").locator("td:nth-child(3)").all_inner_texts()
        assert channels == ["E-mail"] * 4

        # The Models page, still filtered: only the e-mail conversations' model.
        page.goto(f"{web_server.url}/analytics/models/?range=7d&tz=UTC&channel=email")
        table = page.get_by_test_id("table-models").inner_text()
        assert "qwen-flash" in table and "qwen-plus" not in table

        # In German: the same filter, the same numbers, the page in the manager's language.
        in_thread(agent_language_set, user=manager, language="de")
        page.goto(f"{web_server.url}/analytics/?range=7d&tz=UTC&channel=email")
        assert page.evaluate("document.documentElement.lang") == "de"
        _wait_for_charts(page)
        assert _kpi(page) == "4"
        chosen = page.get_by_test_id("filters").locator("select[name=channel]")
        assert chosen.evaluate("s => s.options[s.selectedIndex].text") == in_german("E-mail")
        name = page.locator("label.filter:has(select[name=channel]) > span").inner_text()
        assert name == in_german("Channel")
        text = page.evaluate("document.body.innerText")
        assert text.count("Eine Zeile pro Unterhaltung herunterladen (CSV)") == 1
        assert "Download one row per conversation" not in text
        shoot(page, "analytics-email-de")
    finally:
        context.close()


def _handed_off(inbox: Any, text: str) -> Conversation:
    conversation = factories.make_conversation(inbox, text=text)
    chat.conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    conversation.refresh_from_db()
    return conversation


def test_an_agent_sees_and_filters_an_email_conversation_in_the_queue(
    browser: Any, web_server: Any
) -> None:
    inbox = load_demo_data(port=web_server.port)
    in_thread(_handed_off, inbox=inbox, text="Can I still change my delivery address?")
    by_mail = in_thread(_handed_off, inbox=inbox, text="The left pedal came off after two days.")
    Conversation.objects.filter(pk=by_mail.pk).update(
        channel=Conversation.Channel.EMAIL, subject=SUBJECT
    )
    manager = get_user_model().objects.get(username="manager")
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, web_server, "manager")
        page.goto(f"{web_server.url}/desk/q/waiting/")
        rows = page.get_by_test_id("rows")
        # Each row names its channel for screen readers (and on hover); the e-mail's subject
        # leads its row, once.
        assert rows.get_by_role("img", name="E-mail").count() == 1
        assert rows.get_by_role("img", name="Chat").count() == 1
        assert rows.get_by_text(SUBJECT).count() == 1
        assert rows.get_by_text(SUBJECT).is_visible()
        # The icons are drawn by the style sheet from the desk's own static files (no inline
        # SVG in the page, where a message could never be told apart from the interface).
        drawn = page.evaluate(
            """async () => Promise.all([...document.querySelectorAll('[data-testid=channel]')]
                .map(async (icon) => {
                    const mask = getComputedStyle(icon).webkitMaskImage;
                    const answer = await fetch(mask.slice(5, -2));
                    const file = `channel-${icon.dataset.channel}.svg`;
                    return [icon.dataset.channel, mask.includes(file), answer.ok,
                            answer.headers.get('content-type')];
                }))"""
        )
        assert sorted(drawn) == [
            ["chat", True, True, "image/svg+xml"],
            ["email", True, True, "image/svg+xml"],
        ]
        shoot(page, "queue")

        page.get_by_test_id("channel-filter").select_option(label="E-mail")
        page.wait_for_url("**channel=email**")
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=rows] [data-testid=row]').length === 1"
        )
        assert rows.get_by_role("img", name="E-mail").count() == 1
        assert rows.get_by_role("img", name="Chat").count() == 0
        shoot(page, "queue-email")

        # After a reload the filter is still chosen and still applied.
        page.reload()
        assert page.get_by_test_id("channel-filter").input_value() == "email"
        assert page.get_by_test_id("row").count() == 1

        page.get_by_test_id("row").click()
        page.wait_for_url(f"**/desk/c/{by_mail.pk}/**")
        head = page.locator(".convo-head")
        assert head.get_by_test_id("subject").inner_text() == SUBJECT
        assert head.get_by_test_id("channel-name").inner_text() == "E-mail"
        assert head.get_by_role("img", name="E-mail").count() == 1
        # The queue pane beside it names each row's channel too, and its rows (icon, name and
        # time) fit in the pane rather than pushing the time out of sight.
        pane = page.get_by_test_id("queue-pane")
        assert pane.get_by_role("img", name="E-mail").count() == 1
        assert pane.get_by_role("img", name="Chat").count() == 1
        overflowing = page.evaluate(
            "() => [...document.querySelectorAll('.pane-row')]"
            ".filter((row) => row.scrollWidth > row.clientWidth).length"
        )
        assert overflowing == 0
        shoot(page, "conversation-email")

        # In German: the channel's name, the filter and the rest of the page in German.
        in_thread(agent_language_set, user=manager, language="de")
        page.goto(f"{web_server.url}/desk/q/waiting/?channel=email")
        assert page.evaluate("document.documentElement.lang") == "de"
        rows = page.get_by_test_id("rows")
        assert rows.get_by_role("img", name=in_german("E-mail")).count() == 1
        assert rows.get_by_text(SUBJECT).count() == 1
        chosen = page.get_by_test_id("channel-filter")
        assert chosen.evaluate("s => s.options[s.selectedIndex].text") == in_german("E-mail")
        text = page.evaluate("document.body.innerText")
        assert text.count("Alle Posteingänge") == 1 and "All inboxes" not in text
        shoot(page, "queue-email-de")
        page.goto(f"{web_server.url}/desk/c/{by_mail.pk}/")
        head = page.locator(".convo-head")
        assert head.get_by_test_id("channel-name").inner_text() == in_german("E-mail")
        assert head.get_by_test_id("subject").inner_text() == SUBJECT
        shoot(page, "conversation-email-de")
    finally:
        context.close()
