"""The three-pane desk an agent lives in: the queue beside the conversation, worked with the
keyboard, kept live without losing the agent's place; bulk actions on a queue; each message
shown once. Screenshots at desktop and phone sizes go to var/screens/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.chat import services as chat
from assistant.chat.models import Conversation, Inbox
from assistant.demo import load_demo_data
from tests import factories
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def shoot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"))


def waiting_conversation(inbox: Inbox, text: str) -> Conversation:
    """A customer's conversation handed to a human, as the widget's handoff button makes it."""
    conversation = in_thread(factories.make_conversation, inbox=inbox, text=text, client_id=text)
    in_thread(chat.conversation_handoff, conversation_id=conversation.id, reason="customer_request")
    return conversation


def agent_page(browser: Any, server: Any, viewport: dict[str, int]) -> tuple[Any, Any]:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server, "agent")
    return context, page


def test_an_agent_works_the_queue_beside_the_conversation_with_the_keyboard(
    browser: Any, web_server: Any
) -> None:
    inbox = load_demo_data(port=web_server.port)
    texts = [
        "How long does delivery take to Germany for a cargo bike?",
        "My front brake squeaks since the last service",
        "Can I change the colour of my order 1042?",
    ]
    conversations = [waiting_conversation(inbox, text) for text in texts]
    context, desk = agent_page(browser, web_server, DESKTOP)
    try:
        desk.goto(f"{web_server.url}/desk/q/waiting/")
        desk.wait_for_selector("body[data-socket=open]")
        desk.keyboard.press("j")
        desk.keyboard.press("Enter")
        desk.wait_for_url(f"**/desk/c/{conversations[0].pk}/?queue=waiting")

        pane = desk.get_by_test_id("queue-pane")
        assert pane.get_by_role("heading").inner_text().lower() == "waiting for a human"
        assert pane.get_by_test_id("pane-row").count() == 3
        current = pane.locator("[data-testid=pane-row][aria-current=page]")
        assert texts[0] in current.inner_text()
        transcript = desk.get_by_test_id("transcript")
        assert transcript.get_by_text(texts[0]).count() == 1

        # j moves to the next conversation in the queue, Enter opens it; the pane stays.
        desk.keyboard.press("j")
        assert texts[1] in pane.locator(".pane-row.selected").inner_text()
        desk.keyboard.press("Enter")
        desk.wait_for_url(f"**/desk/c/{conversations[1].pk}/**")
        desk.wait_for_selector("body[data-socket=open]")
        assert desk.get_by_test_id("transcript").get_by_text(texts[1]).count() == 1
        shoot(desk, "desk-three-panes-desktop")

        # A new conversation arrives while the agent has the next one selected: the pane shows
        # it without a reload, and the agent's selection and focus are where they were.
        desk.keyboard.press("j")
        assert texts[2] in pane.locator(".pane-row.selected").inner_text()
        in_thread_text = "Do you ship spare parts to Austria?"
        waiting_conversation(inbox, in_thread_text)
        pane.get_by_text(in_thread_text).wait_for()
        assert pane.get_by_test_id("pane-row").count() == 4
        selected = pane.locator(".pane-row.selected")
        assert texts[2] in selected.inner_text()
        assert desk.evaluate("() => document.activeElement.classList.contains('selected')")
        # k goes back up; t takes the open conversation over.
        desk.keyboard.press("k")
        assert texts[1] in pane.locator(".pane-row.selected").inner_text()
        desk.keyboard.press("t")
        desk.wait_for_selector("[data-testid=state]:has-text('With an agent')")
        assert desk.get_by_test_id("queue-pane").is_visible()

        # On a phone the conversation takes the screen; the queue is one tap back.
        desk.set_viewport_size(PHONE)
        assert not desk.get_by_test_id("queue-pane").is_visible()
        assert desk.get_by_test_id("back-to-queue").is_visible()
        shoot(desk, "desk-three-panes-phone")
    finally:
        context.close()


def test_the_conversation_page_shows_each_message_once(browser: Any, web_server: Any) -> None:
    inbox = load_demo_data(port=web_server.port)
    text = "how long does delivery take to germany for a touring bike"
    conversation = waiting_conversation(inbox, text)
    context, desk = agent_page(browser, web_server, DESKTOP)
    try:
        desk.goto(f"{web_server.url}/desk/c/{conversation.pk}/")
        # Once in the transcript, and never as a notice box above the conversation.
        assert desk.get_by_test_id("transcript").get_by_text(text).count() == 1
        assert desk.locator(".convo-main").get_by_text(text).count() == 1
        assert desk.get_by_test_id("flash").count() == 0
        # The desk ships its own icon: no request for one that does not exist.
        icon = desk.evaluate("() => document.querySelector('link[rel=icon]').href")
        assert desk.request.get(icon).status == 200
    finally:
        context.close()


def test_an_agent_resolves_three_conversations_at_once(browser: Any, web_server: Any) -> None:
    inbox = load_demo_data(port=web_server.port)
    for text in ("Where is my parcel?", "The bell is missing", "Invoice please"):
        waiting_conversation(inbox, text)
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context, desk = agent_page(browser, web_server, viewport)
        try:
            desk.goto(f"{web_server.url}/desk/q/waiting/")
            assert not desk.get_by_test_id("bulk-bar").is_visible()
            picks = desk.get_by_test_id("pick")
            assert picks.count() == 3
            picks.nth(0).check()
            picks.nth(1).check()
            assert desk.get_by_test_id("bulk-count").inner_text() == "2 selected"
            picks.nth(2).check()
            assert desk.get_by_test_id("bulk-count").inner_text() == "3 selected"
            shoot(desk, f"desk-bulk-bar-{name}")
            if name == "phone":
                # The sidebar is a bar on a phone, and stays at the top as the page scrolls.
                desk.mouse.wheel(0, 2000)
                desk.wait_for_timeout(200)
                top = desk.evaluate(
                    "() => document.querySelector('.sidebar').getBoundingClientRect().top"
                )
                assert round(top) == 0
                continue
            desk.get_by_test_id("bulk-resolve").click()
            desk.get_by_test_id("flash").wait_for()
            assert desk.get_by_test_id("flash").inner_text() == "Resolved 3 conversations."
            assert desk.get_by_test_id("empty").is_visible()
            shoot(desk, "desk-bulk-resolved-desktop")
        finally:
            context.close()
    assert set(Conversation.objects.values_list("state", flat=True)) == {"resolved"}


def test_the_sidebar_stays_put_and_article_titles_use_the_row(
    browser: Any, web_server: Any
) -> None:
    load_demo_data(port=web_server.port)
    context, desk = agent_page(browser, web_server, {"width": 1280, "height": 420})
    try:
        desk.goto(f"{web_server.url}/desk/articles/")
        titles = desk.locator("[data-testid=articles] .what strong")
        assert titles.count() > 0
        # No title is cut while its row has room: each is shown whole.
        cut = desk.evaluate(
            "() => [...document.querySelectorAll('[data-testid=articles] .what')]"
            ".filter(el => el.scrollWidth > el.clientWidth).length"
        )
        assert cut == 0
        desk.mouse.wheel(0, 3000)
        desk.wait_for_timeout(200)
        assert desk.evaluate("() => window.scrollY") > 0
        box = desk.evaluate(
            "() => { const r = document.querySelector('.sidebar').getBoundingClientRect();"
            " return [r.top, r.bottom]; }"
        )
        assert [round(edge) for edge in box] == [0, 420]
        shoot(desk, "desk-articles-scrolled-desktop")
    finally:
        context.close()
