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
