"""Erasure reaches the customer's open widget: the transcript disappears, the browser forgets
the erased visitor, and a reload shows nothing of the old conversation."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.chat.models import Conversation
from assistant.compliance import rights
from assistant.demo import load_demo_data
from tests.browser.conftest import in_thread
from tests.browser.test_widget import open_widget, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_erased_customers_open_widget_starts_again_empty(page: Any, web_server: Any) -> None:
    load_demo_data(port=web_server.port)
    open_widget(page, web_server)
    send(page, "Hello, I am quentinerased")
    # The customer's message is stored (acknowledged); the assistant may still be answering:
    # erasure stops that too.
    page.locator("[data-testid=message][data-author=customer][data-seq]").first.wait_for()
    conversation = in_thread(
        lambda: Conversation.objects.select_related("contact").get(
            messages__text__contains="quentinerased"
        )
    )

    in_thread(
        rights.erase_contact,
        contact=conversation.contact,
        by=None,
        channel="command",
        reason="test",
    )

    messages = page.locator("[data-testid=message]")
    messages.first.wait_for(state="detached")
    page.wait_for_selector("[data-testid=panel][data-state=open]")
    page.reload()
    page.wait_for_selector("[data-testid=panel][data-state=open]")
    page.wait_for_timeout(500)
    assert "quentinerased" not in page.content()
    left = in_thread(
        lambda: Conversation.objects.filter(messages__text__contains="quentinerased").exists()
    )
    assert not left
