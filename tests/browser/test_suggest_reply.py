"""'Suggest a reply' with a model (the simulator): a grounded draft when an article answers, a
polite request for details when none does; never an offer to connect the agent with a person."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.chat import services
from assistant.chat.models import Inbox
from assistant.demo import DEMO_INBOX_KEY, load_demo_data
from assistant.llm.simulator import ASK_FOR_DETAILS
from tests import factories
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in
from tests.browser.test_knowledge_gaps import DESKTOP, PHONE, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def handed_off(text: str) -> Any:
    inbox = Inbox.objects.get(public_key=DEMO_INBOX_KEY)
    conversation = factories.make_conversation(inbox, text=text)
    services.conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    return conversation


def suggest(page: Any, server: Any, conversation: Any) -> str:
    page.goto(f"{server.url}/desk/c/{conversation.pk}/")
    page.get_by_test_id("suggest").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=reply-text]').value.length > 0"
    )
    return page.input_value("[data-testid=reply-text]")


def test_a_model_drafts_from_the_article_or_asks_for_details(
    browser: Any, simulated_web_server: Any
) -> None:
    load_demo_data(port=simulated_web_server.port)
    answerable = in_thread(handed_off, text="How much does a new e-bike battery cost?")
    unanswerable = in_thread(handed_off, text="Do you sell saddles on Mars with a guarantee?")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, simulated_web_server, "manager")
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            draft = suggest(page, simulated_web_server, answerable)
            assert "€649" in draft and "connect you" not in draft
            shoot(page, "suggest-grounded")
            draft = suggest(page, simulated_web_server, unanswerable)
            assert draft == ASK_FOR_DETAILS
            shoot(page, "suggest-ask-for-details")
    finally:
        context.close()
