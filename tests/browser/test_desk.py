"""An agent and a customer in two browsers: handoff, live desk, takeover, reply, rating."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.chat.models import Conversation
from assistant.demo import DEMO_PASSWORD, load_demo_data
from tests.browser.test_widget import open_widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, server: Any, username: str) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/**")


def test_a_handoff_reaches_the_desk_live_and_the_agent_answers(
    browser: Any, web_server: Any
) -> None:
    load_demo_data(port=web_server.port)
    agent_context = browser.new_context(viewport={"width": 1400, "height": 900})
    customer_context = browser.new_context(viewport={"width": 1280, "height": 860})
    desk, widget = agent_context.new_page(), customer_context.new_page()
    desk.on("dialog", lambda dialog: dialog.accept())
    try:
        sign_in(desk, web_server, "agent")
        desk.goto(f"{web_server.url}/desk/q/waiting/")
        desk.wait_for_selector("body[data-socket=open]")
        assert desk.get_by_test_id("row").count() == 0

        open_widget(widget, web_server)
        widget.get_by_test_id("handoff").click()

        # No reload: the desk socket tells the queue to refresh itself.
        desk.get_by_test_id("row").first.wait_for()
        desk.get_by_test_id("row").first.click()
        desk.get_by_test_id("takeover").click()
        desk.wait_for_selector("[data-testid=state]:has-text('With an agent')")
        desk.wait_for_selector("body[data-socket=open]")
        desk.get_by_test_id("reply-text").fill("Hi, I'm Alex. How can I help?")
        desk.get_by_test_id("send-reply").click()

        agent_message = widget.locator("[data-testid=message][data-author=agent]").first
        agent_message.wait_for()
        assert "How can I help?" in agent_message.inner_text()
        # The agent sees their own reply arrive in the transcript too.
        desk.locator("[data-testid=transcript-message][data-author=agent]").first.wait_for()

        desk.get_by_test_id("resolve").click()
        widget.get_by_test_id("csat").wait_for()
        widget.get_by_test_id("rating-5").click()
        submit = widget.get_by_test_id("csat-submit")
        if submit.count():
            submit.click()
        widget.wait_for_timeout(1000)
        conversation = Conversation.objects.get()
        assert conversation.state == "resolved"
        assert conversation.csat_score == 5
        assert conversation.assigned_agent.username == "agent"
    finally:
        agent_context.close()
        customer_context.close()


HOSTILE = (
    '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> '
    "[click me](javascript:window.__pwned=3) "
    '<iframe src="https://evil.example"></iframe> <svg onload="window.__pwned=4"></svg>'
)


def test_hostile_names_and_messages_are_inert_in_the_desk(browser: Any, web_server: Any) -> None:
    """Server-rendered (the transcript, the customer card) and live (a message pushed over the
    desk socket) alike: shown as text, never run."""
    from assistant.chat import services as chat
    from assistant.chat.models import Inbox
    from tests import factories
    from tests.browser.conftest import in_thread

    load_demo_data(port=web_server.port)
    inbox = Inbox.objects.get(public_key="pk_demo_northwind")
    # Playwright's sync API runs an event loop in this thread; writes that broadcast run beside.
    conversation = in_thread(factories.make_conversation, inbox=inbox, text=HOSTILE)
    conversation.contact.name = '<img src=x onerror="window.__pwned=5">Eve'
    conversation.contact.save(update_fields=["name"])
    in_thread(chat.conversation_handoff, conversation_id=conversation.id, reason="customer_request")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    desk = context.new_page()
    try:
        sign_in(desk, web_server, "agent")
        desk.goto(f"{web_server.url}/desk/c/{conversation.id}/")
        desk.wait_for_selector("body[data-socket=open]")
        before = desk.get_by_test_id("transcript-message").count()
        in_thread(
            chat.customer_message_create,
            contact_id=conversation.contact_id,
            text=HOSTILE,
            client_id="live-hostile",
        )
        desk.wait_for_function(
            f"() => document.querySelectorAll('[data-testid=transcript-message]').length > {before}"
        )

        dangerous = desk.evaluate(
            "() => document.querySelectorAll('main img, main script, main iframe, main svg, "
            "main [onerror], main [onload]').length"
        )
        javascript_links = desk.evaluate(
            "() => [...document.querySelectorAll('main a')]"
            ".filter(a => a.href && !/^https?:/.test(a.href)).length"
        )
        assert dangerous == 0 and javascript_links == 0
        assert desk.evaluate("() => window.__pwned") is None
        customer_texts = desk.locator("[data-testid=transcript-message][data-author=customer]")
        assert all("<script>" in text for text in customer_texts.all_inner_texts())
    finally:
        context.close()
