"""The knowledge-gaps page in a browser: groups and counts as a manager sees them, "write an
article" opening the editor prefilled as a draft, the articles' outcomes, and the desk on a
phone with the demo history."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from assistant.chat.models import Inbox
from assistant.demo import DEMO_INBOX_KEY, load_demo_data
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in
from tests.chat.test_gaps import GERMAN, INSTALMENTS, LEASING, SINGLETON, ask_unanswered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = settings.BASE_DIR / "var" / "screens"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def shoot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    size = "phone" if page.viewport_size["width"] < 600 else "desktop"
    page.screenshot(path=str(SCREENS / f"{name}-{size}.png"), full_page=True)


def test_a_manager_sees_the_groups_and_starts_an_article_from_one(
    browser: Any, web_server: Any
) -> None:
    load_demo_data(port=web_server.port)
    inbox = Inbox.objects.get(public_key=DEMO_INBOX_KEY)
    for text in (*LEASING, *INSTALMENTS, SINGLETON, GERMAN):
        in_thread(ask_unanswered, inbox=inbox, text=text)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, web_server, "manager")
        page.get_by_test_id("nav-gaps").click()
        page.wait_for_url("**/desk/gaps/**")
        summary = page.get_by_test_id("gap-summary").inner_text()
        assert "9 unanswered questions" in summary and "4 groups" in summary
        groups = page.get_by_test_id("gap-group")
        assert groups.count() == 4
        first, second = groups.nth(0), groups.nth(1)
        assert " ".join(first.get_by_test_id("gap-count").inner_text().split()) == "4 conversations"
        assert (
            " ".join(second.get_by_test_id("gap-count").inner_text().split()) == "3 conversations"
        )
        assert first.get_by_test_id("gap-representative").inner_text() in LEASING
        examples = first.get_by_test_id("gap-example").all_inner_texts()
        assert sorted(examples) == sorted(LEASING)
        # Each example opens its conversation in the desk.
        assert "/desk/c/" in (first.get_by_test_id("gap-example").first.get_attribute("href") or "")
        assert page.get_by_text(SINGLETON, exact=True).count() == 2  # heading and example
        shoot(page, "gaps")

        representative = first.get_by_test_id("gap-representative").inner_text()
        first.get_by_test_id("gap-write").click()
        page.get_by_test_id("article-form").wait_for()
        assert page.input_value("#id_title") == representative
        assert page.input_value("#id_status") == "draft"
        body = page.input_value("#id_body")
        for question in LEASING:
            assert f"- {question}" in body
        shoot(page, "gaps-article-draft")
        page.get_by_test_id("save-article").click()
        page.wait_for_url("**/desk/articles/*/")
        assert page.locator("h1").inner_text() == representative

        page.set_viewport_size(PHONE)
        page.goto(f"{web_server.url}/desk/gaps/")
        page.get_by_test_id("gap-group").first.wait_for()
        shoot(page, "gaps")
    finally:
        context.close()


def rebuild_rollups() -> None:
    from analytics import rollups

    rollups.rebuild_all()


def test_the_demo_history_fills_the_gaps_articles_and_queues_on_desktop_and_phone(
    browser: Any, web_server: Any
) -> None:
    from assistant import demo_history

    load_demo_data(port=web_server.port)
    demo_history.generate_history()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, web_server, "manager")
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            page.goto(f"{web_server.url}/desk/gaps/")
            assert page.get_by_test_id("gap-group").count() >= 8
            shoot(page, "gaps-demo-history")
            page.goto(f"{web_server.url}/desk/articles/")
            outcomes = page.get_by_test_id("article-outcome").all_inner_texts()
            assert any(text.startswith("Cited in ") for text in outcomes)
            shoot(page, "articles-outcomes")
            page.goto(f"{web_server.url}/desk/q/waiting/")
            page.get_by_test_id("row").first.wait_for()
            shoot(page, "queue-waiting")
            page.get_by_test_id("row").first.click()
            page.get_by_test_id("transcript-message").first.wait_for()
            shoot(page, "demo-history-conversation")
        in_thread(rebuild_rollups)
        page.set_viewport_size(DESKTOP)
        page.goto(f"{web_server.url}/analytics/?days=90")
        page.locator("canvas[data-chart]").first.wait_for()
        shoot(page, "analytics-demo-history")
    finally:
        context.close()
